package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The full-text index over responses' comment and amendments is the
// engine's own: an FTS5 table on SQLite, a tsvector column with a GIN index
// on PostgreSQL. Both stem English words, so "mergers" finds "merger".

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

// searchIndex is migration 50's step: it creates the index, keeps it in step
// with every write to responses and fills it from the rows already stored.
//
// SQLite: an external-content FTS5 table (the text is stored once, in
// responses) with the 'porter' stemmer over 'unicode61' (letters and digits
// of any script make words; diacritics are folded, so "cafe" finds "café").
// Its triggers are FTS5's documented pattern: the old text is deleted with
// the 'delete' command before the new text is added. An update that leaves
// the text alone (a draft submitted, consent changed) skips both.
//
// PostgreSQL: a generated tsvector column under the 'english' configuration
// (Snowball stemming, English stop words), kept by PostgreSQL itself. Its
// parser reads <...> as an HTML tag and skips it (and a <script>'s
// content): '<' and '>' become spaces first, so all of a member's text is
// words. Queries fold them the same way (postgresTextFold).
func searchIndex(tx *gorm.DB) error {
	var stmts []string
	if tx.Dialector.Name() == "postgres" {
		stmts = []string{
			`ALTER TABLE responses ADD COLUMN search_vector tsvector
GENERATED ALWAYS AS (to_tsvector('english', translate(comment || ' ' || amendments, '<>', '  '))) STORED`,
			`CREATE INDEX responses_search ON responses USING GIN (search_vector)`,
		}
	} else {
		const del = `INSERT INTO responses_fts (responses_fts, rowid, comment, amendments) VALUES ('delete', old.id, old.comment, old.amendments);`
		const add = `INSERT INTO responses_fts (rowid, comment, amendments) VALUES (new.id, new.comment, new.amendments);`
		stmts = []string{
			`CREATE VIRTUAL TABLE responses_fts USING fts5(comment, amendments,
content = 'responses', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2')`,
			"CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN " + add + " END",
			"CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses BEGIN " + del + " END",
			`CREATE TRIGGER responses_fts_update AFTER UPDATE OF id, comment, amendments ON responses
WHEN old.id <> new.id OR old.comment <> new.comment OR old.amendments <> new.amendments
BEGIN ` + del + " " + add + " END",
			`INSERT INTO responses_fts (responses_fts) VALUES ('rebuild')`,
		}
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}

// postgresTextFold is what the index does to text before PostgreSQL parses it.
var postgresTextFold = strings.NewReplacer("<", " ", ">", " ")

// ftsString quotes a search word as an FTS5 string, which FTS5 reads as
// words to find and never as query syntax (NEAR, OR, *, ^, column filters).
func ftsString(w string) string {
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
}
