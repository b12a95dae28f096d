package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// collectiveStore is an analysis store with a second policy editor and the
// proposals of the first consultation.
func collectiveStore(t *testing.T) (*analysisStore, int64, []models.Proposal, int64) {
	t.Helper()
	a := newAnalysisStore(t)
	ctx := context.Background()
	lp, err := a.s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := a.s.Proposals(ctx, lp.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.s.CreateUser(ctx, models.NewUser{Email: "second@example.org", Name: "Sam Second", Role: models.RolePolicy,
		Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	return a, lp.ID, ps, u.ID
}

// TestSavesOfEveryPartAtOnceAreAllKept: editors of the introduction and of
// eight sections save at the same moment, each from the part's version it
// opened. None is refused, and each save is a document version of its own.
// On PostgreSQL the transactions overlap and queue on the response's row.
func TestSavesOfEveryPartAtOnceAreAllKept(t *testing.T) {
	a, consultationID, ps, _ := collectiveStore(t)
	ctx := context.Background()
	intro := "First words."
	if _, err := a.s.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: consultationID, UserID: a.analy, Introduction: &intro}); err != nil {
		t.Fatal(err)
	}
	const sections = 8
	errs := make([]error, sections+1)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range sections + 1 {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			e := models.CollectiveEdit{ConsultationID: consultationID, UserID: a.analy}
			if i == sections {
				text := "Second words."
				e.Introduction, e.PartVersion = &text, 1
			} else {
				e.Section = &models.SectionEdit{ProposalID: ps[i].ID, Position: "oppose", Statement: fmt.Sprintf("On %s.", ps[i].Ref)}
			}
			_, errs[i] = a.s.SaveCollective(ctx, e)
		}()
	}
	start.Done()
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("save %d was refused: %v", i, err)
		}
	}
	doc, err := a.s.Collective(ctx, consultationID)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Response.Version != sections+2 || len(doc.Sections) != sections || doc.Response.Introduction != "Second words." ||
		doc.Response.IntroVersion != 2 {
		t.Errorf("document version %d (want %d), %d sections, introduction %q at its version %d",
			doc.Response.Version, sections+2, len(doc.Sections), doc.Response.Introduction, doc.Response.IntroVersion)
	}
	vs, err := a.s.CollectiveVersions(ctx, consultationID)
	if err != nil || len(vs) != sections+2 {
		t.Errorf("%d versions (%v), want one per save: %d", len(vs), err, sections+2)
	}
}

// TestAnEditOfAPartSavedSinceIsRefusedAndKept: the refusal carries the
// text saved, who saved it and the part's version now; the refused text is
// kept with the refused edits; saving again from the version carried
// succeeds.
func TestAnEditOfAPartSavedSinceIsRefusedAndKept(t *testing.T) {
	a, consultationID, ps, second := collectiveStore(t)
	ctx := context.Background()
	save := func(user int64, version int, text string) error {
		_, err := a.s.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: consultationID, UserID: user, PartVersion: version,
			Section: &models.SectionEdit{ProposalID: ps[0].ID, Position: "oppose", Statement: text}})
		return err
	}
	if err := save(a.analy, 0, "Ana's text."); err != nil {
		t.Fatal(err)
	}
	err := save(second, 0, "Sam's text.")
	var conflict models.PartConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, models.ErrConflict) {
		t.Fatalf("the stale save: %v, want a PartConflictError", err)
	}
	if conflict.Part != ps[0].Ref || conflict.Version != 1 || conflict.Saved.Statement != "Ana's text." || conflict.SavedByName != "Ana Analyst" {
		t.Errorf("conflict = %+v", conflict)
	}
	refused, err := a.s.CollectiveRefusedEdits(ctx, consultationID)
	if err != nil || len(refused) != 1 {
		t.Fatalf("refused edits: %v, %v", refused, err)
	}
	if r := refused[0]; r.Part != ps[0].Ref || r.Text.Statement != "Sam's text." || r.RefusedByName != "Sam Second" ||
		r.ConflictedByName != "Ana Analyst" || r.AtVersion != 1 {
		t.Errorf("refused edit = %+v", r)
	}
	if err := save(second, conflict.Version, "Sam's text."); err != nil {
		t.Errorf("saving again from the version carried: %v", err)
	}
}
