package handlers_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestSlowQueriesOfSignInSavingAndSearchLogNoPersonalData(t *testing.T) {
	const (
		privateEmail = "dora.private@trust.example"
		privateWord  = "zanzibarsecret"
	)
	var log lockedBuffer
	e := newLoggedEnv(t, &log, filepath.Join(t.TempDir(), "test.db"))

	stranger := e.anon()
	stranger.get("/login")
	stranger.postForm("/login", url.Values{"email": {privateEmail}, "password": {"not the password at all"}})

	member := e.signIn("a@alpha.example")
	answer := validAnswer()
	answer.Set("comment", "Write to "+privateEmail+" about "+privateWord+".")
	if r := member.postForm("/proposals/LP-01/response", answer); r.Status != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", r.Status, r.Body)
	}

	policy := e.signIn("policy@body.example")
	if r := policy.get("/consultations/1/search?q=" + privateWord); r.Status != http.StatusOK || !strings.Contains(r.Body, "Write to") {
		t.Fatalf("search: status %d, the saved comment not found\n%s", r.Status, r.Body)
	}

	logged := log.String()
	if n := strings.Count(logged, `msg="SQL executed"`); n < 20 {
		t.Fatalf("only %d queries logged; the test needs every query logged:\n%s", n, logged)
	}
	for _, line := range strings.Split(logged, "\n") {
		if strings.Contains(line, privateEmail) || strings.Contains(line, privateWord) {
			t.Errorf("the log holds personal data:\n%s", line)
		}
	}
}
