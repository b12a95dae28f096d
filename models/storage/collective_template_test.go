package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// saveWithScope saves org's submitted answer to ref with a comment, an
// amendment and the quote scope given ("" says nothing of it).
func (a *analysisStore) saveWithScope(org, ref string, scope models.QuoteScope) models.ResponseView {
	a.t.Helper()
	ctx := context.Background()
	o := a.orgs[org]
	base := 0
	if cur, err := a.s.ResponseFor(ctx, o.ID, a.proposal(ref)); err == nil {
		base = cur.Version
	}
	autonomy := 0
	r, err := a.s.Save(ctx, models.SaveResponse{OrganisationID: o.ID, ProposalID: a.proposal(ref), UserID: a.users[org],
		Input: models.ResponseInput{Stance: models.Oppose, Autonomy: &autonomy, Comment: "Boards stay accountable.",
			Amendments: "Add a duty to consult.", Consent: models.ConsentAttributed, QuoteScope: scope}, Submit: true, BaseVersion: base})
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

func TestAQuoteOfTheAmendmentsNeedsTheMembersLeave(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	r := a.saveWithScope("AAA", "LP-12", "")
	if r.QuoteScope != models.QuoteCommentAndAmendments {
		t.Fatalf("a save that does not say stored %q, want the default", r.QuoteScope)
	}
	if _, err := a.s.AddQuote(ctx, r.ID, a.analy, "Add a duty to consult."); err != nil {
		t.Fatalf("the amendments of a comment-and-amendments response: %v", err)
	}
	r = a.saveWithScope("AAA", "LP-12", models.QuoteCommentOnly)
	if _, err := a.s.AddQuote(ctx, r.ID, a.analy, "a duty to consult"); !errors.Is(err, models.ErrAmendmentsNotQuotable) {
		t.Errorf("a passage of the amendments of a comment-only response: %v, want ErrAmendmentsNotQuotable", err)
	}
	if _, err := a.s.AddQuote(ctx, r.ID, a.analy, "Boards stay accountable."); err != nil {
		t.Errorf("the comment of a comment-only response: %v", err)
	}
	qs, err := a.s.QuotesForResponse(ctx, r.ID)
	if err != nil || len(qs) != 2 || qs[0].Withheld != models.WithheldCommentOnly || !qs[1].Usable() {
		t.Errorf("quotes %+v (%v); want the amendment quote withheld, the comment quote usable", qs, err)
	}
	// Every revision keeps the scope it was saved with.
	history, err := a.s.History(ctx, a.orgs["AAA"].ID, a.proposal("LP-12"))
	if err != nil || len(history) != 2 || history[0].QuoteScope != models.QuoteCommentOnly || history[1].QuoteScope != models.QuoteCommentAndAmendments {
		t.Errorf("history %+v (%v)", history, err)
	}
}

func TestTheTemplateFillsOnlyProposalsWithoutASectionAsOneVersion(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	cons, err := a.s.Consultations(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	consID := cons[0].ID
	ps, err := a.s.Proposals(ctx, consID)
	if err != nil || len(ps) < 3 {
		t.Fatalf("proposals %d (%v)", len(ps), err)
	}
	written := ps[1]
	if _, err := a.s.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: consID, UserID: a.analy,
		Section: &models.SectionEdit{ProposalID: written.ID, Position: "support", Statement: "Ours."}}); err != nil {
		t.Fatal(err)
	}
	fill := models.TemplateFill{ConsultationID: consID, UserID: a.analy}
	for _, p := range ps {
		fill.Sections = append(fill.Sections, models.SectionEdit{ProposalID: p.ID, Position: "no_position", Statement: "{{" + p.Ref + ".responses}} responded."})
	}
	cr, filled, err := a.s.FillCollectiveTemplate(ctx, fill)
	if err != nil || len(filled) != len(ps)-1 || cr.Version != 2 || strings.Contains(strings.Join(filled, ","), written.Ref) {
		t.Fatalf("filled %v at version %d (%v); want every proposal but %s, as version 2", filled, cr.Version, err, written.Ref)
	}
	doc, err := a.s.Collective(ctx, consID)
	if err != nil {
		t.Fatal(err)
	}
	if sec := doc.Sections[written.ID]; sec.Statement != "Ours." || sec.Suggested {
		t.Errorf("the written section changed: %+v", sec)
	}
	if sec := doc.Sections[ps[0].ID]; !sec.Suggested || sec.Statement != "{{"+ps[0].Ref+".responses}} responded." {
		t.Errorf("the first proposal's section %+v", sec)
	}
	// A person's save makes the section theirs.
	if _, err := a.s.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: consID, UserID: a.analy, PartVersion: 1,
		Section: &models.SectionEdit{ProposalID: ps[0].ID, Position: "oppose", Statement: "Edited."}}); err != nil {
		t.Fatal(err)
	}
	doc, _ = a.s.Collective(ctx, consID)
	if doc.Sections[ps[0].ID].Suggested || !doc.Sections[ps[2].ID].Suggested {
		t.Errorf("after a save of %s: %+v, %+v", ps[0].Ref, doc.Sections[ps[0].ID], doc.Sections[ps[2].ID])
	}
	// Nothing left to fill: no new version.
	cr, filled, err = a.s.FillCollectiveTemplate(ctx, fill)
	if err != nil || len(filled) != 0 {
		t.Errorf("a second fill: %v (%v); want nothing", filled, err)
	}
	if versions, _ := a.s.CollectiveVersions(ctx, consID); len(versions) != 3 {
		t.Errorf("%d versions, want 3", len(versions))
	}
}
