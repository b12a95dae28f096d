package storage_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// readingRow is what a test knows of one stored response, to work out in Go
// what the reading view must show.
type readingRow struct {
	id, orgID   int64
	org         models.Organisation
	stance      models.Stance
	amendments  string
	consent     models.Consent
	submittedAt time.Time
	coded       bool
	submitted   bool
}

// readingFixture stores 30 organisations' answers to LP-12: every stance,
// type, region and consent; amendments on a third; names and submission
// times that tie (the clock moves only every fourth answer); five drafts;
// a quarter of the submitted ones coded by the policy team.
func readingFixture(t *testing.T) (*analysisStore, int64, []readingRow) {
	t.Helper()
	a := newAnalysisStore(t)
	ctx := context.Background()
	prop := a.proposal("LP-12")
	start := *a.now
	var rows []readingRow
	for i := range 30 {
		*a.now = start.Add(time.Duration(i/4) * time.Minute)
		org, err := a.s.EnsureOrganisation(ctx, models.Organisation{Code: fmt.Sprintf("R%02d", i),
			Name: fmt.Sprintf("Reading Trust %c", 'A'+rune(i%7)), Type: models.OrganisationTypes[i%len(models.OrganisationTypes)],
			Region: models.Regions[i%len(models.Regions)], System: "System", SystemStatus: models.SystemStatuses[i%2],
			CreatedAt: *a.now, UpdatedAt: *a.now})
		if err != nil {
			t.Fatal(err)
		}
		row := readingRow{orgID: org.ID, org: org, stance: models.Stances[(i*3)%5], consent: models.Consents[i%3],
			submittedAt: *a.now, submitted: i%6 != 5}
		if i%3 == 0 {
			row.amendments = fmt.Sprintf("Amendment %d.", i)
		}
		autonomy := i%5 - 2
		r, err := a.s.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: prop, UserID: a.users["AAA"],
			Input: models.ResponseInput{Stance: row.stance, Autonomy: &autonomy, Comment: fmt.Sprintf("Comment %d.", i),
				Amendments: row.amendments, Consent: row.consent}, Submit: row.submitted})
		if err != nil {
			t.Fatal(err)
		}
		row.id = r.ID
		if row.submitted && i%4 == 1 {
			a.code(r.ID, "timescale")
			row.coded = true
		}
		rows = append(rows, row)
	}
	a.respond("AAA", "LP-11", true, models.ConsentAttributed, "Another proposal's answer.")
	return a, prop, rows
}

// expected lists, in the order s sorts them, the submitted rows f lets through.
func expected(rows []readingRow, f models.ReadingFilter, s models.ReadingSort) []int64 {
	var out []readingRow
	for _, r := range rows {
		if r.submitted && (f.Type == "" || r.org.Type == f.Type) && (f.Region == "" || r.org.Region == f.Region) &&
			(f.SystemStatus == "" || r.org.SystemStatus == f.SystemStatus) && (f.Stance == "" || r.stance == f.Stance) &&
			(!f.NotCoded || !r.coded) && (!f.HasAmendments || r.amendments != "") && (!f.Quotable || r.consent.Quotable()) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b readingRow) int {
		switch s {
		case models.SortOrganisation:
			return cmp.Or(cmp.Compare(a.org.Name, b.org.Name), cmp.Compare(a.orgID, b.orgID))
		case models.SortStance:
			return cmp.Or(slices.Index(models.Stances, a.stance)-slices.Index(models.Stances, b.stance),
				a.submittedAt.Compare(b.submittedAt), cmp.Compare(a.id, b.id))
		}
		return cmp.Or(a.submittedAt.Compare(b.submittedAt), cmp.Compare(a.id, b.id))
	})
	ids := make([]int64, len(out))
	for i, r := range out {
		ids[i] = r.id
	}
	return ids
}

