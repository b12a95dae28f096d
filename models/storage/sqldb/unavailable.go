package sqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "github.com/mattn/go-sqlite3"
	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// IsUnavailable says whether err means the database is unavailable: an error
// marked ErrUnavailable, or a driver error of that kind that reached the
// caller unmarked.
func IsUnavailable(err error) bool {
	return errors.Is(err, models.ErrUnavailable) || unavailable(err)
}

// markUnavailable marks a driver error that means the database is
// unavailable with ErrUnavailable, keeping the original for the log.
func markUnavailable(err error) error {
	if err == nil || errors.Is(err, models.ErrUnavailable) || !unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", models.ErrUnavailable, err)
}

// unavailable sorts driver errors. A request's own deadline or cancellation
// is not the database's failure: the web layer answers those itself.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull, // the disk or the file's size limit is full
			sqlite3.ErrIoErr,    // the file could not be read or written
			sqlite3.ErrReadonly, // a read-only file or filesystem
			sqlite3.ErrCantOpen, // the file or its directory has gone
			sqlite3.ErrBusy,     // another process held the write lock past the busy timeout
			sqlite3.ErrLocked,   // a table lock within the process, likewise
			sqlite3.ErrCorrupt,  // damaged pages
			sqlite3.ErrNotADB,   // the file was replaced by something else
			sqlite3.ErrProtocol: // the WAL's locking failed
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // whatever the server said, no session to run the request in
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return unavailableSQLState(pe.Code)
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// unavailableSQLState picks the PostgreSQL error codes
// (https://www.postgresql.org/docs/current/errcodes-appendix.html) after
// which nothing was stored and the same request may succeed later.
func unavailableSQLState(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),  // insufficient resources: disk full, out of memory, too many connections
		strings.HasPrefix(code, "58"),  // system error: I/O error
		strings.HasPrefix(code, "57P"): // admin or crash shutdown, cannot connect now
		return true
	}
	switch code {
	case "25006", // read-only transaction: a standby, or the database set read-only
		"40001", // serialization failure
		"40P01": // deadlock detected: this transaction was the one rolled back
		return true
	}
	return false
}

// unavailableErrors is a GORM dialector that also marks the errors meaning
// the database is unavailable, so that every store method's error says so
// whichever query failed. GORM passes every error through Translate,
// beginning and committing transactions included.
type unavailableErrors struct {
	gorm.Dialector
}

// WithUnavailableErrors is d with its errors marked as unavailableErrors marks them.
func WithUnavailableErrors(d gorm.Dialector) gorm.Dialector { return unavailableErrors{d} }

// Translate applies the driver's own translation (unique keys, foreign
// keys), then marks unavailability.
func (d unavailableErrors) Translate(err error) error {
	if t, ok := d.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return markUnavailable(err)
}

// SavePoint and RollbackTo are what GORM needs for nested transactions;
// both drivers have them.
func (d unavailableErrors) SavePoint(tx *gorm.DB, name string) error {
	return d.Dialector.(gorm.SavePointerDialectorInterface).SavePoint(tx, name)
}

func (d unavailableErrors) RollbackTo(tx *gorm.DB, name string) error {
	return d.Dialector.(gorm.SavePointerDialectorInterface).RollbackTo(tx, name)
}
