package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// TestTalliesMatchARecountAfterABurstOfWrites drives every kind of write the
// tallies must follow (saves, edits, submitted ↔ draft, imports that create
// and replace, analyst coding, organisations created and moved to another
// segment, concurrent saves), then recounts every tally from the responses
// and checks the summaries against the independent recount.
func TestTalliesMatchARecountAfterABurstOfWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tallies.db")
	now := time.Now()
	s := demoStore(t, path, now)
	defer s.Close()
	if err := s.VerifyTallies(ctx); err != nil {
		t.Fatalf("after the demo load: %v", err)
	}
	admin, err := s.CreateUser(ctx, models.NewUser{Email: "tally-admin@body.example", Name: "Tally Admin",
		Role: models.RoleAdmin, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	lp, _ := s.ConsultationBySlug(ctx, "lp-2019")
	ps, _ := s.Proposals(ctx, lp.ID)
	concerns, _ := s.Concerns(ctx)
	rng := rand.New(rand.NewPCG(5, 2026))

	// Each goroutine draws from its own source.
	randomInput := func(rng *rand.Rand) models.ResponseInput {
		a := rng.IntN(5) - 2
		in := models.ResponseInput{Stance: models.Stances[rng.IntN(5)], Autonomy: &a,
			Consent: models.Consents[rng.IntN(3)], Amendments: "amend"}
		if rng.IntN(3) > 0 {
			in.Comment = fmt.Sprintf("comment %d", rng.IntN(1000))
		}
		for _, c := range concerns {
			if rng.IntN(6) == 0 {
				in.Concerns = append(in.Concerns, c.Code)
			}
		}
		return in
	}
	save := func(rng *rand.Rand, orgID, proposalID int64, submit bool) error {
		base := 0
		if cur, err := s.ResponseFor(ctx, orgID, proposalID); err == nil {
			base = cur.Version
		}
		_, err := s.Save(ctx, models.SaveResponse{OrganisationID: orgID, ProposalID: proposalID,
			Input: randomInput(rng), Submit: submit, BaseVersion: base})
		return err
	}

	for step := 0; step < 120; step++ {
		orgs, _ := s.Organisations(ctx)
		org, p := orgs[rng.IntN(len(orgs))], ps[rng.IntN(len(ps))]
		// The cached summary and overview of this proposal are warmed before
		// the write and must be recomputed after it.
		before := warmCaches(t, s, p.Ref, lp.ID)
		switch op := rng.IntN(10); {
		case op < 5: // a save: new, edited, submitted or taken back to draft
			if err := save(rng, org.ID, p.ID, rng.IntN(3) > 0); err != nil {
				t.Fatalf("step %d save: %v", step, err)
			}
		case op < 6: // an import that creates some responses and replaces others
			var b strings.Builder
			b.WriteString("organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n")
			seen := map[string]bool{}
			for i := 0; i < 15; i++ {
				o, q := orgs[rng.IntN(len(orgs))], ps[rng.IntN(len(ps))]
				if seen[o.Code+q.Ref] {
					continue
				}
				seen[o.Code+q.Ref] = true
				in := randomInput(rng)
				fmt.Fprintf(&b, "%s,%s,%s,%d,%s,%q,amend,%s\n", o.Code, q.Ref, in.Stance, *in.Autonomy,
					strings.Join(in.Concerns, ";"), in.Comment, in.Consent)
			}
			if _, err := s.ImportResponses(ctx, strings.NewReader(b.String()), "burst.csv", admin.ID); err != nil {
				t.Fatalf("step %d import: %v", step, err)
			}
		case op < 8: // the policy team codes a submitted response
			list, err := s.SubmittedResponses(ctx, models.ResponseListQuery{ConsultationID: lp.ID, Limit: 500})
			if err != nil || len(list.Rows) == 0 {
				t.Fatalf("step %d: %d submitted responses, %v", step, len(list.Rows), err)
			}
			var codes []string
			for _, c := range concerns {
				if rng.IntN(5) == 0 {
					codes = append(codes, c.Code)
				}
			}
			if _, _, err := s.CodeResponse(ctx, list.Rows[rng.IntN(len(list.Rows))].ID, admin.ID, codes); err != nil {
				t.Fatalf("step %d coding: %v", step, err)
			}
		case op < 9: // an organisation moves to another segment
			in := models.OrganisationInput{Code: org.Code, Name: org.Name, System: org.System,
				Type:         models.OrganisationTypes[rng.IntN(len(models.OrganisationTypes))],
				Region:       models.Regions[rng.IntN(len(models.Regions))],
				SystemStatus: models.SystemStatuses[rng.IntN(2)]}
			if _, err := s.UpdateOrganisation(ctx, admin.ID, org.ID, in); err != nil {
				t.Fatalf("step %d organisation update: %v", step, err)
			}
		default: // a new member organisation
			code := fmt.Sprintf("N%03d", step)
			if _, err := s.CreateOrganisation(ctx, admin.ID, models.OrganisationInput{Code: code, Name: "New " + code,
				Type: "community", Region: "London", System: "North Central London", SystemStatus: "ics"}); err != nil {
				t.Fatalf("step %d organisation create: %v", step, err)
			}
		}
		checkCachesFresh(t, s, step, before, p.Ref, lp.ID)
	}
	if err := s.VerifyTallies(ctx); err != nil {
		t.Fatalf("after the burst: %v", err)
	}

	// Concurrent saves (several writers on PostgreSQL; queued on SQLite).
	orgs, _ := s.Organisations(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < 15; i++ {
				org, p := orgs[(w*7+i*3)%len(orgs)], ps[(w+i)%len(ps)]
				err := save(rng, org.ID, p.ID, i%4 != 0)
				var ce models.ConflictError
				if err != nil && !errors.As(err, &ce) {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent save: %v", err)
	}
	if err := s.VerifyTallies(ctx); err != nil {
		t.Fatalf("after concurrent saves: %v", err)
	}

	// The summaries read from the tallies agree with a count from raw rows.
	db := testdb.Raw(t, testdb.Path(t, path))
	for _, f := range []models.Filter{{}, {Type: "acute"}, {Region: "London", SystemStatus: "ics"}} {
		for _, p := range ps[:5] {
			want := independentRecount(t, db, p.ID, f)
			got, err := s.ProposalSummary(ctx, p.Ref, f)
			if err != nil {
				t.Fatal(err)
			}
			name := p.Ref + " " + filterName(f)
			if got.Members != want.members || got.Responses != want.responses || got.QuotesTotal != want.quotes ||
				got.NonRespondersTotal != want.nonResponders {
				t.Errorf("%s: members %d responses %d quotes %d non-responders %d; recount %d, %d, %d, %d", name,
					got.Members, got.Responses, got.QuotesTotal, got.NonRespondersTotal,
					want.members, want.responses, want.quotes, want.nonResponders)
			}
			for _, st := range models.Stances {
				if got.Stances.Get(st) != want.stances[string(st)] {
					t.Errorf("%s: %s %d, recount %d", name, st, got.Stances.Get(st), want.stances[string(st)])
				}
			}
			for _, c := range got.Concerns {
				if c.Count != want.concerns[c.Code] {
					t.Errorf("%s: concern %s %d, recount %d", name, c.Code, c.Count, want.concerns[c.Code])
				}
			}
		}
	}
}

// TestSummaryListsAreBoundedWithTotals checks that quotes and non-responders
// stop at the limit and say how many there are in all.
func TestSummaryListsAreBoundedWithTotals(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := openStore(t, filepath.Join(t.TempDir(), "bounded.db"), now)
	defer s.Close()
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	p, _, err := s.ProposalByRef(ctx, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	const orgs = models.SummaryNonResponderLimit + 30
	a := 1
	for i := 0; i < orgs; i++ {
		o, err := s.EnsureOrganisation(ctx, models.Organisation{Code: fmt.Sprintf("B%03d", i), Name: fmt.Sprintf("Bounded %03d", i),
			Type: "acute", Region: "London", System: "North Central London", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		// Every other organisation answers LP-01 with a quotable comment.
		if i%2 == 0 {
			continue
		}
		if err := s.SeedResponse(ctx, models.SaveResponse{OrganisationID: o.ID, ProposalID: p.ID, Submit: true,
			Input: models.ResponseInput{Stance: "support", Autonomy: &a, Consent: "attributed", Comment: "quote me"}}, now); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := s.ProposalSummary(ctx, "LP-01", models.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Responses != orgs/2 || sum.QuotesTotal != orgs/2 || len(sum.Quotes) != models.SummaryQuoteLimit {
		t.Errorf("LP-01: %d responses, %d quotes listed of %d, want %d of %d", sum.Responses, len(sum.Quotes), sum.QuotesTotal,
			models.SummaryQuoteLimit, orgs/2)
	}
	if sum.NonRespondersTotal != orgs/2 || len(sum.NonResponders) != orgs/2 {
		t.Errorf("LP-01: %d non-responders listed of %d, want %d", len(sum.NonResponders), sum.NonRespondersTotal, orgs/2)
	}
	other, err := s.ProposalSummary(ctx, "LP-02", models.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if other.NonRespondersTotal != orgs || len(other.NonResponders) != models.SummaryNonResponderLimit {
		t.Errorf("LP-02: %d non-responders listed of %d, want the first %d of %d", len(other.NonResponders),
			other.NonRespondersTotal, models.SummaryNonResponderLimit, orgs)
	}
	if other.NonResponders[0].Code != "B000" {
		t.Errorf("LP-02: the list starts at %s, want B000 (by name)", other.NonResponders[0].Code)
	}
}

// warmCaches fills the summary cache for ref (every tally source) and the
// overview cache, and returns the version they were filled at.
func warmCaches(t *testing.T, s *storage.Store, ref string, consultationID int64) int64 {
	t.Helper()
	ctx := context.Background()
	v, err := s.SummaryVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tally := range models.TallyModes {
		if _, err := s.CachedProposalSummary(ctx, v, ref, models.Filter{}, tally); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CachedConsultationOverview(ctx, v, consultationID, models.Filter{Type: "acute"}); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkCachesFresh: after a write the summary version has moved, and what
// the caches give at the new version equals a summary computed afresh.
func checkCachesFresh(t *testing.T, s *storage.Store, step int, before int64, ref string, consultationID int64) {
	t.Helper()
	ctx := context.Background()
	v, err := s.SummaryVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v == before {
		t.Fatalf("step %d: the summary version did not move after a write", step)
	}
	for _, tally := range models.TallyModes {
		got, err := s.CachedProposalSummary(ctx, v, ref, models.Filter{}, tally)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := s.ProposalSummary(ctx, ref, models.Filter{})
		if err == nil {
			fresh, err = s.WithConcernTallies(ctx, fresh, tally)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, fresh) {
			t.Fatalf("step %d: cached %s summary (%s tally) differs from a fresh one:\ncached %+v\nfresh  %+v", step, ref, tally, got, fresh)
		}
	}
	got, err := s.CachedConsultationOverview(ctx, v, consultationID, models.Filter{Type: "acute"})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := s.ConsultationOverview(ctx, consultationID, models.Filter{Type: "acute"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fresh) {
		t.Fatalf("step %d: cached overview differs from a fresh one", step)
	}
}
