package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// fuzzTarget is the app, listening on a loopback port, with one signed-in
// member; it is built once per fuzz process (newEnv needs a *testing.T, which
// a fuzz target only gets per input). A real listener rather than app.Test:
// app.Test returns fasthttp's request-parsing errors (a truncated multipart
// body) instead of the answer a client gets.
type fuzzTarget struct {
	app        *fiber.App
	store      *storage.Store
	base       string
	client     *http.Client
	orgID      int64
	proposalID int64
	cookie     string
	csrf       string
	codebook   []string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	store, err := storage.Open(ctx, storage.Options{Path: testdb.Path(f, filepath.Join(f.TempDir(), "fuzz.db")), Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	if err := seeds.LoadReference(ctx, store, now); err != nil {
		f.Fatal(err)
	}
	org, err := store.EnsureOrganisation(ctx, models.Organisation{Code: "AAA", Name: "Alpha Hospitals NHS Trust", Type: "acute",
		Region: "London", System: "London system", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.CreateUser(ctx, models.NewUser{Email: "a@alpha.example", Name: "Ann Alpha", Role: models.RoleMember,
		OrganisationCode: "AAA", Password: testPassword}); err != nil {
		f.Fatal(err)
	}
	p, _, err := store.ProposalByRef(ctx, "LP-01")
	if err != nil {
		f.Fatal(err)
	}
	cs, err := store.Concerns(ctx)
	if err != nil {
		f.Fatal(err)
	}
	// The fuzzer saves thousands of times by one member on a clock that
	// stands still: without a save rate, so that inputs keep reaching the save.
	app, err := handlers.New(handlers.Deps{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SavesPerMinute: -1})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	f.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	ft := &fuzzTarget{app: app, store: store, base: "http://" + ln.Addr().String(), orgID: org.ID, proposalID: p.ID,
		client: &http.Client{
			Timeout:       20 * time.Second,
			Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	f.Cleanup(ft.client.CloseIdleConnections)
	for _, c := range cs {
		ft.codebook = append(ft.codebook, c.Code)
	}
	ft.send(f, http.MethodGet, "/login", "", nil)
	form := url.Values{"email": {"a@alpha.example"}, "password": {testPassword}, "_csrf": {ft.csrf}}
	if status, _, _ := ft.send(f, http.MethodPost, "/login", form.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); status != http.StatusSeeOther {
		f.Fatalf("sign in: status %d", status)
	}
	ft.send(f, http.MethodGet, "/consultations", "", nil) // the signed-in session's token
	return ft
}

// send makes one request as the member and keeps the cookie and CSRF token.
func (ft *fuzzTarget) send(tb testing.TB, method, path, body string, header map[string]string) (int, string, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(method, ft.base+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if ft.cookie != "" {
		req.Header.Set("Cookie", "tracker_session="+ft.cookie)
	}
	resp, err := ft.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "tracker_session" && c.Value != "" {
			ft.cookie = c.Value
		}
	}
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		ft.csrf = m[1]
	}
	return resp.StatusCode, string(b), resp.Header
}

// stored is the member's response to LP-01, or nil.
func (ft *fuzzTarget) stored(t *testing.T) *models.ResponseView {
	t.Helper()
	r, err := ft.store.ResponseFor(context.Background(), ft.orgID, ft.proposalID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

// checkStored fails unless the stored response keeps every rule of the form.
func (ft *fuzzTarget) checkStored(t *testing.T, r *models.ResponseView) {
	t.Helper()
	if r == nil {
		return
	}
	if r.Stance != "" && !slices.Contains(models.Stances, r.Stance) {
		t.Errorf("stored stance %q", r.Stance)
	}
	if r.Autonomy != nil && (*r.Autonomy < models.AutonomyMin || *r.Autonomy > models.AutonomyMax) {
		t.Errorf("stored autonomy %d", *r.Autonomy)
	}
	if r.Consent != "" && !slices.Contains(models.Consents, r.Consent) {
		t.Errorf("stored consent %q", r.Consent)
	}
	for _, c := range r.Concerns {
		if !slices.Contains(ft.codebook, c) {
			t.Errorf("stored concern %q", c)
		}
	}
	for name, text := range map[string]string{"comment": r.Comment, "amendments": r.Amendments} {
		if !utf8.ValidString(text) || utf8.RuneCountInString(text) > models.MaxCommentChars {
			t.Errorf("stored %s: %d runes, valid UTF-8 %v", name, utf8.RuneCountInString(text), utf8.ValidString(text))
		}
	}
	if r.Status == models.StatusSubmitted && (r.Stance == "" || r.Autonomy == nil || r.Consent == "") {
		t.Errorf("an incomplete response is stored as submitted: %+v", r.Response)
	}
}

// fuzzContentTypes are the content types a fuzzed form is sent with.
var fuzzContentTypes = []string{
	"application/x-www-form-urlencoded",
	"application/x-www-form-urlencoded; charset=utf-8",
	"multipart/form-data; boundary=fuzzboundary",
	"text/plain",
	"",
}

// FuzzResponseForm posts arbitrary bodies to the response form of LP-01 as a
// signed-in member. "{v}" in a body becomes the stored version, so that
// mutations of a valid form reach the save and not only the 409 check. No
// input may get a 5xx; a 422 shows the error summary; a refused save changes
// nothing; what is stored always keeps the form's rules.
func FuzzResponseForm(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string, contentType uint8) {
		ctype := fuzzContentTypes[int(contentType)%len(fuzzContentTypes)]
		before := ft.stored(t)
		version := 0
		if before != nil {
			version = before.Version
		}
		body = strings.ReplaceAll(body, "{v}", strconv.Itoa(version))
		header := map[string]string{}
		if strings.HasPrefix(ctype, "application/x-www-form-urlencoded") {
			body += "&_csrf=" + ft.csrf
		} else {
			header["X-CSRF-Token"] = ft.csrf
		}
		if ctype != "" {
			header["Content-Type"] = ctype
		}
		status, page, hdr := ft.send(t, http.MethodPost, "/proposals/LP-01/response", body, header)
		if status >= 500 {
			t.Fatalf("status %d for %q (%s)", status, body, ctype)
		}
		if status == http.StatusUnprocessableEntity && !strings.Contains(page, "There is a problem") {
			t.Errorf("a 422 without the error summary for %q", body)
		}
		after := ft.stored(t)
		ft.checkStored(t, after)
		if status == http.StatusSeeOther {
			if loc := hdr.Get("Location"); loc != "/proposals/LP-01?saved=draft" && loc != "/proposals/LP-01?saved=submitted" {
				t.Errorf("303 to %q", loc)
			}
			if after == nil || after.Version != version+1 {
				t.Errorf("a 303 without a new version (was %d)", version)
			}
		} else if after != nil && after.Version != version {
			t.Errorf("status %d but the response moved from version %d to %d", status, version, after.Version)
		}
	})
}

// FuzzAPIResponseBody sends arbitrary JSON bodies to PUT
// /api/v1/proposals/LP-01/response. No input may get a 5xx; every refusal is
// JSON with an "error"; what is stored always keeps the rules.
func FuzzAPIResponseBody(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		before := ft.stored(t)
		version := 0
		if before != nil {
			version = before.Version
		}
		status, answer, _ := ft.send(t, http.MethodPut, "/api/v1/proposals/LP-01/response", body,
			map[string]string{"Content-Type": "application/json", "X-CSRF-Token": ft.csrf})
		if status >= 500 {
			t.Fatalf("status %d for %q", status, body)
		}
		after := ft.stored(t)
		ft.checkStored(t, after)
		switch status {
		case http.StatusOK, http.StatusCreated:
			var saved struct {
				Version int `json:"version"`
			}
			if err := json.Unmarshal([]byte(answer), &saved); err != nil {
				t.Fatalf("status %d with a body that is not JSON: %q", status, answer)
			}
			if after == nil || after.Version != version+1 || saved.Version != after.Version {
				t.Errorf("status %d: answered version %d, stored %v, was %d", status, saved.Version, after, version)
			}
		default:
			var e map[string]any
			if err := json.Unmarshal([]byte(answer), &e); err != nil {
				t.Fatalf("status %d with a body that is not JSON: %q", status, answer)
			}
			if msg, _ := e["error"].(string); msg == "" {
				t.Errorf("status %d without an \"error\": %s", status, answer)
			}
			if after != nil && after.Version != version {
				t.Errorf("status %d but the response moved from version %d to %d", status, version, after.Version)
			}
		}
	})
}
