package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/storage/migrations"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// copyDatabase writes a consistent copy of the store's file to path.
func copyDatabase(t *testing.T, s *storage.Store, path string) {
	t.Helper()
	if _, err := s.Backup(context.Background(), path); err != nil {
		t.Fatal(err)
	}
}

func TestWritesAreRefusedOnceTheDatabaseFileIsDeletedOrReplaced(t *testing.T) {
	testdb.SkipOnPostgres(t, "about the SQLite file under a running server")
	ctx := context.Background()
	for _, c := range []struct {
		name, logged string
		pull         func(t *testing.T, s *storage.Store, path string)
	}{
		{"deleted", "was deleted", func(t *testing.T, s *storage.Store, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a copy moved over it", "was replaced by another file", func(t *testing.T, s *storage.Store, path string) {
			copyDatabase(t, s, path+".copy")
			if err := os.Rename(path+".copy", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"moved away", "was deleted", func(t *testing.T, s *storage.Store, path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log logBuffer
			path := filepath.Join(t.TempDir(), "live.db")
			s, err := storage.Open(ctx, storage.Options{Path: path, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, _, err := s.CreateSession(ctx, nil); err != nil {
				t.Fatalf("a write before: %v", err)
			}
			if err := s.Health(ctx); err != nil {
				t.Fatalf("health before: %v", err)
			}

			c.pull(t, s, path)

			if _, _, err := s.CreateSession(ctx, nil); !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), c.logged) {
				t.Errorf("a write after the file %s: err = %v, want ErrUnavailable saying it %s", c.name, err, c.logged)
			}
			if _, err := s.EnsureOrganisation(ctx, models.Organisation{Code: "ZZZ", Name: "Zed Trust", Type: "acute",
				Region: "London", System: "London system", SystemStatus: "ics"}); !errors.Is(err, models.ErrUnavailable) {
				t.Errorf("a transaction after the file %s: err = %v, want ErrUnavailable", c.name, err)
			}
			if err := s.Health(ctx); !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), c.logged) {
				t.Errorf("health after the file %s: %v", c.name, err)
			}
			if stale, _ := filepath.Glob(path + "-wal.stale-*"); c.logged != "was deleted" && len(stale) != 1 {
				t.Errorf("the old -wal beside the new file was not set aside at once: %v", stale)
			}
			if _, err := os.Stat(path); c.logged == "was deleted" && !os.IsNotExist(err) {
				t.Errorf("a new file was created at the path (stat: %v)", err)
			}
			if n := strings.Count(log.String(), "database file "+c.logged+" while the server was running"); n != 1 {
				t.Errorf("the log says %d times that the file %s, want once:\n%s", n, c.logged, log.String())
			}
		})
	}
}

func TestWritesResumeWhenTheDatabaseFileIsPutBack(t *testing.T) {
	testdb.SkipOnPostgres(t, "about the SQLite file under a running server")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	s, err := storage.Open(ctx, storage.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateSession(ctx, nil); !errors.Is(err, models.ErrUnavailable) {
		t.Fatalf("while moved away: err = %v, want ErrUnavailable", err)
	}
	if err := os.Rename(path+".moved", path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateSession(ctx, nil); err != nil {
		t.Errorf("once back: %v", err)
	}
}

func TestHealthReportsAFailingWritePath(t *testing.T) {
	ctx := context.Background()
	s, _ := openFileStore(t)
	if err := s.Health(ctx); err != nil {
		t.Fatalf("health of a sound database: %v", err)
	}
	s.MakeWritesFail(t)
	err := s.HealthNow(ctx)
	if !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), "a write failed") {
		t.Errorf("health while writes fail = %v, want ErrUnavailable saying a write failed", err)
	}
}

