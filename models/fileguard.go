package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// fileGuard notices when the SQLite file the store opened is no longer the
// file at its path: deleted, or replaced by another file moved over it.
// The server's connections would go on writing into the old file, and every
// save acknowledged from then on would be lost with it; so each commit on
// the writer first checks that the path still names the opened file (a
// stat, about a microsecond), and is refused with ErrUnavailable if not.
// An in-place overwrite (cp over the live file) keeps the file's identity
// and is not seen here; docs/reliability.md says how to restore safely.
type fileGuard struct {
	path   string
	log    *slog.Logger // nil: silent
	opened atomic.Pointer[os.FileInfo]
	lost   atomic.Bool // the last check found the file gone; logged once per change
	// refused, once set, refuses every later write: the file was found
	// damaged after the server had started.
	refused atomic.Pointer[error]
}

// refuse makes every later check fail with err (which wraps ErrUnavailable).
func (g *fileGuard) refuse(err error) {
	g.refused.Store(&err)
}

// record notes the identity (device and inode) of the file as opened.
func (g *fileGuard) record() error {
	fi, err := os.Stat(g.path)
	if err != nil {
		return err
	}
	g.opened.Store(&fi)
	return nil
}

// check returns nil while the path still names the opened file, and
// otherwise an error wrapping ErrUnavailable that says what happened.
func (g *fileGuard) check() error {
	if g == nil {
		return nil
	}
	if refused := g.refused.Load(); refused != nil {
		return *refused
	}
	opened := g.opened.Load()
	if opened == nil {
		return nil // not yet recorded: Open is still creating the file
	}
	what := ""
	fi, err := os.Stat(g.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		what = "was deleted"
	case err != nil:
		what = "cannot be found: " + err.Error()
	case !os.SameFile(*opened, fi):
		what = "was replaced by another file"
	}
	if what == "" {
		if g.lost.CompareAndSwap(true, false) && g.log != nil {
			g.log.Warn("database file is back at its path; writes are accepted again", "path", g.path)
		}
		return nil
	}
	if g.lost.CompareAndSwap(false, true) && g.log != nil {
		g.log.Error("database file "+what+" while the server was running: refusing every write, and /healthz answers 503. "+
			"Stop the server and restore the file as docs/reliability.md says (\"Restoring the database file\")",
			"path", g.path)
	}
	return fmt.Errorf("%w: the database file %s %s while the server was running", ErrUnavailable, g.path, what)
}

// commitHook is SQLite's commit hook on the writer: a non-zero answer turns
// the commit into a rollback.
func (g *fileGuard) commitHook() int {
	if g.check() != nil {
		return 1
	}
	return 0
}

// writerConnector opens the SQLite writer's connections with the commit
// hook of guard.
type writerConnector struct {
	dsn   string
	guard *fileGuard
}

func (c writerConnector) Connect(context.Context) (driver.Conn, error) {
	d := &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		conn.RegisterCommitHook(c.guard.commitHook)
		return nil
	}}
	return d.Open(c.dsn)
}

func (c writerConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// sqliteDialector is GORM's SQLite dialector with two changes to the
// errors it hands back: a commit the guard refused becomes ErrUnavailable,
// and values a driver message may echo are blanked (see redactError).
type sqliteDialector struct {
	*sqlite.Dialector
	guard *fileGuard // nil on the reader
}

// Translate is called by GORM on every error of a statement or commit.
func (d sqliteDialector) Translate(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintCommitHook {
		if gone := d.guard.check(); gone != nil {
			return gone
		}
		return fmt.Errorf("%w: the database file was briefly missing or replaced; nothing was saved", ErrUnavailable)
	}
	return redactError(d.Dialector.Translate(err))
}

// redactRowErrors blanks values from the errors of Raw…Rows and Raw…Scan,
// which GORM's row callback stores without passing them to Translate.
func redactRowErrors(db *gorm.DB) error {
	return db.Callback().Row().After("gorm:row").Register("tracker:redact_errors", func(tx *gorm.DB) {
		tx.Error = redactError(tx.Error)
	})
}

// postgresDialector is GORM's PostgreSQL dialector with values blanked
// from its error messages.
type postgresDialector struct {
	*postgres.Dialector
}

// Translate is called by GORM on every error of a statement or commit.
func (d postgresDialector) Translate(err error) error {
	return redactError(d.Dialector.Translate(err))
}
