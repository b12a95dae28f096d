package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/nhsproviders/consultation-tracker/models"
)

// restoreAdvice ends every message about a file that needs restoring.
const restoreAdvice = `Restore it from a backup as docs/reliability.md says ("Restoring the database file").`

// errEmptyDatabase says what to do with a database file that holds nothing.
func errEmptyDatabase(path, what string) error {
	return fmt.Errorf("database %s %s: it holds no tracker data. "+
		"If it should hold data, it was truncated or badly copied: %s "+
		"To start a new database, delete the file, or run 'tracker migrate -db %s' to set it up",
		path, what, restoreAdvice, path)
}

// checkExistingFile looks at the database file before it is opened: it says
// whether the file already existed and refuses one of 0 bytes (with no
// write-ahead log beside it that could hold its pages) unless allowEmpty.
func checkExistingFile(path string, allowEmpty bool) (existed bool, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database %s: %w", path, err)
	}
	if fi.IsDir() {
		return true, fmt.Errorf("database %s is a directory, not a file", path)
	}
	if fi.Size() == 0 && !allowEmpty {
		if wal, err := os.Stat(path + "-wal"); err != nil || wal.Size() == 0 {
			return true, errEmptyDatabase(path, "is empty (0 bytes)")
		}
	}
	return true, nil
}

// checkExistingDatabase looks into a file that existed before this start,
// on a read-only connection so that a refused file is left as it was: it
// refuses a file with no tables (unless allowEmpty) or with tables that are
// not the tracker's.
func checkExistingDatabase(ctx context.Context, path string, allowEmpty bool) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	return checkTrackerTables(ctx, db, path, allowEmpty)
}

// checkTrackerTables refuses a database with no tables (unless allowEmpty),
// or with tables but not the tracker's.
func checkTrackerTables(ctx context.Context, db *sql.DB, path string, allowEmpty bool) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return err
	}
	defer rows.Close()
	tables, tracker := 0, false
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		tables++
		tracker = tracker || name == "schema_migrations"
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch {
	case tables == 0 && !allowEmpty:
		return errEmptyDatabase(path, "has no tables")
	case tables > 0 && !tracker:
		return fmt.Errorf("database %s is a SQLite file of some other program (it has tables, but not the tracker's): "+
			"the tracker will not add its tables to it. Check the -db setting", path)
	case !tracker:
		return nil
	}
	// A newer release's database is refused here too, before anything
	// opens it for writing (Migrate refuses it as well, on either engine).
	var applied []int
	vrows, err := db.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	defer vrows.Close()
	for vrows.Next() {
		var v int
		if err := vrows.Scan(&v); err != nil {
			return err
		}
		applied = append(applied, v)
	}
	if err := vrows.Err(); err != nil {
		return err
	}
	known, err := loadMigrations()
	if err != nil {
		return err
	}
	return refuseUnknownVersions(applied, known)
}

// quickCheck is PRAGMA quick_check of a SQLite file running on a read-only
// connection of its own, which does not hold up the writer. It reads the
// whole file: about 20–30 s for a million responses (docs/reliability.md),
// so start-up waits for it only so long, and a check still running then
// finishes while the server serves.
type quickCheck struct {
	path    string
	began   time.Time
	cancel  context.CancelFunc
	done    chan struct{} // closed when err is set
	err     error         // nil, or why the file is refused
	handled chan struct{} // closed once finishWhileServing has acted on err
}

// startQuickCheck begins checking path.
func startQuickCheck(path string) *quickCheck {
	ctx, cancel := context.WithCancel(context.Background())
	c := &quickCheck{path: path, began: time.Now(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = runQuickCheck(ctx, path)
	}()
	return c
}

// wait waits at most limit for the check's result; finished is false when
// the check is still running.
func (c *quickCheck) wait(ctx context.Context, limit time.Duration) (finished bool, err error) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-c.done:
		return true, c.err
	case <-t.C:
		return false, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

// stop ends the check, if it still runs, and waits for it.
func (c *quickCheck) stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
	if c.handled != nil {
		<-c.handled
	}
}

func runQuickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	problems, err := checkRows(ctx, db, "PRAGMA quick_check(20)")
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return explainSQLiteError(path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("database %s is damaged (PRAGMA quick_check: %s): the server will not start on it. %s",
			path, strings.Join(problems, "; "), restoreAdvice)
	}
	return nil
}

// finishWhileServing lets a start-up check that outlasted its wait finish
// while the store serves. A damaged file is then refused as it would have
// been at start: every write answers ErrUnavailable, and /healthz 503.
func (s *Store) finishWhileServing(c *quickCheck, log *slog.Logger) {
	s.startCheck = c
	c.handled = make(chan struct{})
	go func() {
		defer close(c.handled)
		<-c.done
		switch {
		case errors.Is(c.err, context.Canceled):
		case c.err != nil:
			s.guard.refuse(fmt.Errorf("%w: %w", models.ErrUnavailable, c.err))
			if log != nil {
				log.Error("database file is damaged: refusing every write, and /healthz answers 503", "err", c.err)
			}
		case log != nil:
			log.Info("database file checked (PRAGMA quick_check, finished while serving)", "path", s.path,
				"took", time.Since(c.began).Round(time.Millisecond))
		}
	}()
}

// checkRows runs one of SQLite's check pragmas and returns the lines that
// are not "ok".
func checkRows(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// explainSQLiteError turns the SQLite errors a bad file gives at start into
// messages that say what to do.
func explainSQLiteError(path string, err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrCantOpen, sqlite3.ErrAuth:
		return fmt.Errorf("database %s cannot be opened for writing (%v): the server must be able to write the file "+
			"and to create %s-wal and %s-shm beside it. Check the owner and permissions of the file and of its directory, "+
			"and that the disk is not mounted read-only", path, se.Code, path, path)
	case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
		return fmt.Errorf("database %s is damaged or is not a database (%v): the server will not start on it. %s",
			path, se.Code, restoreAdvice)
	}
	return err
}
