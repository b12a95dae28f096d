// Package sqlitefile looks after the file under a SQLite store: it checks a
// file before the store opens it, notices when the file is deleted or
// replaced while the server runs, and writes and verifies backups. It
// takes paths and *sql.DB, never the store, and its errors say what the
// operator should do.
package sqlitefile

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/nhsproviders/consultation-tracker/models"
)

// Guard notices when the SQLite file the store opened is no longer the
// file at its path: deleted, or replaced by another file moved over it.
// The server's connections would go on writing into the old file, and every
// save acknowledged from then on would be lost with it; so each commit on
// the writer first checks that the path still names the opened file (a
// stat, about a microsecond), and is refused with ErrUnavailable if not.
// An in-place overwrite (cp over the live file) keeps the file's identity
// and is not seen here; docs/reliability.md says how to restore safely.
// A nil *Guard (PostgreSQL) checks nothing.
type Guard struct {
	path   string
	log    *slog.Logger // nil: silent
	opened atomic.Pointer[os.FileInfo]
	wal    atomic.Pointer[os.FileInfo] // the opened file's -wal
	lost   atomic.Bool                 // the last check found the file gone; logged once per change
	// refused, once set, refuses every later write: the file was found
	// damaged after the server had started.
	refused atomic.Pointer[error]
	// rescuing lets the copy of Rescue through the commit hook.
	rescuing    atomic.Bool
	walSetAside atomic.Bool
}

// NewGuard makes the guard of the file at path, which logs to log (nil for
// silence).
func NewGuard(path string, log *slog.Logger) *Guard {
	return &Guard{path: path, log: log}
}

// refuse makes every later check fail with err (which wraps ErrUnavailable).
func (g *Guard) refuse(err error) {
	g.refused.Store(&err)
}

// Record notes the identity (device and inode) of the file as opened.
func (g *Guard) Record() error {
	fi, err := os.Stat(g.path)
	if err != nil {
		return err
	}
	g.opened.Store(&fi)
	return nil
}

// RecordWAL notes the identity of the opened file's -wal, once there is one.
func (g *Guard) RecordWAL() {
	if fi, err := os.Stat(g.path + "-wal"); err == nil {
		g.wal.Store(&fi)
	}
}

// Check returns nil while the path still names the opened file, and
// otherwise an error wrapping ErrUnavailable that says what happened.
func (g *Guard) Check() error {
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
	what, _ := g.moved()
	if what == "" {
		if g.lost.CompareAndSwap(true, false) && g.log != nil {
			g.log.Warn("database file is back at its path; writes are accepted again", "path", g.path)
		}
		return nil
	}
	err := fmt.Errorf("%w: the database file %s %s while the server was running", models.ErrUnavailable, g.path, what)
	if !g.lost.CompareAndSwap(false, true) {
		return err
	}
	if g.log != nil {
		g.log.Error("database file "+what+" while the server was running: refusing every write, and /healthz answers 503. "+
			"Stop the server and restore the file as docs/reliability.md says (\"Restoring the database file\")",
			"path", g.path)
	}
	if what == "was replaced by another file" {
		// Another file is at the path now: the old -wal beside it must go
		// before anything opens it, and the server stays refused until it
		// restarts (its connections keep the old -wal open under its new name).
		g.refuse(err)
		g.setAsideStaleWAL()
	}
	return err
}

// moved says whether the path no longer names the opened file, and how; it
// is certain when the file is known to be deleted or replaced, not only
// unreadable.
func (g *Guard) moved() (what string, certain bool) {
	opened := g.opened.Load()
	if opened == nil {
		return "", false
	}
	fi, err := os.Stat(g.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "was deleted", true
	case err != nil:
		return "cannot be found: " + err.Error(), false
	case !os.SameFile(*opened, fi):
		return "was replaced by another file", true
	}
	return "", false
}

// abandoned says whether the store's connections hold a file that is no
// longer at its path.
func (g *Guard) abandoned() bool {
	if g == nil {
		return false
	}
	_, certain := g.moved()
	return certain
}

// SetAsideStaleFiles runs when the store has closed: if its file was deleted
// meanwhile, the old -wal goes too (see setAsideStaleWAL).
func (g *Guard) SetAsideStaleFiles() {
	if g.abandoned() {
		g.setAsideStaleWAL()
	}
}

