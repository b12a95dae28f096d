package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

func TestSavesAreRefusedAndHealthzFailsOnceTheDatabaseFileIsDeletedOrReplaced(t *testing.T) {
	testdb.SkipOnPostgres(t, "about the SQLite file under a running server")
	for _, c := range []struct {
		name, logged string
		pull         func(t *testing.T, e *env, path string)
	}{
		{"deleted", "was deleted", func(t *testing.T, e *env, path string) {
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
		}},
		{"replaced", "was replaced by another file", func(t *testing.T, e *env, path string) {
			if _, err := e.store.Backup(context.Background(), path+".restore"); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".restore", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log lockedBuffer
			path := filepath.Join(t.TempDir(), "live.db")
			e := newLoggedEnv(t, &log, path)
			member := e.signIn("a@alpha.example")
			if r := e.anon().get("/healthz"); r.Status != http.StatusOK {
				t.Fatalf("healthz before: %d", r.Status)
			}
			if r := member.postForm("/proposals/LP-01/response", validAnswer()); r.Status != http.StatusSeeOther {
				t.Fatalf("save before: %d", r.Status)
			}

			c.pull(t, e, path)

			if r := e.anon().get("/healthz"); r.Status != http.StatusServiceUnavailable {
				t.Errorf("healthz after the file was %s: %d, want 503", c.name, r.Status)
			}
			answer := validAnswer()
			answer.Set("version", "1")
			answer.Set("comment", "Saved after the file went.")
			r := member.postForm("/proposals/LP-01/response", answer)
			if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "nothing was saved") {
				t.Errorf("save after the file was %s: %d, want 503 saying nothing was saved\n%s", c.name, r.Status, r.Body)
			}
			api := member.putJSON("/api/v1/proposals/LP-02/response", `{"stance":"oppose","autonomy":1,"consent":"private","comment":"Saved after the file went."}`)
			if api.Status != http.StatusServiceUnavailable || !strings.Contains(api.Body, `"error"`) {
				t.Errorf("API save after the file was %s: %d %s, want 503 in JSON", c.name, api.Status, api.Body)
			}
			if !strings.Contains(log.String(), c.logged+" while the server was running") {
				t.Errorf("the log does not say the file %s:\n%s", c.logged, log.String())
			}
			if c.name == "replaced" {
				var n int
				db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.QueryRow("SELECT COUNT(*) FROM response_revisions WHERE comment LIKE 'Saved after%'").Scan(&n); err != nil || n != 0 {
					t.Errorf("the file now in place holds %d refused saves (err %v)", n, err)
				}
			}
		})
	}
}

func TestHealthzFailsWhileWritesCannotBeMade(t *testing.T) {
	testdb.SkipOnPostgres(t, "another process holding SQLite's write lock")
	var log lockedBuffer
	path := filepath.Join(t.TempDir(), "live.db")
	e := newLoggedEnv(t, &log, path)
	// Another program holds the write lock, as a stuck maintenance
	// session would: reads go on, writes wait out the busy timeout (10 s)
	// and fail.
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	r := e.anon().get("/healthz")
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("healthz while no write can be made: %d, want 503", r.Status)
	}
	if !regexp.MustCompile(`a write failed: (database unavailable: )?database is locked`).MatchString(log.String()) {
		t.Errorf("the log does not say why:\n%s", log.String()[max(0, len(log.String())-1500):])
	}
}
