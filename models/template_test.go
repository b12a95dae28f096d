package models_test

import (
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

func TestThePositionSuggestedFollowsNetSupportThenAmendments(t *testing.T) {
	for _, tc := range []struct {
		name                                  string
		responses, netSupport, withAmendments int
		want                                  string
	}{
		{"nobody answered", 0, 0, 0, "no_position"},
		{"net support of exactly +20 % supports", 10, 2, 0, "support"},
		{"clear support, even with many amendments", 10, 8, 9, "support"},
		{"just under +20 %, few amendments: no position", 100, 19, 10, "no_position"},
		{"divided, a third suggest amendments: support with amendments", 30, 0, 10, "support_with_amendments"},
		{"divided, just under a third suggest amendments", 100, 5, 32, "no_position"},
		{"net support of exactly −20 % opposes", 10, -2, 9, "oppose"},
		{"unanimous opposition", 35, -35, 0, "oppose"},
		{"just above −20 %, many amendments", 100, -19, 50, "support_with_amendments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.SuggestPosition(tc.responses, tc.netSupport, tc.withAmendments); got != tc.want {
				t.Errorf("SuggestPosition(%d, %+d, %d) = %q, want %q", tc.responses, tc.netSupport, tc.withAmendments, got, tc.want)
			}
		})
	}
}

func TestASuggestedStatementUsesOnlyFiguresThatExist(t *testing.T) {
	mean := -1.5
	sum := models.Summary{Members: 44, Responses: 35, Stances: models.StanceCounts{StronglySupport: 1, Support: 4, Neutral: 5, Oppose: 15, StronglyOppose: 10},
		AutonomyMean: &mean, Concerns: []models.ConcernTally{{Code: "timescale", Label: "Timescale", Count: 3}, {Code: "new_central_powers", Label: "New central powers", Count: 20}}}
	for _, s := range []models.Summary{sum, {Members: 44}} {
		sec := models.SuggestedSection(7, "LP-12", s, 0)
		filled, unknown := models.FillFigures(sec.Statement, nil, map[string]map[string]string{"LP-12": models.Figures(s)})
		if len(unknown) > 0 || strings.Contains(filled, "{{") {
			t.Errorf("unknown figures %v in\n%s", unknown, sec.Statement)
		}
		if sec.ProposalID != 7 {
			t.Errorf("proposal %d", sec.ProposalID)
		}
	}
	sec := models.SuggestedSection(7, "LP-12", sum, 0)
	filled, _ := models.FillFigures(sec.Statement, nil, map[string]map[string]string{"LP-12": models.Figures(sum)})
	for _, want := range []string{"The body opposes this proposal.", "35 of 44 member organisations responded (80%)", "5 support the proposal (14%), 25 oppose it (71%)",
		"“New central powers”, by 20 members"} {
		if !strings.Contains(filled, want) {
			t.Errorf("the filled statement does not say %q:\n%s", want, filled)
		}
	}
	if !strings.Contains(filled, "net support is -20") && !strings.Contains(filled, "net support is −20") {
		t.Errorf("the filled statement does not give net support:\n%s", filled)
	}
	if sec.Position != "oppose" {
		t.Errorf("position %q", sec.Position)
	}
}
