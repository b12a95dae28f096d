package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// TestSummaryPagesShowAMemberSubmissionAtOnce: the summary page, its JSON
// and the overview are kept in memory between writes, yet a member's
// submission shows on the very next request, and the page around the shared
// content is still each reader's own.
func TestSummaryPagesShowAMemberSubmissionAtOnce(t *testing.T) {
	e, _ := newEnv(t)
	policy := e.signIn("policy@body.example")
	admin := e.signIn("admin@body.example")
	member := e.signIn("a@alpha.example")
	cons := e.lp2019ID()
	responses := func(c *client, want int) {
		t.Helper()
		page := c.get("/proposals/LP-01/summary")
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, fmt.Sprintf(ddPattern, "Responses", fmt.Sprintf(`%d <span class="muted">of 2 members</span>`, want)))
		var js struct{ Responses int }
		if err := json.Unmarshal([]byte(c.get("/api/v1/proposals/LP-01/summary").Body), &js); err != nil || js.Responses != want {
			t.Errorf("JSON summary: %d responses (%v), want %d", js.Responses, err, want)
		}
		overview := c.get(fmt.Sprintf("/consultations/%d/overview", cons))
		wantStatus(t, overview, http.StatusOK)
		cells := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(overviewRow(t, overview.Body, "LP-01"), -1)
		if len(cells) < 2 || cells[1][1] != strconv.Itoa(want) {
			t.Errorf("overview row for LP-01: %q, want %d responses", cells, want)
		}
	}
	responses(policy, 0)
	responses(admin, 0)
	wantStatus(t, member.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)
	responses(policy, 1)
	responses(admin, 1)

	// Each reader's own name in the header; never someone else's.
	p, a := policy.get("/proposals/LP-01/summary"), admin.get("/proposals/LP-01/summary")
	wantContains(t, p.Body, "Pat Policy")
	wantNotContains(t, p.Body, "Ada Admin")
	wantContains(t, a.Body, "Ada Admin")
	wantNotContains(t, a.Body, "Pat Policy")
}
