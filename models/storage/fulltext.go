package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
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

// The index itself and its triggers are made by migration 50
// (migrations/0050_search.*.sql); deferSearchIndexing drops and makes again
// the insert trigger in the same words.

// textIndex is how one engine indexes the text of responses (comment and
// amendments) and finds the responses that hold a search's words.
type textIndex interface {
	// deferIndexing is deferSearchIndexing on this engine.
	deferIndexing(tx *gorm.DB) (func() error, error)
	// matching is matchingResponses' query on this engine, given the scope's
	// condition and arguments.
	matching(ctx context.Context, db *gorm.DB, plan searchPlan, scope string, args []any, words []string, n int) (string, []any, error)
}

// textIndexes are the engines' text indexes, by the dialect's FullText.
var textIndexes = map[sqldb.FullText]textIndex{sqldb.FTS5: fts5Index{}, sqldb.TSVector: tsvectorIndex{}}

func textIndexOf(tx *gorm.DB) textIndex { return textIndexes[sqldb.DialectOf(tx).FullText()] }

// deferSearchIndexing stops indexing new responses row by row for the rest
// of a bulk write in tx, and returns what indexes them all at once at its
// end, in the same transaction.
func deferSearchIndexing(tx *gorm.DB) (func() error, error) { return textIndexOf(tx).deferIndexing(tx) }

// fts5Index is SQLite's: an external-content FTS5 table (the text is stored
// once, in responses) with the 'porter' stemmer over 'unicode61' (letters
// and digits of any script make words; diacritics are folded, so "cafe"
// finds "café"). Its triggers are FTS5's documented pattern: the old text is
// deleted with the 'delete' command before the new text is added. An update
// that leaves the text alone (a draft submitted, consent changed) skips both.
type fts5Index struct{}

const (
	searchDeleteRow = `INSERT INTO responses_fts (responses_fts, rowid, comment, amendments) VALUES ('delete', old.id, old.comment, old.amendments);`
	searchAddRow    = `INSERT INTO responses_fts (rowid, comment, amendments) VALUES (new.id, new.comment, new.amendments);`

	searchInsertTrigger = "CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN " + searchAddRow + " END"
)

// deferIndexing drops the insert trigger until the end of the write. Row by
// row, FTS5 inside one long transaction slows down as it grows (25,000
// rows: 27 s, the last 5,000 taking 20 times the first; measured through
// this driver), while one INSERT … SELECT over the new rows at the end takes
// 2.3 s for 100,000. SQLite's DDL is transactional: other connections never
// see the trigger missing, and a rollback puts it back. Updated and deleted
// rows are still indexed by their triggers.
func (fts5Index) deferIndexing(tx *gorm.DB) (func() error, error) {
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

// matching asks FTS5 for strings side by side, which must all match, each
// in either column.
func (fts5Index) matching(_ context.Context, _ *gorm.DB, plan searchPlan, scope string, args []any, words []string, n int) (string, []any, error) {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = ftsString(w)
	}
	args = append(args, strings.Join(quoted, " "), n)
	if plan == fromScope {
		// CROSS JOIN keeps the index after the tables on its left: it is
		// asked about one response at a time (rowid = r.id).
		return "SELECT r.id FROM " + searchFrom + " CROSS JOIN responses_fts ON responses_fts.rowid = r.id WHERE " + scope +
			" AND responses_fts MATCH ? ORDER BY r.id LIMIT ?", args, nil
	}
	// FTS5 yields rows in rowid order, so ordering by it costs nothing and
	// the query stops after n rows.
	return "SELECT r.id FROM responses_fts JOIN responses r ON r.id = responses_fts.rowid" + searchJoins + " WHERE " + scope +
		" AND responses_fts MATCH ? ORDER BY responses_fts.rowid LIMIT ?", args, nil
}

// ftsString quotes a search word as an FTS5 string, which FTS5 reads as
// words to find and never as query syntax (NEAR, OR, *, ^, column filters).
func ftsString(w string) string {
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
}

// tsvectorIndex is PostgreSQL's: a generated tsvector column under the
// 'english' configuration (Snowball stemming, English stop words), kept by
// PostgreSQL itself, so bulk writes need not defer anything. Its parser
// reads <...> as an HTML tag and skips it (and a <script>'s content): '<'
// and '>' become spaces first, so all of a member's text is words. Queries
// fold them the same way (postgresTextFold).
type tsvectorIndex struct{}

func (tsvectorIndex) deferIndexing(*gorm.DB) (func() error, error) {
	return func() error { return nil }, nil
}

func (tsvectorIndex) matching(ctx context.Context, db *gorm.DB, plan searchPlan, scope string, args []any, words []string, n int) (string, []any, error) {
	tsquery, err := postgresQuery(ctx, db, words)
	if err != nil {
		return "", nil, err
	}
	switch {
	case tsquery == "":
		// With only stop words ("the", "under"), which are in nearly
		// every text, there is nothing to ask the index.
		return "SELECT r.id FROM " + searchFrom + " WHERE " + scope + " ORDER BY r.id LIMIT ?", append(args, n), nil
	case plan == fromScope:
		// Materialized, the scope is read first: left to guess how
		// common the words are, PostgreSQL can start from the index
		// instead (0.9 s for a scope of 1,624 with a cached plan).
		return "WITH scope AS MATERIALIZED (SELECT r.id, r.search_vector FROM " + searchFrom + " WHERE " + scope + `)
				SELECT id FROM scope WHERE search_vector @@ ?::tsquery ORDER BY id LIMIT ?`, append(args, tsquery, n), nil
	}
	return "SELECT r.id FROM " + searchFrom + " WHERE " + scope + " AND r.search_vector @@ ?::tsquery ORDER BY r.id LIMIT ?",
		append(args, tsquery, n), nil
}

// postgresTextFold is what the index does to text before PostgreSQL parses it.
var postgresTextFold = strings.NewReplacer("<", " ", ">", " ")

// postgresQuery asks PostgreSQL for the tsquery that needs every word, as
// text: phraseto_tsquery reads its input as words only, never operators, and
// makes a word of several parts (board_papers) a phrase. English stop words
// drop out; a query of nothing else gives "".
func postgresQuery(ctx context.Context, db *gorm.DB, words []string) (string, error) {
	terms := make([]string, len(words))
	args := make([]any, len(words))
	for i, w := range words {
		terms[i], args[i] = "phraseto_tsquery('english', ?)", postgresTextFold.Replace(w)
	}
	var tsquery string
	err := db.WithContext(ctx).Raw("SELECT ("+strings.Join(terms, " && ")+")::text", args...).Row().Scan(&tsquery)
	return tsquery, err
}
