package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// TestFirstSavesOfOneResponseAtOnceKeepEveryRefusedText: six colleagues
// make the first save of the same response at the same moment, for every
// proposal of a consultation. One save per response is stored; each of the
// others is a ConflictError naming the stored version, and its text is in
// the history as a refused ('conflict') revision. On PostgreSQL the
// transactions overlap and meet on the unique key; on SQLite they queue.
func TestFirstSavesOfOneResponseAtOnceKeepEveryRefusedText(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	org := a.orgs["AAA"]
	lp, err := a.s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	proposals, err := a.s.Proposals(ctx, lp.ID)
	if err != nil {
		t.Fatal(err)
	}
	const colleagues = 6
	for _, p := range proposals {
		errs := make([]error, colleagues)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range colleagues {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				_, errs[i] = a.s.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID, UserID: a.users["AAA"],
					Input: models.ResponseInput{Stance: models.Support, Comment: fmt.Sprintf("%s by colleague %d", p.Ref, i)}})
			}()
		}
		start.Done()
		done.Wait()

		stored, err := a.s.ResponseFor(ctx, org.ID, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", p.Ref, err)
		}
		revs, err := a.s.History(ctx, org.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, r := range revs {
			kinds[r.Comment] = r.Kind
		}
		saved := 0
		for i, err := range errs {
			comment := fmt.Sprintf("%s by colleague %d", p.Ref, i)
			var conflict models.ConflictError
			switch {
			case err == nil:
				saved++
				if kinds[comment] != "saved" || stored.Comment != comment {
					t.Errorf("%s: colleague %d's save was acknowledged but is not the stored version", p.Ref, i)
				}
			case errors.As(err, &conflict):
				if conflict.Current.Version != stored.Version || conflict.Current.Comment != stored.Comment {
					t.Errorf("%s: colleague %d was shown version %d %q, want the stored %d %q", p.Ref, i,
						conflict.Current.Version, conflict.Current.Comment, stored.Version, stored.Comment)
				}
				if kinds[comment] != "conflict" {
					t.Errorf("%s: colleague %d's refused text is not in the history (kind %q)", p.Ref, i, kinds[comment])
				}
			default:
				t.Errorf("%s: colleague %d: %v, want a save or a ConflictError", p.Ref, i, err)
			}
		}
		if saved != 1 || stored.Version != 1 || len(revs) != colleagues {
			t.Errorf("%s: %d saves acknowledged, version %d, %d revisions; want 1, 1 and %d", p.Ref, saved, stored.Version, len(revs), colleagues)
		}
	}
}
