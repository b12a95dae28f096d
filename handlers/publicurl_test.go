package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers"
)

// Issue 10, item 8: invite links name the site's configured address, and
// never one taken from an X-Forwarded header that anyone can send.

// appWith builds another app on the env's store from deps (a silent logger
// filled in).
func (e *env) appWith(t *testing.T, d handlers.Deps) *fiber.App {
	t.Helper()
	d.Store = e.store
	d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := handlers.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

var anyInviteLink = regexp.MustCompile(`>(https?://[^<"\s]+)/invite/[A-Za-z0-9_-]{43}<`)

func TestInviteLinksStartWithTheSitesOwnAddress(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	cases := []struct {
		name string
		deps handlers.Deps
		want string
	}{
		{"the configured public URL, whatever the request says", handlers.Deps{PublicURL: "https://tracker.example.org/"}, "https://tracker.example.org"},
		{"a public URL with a path", handlers.Deps{PublicURL: "https://nhs.example.org/tracker"}, "https://nhs.example.org/tracker"},
		{"no public URL and no proxy: the request's own Host, never X-Forwarded-*", handlers.Deps{}, "http://tracker.internal:3000"},
		{"served over HTTPS: the Host with https", handlers.Deps{SecureCookies: true}, "https://tracker.internal:3000"},
		// app.Test's connections come from 0.0.0.0, here the trusted proxy.
		{"behind a trusted proxy: what it forwarded", handlers.Deps{TrustedProxies: []string{"0.0.0.0"}}, "https://evil.example"},
		{"behind a proxy, from elsewhere: the request's own Host", handlers.Deps{TrustedProxies: []string{"10.0.0.1"}}, "http://tracker.internal:3000"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := e.appWith(t, tc.deps)
			form := url.Values{"email": {"link" + string(rune('a'+i)) + "@body.example"}, "name": {"Lin Link"}, "role": {"policy"},
				"organisation": {""}, "_csrf": {admin.csrf}}
			req := httptest.NewRequest(http.MethodPost, "http://tracker.internal:3000/admin/users", strings.NewReader(form.Encode()))
			req.RequestURI = "/admin/users" // sent with a Host header, as browsers do
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-Host", "evil.example")
			req.Header.Set("X-Forwarded-Proto", "https")
			// the admin's session, under the cookie name of either setting
			req.Header.Set("Cookie", "tracker_session="+admin.cookie+"; __Host-tracker_session="+admin.cookie)
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d\n%.300s", resp.StatusCode, body)
			}
			m := anyInviteLink.FindStringSubmatch(string(body))
			if m == nil || m[1] != tc.want {
				t.Errorf("invite link starts %q, want %q", m, tc.want)
			}
		})
	}
}

func TestAPublicURLThatIsNotAnAddressIsRefusedAtStart(t *testing.T) {
	e, _ := newEnv(t)
	for _, bad := range []string{"tracker.example.org", "ftp://tracker.example.org", "https://", "https://tracker.example.org/?a=1",
		"https://tracker.example.org/#top", "https://user:pw@tracker.example.org", "javascript:alert(1)"} {
		t.Run(bad, func(t *testing.T) {
			_, err := handlers.New(handlers.Deps{Store: e.store, PublicURL: bad})
			if err == nil || !strings.Contains(err.Error(), "give the address people open, like https://tracker.example.org") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
