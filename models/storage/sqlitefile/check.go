package sqlitefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/nhsproviders/consultation-tracker/models"
)

// SchemaCheck refuses a database holding migrations (the versions in its
// schema_migrations) that this program does not know.
type SchemaCheck func(applied []int) error

// restoreAdvice ends every message about a file that needs restoring.
const restoreAdvice = `Restore it from a backup as docs/reliability.md says ("Restoring the database file").`

// errEmptyDatabase says what to do with a database file that holds nothing.
func errEmptyDatabase(path, what string) error {
	return fmt.Errorf("database %s %s: it holds no tracker data. "+
		"If it should hold data, it was truncated or badly copied: %s "+
		"To start a new database, delete the file, or run 'tracker migrate -db %s' to set it up",
		path, what, restoreAdvice, path)
}

// CheckFile looks at the database file before it is opened: it says
// whether the file already existed and refuses one of 0 bytes (with no
// write-ahead log beside it that could hold its pages) unless allowEmpty.
func CheckFile(path string, allowEmpty bool) (existed bool, err error) {
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

// CheckDatabase looks into a file that existed before this start, on a
// read-only connection so that a refused file is left as it was: it
// refuses a file with no tables (unless allowEmpty), with tables that are
// not the tracker's, or with a schema that schema refuses.
func CheckDatabase(ctx context.Context, path string, allowEmpty bool, schema SchemaCheck) error {
	db, err := sql.Open("sqlite3", "file:"+EscapePath(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	return checkTrackerTables(ctx, db, path, allowEmpty, schema)
}

// checkTrackerTables refuses a database with no tables (unless allowEmpty),
// with tables but not the tracker's, or with a schema that schema refuses.
func checkTrackerTables(ctx context.Context, db *sql.DB, path string, allowEmpty bool, schema SchemaCheck) error {
	tables, err := column[string](ctx, db, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return err
	}
	switch tracker := slices.Contains(tables, "schema_migrations"); {
	case len(tables) == 0 && !allowEmpty:
		return errEmptyDatabase(path, "has no tables")
	case len(tables) > 0 && !tracker:
		return fmt.Errorf("database %s is a SQLite file of some other program (it has tables, but not the tracker's): "+
			"the tracker will not add its tables to it. Check the -db setting", path)
	case !tracker:
		return nil
	}
	// A newer release's database is refused here too, before anything
	// opens it for writing (Migrate refuses it as well, on either engine).
	applied, err := column[int](ctx, db, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	return schema(applied)
}

// column reads the one column a query returns.
func column[T any](ctx context.Context, db *sql.DB, query string) ([]T, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// QuickCheck is PRAGMA quick_check of a SQLite file running on a read-only
// connection of its own, which does not hold up the writer. It reads the
// whole file: about 20–30 s for a million responses (docs/reliability.md),
// so start-up waits for it only so long, and a check still running then
// finishes while the server serves.
type QuickCheck struct {
	path    string
	began   time.Time
	cancel  context.CancelFunc
	done    chan struct{} // closed when err is set
	err     error         // nil, or why the file is refused
	handled chan struct{} // closed once FinishWhileServing has acted on err
}

// StartQuickCheck begins checking path.
func StartQuickCheck(path string) *QuickCheck {
	ctx, cancel := context.WithCancel(context.Background())
	c := &QuickCheck{path: path, began: time.Now(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = runQuickCheck(ctx, path)
	}()
	return c
}

// Began is when the check started.
func (c *QuickCheck) Began() time.Time { return c.began }

// Wait waits at most limit for the check's result; finished is false when
// the check is still running.
func (c *QuickCheck) Wait(ctx context.Context, limit time.Duration) (finished bool, err error) {
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

// Stop ends the check, if it still runs, and waits for it.
func (c *QuickCheck) Stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
	if c.handled != nil {
		<-c.handled
	}
}

// WaitHandled waits until FinishWhileServing has acted on the result.
func (c *QuickCheck) WaitHandled() { <-c.handled }

// FinishWhileServing lets a check that outlasted its wait finish while the
// store serves. A damaged file is then refused as it would have been at
// start: guard refuses every write with ErrUnavailable (and /healthz 503).
func (c *QuickCheck) FinishWhileServing(guard *Guard, log *slog.Logger) {
	c.handled = make(chan struct{})
	go func() {
		defer close(c.handled)
		<-c.done
		switch {
		case errors.Is(c.err, context.Canceled):
		case c.err != nil:
			guard.refuse(fmt.Errorf("%w: %w", models.ErrUnavailable, c.err))
			if log != nil {
				log.Error("database file is damaged: refusing every write, and /healthz answers 503", "err", c.err)
			}
		case log != nil:
			log.Info("database file checked (PRAGMA quick_check, finished while serving)", "path", c.path,
				"took", time.Since(c.began).Round(time.Millisecond))
		}
	}()
}

func runQuickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+EscapePath(path)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	problems, err := checkRows(ctx, db, "PRAGMA quick_check(20)")
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return Explain(path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("database %s is damaged (PRAGMA quick_check: %s): the server will not start on it. %s",
			path, strings.Join(problems, "; "), restoreAdvice)
	}
	return nil
}

// checkRows runs one of SQLite's check pragmas and returns the lines that
// are not "ok".
func checkRows(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	lines, err := column[string](ctx, db, pragma)
	return slices.DeleteFunc(lines, func(l string) bool { return l == "ok" }), err
}

// Explain turns the SQLite errors a bad file gives at start into messages
// that say what to do; other errors come back as they are.
func Explain(path string, err error) error {
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
