package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// requireFTS5 refuses a SQLite built without FTS5 (mattn/go-sqlite3 only
// compiles it in with the build tag sqlite_fts5), before a migration fails
// with "no such module: fts5".
func requireFTS5(ctx context.Context, db *sql.DB, path string) error {
	var has bool
	if err := db.QueryRowContext(ctx, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&has); err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if !has {
		return fmt.Errorf("open database %s: this program's SQLite has no full-text search (FTS5), which search needs: build it with -tags sqlite_fts5 (go build -tags sqlite_fts5 .)", path)
	}
	return nil
}

// The index and its triggers are made by migration 50
// (migrations/0050_search.*.sql); deferSearchIndexing drops and makes again
// the insert trigger in the same words.
const (
	searchDeleteRow = `INSERT INTO responses_fts (responses_fts, rowid, comment, amendments) VALUES ('delete', old.id, old.comment, old.amendments);`
	searchAddRow    = `INSERT INTO responses_fts (rowid, comment, amendments) VALUES (new.id, new.comment, new.amendments);`

	searchInsertTrigger = "CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN " + searchAddRow + " END"
)

// deferSearchIndexing stops indexing new responses row by row for the rest
// of a bulk write in tx, and returns what indexes them all at once at its
// end, in the same transaction. Row by row, FTS5 inside one long
// transaction slows down as it grows (25,000 rows: 27 s, the last 5,000
// taking 20 times the first; measured through this driver), while one
// INSERT … SELECT over the new rows at the end takes 2.3 s for 100,000.
// SQLite's DDL is transactional: other connections never see the trigger
// missing, and a rollback puts it back. Updated and deleted rows are still
// indexed by their triggers. On PostgreSQL the index is a generated column
// and nothing changes.
func deferSearchIndexing(tx *gorm.DB) (func() error, error) {
	if tx.Dialector.Name() == "postgres" {
		return func() error { return nil }, nil
	}
	var before int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM responses").Scan(&before).Error; err != nil {
		return nil, err
	}
	if err := tx.Exec("DROP TRIGGER responses_fts_insert").Error; err != nil {
		return nil, err
	}
	return func() error {
		// Ids only grow (AUTOINCREMENT): the rows above the old maximum
		// are exactly the ones this write inserted.
		if err := tx.Exec(`INSERT INTO responses_fts (rowid, comment, amendments)
			SELECT id, comment, amendments FROM responses WHERE id > ?`, before).Error; err != nil {
			return err
		}
		return tx.Exec(searchInsertTrigger).Error
	}, nil
}

// postgresTextFold is what the index does to text before PostgreSQL parses it.
var postgresTextFold = strings.NewReplacer("<", " ", ">", " ")

// ftsString quotes a search word as an FTS5 string, which FTS5 reads as
// words to find and never as query syntax (NEAR, OR, *, ^, column filters).
func ftsString(w string) string {
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
}
