package handlers_test

import (
	"context"
	"encoding/json"
	"testing"
)

func TestSummaryCountsConcernsFromTheChosenSource(t *testing.T) {
	e, policy, _ := collectiveFixture(t) // AAA chose new_central_powers and timescale; BBB timescale
	p, _, _ := e.store.ProposalByRef(context.Background(), "LP-12")
	r, _ := e.store.ResponseFor(context.Background(), e.orgB.ID, p.ID)
	if _, _, err := e.store.CodeResponse(context.Background(), r.ID, 0, []string{"new_central_powers", "workforce"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tally                      string
		central, workforce, timesc int
	}{
		{"member", 1, 0, 2},
		{"analyst", 1, 1, 0},
		{"both", 2, 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.tally, func(t *testing.T) {
			res := policy.get("/api/v1/proposals/LP-12/summary?tally=" + tc.tally)
			var body struct{ Concerns map[string]int }
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
				t.Fatal(err, res.Body)
			}
			if body.Concerns["new_central_powers"] != tc.central || body.Concerns["workforce"] != tc.workforce || body.Concerns["timescale"] != tc.timesc {
				t.Errorf("concerns %v, want new_central_powers %d, workforce %d, timescale %d", body.Concerns, tc.central, tc.workforce, tc.timesc)
			}
			if page := policy.get("/proposals/LP-12/summary?tally=" + tc.tally); page.Status != 200 {
				t.Errorf("summary page: %d", page.Status)
			}
		})
	}
	if r := policy.get("/proposals/LP-12/summary?tally=everyone"); r.Status != 400 {
		t.Errorf("unknown tally: %d, want 400", r.Status)
	}
}
