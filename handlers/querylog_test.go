package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// logBuffer collects what the server logs, from every goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLoggedEnv is newEnv, smaller, with the store and the app logging to
// log, on the SQLite file path (or its PostgreSQL stand-in), and with every
// query counted as slow, so that every query is logged.
func newLoggedEnv(t *testing.T, log *logBuffer, path string) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.NewTextHandler(log, nil))
	store, err := models.Open(ctx, models.Options{Path: testdb.Path(t, path),
		Now: clk.now, Logger: logger, SlowQuery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := seeds.LoadReference(ctx, store, clk.t); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, now: clk.t, clk: clk, recovery: map[string][]string{}}
	e.orgA = e.addOrg("AAA", "Alpha Hospitals NHS Trust", "acute", "London", "ics")
	for _, u := range []models.NewUser{
		{Email: "a@alpha.example", Name: "Ann Alpha", Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword},
		{Email: "policy@body.example", Name: "Pat Policy", Role: models.RolePolicy, Password: testPassword},
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
	return e
}

func TestSlowQueriesOfSignInSavingAndSearchLogNoPersonalData(t *testing.T) {
	const (
		privateEmail = "dora.private@trust.example"
		privateWord  = "zanzibarsecret"
	)
	var log logBuffer
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
