package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/handlers"
)

// Issue 10, items 7 and 13: invite tokens and other secrets never reach the
// log, whichever call logs them and in whatever case the path was typed.

// withLog returns a copy of the env whose app logs, as text, to the buffer.
func (e *env) withLog(buf *lockedBuffer) *env {
	e.t.Helper()
	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(buf, nil))})
	if err != nil {
		e.t.Fatal(err)
	}
	logged := *e
	logged.app = app
	return &logged
}

func TestInviteTokensNeverReachTheLogWhateverTheCase(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	link := e.invite(admin, url.Values{"email": {"lou@body.example"}, "name": {"Lou Log"}, "role": {"policy"}, "organisation": {""}})
	token := strings.TrimPrefix(link, "/invite/")
	var buf lockedBuffer
	logged := e.withLog(&buf)

	visitor := logged.anon()
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/invite/" + token},
		{http.MethodGet, "/INVITE/" + token},
		{http.MethodGet, "/Invite/" + token + "/"},
		{http.MethodGet, "/invite%2F" + token},
		{http.MethodGet, "/invite//" + token},
		{http.MethodPost, "/invite/" + token}, // no CSRF token: "csrf refused" logs the path
		{http.MethodPost, "/INVITE/" + token},
		{http.MethodPost, "/api/v1/../../invite/" + token},
	} {
		visitor.do(httptest.NewRequest(r.method, r.path, strings.NewReader("password=x")))
	}
	log := buf.String()
	if strings.Contains(log, token) {
		t.Errorf("the log holds the invite token:\n%s", log)
	}
	for _, want := range []string{"path=/invite/[redacted]", "msg=\"csrf refused\""} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}
