// Package testdb gives each test a database of its own: a SQLite file in the
// test's temporary directory or, when TRACKER_TEST_DATABASE_URL names a
// PostgreSQL server, a fresh database created for the test and dropped when
// it ends. Tests pass what Path returns as storage.Options.Path.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for creating databases
	_ "github.com/mattn/go-sqlite3"
)

// EnvURL names the variable holding a PostgreSQL URL (for a role allowed to
// create databases), e.g. postgres://tracker@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "TRACKER_TEST_DATABASE_URL"

// Postgres says whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv(EnvURL) != "" }

var (
	mu      sync.Mutex
	created = map[string]string{} // SQLite path → the database URL that stands in for it
)

// Path returns where a test's store lives: sqlitePath itself on SQLite, or
// the URL of a new PostgreSQL database. The same sqlitePath gives the same
// database, so a test can close and reopen its store.
func Path(t testing.TB, sqlitePath string) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return sqlitePath
	}
	mu.Lock()
	defer mu.Unlock()
	if u, ok := created[sqlitePath]; ok {
		return u
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	// FILE_COPY (PostgreSQL 15) is quicker than the default for an empty
	// database; older servers do not know it.
	if _, err := admin.Exec("CREATE DATABASE " + name + " STRATEGY FILE_COPY"); err != nil {
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			admin.Close()
			t.Fatalf("create test database: %v", err)
		}
	}
	t.Cleanup(func() {
		defer admin.Close()
		// FORCE ends connections a test left open (PostgreSQL 13 and later).
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		mu.Lock()
		delete(created, sqlitePath)
		mu.Unlock()
	})
	u.Path = "/" + name
	created[sqlitePath] = u.String()
	return u.String()
}

// SkipOnPostgres skips a test that is about SQLite itself (its files, VACUUM,
// backups), saying why.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

// Raw opens the test's database directly, without the store, for checks that
// must not trust the store's own SQL. On SQLite it is read-only. Queries must
// use no placeholders, which differ between the two.
func Raw(t testing.TB, path string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if Postgres() {
		db, err = sql.Open("pgx", path)
	} else {
		db, err = sql.Open("sqlite3", "file:"+path+"?mode=ro")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