func TestStartRefusesADatabaseFromANewerRelease(t *testing.T) {
	ctx := context.Background()
	path := testdb.Path(t, filepath.Join(t.TempDir(), "t.db"))
	s, err := storage.Open(ctx, storage.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	newest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ExecOnWriter(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		newest+100, "from_the_future", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path) // nothing on PostgreSQL

	_, err = storage.Open(ctx, storage.Options{Path: path})
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the refused file was changed")
	}
	if !errors.Is(err, migrations.ErrSchemaTooNew) {
		t.Fatalf("open = %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{"newer release", "schema version " + strconv.Itoa(newest+100), "up to " + strconv.Itoa(newest), "was not changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
}

// damage writes garbage over a tenth of the file's pages, from the middle
// on, leaving the first page (the schema) alone.
func damage(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	pages := len(b) / page
	if pages < 20 {
		t.Fatalf("%s has %d pages; too few to damage some and keep the schema", path, pages)
	}
	for p := pages / 2; p < pages/2+pages/10; p++ {
		for i := p * page; i < (p+1)*page; i++ {
			b[i] = byte(i*7 + 13)
		}
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStartRefusesADamagedFileAndVerifyFailsOnIt(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	demoStore(t, path, time.Now()).Close()
	damage(t, path)
	before, _ := os.ReadFile(path)

	_, err := storage.Open(ctx, storage.Options{Path: path, QuickCheck: time.Minute})
	if err == nil {
		t.Fatal("a damaged file was opened")
	}
	for _, want := range []string{path + " is damaged", "quick_check", "Restore it from a backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the refused file was changed")
	}
	if err := storage.VerifyDatabase(ctx, path); err == nil {
		t.Error("tracker verify passed a damaged file")
	}
}

func TestStartRefusesAFileThatHoldsNoTrackerData(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	ctx := context.Background()
	for _, c := range []struct {
		name, says string
		make       func(t *testing.T, path string)
	}{
		{"0 bytes", "is empty (0 bytes)", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"a database with no tables", "has no tables", func(t *testing.T, path string) {
			rawExec(t, path, "CREATE TABLE scratch (x)", "DROP TABLE scratch")
		}},
		{"another program's database", "some other program", func(t *testing.T, path string) {
			rawExec(t, path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.db")
			c.make(t, path)
			before, _ := os.ReadFile(path)
			_, err := storage.Open(ctx, storage.Options{Path: path, QuickCheck: time.Minute})
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("open = %v, want a refusal saying %q", err, c.says)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the refused file was changed")
			}
			if err := storage.VerifyDatabase(ctx, path); err == nil {
				t.Error("tracker verify passed it")
			}
		})
	}
}

func TestAnEmptyFileCanBeSetUpOnPurposeAndANewFileIsCreated(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []storage.Options{
		{Path: empty, AllowEmpty: true},
		{Path: filepath.Join(dir, "new.db"), QuickCheck: time.Minute},
	} {
		s, err := storage.Open(ctx, o)
		if err != nil {
			t.Fatalf("open %s: %v", o.Path, err)
		}
		s.Close()
		if err := storage.VerifyDatabase(ctx, o.Path); err != nil {
			t.Errorf("verify %s after setting it up: %v", o.Path, err)
		}
	}
}

// rawExec runs statements on a SQLite file without the store.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStartRefusesADatabaseThatCannotBeWritten(t *testing.T) {
	ctx := context.Background()
	s, path := openFileStore(t)
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("a writable database: %v", err)
	}
	s.MakeWritesFail(t)
	err := s.CheckWritable(ctx)
	want := "cannot be written, so the server will not start on it"
	if !testdb.Postgres() {
		want = path + " cannot be opened for writing"
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check = %v, want it to say %q", err, want)
	}
}

func TestADamagedFileFoundAfterStartRefusesWrites(t *testing.T) {
	testdb.SkipOnPostgres(t, "about SQLite files")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	demoStore(t, path, time.Now()).Close()
	damage(t, path)

	var log logBuffer
	// No time at all for the check at start: it finishes while the store
	// serves. On a busy machine the check of this small file can still
	// finish before the 1 ns wait is up, and the start is refused (as it
	// should be); try again until the check is left for later.
	var s *storage.Store
	var err error
	for range 10 {
		s, err = storage.Open(ctx, storage.Options{Path: path, QuickCheck: time.Nanosecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err == nil || !strings.Contains(err.Error(), "is damaged") {
			break
		}
	}
	if err != nil {
		t.Fatalf("open with the check left for later: %v", err)
	}
	defer s.Close()
	s.WaitForStartCheck()
	if _, _, err := s.CreateSession(ctx, nil); !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("a write once the file is known damaged: err = %v, want ErrUnavailable", err)
	}
	if err := s.Health(ctx); !errors.Is(err, models.ErrUnavailable) || !strings.Contains(err.Error(), "is damaged") {
		t.Errorf("health = %v, want it to say the file is damaged", err)
	}
	if !strings.Contains(log.String(), "database file is damaged") {
		t.Errorf("the log does not say the file is damaged:\n%s", log.String())
	}
}

func TestClosingAfterTheFileWasReplacedKeepsTheOldOneAndLeavesTheNewOneClean(t *testing.T) {
	testdb.SkipOnPostgres(t, "about the SQLite file under a running server")
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	s, err := storage.Open(ctx, storage.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	copyDatabase(t, s, path+".backup") // holds the first session
	if _, _, err := s.CreateSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".backup", path); err != nil {
		t.Fatal(err)
	}
	s.Close()

	count := func(p string) int64 {
		t.Helper()
		r, err := storage.Open(ctx, storage.Options{Path: p})
		if err != nil {
			t.Fatalf("open %s: %v", filepath.Base(p), err)
		}
		defer r.Close()
		n, err := r.CountRows(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rescued, _ := filepath.Glob(path + ".rescued-*")
	if len(rescued) != 1 {
		t.Fatalf("copies of the replaced file: %v, want one", rescued)
	}
	if n := count(rescued[0]); n != 2 {
		t.Errorf("the copy of the replaced file holds %d sessions, want both", n)
	}
	if stale, _ := filepath.Glob(path + "-wal.stale-*"); len(stale) != 1 {
		t.Errorf("the old file's write-ahead log was not set aside: %v", stale)
	}
	if err := storage.VerifyDatabase(ctx, path); err != nil {
		t.Errorf("the file put in place: %v", err)
	}
	if n := count(path); n != 1 {
		t.Errorf("the file put in place holds %d sessions, want the backup's one", n)
	}
}

// openFileStore opens a store on a new SQLite file (the test database
// instead, when TRACKER_TEST_DATABASE_URL names one), closed at the end.
func openFileStore(t *testing.T) (*storage.Store, string) {
	t.Helper()
	path := testdb.Path(t, filepath.Join(t.TempDir(), "t.db"))
	s, err := storage.Open(context.Background(), storage.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}
