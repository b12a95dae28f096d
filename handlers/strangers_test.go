package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/handlers"
)

// logIntoBuffer rebuilds the app to log into the returned buffer.
func (e *env) logIntoBuffer() *lockedBuffer {
	e.t.Helper()
	var buf lockedBuffer
	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		e.t.Fatal(err)
	}
	e.app = app
	return &buf
}

// rowCounts counts the rows a stranger could make the server write.
func (e *env) rowCounts() map[string]int64 {
	e.t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"sessions", "login_failures", "audit_log"} {
		n, err := e.store.CountRows(context.Background(), table)
		if err != nil {
			e.t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestOverLongSignInFieldsAreRefusedBeforeAnyWork: ten sign-ins with a
// 300 KB email (or password) are answered 422 with a message, and write no
// row and under 200 KB of log between them.
func TestOverLongSignInFieldsAreRefusedBeforeAnyWork(t *testing.T) {
	huge := strings.Repeat("x", 300<<10)
	for _, tc := range []struct {
		name, email, password, message string
	}{
		{"email", huge + "@alpha.example", testPassword, "254 characters or fewer"},
		{"password", "a@alpha.example", huge, "not right"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newEnv(t)
			log := e.logIntoBuffer()
			before := e.rowCounts()
			for i := 0; i < 10; i++ {
				c := e.anon()
				c.get("/login")
				r := c.postForm("/login", url.Values{"email": {tc.email}, "password": {tc.password}})
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantContains(t, r.Body, tc.message)
				if len(r.Body) > 64<<10 {
					t.Errorf("the answer is %d bytes: the input was echoed back", len(r.Body))
				}
			}
			if after := e.rowCounts(); after["login_failures"] != before["login_failures"] || after["audit_log"] != before["audit_log"] ||
				after["sessions"] != before["sessions"] {
				t.Errorf("rows before %v, after %v: want none written", before, after)
			}
			if n := log.Len(); n >= 200<<10 {
				t.Errorf("the log grew by %d bytes, want under 200 KB", n)
			}
		})
	}
}

// TestAnonymousPageViewsWriteNothing: thirty signed-out views of the sign-in
// page and of an invite link add no session row, and the forms they show
// still work (and still refuse a post without their token).
func TestAnonymousPageViewsWriteNothing(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	link := e.invite(admin, url.Values{"email": {"new@alpha.example"}, "name": {"New Person"}, "role": {"member"},
		"organisation": {strconv.FormatInt(e.orgA.ID, 10)}})
	before := e.rowCounts()
	for i := 0; i < 30; i++ {
		for _, path := range []string{"/login", link} {
			r := e.anon().get(path)
			wantStatus(t, r, http.StatusOK)
		}
	}
	if after := e.rowCounts(); after["sessions"] != before["sessions"] {
		t.Fatalf("sessions: %d before, %d after 60 anonymous views; want no new row", before["sessions"], after["sessions"])
	}

	t.Run("the sign-in form still works", func(t *testing.T) {
		c := e.anon()
		c.get("/login")
		wantStatus(t, c.postForm("/login", url.Values{"email": {"a@alpha.example"}, "password": {testPassword}}), http.StatusSeeOther)
		wantStatus(t, c.get("/consultations"), http.StatusOK)
	})
	t.Run("the invite form still works", func(t *testing.T) {
		c := e.anon()
		c.get(link)
		r := c.postForm(link, url.Values{"password": {"a long new password 42"}, "confirm": {"a long new password 42"}})
		wantStatus(t, r, http.StatusSeeOther)
	})
	t.Run("a post without the page's token is refused", func(t *testing.T) {
		for _, token := range []string{"", "forged", strings.Repeat("A", 43)} {
			c := e.anon()
			c.get("/login")
			r := c.postForm("/login", url.Values{"email": {"b@beta.example"}, "password": {testPassword}, "_csrf": {token}})
			wantStatus(t, r, http.StatusForbidden)
		}
		// Nor is another visitor's token any good with this visitor's cookie.
		c, other := e.anon(), e.anon()
		c.get("/login")
		other.get("/login")
		r := c.postForm("/login", url.Values{"email": {"b@beta.example"}, "password": {testPassword}, "_csrf": {other.csrf}})
		wantStatus(t, r, http.StatusForbidden)
	})
}
