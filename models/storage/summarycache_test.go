package storage_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// TestACachedSummaryFollowsWritesFromAnotherInstance: two instances share
// one database; each keeps summaries in memory. A write through one makes
// the other's cached summary and overview recomputed on their next read,
// whatever the write touched: a response, an analyst's coding, a
// proposal's title, an organisation's name.
func TestACachedSummaryFollowsWritesFromAnotherInstance(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	now := time.Now()
	reader := demoStore(t, path, now)
	defer reader.Close()
	writer := openStore(t, path, now)
	defer writer.Close()
	admin, err := writer.CreateUser(ctx, models.NewUser{Email: "cache-admin@body.example", Name: "Cache Admin",
		Role: models.RoleAdmin, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := reader.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := reader.ProposalByRef(ctx, "LP-03")
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := writer.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	summary := func() models.Summary {
		t.Helper()
		v, err := reader.SummaryVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, err := reader.CachedProposalSummary(ctx, v, "LP-03", models.Filter{}, models.TallyMember)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	overviewTitle := func() string {
		t.Helper()
		v, _ := reader.SummaryVersion(ctx)
		ov, err := reader.CachedConsultationOverview(ctx, v, lp.ID, models.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ov.Rows {
			if r.Proposal.Ref == "LP-03" {
				return r.Proposal.Title
			}
		}
		return ""
	}

	tests := []struct {
		name  string
		write func() error
		shows func(before, after models.Summary) bool
	}{
		{"a member organisation submits a response", func() error {
			a := -2
			_, err := writer.Save(ctx, models.SaveResponse{OrganisationID: neverAnswered(t, writer, orgs, p.ID).ID, ProposalID: p.ID, Submit: true,
				Input: models.ResponseInput{Stance: "strongly_oppose", Autonomy: &a, Consent: "attributed", Comment: "seen by the other instance"}})
			return err
		}, func(before, after models.Summary) bool {
			return after.Responses == before.Responses+1 && after.Stances.Get("strongly_oppose") == before.Stances.Get("strongly_oppose")+1
		}},
		{"an admin retitles the proposal", func() error {
			in := models.ProposalInput{Ref: p.Ref, Title: "A retitled proposal", Summary: p.Summary, Change: p.Change,
				PowerDirection: p.PowerDirection, GroupTitle: p.GroupTitle, Position: p.Position}
			_, err := writer.UpdateProposal(ctx, admin.ID, p.ID, in)
			return err
		}, func(_, after models.Summary) bool { return after.Proposal.Title == "A retitled proposal" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := summary()
			if tt.shows(before, summary()) {
				t.Fatal("the change shows before it is written: the test proves nothing")
			}
			_ = overviewTitle()
			if err := tt.write(); err != nil {
				t.Fatal(err)
			}
			if !tt.shows(before, summary()) {
				t.Error("the other instance still serves the summary from before the write")
			}
		})
	}
	if got := overviewTitle(); got != "A retitled proposal" {
		t.Errorf("overview shows %q, want the new title", got)
	}
}

// neverAnswered finds an organisation with no response to the proposal.
func neverAnswered(t *testing.T, s *storage.Store, orgs []models.Organisation, proposalID int64) models.Organisation {
	t.Helper()
	for _, o := range orgs {
		if _, err := s.ResponseFor(context.Background(), o.ID, proposalID); err != nil {
			return o
		}
	}
	t.Fatal("every organisation has answered")
	return models.Organisation{}
}