// setAsideStaleWAL renames the -wal beside the path if it is still the one
// of the file the store opened, and removes the -shm. Once the path no
// longer names that file, SQLite leaves them there, and the next connection
// by path would replay the old file's pages into whatever file is there
// now: the "malformed" (or, worse, silently mixed) restore of the fault
// run. The -wal is renamed, not deleted; the -shm is only an index of it.
func (g *Guard) setAsideStaleWAL() {
	ours := g.wal.Load()
	wal := g.path + "-wal"
	fi, err := os.Stat(wal)
	if ours == nil || err != nil || !os.SameFile(*ours, fi) || !g.walSetAside.CompareAndSwap(false, true) {
		return
	}
	aside := wal + ".stale-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Rename(wal, aside); err != nil {
		if g.log != nil {
			g.log.Error("could not set aside the write-ahead log of the database file that is gone: "+
				"move it away before starting the server on a file at this path", "wal", wal, "err", err)
		}
		return
	}
	_ = os.Remove(g.path + "-shm")
	if g.log != nil {
		g.log.Warn("set aside the write-ahead log of the database file that is no longer at its path, so that it cannot be replayed into a file put there",
			"wal", aside)
	}
}

// Rescue runs when the store closes after its file was deleted or replaced:
// the connections still hold the old file, with every save acknowledged
// before it went, and copyTo (VACUUM INTO on the writer) writes a copy of
// it beside the path.
func (g *Guard) Rescue(copyTo func(name string) error) {
	if !g.abandoned() {
		return
	}
	name := g.path + ".rescued-" + time.Now().UTC().Format("20060102T150405Z")
	g.rescuing.Store(true)
	err := copyTo(name)
	g.rescuing.Store(false)
	if g.log == nil {
		return
	}
	if err != nil {
		g.log.Error("could not copy the database file that was deleted or replaced; the saves made before then are lost", "err", err)
		return
	}
	g.log.Warn("copied the database file that was deleted or replaced, with every save acknowledged before then, to "+name+
		": see docs/reliability.md (\"Restoring the database file\")", "copy", name)
}

// commitHook is SQLite's commit hook on the writer: a non-zero answer turns
// the commit into a rollback.
func (g *Guard) commitHook() int {
	if g.rescuing.Load() {
		return 0
	}
	if g.Check() != nil {
		return 1
	}
	return 0
}

// RefusedCommit says why a commit failed when the guard's commit hook
// refused it, as an error wrapping ErrUnavailable; it is nil for any other
// error.
func (g *Guard) RefusedCommit(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrConstraintCommitHook {
		return nil
	}
	if gone := g.Check(); gone != nil {
		return gone
	}
	return fmt.Errorf("%w: the database file was briefly missing or replaced; nothing was saved", models.ErrUnavailable)
}

// Connector opens the store's SQLite connections: the writer's with the
// commit hook of Guard, and none at all once the path names another file.
// A connection opened by path then would pair the new file with the old
// file's -wal and -shm, read pages of the one as the other, and checkpoint
// them into it: the "malformed" restored file of the fault run.
type Connector struct {
	DSN    string
	Guard  *Guard
	Writer bool
}

// Connect opens a connection. Only the writer's first may create the file:
// one opened later (after an I/O error) must not start an empty database
// where the file was deleted.
func (c Connector) Connect(context.Context) (driver.Conn, error) {
	if err := c.Guard.Check(); err != nil {
		return nil, err
	}
	d := &sqlite3.SQLiteDriver{}
	if c.Writer {
		d.ConnectHook = func(conn *sqlite3.SQLiteConn) error {
			conn.RegisterCommitHook(c.Guard.commitHook)
			return nil
		}
	}
	dsn := c.DSN
	if c.Guard.opened.Load() != nil {
		dsn += "&mode=rw"
	}
	return d.Open(dsn)
}

// Driver is the SQLite driver.
func (c Connector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// EscapePath keeps '?' and '#' in a file name from being read as URL parts
// of a DSN.
func EscapePath(p string) string {
	return strings.NewReplacer("?", "%3f", "#", "%23").Replace(p)
}
