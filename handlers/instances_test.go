package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// TestTwoInstancesShareSessionsAndCSRF starts two app instances, each with
// its own store (its own connection pools) on one database: PostgreSQL when
// TRACKER_TEST_DATABASE_URL is set, otherwise one SQLite file. A member
// signs in through the first; the second knows the session, shows the
// member's page, accepts a form carrying the CSRF token the first handed
// out, and the first then sees what the second saved.
func TestTwoInstancesShareSessionsAndCSRF(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	path := testdb.Path(t, filepath.Join(t.TempDir(), "shared.db"))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	instance := func() *env {
		store, err := storage.Open(ctx, storage.Options{Path: path, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		app, err := handlers.New(handlers.Deps{Store: store, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		return &env{t: t, app: app, store: store, now: clk.t, clk: clk, recovery: map[string][]string{}}
	}
	first := instance()
	if err := seeds.LoadReference(ctx, first.store, clk.t); err != nil {
		t.Fatal(err)
	}
	first.orgA = first.addOrg("AAA", "Alpha Hospitals NHS Trust", "acute", "London", "ics")
	if _, err := first.store.CreateUser(ctx, models.NewUser{Email: "a@alpha.example", Name: "Ann Alpha",
		Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	second := instance()

	c := first.signIn("a@alpha.example")
	c.e = second // the load balancer sends the next requests elsewhere

	page := c.get("/proposals/LP-12")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Ann Alpha") {
		t.Fatalf("GET /proposals/LP-12 on the second instance: status %d, signed-in name shown: %v",
			page.Status, strings.Contains(page.Body, "Ann Alpha"))
	}
	form := validAnswer()
	form.Set("comment", "Saved through the second instance.")
	saved := c.postForm("/proposals/LP-12/response", form)
	if saved.Status != http.StatusSeeOther {
		t.Fatalf("POST through the second instance: status %d\n%s", saved.Status, saved.Body)
	}
	forged := c.postForm("/proposals/LP-12/response", url.Values{"_csrf": {"not-the-token"}, "action": {"draft"}})
	if forged.Status != http.StatusForbidden {
		t.Errorf("a wrong CSRF token on the second instance: status %d, want 403", forged.Status)
	}

	c.e = first
	back := c.get("/proposals/LP-12")
	if back.Status != http.StatusOK || !strings.Contains(back.Body, "Saved through the second instance.") {
		t.Errorf("the first instance does not show what the second saved (status %d)", back.Status)
	}
	out := c.postForm("/logout", url.Values{})
	if out.Status != http.StatusSeeOther {
		t.Fatalf("sign out on the first instance: status %d", out.Status)
	}
	c.e = second
	if after := c.get("/proposals/LP-12"); after.Status != http.StatusSeeOther || !strings.HasPrefix(after.Location, "/login") {
		t.Errorf("after signing out on the first, the second instance answers %d (Location %q), want a redirect to /login",
			after.Status, after.Location)
	}
}
