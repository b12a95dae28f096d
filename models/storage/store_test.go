package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

func openStore(t *testing.T, path string, now time.Time) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), storage.Options{Path: testdb.Path(t, path), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// demoStore opens a store with the reference and demo data loaded.
func demoStore(t *testing.T, path string, now time.Time) *storage.Store {
	t.Helper()
	s := openStore(t, path, now)
	ctx := context.Background()
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	if _, err := seeds.LoadDemo(ctx, s, now, ""); err != nil {
		t.Fatal(err)
	}
	return s
}

// tableCounts counts the rows of every table the seeds write.
func tableCounts(t *testing.T, s *storage.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"consultations", "proposals", "organisations", "users", "concerns",
		"responses", "response_concerns", "response_revisions", "schema_migrations"} {
		n, err := s.CountRows(context.Background(), table)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestSeedingTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	first := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	s := openStore(t, path, first)
	if err := seeds.LoadReference(ctx, s, first); err != nil {
		t.Fatal(err)
	}
	if _, err := seeds.LoadDemo(ctx, s, first, ""); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s)
	lp, err := s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A second start, a week later, against the same file.
	later := first.Add(7 * 24 * time.Hour)
	s = openStore(t, path, later)
	defer s.Close()
	if err := seeds.LoadReference(ctx, s, later); err != nil {
		t.Fatal(err)
	}
	accounts, err := seeds.LoadDemo(ctx, s, later, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 0 {
		t.Errorf("second demo load created %d accounts, want 0", len(accounts))
	}
	after := tableCounts(t, s)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows after the second load, %d before", table, after[table], n)
		}
	}
	lp2, _ := s.ConsultationBySlug(ctx, "lp-2019")
	if !lp2.MemberDeadline.Equal(lp.MemberDeadline) {
		t.Errorf("member deadline moved from %v to %v on the second start", lp.MemberDeadline, lp2.MemberDeadline)
	}
	if !lp.OpenForMembers(first) {
		t.Error("the seeded consultation is not open for members on first start")
	}
}

func TestSeedsHoldEveryProposalAndEnoughDemoMembers(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := demoStore(t, filepath.Join(t.TempDir(), "seed.db"), now)
	defer s.Close()
	lp, _ := s.ConsultationBySlug(ctx, "lp-2019")
	ps, _ := s.Proposals(ctx, lp.ID)
	groups := map[string]bool{}
	for _, p := range ps {
		groups[p.GroupTitle] = true
	}
	if len(ps) != 21 || len(groups) != 9 {
		t.Errorf("2019 consultation has %d proposals in %d groups, want 21 in 9", len(ps), len(groups))
	}
	gc, _ := s.ConsultationBySlug(ctx, "ltp-governance")
	if gps, _ := s.Proposals(ctx, gc.ID); len(gps) < 6 {
		t.Errorf("governance consultation has %d proposals, want at least 6", len(gps))
	}
	orgs, _ := s.Organisations(ctx)
	types, regions, statuses := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, o := range orgs {
		types[o.Type], regions[o.Region], statuses[o.SystemStatus] = true, true, true
	}
	if len(orgs) < 40 || len(types) != len(models.OrganisationTypes) || len(regions) != 7 || len(statuses) != 2 {
		t.Errorf("demo has %d organisations, %d types, %d regions, %d system statuses", len(orgs), len(types), len(regions), len(statuses))
	}
	// The demo mix must show the members' real worry: powers to direct
	// mergers opposed, ending competition review supported.
	for ref, wantSign := range map[string]int{"LP-12": -1, "LP-01": +1} {
		sum, err := s.ProposalSummary(ctx, ref, models.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.NetSupport()*wantSign <= 0 || sum.Responses < 20 {
			t.Errorf("%s: net support %d from %d responses, want sign %d", ref, sum.NetSupport(), sum.Responses, wantSign)
		}
	}
}

func TestOrganisationScopeRefusesAMissingOrganisation(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	s := demoStore(t, filepath.Join(t.TempDir(), "scope.db"), now)
	defer s.Close()
	p, _, _ := s.ProposalByRef(ctx, "LP-01")
	cases := []struct {
		name string
		call func() error
	}{
		{"ResponseFor", func() error { _, err := s.ResponseFor(ctx, 0, p.ID); return err }},
		{"History", func() error { _, err := s.History(ctx, 0, p.ID); return err }},
		{"StatusesFor", func() error { _, err := s.StatusesFor(ctx, 0, p.ConsultationID); return err }},
		{"Save", func() error {
			_, err := s.Save(ctx, models.SaveResponse{ProposalID: p.ID, Input: models.ResponseInput{Comment: "x"}})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, models.ErrInvalidOrgScope) {
				t.Errorf("with organisation 0: err = %v, want ErrInvalidOrgScope (a zero id must never mean every organisation)", err)
			}
		})
	}
}

func TestMigrationsRunOnceAndRecordTheirVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := openStore(t, path, time.Now())
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("schema version %d, err %v", v1, err)
	}
	n1, _ := s.CountRows(ctx, "schema_migrations")
	s.Close()
	s = openStore(t, path, time.Now()) // a second open must not re-run anything
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	n2, _ := s.CountRows(ctx, "schema_migrations")
	if v2 != v1 || n2 != n1 {
		t.Errorf("after reopening: version %d (was %d), %d migrations recorded (was %d)", v2, v1, n2, n1)
	}
}
