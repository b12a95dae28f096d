package storage

import (
	"github.com/nhsproviders/consultation-tracker/models/storage/sqlitefile"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// sqliteDialector is GORM's SQLite dialector with two changes to the
// errors it hands back: a commit the file's guard refused becomes
// ErrUnavailable, and values a driver message may echo are blanked (see
// redactError).
type sqliteDialector struct {
	*sqlite.Dialector
	guard *sqlitefile.Guard // nil on the reader
}

// Translate is called by GORM on every error of a statement or commit.
func (d sqliteDialector) Translate(err error) error {
	if refused := d.guard.RefusedCommit(err); refused != nil {
		return refused
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
