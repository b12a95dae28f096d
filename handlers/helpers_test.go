package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp/totp"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// testPassword is used for every account a test creates.
const testPassword = "correct horse battery staple"

// env is a running app on a temp-file SQLite database with the reference
// data, two organisations and one user per role.
type env struct {
	t     *testing.T
	app   *fiber.App
	store *storage.Store
	now   time.Time
	clk   *clock
	orgA  models.Organisation
	orgB  models.Organisation
	// recovery holds the unused recovery codes of policy and admin users
	// who set up two-factor sign-in in this test, by email.
	recovery map[string][]string
}

// clock lets a test move time (e.g. past the member deadline).
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newEnv(t *testing.T) (*env, *clock) {
	t.Helper()
	return newEnvLogging(t, io.Discard, filepath.Join(t.TempDir(), "test.db"), 0)
}

// newLoggedEnv is newEnv with the store and the app logging to log, on the
// SQLite file path (or its PostgreSQL stand-in), and with every query
// counted as slow, so that every query is logged.
func newLoggedEnv(t *testing.T, log io.Writer, path string) *env {
	t.Helper()
	e, _ := newEnvLogging(t, log, path, time.Nanosecond)
	return e
}

func newEnvLogging(t *testing.T, log io.Writer, path string, slowQuery time.Duration) (*env, *clock) {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(log, nil))
	opts := storage.Options{Path: testdb.Path(t, path), Now: clk.now, SlowQuery: slowQuery}
	if slowQuery > 0 {
		opts.Logger = logger
	}
	store, err := storage.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := seeds.LoadReference(ctx, store, clk.t); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, now: clk.t, clk: clk, recovery: map[string][]string{}}
	e.orgA = e.addOrg("AAA", "Alpha Hospitals NHS Trust", "acute", "London", "ics")
	e.orgB = e.addOrg("BBB", "Beta Mental Health NHS Trust", "mental_health", "Midlands", "stp")
	for _, u := range []models.NewUser{
		{Email: "a@alpha.example", Name: "Ann Alpha", Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword},
		{Email: "a2@alpha.example", Name: "Alan Alpha", Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword},
		{Email: "b@beta.example", Name: "Bea Beta", Role: models.RoleMember, OrganisationCode: "BBB", Password: testPassword},
		{Email: "policy@body.example", Name: "Pat Policy", Role: models.RolePolicy, Password: testPassword},
		{Email: "admin@body.example", Name: "Ada Admin", Role: models.RoleAdmin, Password: testPassword},
	} {
		if _, err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	app, err := handlers.New(handlers.Deps{Store: store, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e.app = app
	return e, clk
}

func (e *env) addOrg(code, name, typ, region, status string) models.Organisation {
	e.t.Helper()
	o, err := e.store.EnsureOrganisation(context.Background(), models.Organisation{Code: code, Name: name, Type: typ,
		Region: region, System: region + " system", SystemStatus: status, CreatedAt: e.now, UpdatedAt: e.now})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// client is a browser-like visitor: it keeps its cookie and the last CSRF token.
type client struct {
	e      *env
	cookie string
	csrf   string
}

type result struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (e *env) anon() *client { return &client{e: e} }

// signIn returns a client signed in as email, having gone through the form.
// Policy and admin users also pass two-factor sign-in: the first time they
// set it up with a code computed from the secret the page shows; later they
// use a recovery code (a TOTP code cannot be used twice in one time step,
// and the test clock stands still).
func (e *env) signIn(email string) *client {
	e.t.Helper()
	c := e.anon()
	c.get("/login")
	r := c.postForm("/login", url.Values{"email": {email}, "password": {testPassword}})
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d\n%s", email, r.Status, r.Body)
	}
	if strings.HasPrefix(r.Location, "/login/2fa") {
		codes := e.recovery[email]
		if len(codes) == 0 {
			e.t.Fatalf("sign in as %s: no recovery codes left in the test", email)
		}
		c.get(r.Location)
		r = c.postForm("/login/2fa", url.Values{"code": {codes[0]}})
		e.recovery[email] = codes[1:]
		if r.Status != http.StatusSeeOther {
			e.t.Fatalf("second factor for %s: status %d\n%s", email, r.Status, r.Body)
		}
	}
	page := c.get("/consultations") // picks up the signed-in session's CSRF token
	if page.Status == http.StatusSeeOther && page.Location == "/account/2fa" {
		setup := c.get("/account/2fa")
		m := totpSecret.FindStringSubmatch(setup.Body)
		if m == nil {
			e.t.Fatalf("two-factor set-up page for %s shows no key:\n%s", email, setup.Body)
		}
		code, err := totp.GenerateCode(m[1], e.clk.t)
		if err != nil {
			e.t.Fatal(err)
		}
		done := c.postForm("/account/2fa", url.Values{"code": {code}})
		e.recovery[email] = recoveryCode.FindAllString(done.Body, -1)
		if done.Status != http.StatusOK || len(e.recovery[email]) == 0 {
			e.t.Fatalf("two-factor set-up for %s: status %d\n%s", email, done.Status, done.Body)
		}
		c.get("/consultations")
	}
	return c
}

var (
	totpSecret   = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7]+)<`)
	recoveryCode = regexp.MustCompile(`\b[a-z2-7]{5}-[a-z2-7]{5}\b`)
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) result {
	c.e.t.Helper()
	if c.cookie != "" {
		req.Header.Set("Cookie", "tracker_session="+c.cookie)
	}
	resp, err := c.e.app.Test(req, -1)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Name == "tracker_session" {
			c.cookie = ck.Value
		}
	}
	body := string(b)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return result{Status: resp.StatusCode, Body: body, Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (c *client) get(path string) result {
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// postForm posts a form with the client's CSRF token unless the values
// already hold a _csrf entry.
func (c *client) postForm(path string, v url.Values) result {
	if _, ok := v["_csrf"]; !ok {
		v.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// putJSON sends a JSON body with the client's CSRF token in the header.
func (c *client) putJSON(path, body string) result {
	req := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

// validAnswer is a complete response form that submits.
func validAnswer() url.Values {
	return url.Values{
		"stance": {"oppose"}, "autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"},
		"comment": {"Our board is against this."}, "amendments": {"Drop it."}, "consent": {"anonymised"},
		"action": {"submit"}, "version": {"0"},
	}
}

// lockedBuffer is a log destination that a server's goroutines and the
// test may use at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
