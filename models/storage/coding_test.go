package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// analysisStore is a store with the reference data, the organisations below
// (one member user each) and a movable clock.
type analysisStore struct {
	t     *testing.T
	s     *storage.Store
	now   *time.Time
	users map[string]int64 // by organisation code
	orgs  map[string]models.Organisation
	analy int64 // a policy user
}

func newAnalysisStore(t *testing.T) *analysisStore {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a := &analysisStore{t: t, now: &now, users: map[string]int64{}, orgs: map[string]models.Organisation{}}
	s, err := storage.Open(ctx, storage.Options{Path: testdb.Path(t, filepath.Join(t.TempDir(), "analysis.db")), Now: func() time.Time { return *a.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a.s = s
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct{ code, name, typ, region, status string }{
		{"AAA", "Alpha Acute NHS Trust", "acute", "London", "ics"},
		{"BBB", "Beta Mental Health NHS Trust", "mental_health", "Midlands", "stp"},
		{"CCC", "Charlie Acute NHS Trust", "acute", "Midlands", "stp"},
		{"DDD", "Delta Community NHS Trust", "community", "London", "ics"},
		{"EEE", "Echo Acute NHS Trust", "acute", "London", "stp"},
	} {
		org, err := s.EnsureOrganisation(ctx, models.Organisation{Code: o.code, Name: o.name, Type: o.typ, Region: o.region,
			System: o.region + " system", SystemStatus: o.status, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		a.orgs[o.code] = org
		u, err := s.CreateUser(ctx, models.NewUser{Email: strings.ToLower(o.code) + "@example.org", Name: "Member " + o.code,
			Role: models.RoleMember, OrganisationCode: o.code, Password: "a long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		a.users[o.code] = u.ID
	}
	u, err := s.CreateUser(ctx, models.NewUser{Email: "analyst@example.org", Name: "Ana Analyst", Role: models.RolePolicy,
		Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	a.analy = u.ID
	return a
}

func (a *analysisStore) proposal(ref string) int64 {
	p, _, err := a.s.ProposalByRef(context.Background(), ref)
	if err != nil {
		a.t.Fatal(err)
	}
	return p.ID
}

// respond saves (or re-saves) an organisation's response as its member.
func (a *analysisStore) respond(org, ref string, submit bool, consent models.Consent, comment string, concerns ...string) int64 {
	a.t.Helper()
	ctx := context.Background()
	o := a.orgs[org]
	base := 0
	if cur, err := a.s.ResponseFor(ctx, o.ID, a.proposal(ref)); err == nil {
		base = cur.Version
	}
	autonomy := 0
	r, err := a.s.Save(ctx, models.SaveResponse{OrganisationID: o.ID, ProposalID: a.proposal(ref), UserID: a.users[org],
		Input: models.ResponseInput{Stance: models.Support, Autonomy: &autonomy, Concerns: concerns, Comment: comment,
			Consent: consent}, Submit: submit, BaseVersion: base})
	if err != nil {
		a.t.Fatal(err)
	}
	return r.ID
}

func (a *analysisStore) code(responseID int64, codes ...string) {
	a.t.Helper()
	if _, _, err := a.s.CodeResponse(context.Background(), responseID, a.analy, codes); err != nil {
		a.t.Fatal(err)
	}
}

func TestCodeResponseKeepsWhoAddedEachKeptCode(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	id := a.respond("AAA", "LP-12", true, models.ConsentAttributed, "words", "new_central_powers")
	first := *a.now

	before, after, err := a.s.CodeResponse(ctx, id, a.analy, []string{"workforce", "timescale", "workforce"})
	if err != nil || before != nil || !reflect.DeepEqual(after, []string{"timescale", "workforce"}) {
		t.Fatalf("first coding: before %v after %v err %v", before, after, err)
	}
	*a.now = first.Add(time.Hour)
	before, after, err = a.s.CodeResponse(ctx, id, a.analy, []string{"workforce", "new_central_powers"})
	if err != nil || !reflect.DeepEqual(before, []string{"timescale", "workforce"}) ||
		!reflect.DeepEqual(after, []string{"new_central_powers", "workforce"}) {
		t.Fatalf("second coding: before %v after %v err %v", before, after, err)
	}
	d, err := a.s.SubmittedResponse(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, c := range d.AnalystCodings {
		got[c.Code] = c.CodedAt.UTC()
		if c.CodedByName != "Ana Analyst" {
			t.Errorf("%s coded by %q", c.Code, c.CodedByName)
		}
	}
	want := map[string]time.Time{"workforce": first, "new_central_powers": first.Add(time.Hour)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("codings = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(d.MemberConcerns, []string{"new_central_powers"}) {
		t.Errorf("member concerns = %v, want them untouched", d.MemberConcerns)
	}

	t.Run("the same set again changes nothing and is not audited", func(t *testing.T) {
		n := len(auditOf(t, a.s, models.AuditResponseCoded))
		if _, _, err := a.s.CodeResponse(ctx, id, a.analy, []string{"new_central_powers", "workforce"}); err != nil {
			t.Fatal(err)
		}
		if m := len(auditOf(t, a.s, models.AuditResponseCoded)); m != n {
			t.Errorf("%d audit entries after a no-op, want %d", m, n)
		}
	})
	t.Run("an unknown code changes nothing", func(t *testing.T) {
		_, _, err := a.s.CodeResponse(ctx, id, a.analy, []string{"timescale", "no_such_code"})
		var unknown models.UnknownConcernError
		if !errors.As(err, &unknown) || unknown.Code != "no_such_code" {
			t.Fatalf("err = %v, want an unknown concern", err)
		}
		d, _ := a.s.SubmittedResponse(ctx, id)
		if !reflect.DeepEqual(d.AnalystConcerns(), []string{"new_central_powers", "workforce"}) {
			t.Errorf("codes = %v after a refused coding", d.AnalystConcerns())
		}
	})
}

func auditOf(t *testing.T, s *storage.Store, action string) []models.AuditEntry {
	t.Helper()
	es, err := s.AuditLog(context.Background(), models.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestDraftsAreNotAnalysed(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	id := a.respond("AAA", "LP-12", false, models.ConsentAttributed, "draft words")
	for name, err := range map[string]error{
		"read":  func() error { _, err := a.s.SubmittedResponse(ctx, id); return err }(),
		"code":  func() error { _, _, err := a.s.CodeResponse(ctx, id, a.analy, []string{"timescale"}); return err }(),
		"note":  func() error { _, err := a.s.AddNote(ctx, id, a.analy, "n"); return err }(),
		"quote": func() error { _, err := a.s.AddQuote(ctx, id, a.analy, "draft words"); return err }(),
	} {
		if !errors.Is(err, models.ErrNotSubmitted) || !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s a draft: err = %v, want ErrNotSubmitted (an ErrNotFound)", name, err)
		}
	}
}

func TestConcernTalliesByWhoChose(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	// LP-12:
	//   AAA acute London ics     submitted, member: new_central_powers, timescale; analyst: timescale, workforce
	//   BBB mh Midlands stp      submitted, member: timescale;                     analyst: new_central_powers
	//   CCC acute Midlands stp   submitted, member: none;                          analyst: workforce
	//   DDD community London ics draft,     member: workforce;                     analyst coded before it went back to draft: workforce
	//   EEE acute London stp     LP-11 only, analyst: workforce
	aaa := a.respond("AAA", "LP-12", true, models.ConsentAttributed, "", "new_central_powers", "timescale")
	a.code(aaa, "timescale", "workforce")
	a.code(a.respond("BBB", "LP-12", true, models.ConsentAttributed, "", "timescale"), "new_central_powers")
	a.code(a.respond("CCC", "LP-12", true, models.ConsentAttributed, ""), "workforce")
	ddd := a.respond("DDD", "LP-12", true, models.ConsentAttributed, "", "workforce")
	a.code(ddd, "workforce")
	a.respond("DDD", "LP-12", false, models.ConsentAttributed, "", "workforce")
	a.code(a.respond("EEE", "LP-11", true, models.ConsentAttributed, ""), "workforce")

	lp12 := a.proposal("LP-12")
	for _, tc := range []struct {
		name              string
		filter            models.Filter
		analyst, combined map[string]int
	}{
		{"every member", models.Filter{},
			map[string]int{"timescale": 1, "workforce": 2, "new_central_powers": 1},
			map[string]int{"timescale": 2, "workforce": 2, "new_central_powers": 2}},
		{"acute only", models.Filter{Type: "acute"},
			map[string]int{"timescale": 1, "workforce": 2},
			map[string]int{"timescale": 1, "workforce": 2, "new_central_powers": 1}},
		{"Midlands STP", models.Filter{Region: "Midlands", SystemStatus: "stp"},
			map[string]int{"workforce": 1, "new_central_powers": 1},
			map[string]int{"timescale": 1, "workforce": 1, "new_central_powers": 1}},
		{"community: only a draft", models.Filter{Type: "community"}, map[string]int{}, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, which := range []struct {
				name string
				fn   func(context.Context, int64, models.Filter) (map[string]int, error)
				want map[string]int
			}{{"analyst", a.s.AnalystConcernTallies, tc.analyst}, {"combined", a.s.CombinedConcernTallies, tc.combined}} {
				got, err := which.fn(ctx, lp12, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(seeds.Concerns) {
					t.Errorf("%s: %d codes, want every code of the codebook (%d)", which.name, len(got), len(seeds.Concerns))
				}
				for code, n := range got {
					if n != which.want[code] {
						t.Errorf("%s %s = %d, want %d", which.name, code, n, which.want[code])
					}
				}
			}
		})
	}
	t.Run("an unknown segment is refused", func(t *testing.T) {
		var fe models.FilterError
		if _, err := a.s.AnalystConcernTallies(ctx, lp12, models.Filter{Region: "Atlantis"}); !errors.As(err, &fe) {
			t.Errorf("err = %v, want a FilterError", err)
		}
	})
}

func TestSubmittedResponsesPagesByID(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	var ids []int64
	for _, org := range []string{"AAA", "BBB", "CCC", "DDD", "EEE"} {
		ids = append(ids, a.respond(org, "LP-12", true, models.ConsentAttributed, "words "+org, "timescale"))
	}
	a.respond("AAA", "LP-11", false, models.ConsentAttributed, "draft")
	a.code(ids[0], "workforce", "new_central_powers")
	if _, err := a.s.AddNote(ctx, ids[0], a.analy, "note one"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.s.AddNote(ctx, ids[0], a.analy, "note two"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.s.AddQuote(ctx, ids[0], a.analy, "words"); err != nil {
		t.Fatal(err)
	}
	cons, err := a.s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	q := models.ResponseListQuery{ConsultationID: cons.ID, Limit: 2}
	pageOf := func(q models.ResponseListQuery) models.ResponseList {
		t.Helper()
		l, err := a.s.SubmittedResponses(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	idsOf := func(l models.ResponseList) []int64 {
		var out []int64
		for _, r := range l.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name             string
		after, before    int64
		want             []int64
		hasPrev, hasNext bool
	}{
		{"first page", 0, 0, ids[0:2], false, true},
		{"middle page", ids[1], 0, ids[2:4], true, true},
		{"last page", ids[3], 0, ids[4:5], true, false},
		{"back from the last page", 0, ids[4], ids[2:4], true, true},
		{"back to the first page", 0, ids[2], ids[0:2], false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := q
			q.After, q.Before = tc.after, tc.before
			l := pageOf(q)
			if !reflect.DeepEqual(idsOf(l), tc.want) || l.HasPrev != tc.hasPrev || l.HasNext != tc.hasNext || l.Total != 5 {
				t.Errorf("got %v prev %v next %v total %d, want %v prev %v next %v total 5",
					idsOf(l), l.HasPrev, l.HasNext, l.Total, tc.want, tc.hasPrev, tc.hasNext)
			}
		})
	}
	t.Run("the row holds both code sets and the counts", func(t *testing.T) {
		r := pageOf(q).Rows[0]
		want := models.ResponseRow{ID: ids[0], ProposalRef: "LP-12", OrganisationCode: "AAA", OrganisationName: "Alpha Acute NHS Trust",
			Stance: models.Support, Consent: models.ConsentAttributed, MemberConcerns: []string{"timescale"},
			AnalystConcerns: []string{"new_central_powers", "workforce"}, QuoteCount: 1, NoteCount: 2}
		r.ProposalTitle, r.SubmittedAt = "", nil
		if !reflect.DeepEqual(r, want) {
			t.Errorf("row = %+v\nwant %+v", r, want)
		}
	})
	t.Run("filters", func(t *testing.T) {
		f := q
		f.Filter, f.Limit = models.Filter{Type: "acute", Region: "London"}, 50
		if got := idsOf(pageOf(f)); !reflect.DeepEqual(got, []int64{ids[0], ids[4]}) {
			t.Errorf("acute London = %v", got)
		}
		f.Filter, f.ProposalRef = models.Filter{}, "LP-11"
		if l := pageOf(f); l.Total != 0 || len(l.Rows) != 0 {
			t.Errorf("LP-11 has only a draft, got %+v", l)
		}
	})
}

func TestQuotesAreCheckedAgainstTheMemberAsTheyAreNow(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	const text = "Boards, not regulators, should decide.\r\nWe need time."
	id := a.respond("BBB", "LP-12", true, models.ConsentAnonymised, text)
	lp12 := a.proposal("LP-12")

	for _, tc := range []struct {
		excerpt string
		err     error
	}{
		{"not regulators, should decide.\nWe need", nil},
		{"not regulators, should decide.\r\nWe need time.", nil},
		{"Boards should decide", models.ErrExcerptNotInText},
		{"", models.ErrExcerptNotInText},
	} {
		if _, err := a.s.AddQuote(ctx, id, a.analy, tc.excerpt); !errors.Is(err, tc.err) {
			t.Errorf("AddQuote(%q) err = %v, want %v", tc.excerpt, err, tc.err)
		}
	}
	qs, err := a.s.QuotesForProposal(ctx, lp12)
	if err != nil || len(qs) != 2 {
		t.Fatalf("quotes = %+v (err %v), want 2", qs, err)
	}
	if qs[0].Attribution != "A member trust" || qs[0].Attributed || qs[0].OrganisationCode != "BBB" || qs[0].ResponseID != id {
		t.Errorf("quote = %+v", qs[0])
	}
	if q, err := a.s.QuoteByID(ctx, qs[0].ID); err != nil || q.Excerpt != qs[0].Excerpt {
		t.Errorf("QuoteByID = %+v, %v", q, err)
	}

	for _, tc := range []struct {
		name     string
		change   func()
		withheld string
	}{
		{"attributed now: the name is used", func() { a.respond("BBB", "LP-12", true, models.ConsentAttributed, text) }, ""},
		{"the text changed", func() { a.respond("BBB", "LP-12", true, models.ConsentAttributed, "Something else entirely.") }, models.WithheldTextChanged},
		{"back to a draft", func() { a.respond("BBB", "LP-12", false, models.ConsentAttributed, text) }, models.WithheldNotSubmitted},
		{"private now", func() { a.respond("BBB", "LP-12", true, models.ConsentPrivate, text) }, models.WithheldPrivate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.change()
			all, err := a.s.QuotesForResponse(ctx, id)
			if err != nil || len(all) != 2 {
				t.Fatalf("QuotesForResponse = %d (err %v), want both whatever their state", len(all), err)
			}
			usable, err := a.s.QuotesForProposal(ctx, lp12)
			if err != nil {
				t.Fatal(err)
			}
			_, byIDErr := a.s.QuoteByID(ctx, all[0].ID)
			if tc.withheld == "" {
				if len(usable) != 2 || usable[0].Attribution != "Beta Mental Health NHS Trust" || !usable[0].Attributed || byIDErr != nil {
					t.Errorf("usable = %+v, QuoteByID err %v", usable, byIDErr)
				}
				return
			}
			if len(usable) != 0 || !errors.Is(byIDErr, models.ErrNotFound) {
				t.Errorf("withheld quotes still usable: %+v, QuoteByID err %v", usable, byIDErr)
			}
			if all[0].Withheld != tc.withheld || all[0].Attribution != "" {
				t.Errorf("withheld = %q attribution %q, want %q and none", all[0].Withheld, all[0].Attribution, tc.withheld)
			}
		})
	}
	t.Run("a private response cannot be quoted", func(t *testing.T) {
		if _, err := a.s.AddQuote(ctx, id, a.analy, "We need time."); !errors.Is(err, models.ErrNotQuotable) {
			t.Errorf("err = %v, want ErrNotQuotable", err)
		}
	})
}

func TestSnippetMarksEveryMatch(t *testing.T) {
	show := func(parts []models.SnippetPart) string {
		var b strings.Builder
		for _, p := range parts {
			if p.Match {
				fmt.Fprintf(&b, "[%s]", p.Text)
			} else {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	long := strings.Repeat("lorem ipsum ", 40) + "the Merger clause " + strings.Repeat("dolor sit ", 40)
	for _, tc := range []struct {
		name, text string
		words      []string
		width      int
		want       string
	}{
		{"case folded, every occurrence", "Merger? merger! MERGER.", []string{"merger"}, 100, "[Merger]? [merger]! [MERGER]."},
		{"several words, overlapping", "boardroom", []string{"board", "room", "ardr"}, 100, "[boardroom]"},
		{"no match", "nothing here", []string{"merger"}, 100, ""},
		{"non-ASCII folds rune by rune", "Élan and ÉLAN", []string{"élan"}, 100, "[Élan] and [ÉLAN]"},
		{"a long text is cut at spaces around the first match", long, []string{"merger"}, 60,
			"…lorem ipsum the [Merger] clause dolor sit dolor sit dolor…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := show(models.Snippet(tc.text, tc.words, tc.width)); got != tc.want {
				t.Errorf("snippet = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSearchResponsesLimitsAndEscapes(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	for _, org := range []string{"AAA", "BBB", "CCC"} {
		a.respond(org, "LP-12", true, models.ConsentAttributed, "Costs rise 50% under_this plan for "+org)
	}
	a.respond("DDD", "LP-12", true, models.ConsentAttributed, `Costs rise 50 percent; a\b path`)
	cons, _ := a.s.ConsultationBySlug(ctx, "lp-2019")
	for _, tc := range []struct {
		q         string
		limit     int
		want      int
		truncated bool
	}{
		{"50%", 10, 3, false},
		{"under_this", 10, 3, false},
		{"under%this", 10, 0, false},
		{`a\b`, 10, 1, false},
		{"costs RISE", 10, 4, false},
		{"costs", 2, 2, true},
		{"costs", 4, 4, false},
		{"   ", 10, 0, false},
	} {
		t.Run(fmt.Sprintf("%q limit %d", tc.q, tc.limit), func(t *testing.T) {
			hits, truncated, err := a.s.SearchResponses(ctx, cons.ID, tc.q, "", models.Filter{}, tc.limit)
			if err != nil || len(hits) != tc.want || truncated != tc.truncated {
				t.Errorf("got %d hits, truncated %v, err %v; want %d, %v", len(hits), truncated, err, tc.want, tc.truncated)
			}
		})
	}
	if _, _, err := a.s.SearchResponses(ctx, cons.ID, strings.Repeat("x", models.MaxSearchChars+1), "", models.Filter{}, 10); !errors.Is(err, models.ErrSearchTooLong) {
		t.Errorf("a long query: err = %v", err)
	}
}