// readAll follows the next-page links from the first page to the last, then
// the previous-page links back, and returns both walks.
func readAll(t *testing.T, a *analysisStore, q models.ReadingQuery) (forward, backward []int64) {
	t.Helper()
	ctx := context.Background()
	for page := 0; ; page++ {
		p, err := a.s.ReadingResponses(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if page > 100 {
			t.Fatal("the pages never end")
		}
		if p.HasPrev != (q.After > 0) {
			t.Errorf("page %d: HasPrev = %v", page, p.HasPrev)
		}
		for _, r := range p.Responses {
			forward = append(forward, r.ID)
		}
		if !p.HasNext {
			break
		}
		q.After = p.Responses[len(p.Responses)-1].ID
	}
	if len(forward) == 0 {
		return nil, nil
	}
	q.After, q.Before = 0, forward[len(forward)-1]
	backward = []int64{forward[len(forward)-1]}
	for {
		p, err := a.s.ReadingResponses(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		backward = append(pageIDs(p), backward...)
		if !p.HasPrev {
			break
		}
		q.Before = p.Responses[0].ID
	}
	return forward, backward
}

func TestReadingPagesShowEveryMatchingResponseOnceInOrder(t *testing.T) {
	a, prop, rows := readingFixture(t)
	filters := []struct {
		name string
		f    models.ReadingFilter
	}{
		{"no filter", models.ReadingFilter{}},
		{"acute trusts", models.ReadingFilter{Filter: models.Filter{Type: "acute"}}},
		{"London", models.ReadingFilter{Filter: models.Filter{Region: "London"}}},
		{"in an STP", models.ReadingFilter{Filter: models.Filter{SystemStatus: "stp"}}},
		{"opposing", models.ReadingFilter{Stance: models.Oppose}},
		{"not yet coded", models.ReadingFilter{NotCoded: true}},
		{"with amendments", models.ReadingFilter{HasAmendments: true}},
		{"quotable", models.ReadingFilter{Quotable: true}},
		{"quotable, not coded, in an ICS", models.ReadingFilter{Filter: models.Filter{SystemStatus: "ics"}, NotCoded: true, Quotable: true}},
		{"nothing matches", models.ReadingFilter{Filter: models.Filter{Type: "ambulance"}, Stance: models.StronglySupport, HasAmendments: true}},
	}
	for _, fc := range filters {
		for _, sort := range models.ReadingSorts {
			t.Run(fc.name+" by "+string(sort), func(t *testing.T) {
				want := expected(rows, fc.f, sort)
				forward, backward := readAll(t, a, models.ReadingQuery{ProposalID: prop, Filter: fc.f, Sort: sort, Limit: 4})
				if !slices.Equal(forward, want) {
					t.Errorf("pages forward = %v\nwant          %v", forward, want)
				}
				if !slices.Equal(backward, want) {
					t.Errorf("pages back = %v\nwant       %v", backward, want)
				}
				n, err := a.s.ReadingCount(context.Background(), prop, fc.f)
				if err != nil || n != len(want) {
					t.Errorf("count = %d, %v; want %d", n, err, len(want))
				}
			})
		}
	}
	if len(expected(rows, models.ReadingFilter{}, models.SortSubmitted)) != 25 {
		t.Fatal("the fixture should hold 25 submitted responses")
	}
}

func pageIDs(p models.ReadingPage) []int64 {
	var out []int64
	for _, r := range p.Responses {
		out = append(out, r.ID)
	}
	return out
}

func TestReadingNeighboursFollowTheViewsOrder(t *testing.T) {
	a, prop, rows := readingFixture(t)
	ctx := context.Background()
	for _, sort := range models.ReadingSorts {
		f := models.ReadingFilter{Quotable: true}
		want := expected(rows, f, sort)
		for i, id := range want {
			prev, next, err := a.s.ReadingNeighbours(ctx, models.ReadingQuery{ProposalID: prop, Filter: f, Sort: sort}, id)
			if err != nil {
				t.Fatal(err)
			}
			var wantPrev, wantNext int64
			if i > 0 {
				wantPrev = want[i-1]
			}
			if i < len(want)-1 {
				wantNext = want[i+1]
			}
			if prev != wantPrev || next != wantNext {
				t.Errorf("%s: neighbours of %d = %d, %d; want %d, %d", sort, id, prev, next, wantPrev, wantNext)
			}
		}
	}
}

func TestReadingResponsesHoldTheWholeAnswer(t *testing.T) {
	a, prop, rows := readingFixture(t)
	ctx := context.Background()
	p, err := a.s.ReadingResponses(ctx, models.ReadingQuery{ProposalID: prop, Sort: models.SortSubmitted, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Responses[1]
	if got.ID != rows[1].id || got.Organisation.Code != "R01" || got.Organisation.Name != "Reading Trust B" ||
		got.Comment != "Comment 1." || got.Stance != rows[1].stance || got.Consent != rows[1].consent ||
		!slices.Equal(got.AnalystConcerns, []string{"timescale"}) || got.SubmittedAt == nil {
		t.Errorf("second response = %+v", got)
	}
	if p.Responses[0].Amendments != "Amendment 0." || p.Responses[0].AnalystConcerns != nil {
		t.Errorf("first response = %+v", p.Responses[0])
	}
}

func TestCodingProgressCountsCodedSubmittedResponses(t *testing.T) {
	a, prop, rows := readingFixture(t)
	ctx := context.Background()
	got, err := a.s.CodingProgress(ctx, prop)
	if err != nil {
		t.Fatal(err)
	}
	if want := (models.CodingProgress{Coded: 5, Submitted: 25}); got != want {
		t.Errorf("progress = %+v, want %+v", got, want)
	}
	a.code(rows[0].id, "workforce")
	a.code(rows[1].id) // uncoding takes it out again
	if got, _ = a.s.CodingProgress(ctx, prop); got != (models.CodingProgress{Coded: 5, Submitted: 25}) {
		t.Errorf("after one coded and one uncoded: %+v", got)
	}
	a.code(rows[2].id, "workforce")
	if got, _ = a.s.CodingProgress(ctx, prop); got != (models.CodingProgress{Coded: 6, Submitted: 25}) {
		t.Errorf("after one more coded: %+v", got)
	}
}

func TestReadingRefusesAnUnknownStanceOrOrder(t *testing.T) {
	a, prop, _ := readingFixture(t)
	for _, q := range []models.ReadingQuery{
		{ProposalID: prop, Sort: "shoe size"},
		{ProposalID: prop, Sort: models.SortSubmitted, Filter: models.ReadingFilter{Stance: "furious"}},
		{ProposalID: prop, Sort: models.SortSubmitted, Filter: models.ReadingFilter{Filter: models.Filter{Region: "Atlantis"}}},
	} {
		if _, err := a.s.ReadingResponses(context.Background(), q); err == nil {
			t.Errorf("%+v was accepted", q)
		}
	}
}

func TestCachedReadingCountsFollowEveryCoding(t *testing.T) {
	a, prop, rows := readingFixture(t)
	ctx := context.Background()
	counts := func() models.ReadingCounts {
		t.Helper()
		v, err := a.s.SummaryVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.s.CachedReadingCounts(ctx, v, prop, models.ReadingFilter{NotCoded: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got, want := counts(), (models.ReadingCounts{Matching: 20, Progress: models.CodingProgress{Coded: 5, Submitted: 25}}); got != want {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
	a.code(rows[0].id, "workforce")
	if got, want := counts(), (models.ReadingCounts{Matching: 19, Progress: models.CodingProgress{Coded: 6, Submitted: 25}}); got != want {
		t.Errorf("after coding one more: %+v, want %+v", got, want)
	}
}
