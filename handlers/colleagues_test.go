package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// TestColleaguesSavingOneResponseAtOnceGetA409NeverA500: six colleagues open
// the same response and save it at the same moment, round after round. On
// PostgreSQL (TRACKER_TEST_DATABASE_URL, as CI runs it) their transactions
// truly overlap; on SQLite they queue. Either way each save is acknowledged
// (303) or refused as a conflict (409) with the colleague's version beside
// the form and the refused text still in it, and every refused text is kept
// in the history. Nobody gets a 500, and nothing typed is lost.
func TestColleaguesSavingOneResponseAtOnceGetA409NeverA500(t *testing.T) {
	e, _ := newEnv(t)
	ctx := context.Background()
	const colleagues, rounds = 6, 8
	emails := []string{"a@alpha.example", "a2@alpha.example"}
	for i := len(emails); i < colleagues; i++ {
		email := fmt.Sprintf("a%d@alpha.example", i+1)
		if _, err := e.store.CreateUser(ctx, models.NewUser{Email: email, Name: fmt.Sprintf("Colleague %d", i+1),
			Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		emails = append(emails, email)
	}
	clients := make([]*client, colleagues)
	for i, email := range emails {
		clients[i] = e.signIn(email)
	}

	type outcome struct {
		status  int
		comment string
		problem string // what is wrong with the page, if anything
	}
	results := make(chan outcome, colleagues*rounds)
	for round := range rounds {
		// Everyone opens the form first, then everyone saves at once.
		versions := make([]string, colleagues)
		for i, c := range clients {
			versions[i] = formVersion(t, c.get("/proposals/LP-01").Body)
		}
		var start, done sync.WaitGroup
		start.Add(1)
		for i, c := range clients {
			done.Add(1)
			go func() {
				defer done.Done()
				comment := fmt.Sprintf("Colleague %d, round %d: our view.", i+1, round)
				form := withValues(validAnswer(), map[string][]string{"comment": {comment}, "version": {versions[i]}})
				form.Set("_csrf", c.csrf)
				start.Wait()
				status, body, err := postConcurrently(e, c.cookie, "/proposals/LP-01/response", form)
				o := outcome{status: status, comment: comment}
				switch {
				case err != nil:
					o.problem = err.Error()
				case status == http.StatusConflict:
					if !strings.Contains(body, "changed this response after you opened it") {
						o.problem = "the 409 page does not show the colleague's version"
					} else if got, _ := textarea(body, "comment"); got != comment {
						o.problem = fmt.Sprintf("the 409 page's form holds %q, not the text sent", got)
					}
				case status != http.StatusSeeOther:
					o.problem = "unexpected answer: " + snippet(body)
				}
				results <- o
			}()
		}
		start.Done()
		done.Wait()
	}
	close(results)

	counts := map[int]int{}
	var refused []string
	for o := range results {
		counts[o.status]++
		if o.problem != "" {
			t.Errorf("status %d for %q: %s", o.status, o.comment, o.problem)
		}
		if o.status == http.StatusConflict {
			refused = append(refused, o.comment)
		}
	}
	t.Logf("%d saves: %d acknowledged (303), %d conflicts (409), %d other", colleagues*rounds,
		counts[http.StatusSeeOther], counts[http.StatusConflict], colleagues*rounds-counts[http.StatusSeeOther]-counts[http.StatusConflict])
	if counts[http.StatusSeeOther] < rounds {
		t.Errorf("%d saves acknowledged over %d rounds, want at least one a round", counts[http.StatusSeeOther], rounds)
	}

	revs, err := e.store.History(ctx, e.orgA.ID, e.proposalID("LP-01"))
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{}
	for _, r := range revs {
		kept[r.Comment] = r.Kind
	}
	for _, comment := range refused {
		if kept[comment] != "conflict" {
			t.Errorf("refused text %q is not in the history as a conflict (kind %q)", comment, kept[comment])
		}
	}
	if want := counts[http.StatusSeeOther] + counts[http.StatusConflict]; len(revs) != want {
		t.Errorf("history holds %d revisions, want %d: one per acknowledged or refused save", len(revs), want)
	}
}

// postConcurrently posts a form as a signed-in client from any goroutine:
// the client helpers report failures with t.Fatal, which only the test's
// own goroutine may call.
func postConcurrently(e *env, cookie, path string, form url.Values) (int, string, error) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "tracker_session="+cookie)
	resp, err := e.app.Test(req, -1)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
