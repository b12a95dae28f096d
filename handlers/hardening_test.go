package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
)

// getAs fetches every served GET route with concrete parameters as the
// role allowed to see it, calling check on each response.
func getEveryPage(t *testing.T, e *env, ids map[string]string, check func(path string, r result)) {
	t.Helper()
	clients := map[access]*client{
		public: e.anon(), entry: e.anon(), anyUser: e.signIn("a@alpha.example"),
		members: e.signIn("a@alpha.example"), policyUp: e.signIn("policy@body.example"), adminsOnly: e.signIn("admin@body.example"),
	}
	for _, key := range servedRoutes(e) {
		method, route, _ := strings.Cut(key, " ")
		if method != http.MethodGet {
			continue
		}
		path := route
		for p, v := range ids {
			path = strings.ReplaceAll(path, p, v)
		}
		check(path, clients[routeAccess[key]].get(path))
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	e, _ := newEnv(t)
	ids := map[string]string{":id": "1", ":ref": "LP-01", ":token": "x", ":version": "1"}
	check := func(path string, r result) {
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
			"Cache-Control": "no-store",
		} {
			if got := h.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", path)
		}
	}
	getEveryPage(t, e, ids, check)
	check("/no-such-page", e.anon().get("/no-such-page"))
	if r := e.anon().get("/static/app.css"); r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") == "no-store" {
		t.Errorf("static file headers: %v", r.Header)
	}
}

func TestHSTSWhenServedOverHTTPS(t *testing.T) {
	e, _ := newEnv(t)
	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=31536000") {
		t.Errorf("HSTS = %q", got)
	}
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-") || !strings.Contains(strings.ToLower(cookie), "secure") {
		t.Errorf("secure cookie = %q, want __Host- prefix and Secure", cookie)
	}
}

var staticScript = regexp.MustCompile(`<script src="/static/[a-z-]+\.js" defer></script>`)

func TestTemplatesHoldNoInlineScriptOrStyle(t *testing.T) {
	err := filepath.WalkDir("../views", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// A script from /static (progressive enhancement) is allowed; any other
		// script element is not.
		s := staticScript.ReplaceAllString(strings.ToLower(string(b)), "")
		for _, bad := range []string{"<script", " style=", "<style", " onclick=", " onload=", " onerror=", "javascript:"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q (the CSP forbids inline code)", path, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRequestsThatCouldHurtAreRefusedClearly(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	var gz bytes.Buffer
	gz.Write([]byte{0x1f, 0x8b, 0x08, 0x00}) // a gzip header is enough: it must not be opened
	cases := []struct {
		name        string
		req         func() *http.Request
		status      int
		messagePart string
	}{
		{"compressed body", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/proposals/LP-01/response", bytes.NewReader(gz.Bytes()))
			r.Header.Set("Content-Encoding", "gzip")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 415, "Compressed request bodies are not accepted"},
		{"TRACE", func() *http.Request { return httptest.NewRequest("TRACE", "/login", nil) }, 405, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := member.do(tc.req())
			if r.Status != tc.status && !(tc.status == 405 && r.Status == 404) {
				t.Errorf("status %d, want %d", r.Status, tc.status)
			}
			if tc.messagePart != "" && !strings.Contains(r.Body, tc.messagePart) {
				t.Errorf("body lacks %q:\n%.300s", tc.messagePart, r.Body)
			}
		})
	}
	// Invalid UTF-8 in a comment gets a message, not a stored mess.
	v := validAnswer()
	v.Set("comment", "bad \xff\xfe bytes")
	r := member.postForm("/proposals/LP-01/response", v)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "could not be read") {
		t.Errorf("invalid UTF-8: %d", r.Status)
	}
}

// hostile is put into every free-text field and name; it must come back
// inert everywhere.
const hostile = `<script>alert("xss")</script>"'><img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>`

