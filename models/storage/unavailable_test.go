package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// TestDriverErrorsThatMeanTheDatabaseIsUnavailable: the errors after which
// nothing was stored and the same request may succeed later are told apart
// from the request's own mistakes and from its deadline.
func TestDriverErrorsThatMeanTheDatabaseIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"SQLite disk full", sqlite3.Error{Code: sqlite3.ErrFull}, true},
		{"SQLite I/O error", sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite}, true},
		{"SQLite read-only file", sqlite3.Error{Code: sqlite3.ErrReadonly}, true},
		{"SQLite locked past the busy timeout", sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{"SQLite file replaced", sqlite3.Error{Code: sqlite3.ErrNotADB}, true},
		{"SQLite constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{"PostgreSQL disk full", &pgconn.PgError{Code: "53100"}, true},
		{"PostgreSQL shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"PostgreSQL read-only transaction", &pgconn.PgError{Code: "25006"}, true},
		{"PostgreSQL deadlock", &pgconn.PgError{Code: "40P01"}, true},
		{"PostgreSQL unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"PostgreSQL syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"the request's deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), false},
		{"the client gone", context.Canceled, false},
		{"not found", models.ErrNotFound, false},
		{"a conflict", models.ErrConflict, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := storage.IsUnavailable(fmt.Errorf("store: %w", tc.err)); got != tc.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestAPostgreSQLServerThatRefusesConnectionsIsUnavailable dials a port on
// loopback where nothing listens: the real "connection refused".
func TestAPostgreSQLServerThatRefusesConnectionsIsUnavailable(t *testing.T) {
	_, err := pgx.Connect(context.Background(), "postgres://tracker@127.0.0.1:1/tracker?sslmode=disable&connect_timeout=5")
	if err == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	if !storage.IsUnavailable(err) {
		t.Errorf("connection refused is not unavailable: %v", err)
	}
}

// TestAFullOrReadOnlyDatabaseRefusesASaveAsUnavailable: a save on a full
// disk (SQLite, max_page_count) or a read-only database (both engines)
// fails with ErrUnavailable, nothing of it is stored, and reads go on.
func TestAFullOrReadOnlyDatabaseRefusesASaveAsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sqliteOnly bool
		fault      func(*storage.Store) error
	}{
		{"full disk", true, func(s *storage.Store) error { return s.FillForTest(context.Background()) }},
		{"read-only database", false, func(s *storage.Store) error { return s.RefuseWritesForTest(context.Background()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sqliteOnly {
				testdb.SkipOnPostgres(t, "PostgreSQL's disk cannot be filled from a test")
			}
			a := newAnalysisStore(t)
			ctx := context.Background()
			org, p := a.orgs["AAA"], a.proposal("LP-01")
			if err := tc.fault(a.s); err != nil {
				t.Fatal(err)
			}
			// Past a page: the revision needs pages the file may not take.
			comment := strings.Repeat("Our board cannot support this. ", 160)[:4900]
			_, err := a.s.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p, UserID: a.users["AAA"],
				Input: models.ResponseInput{Stance: models.Oppose, Comment: comment, Amendments: comment}})
			if !errors.Is(err, models.ErrUnavailable) {
				t.Fatalf("save: %v, want ErrUnavailable", err)
			}
			t.Logf("the save was refused: %v", err)
			if _, err := a.s.ResponseFor(ctx, org.ID, p); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("after the refused save, ResponseFor: %v, want ErrNotFound (nothing stored, reads working)", err)
			}
		})
	}
}
