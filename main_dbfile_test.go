package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// cli runs one tracker command and returns its error.
func cli(t *testing.T, args ...string) error {
	t.Helper()
	env := func(k string) string {
		if k == "TRACKER_DEMO_LOGINS" {
			return filepath.Join(t.TempDir(), "logins.txt")
		}
		return ""
	}
	return run(context.Background(), args, env, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
}

func TestServeAndVerifyRefuseABadDatabaseFile(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		says string
	}{
		{"an empty file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is empty (0 bytes)"},
		{"a file from a newer release", func(t *testing.T, path string) {
			if err := cli(t, "seed", "-db", path); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9000, 'from_the_future', CURRENT_TIMESTAMP)"); err != nil {
				t.Fatal(err)
			}
		}, "newer release of the tracker"},
		{"a damaged file", func(t *testing.T, path string) {
			if err := cli(t, "seed", "-db", path, "-demo"); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := len(b) / 2; i < len(b)/2+len(b)/10; i++ {
				b[i] = byte(i*7 + 13)
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is damaged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tracker.db")
			c.make(t, path)
			err := cli(t, "serve", "-db", path, "-port", "0")
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("serve = %v, want a refusal saying %q", err, c.says)
			}
			if c.name != "a file from a newer release" {
				if err := cli(t, "verify", "-db", path); err == nil {
					t.Error("verify passed it")
				}
			}
		})
	}
}

func TestMigrateSetsUpAnEmptyFileOnPurpose(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	path := filepath.Join(t.TempDir(), "tracker.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cli(t, "migrate", "-db", path); err != nil {
		t.Fatalf("migrate on an empty file: %v", err)
	}
	if err := cli(t, "verify", "-db", path); err != nil {
		t.Errorf("verify after migrate: %v", err)
	}
}