func TestHostileTextComesBackInertOnEveryPageAndExport(t *testing.T) {
	e, _ := newEnv(t)
	ctx := context.Background()
	// Names and reference texts, as an admin might have typed them.
	org := e.addOrg("XSS", "Evil "+hostile, "acute", "London", "ics")
	if _, err := e.store.CreateUser(ctx, models.NewUser{Email: "x@evil.example", Name: "Mal " + hostile, Role: models.RoleMember, OrganisationCode: org.Code, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.EnsureConcern(ctx, models.Concern{Code: "hostile_code", Label: "Label " + hostile, Description: "Desc " + hostile, Side: "central", Position: 99}); err != nil {
		t.Fatal(err)
	}
	cons, _ := e.store.ConsultationBySlug(ctx, "lp-2019")
	if _, err := e.store.EnsureProposal(ctx, models.Proposal{ConsultationID: cons.ID, Ref: "LP-99", GroupTitle: "Group " + hostile,
		Position: 99, Title: "Title " + hostile, Summary: "Summary " + hostile, Change: "Change " + hostile, PowerDirection: "mixed",
		CreatedAt: e.now, UpdatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	// A member's answer.
	evil := e.signIn("x@evil.example")
	v := validAnswer()
	v.Set("comment", "Comment "+hostile)
	v.Set("amendments", "Amendment "+hostile)
	v.Set("consent", "attributed")
	v["concerns"] = []string{"hostile_code"}
	if r := evil.postForm("/proposals/LP-01/response", v); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	p, _, _ := e.store.ProposalByRef(ctx, "LP-01")
	resp, _ := e.store.ResponseFor(ctx, org.ID, p.ID)
	// The policy team's words: a note, a quote, the collective response.
	policy := e.signIn("policy@body.example")
	policy.postForm(fmt.Sprintf("/responses/%d/notes", resp.ID), map[string][]string{"body": {"Note " + hostile}})
	policy.postForm(fmt.Sprintf("/responses/%d/quotes", resp.ID), map[string][]string{"excerpt": {"Comment " + hostile}})
	policy.postForm("/consultations/1/collective/introduction", map[string][]string{"introduction": {"Intro " + hostile}, "version": {"0"}})
	policy.postForm("/consultations/1/collective/sections/LP-01", map[string][]string{"position": {"oppose"}, "statement": {"Statement " + hostile}, "version": {"0"}})

	// A page is inert when none of the hostile markup arrived as markup:
	// every "<" of it escaped, and no link to javascript: made.
	inert := func(where, body string) {
		low := strings.ToLower(body)
		for _, live := range []string{`<script>alert`, `<img src=x onerror`, `<a href="javascript:`} {
			if strings.Contains(low, live) {
				i := strings.Index(low, live)
				t.Errorf("%s: hostile text is live (%q) near: %q", where, live, body[max(0, i-80):min(len(body), i+80)])
			}
		}
	}
	admin := e.signIn("admin@body.example")
	ids := map[string]string{":id": "1", ":ref": "LP-01", ":token": "x", ":version": "2"}
	getEveryPage(t, e, ids, func(path string, r result) {
		if strings.HasSuffix(path, ".docx") || strings.HasSuffix(path, ".csv") {
			return // checked below
		}
		inert(path, r.Body)
	})
	for _, path := range []string{
		fmt.Sprintf("/responses/%d", resp.ID), "/proposals/LP-99", "/proposals/LP-99/summary", "/proposals/LP-01/summary",
		"/consultations/1/search?q=comment", "/consultations/1/collective/sections/LP-01", "/admin/users", "/admin/organisations",
		"/admin/concerns", "/admin/audit", "/consultations/1/nonresponders", "/consultations/1/responses",
		"/api/v1/proposals/LP-01/summary", "/api/v1/consultations/1/proposals", "/consultations/1/collective.md",
	} {
		inert(path, admin.get(path).Body)
	}
	// CSV carries members' words as data for spreadsheets, not as HTML; what
	// must not survive there is a formula (see TestExport... in dataio_test.go).
	csv := admin.get("/exports/responses.csv?consultation=1").Body
	if !strings.Contains(csv, "Comment <script>") {
		t.Error("the CSV export does not carry the member's words as written")
	}
	for _, path := range []string{"/proposals/LP-01", "/proposals/LP-01/history", "/api/v1/proposals/LP-01/response"} {
		inert("member "+path, evil.get(path).Body)
	}
	doc := policy.get("/consultations/1/collective.docx").Body
	zr, err := zip.NewReader(strings.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			inert("docx", string(b))
		}
	}
}

// TestBrokenBodiesGetAClearAnswerFromTheRealServer sends, over a real
// socket, what app.Test cannot carry: a body over the limit and a truncated
// multipart form. fasthttp refuses both before any handler runs; the answer
// must still be our own page with a 4xx status.
func TestBrokenBodiesGetAClearAnswerFromTheRealServer(t *testing.T) {
	e, _ := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(ln)
	defer e.app.Shutdown()
	cases := []struct {
		name, contentType, body string
		status                  int
		message                 string
	}{
		{"body over the limit", "application/x-www-form-urlencoded", "comment=" + strings.Repeat("x", 2<<20), 413, "too large"},
		{"truncated multipart", "multipart/form-data; boundary=xx", "--xx\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nabc", 400, "could not be understood"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post("http://"+ln.Addr().String()+"/proposals/LP-01/response", tc.contentType, strings.NewReader(tc.body))
			if err != nil {
				t.Skipf("the server closed the connection without an answer (%v); browsers show their own error", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.message) {
				t.Errorf("status %d, want %d with %q:\n%.300s", resp.StatusCode, tc.status, tc.message, b)
			}
			if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("refused before our middleware, the answer lacks the security headers: %v", resp.Header)
			}
		})
	}
}

func TestAPIRefusesABodyWithDataAfterTheObject(t *testing.T) {
	e, _ := newEnv(t)
	m := e.signIn("a@alpha.example")
	body := `{"stance":"support","autonomy":1,"consent":"private"}`
	for _, tail := range []string{"garbage", `{"stance":"oppose"}`} {
		r := m.putJSON("/api/v1/proposals/LP-02/response", body+tail)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "nothing after it") {
			t.Errorf("trailing %q: %d %s", tail, r.Status, r.Body)
		}
	}
	if r := m.get("/api/v1/proposals/LP-02/response"); r.Status != http.StatusNotFound {
		t.Errorf("a refused body was stored: %d", r.Status)
	}
}
