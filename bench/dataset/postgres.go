package dataset

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// CopyToPostgres loads a dataset that Generate built into an empty
// PostgreSQL database: the schema and reference data through the store (the
// product's own migrations), then the organisations, responses and concern
// links with COPY, then the tallies and ANALYZE. Proposals and concerns are
// matched by ref and code, not by id, so the two databases' reference ids
// need not agree. Rows keep their ids, so the export's order is the same.
func CopyToPostgres(ctx context.Context, sqlitePath, url string) error {
	if !storage.IsPostgresURL(url) {
		return fmt.Errorf("%q is not a PostgreSQL URL", url)
	}
	if err := loadPostgresReference(ctx, url); err != nil {
		return err
	}
	src, err := sql.Open("sqlite3", "file:"+sqlitePath+"?mode=ro")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer dst.Close(ctx)
	if err := checkEmpty(ctx, dst); err != nil {
		return err
	}
	if err := copyRows(ctx, src, dst); err != nil {
		return err
	}
	if err := rebuildTallies(ctx, storage.Options{Path: url}); err != nil {
		return err
	}
	_, err = dst.Exec(ctx, "ANALYZE")
	return err
}

// loadPostgresReference creates the schema and reference data through the
// store: the product's own migrations.
func loadPostgresReference(ctx context.Context, url string) error {
	store, err := storage.Open(ctx, storage.Options{Path: url})
	if err != nil {
		return err
	}
	defer store.Close()
	return seeds.LoadReference(ctx, store, time.Now().UTC().Truncate(time.Second))
}

// checkEmpty refuses a database that already holds members: the copied rows
// keep their ids.
func checkEmpty(ctx context.Context, dst *pgx.Conn) error {
	var existing int
	if err := dst.QueryRow(ctx, "SELECT count(*) FROM organisations").Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return fmt.Errorf("the PostgreSQL database already holds %d organisations; load into an empty one", existing)
	}
	return nil
}

// tableCopy is one table to stream: its columns, the SQLite query that reads
// them in order, and how a row's reference ids are changed on the way.
type tableCopy struct {
	table   string
	columns []string
	read    string
	convert func(row []any) error
}

// copyRows copies the organisations, responses and concern links in one
// transaction, then moves the id sequences past the copied ids.
func copyRows(ctx context.Context, src *sql.DB, dst *pgx.Conn) error {
	proposals, err := idsByKey(ctx, src, dst, "proposals", "ref")
	if err != nil {
		return err
	}
	concerns, err := idsByKey(ctx, src, dst, "concerns", "code")
	if err != nil {
		return err
	}
	tx, err := dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this does nothing
	for _, c := range tableCopies(proposals, concerns) {
		start := time.Now()
		n, err := copyTable(ctx, src, tx, c)
		if err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
		fmt.Printf("copied %d %s in %s\n", n, c.table, time.Since(start).Round(time.Millisecond))
	}
	for _, table := range []string{"organisations", "responses"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(
			"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), (SELECT max(id) FROM %[1]s))", table)); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// tableCopies lists the tables to copy, in an order the foreign keys accept.
func tableCopies(proposals, concerns map[int64]int64) []tableCopy {
	return []tableCopy{
		{"organisations", []string{"id", "code", "name", "type", "region", "system", "system_status",
			"contact_name", "contact_email", "created_at", "updated_at"},
			"SELECT id, code, name, type, region, system, system_status, contact_name, contact_email, created_at, updated_at FROM organisations ORDER BY id",
			nil},
		{"responses", []string{"id", "organisation_id", "proposal_id", "stance", "autonomy", "comment", "amendments",
			"consent", "status", "version", "updated_by", "submitted_by", "submitted_at", "created_at", "updated_at"},
			`SELECT id, organisation_id, proposal_id, stance, autonomy, comment, amendments, consent, status, version,
				updated_by, submitted_by, submitted_at, created_at, updated_at FROM responses ORDER BY id`,
			func(row []any) error { return remap(row, 2, proposals, "proposal") }},
		{"response_concerns", []string{"response_id", "concern_id"},
			"SELECT response_id, concern_id FROM response_concerns ORDER BY response_id, concern_id",
			func(row []any) error { return remap(row, 1, concerns, "concern") }},
	}
}

// idsByKey maps the SQLite file's ids of a reference table to PostgreSQL's
// through a natural key (a proposal's ref, a concern's code).
func idsByKey(ctx context.Context, src *sql.DB, dst *pgx.Conn, table, key string) (map[int64]int64, error) {
	rows, err := dst.Query(ctx, fmt.Sprintf("SELECT %s, id FROM %s", key, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	to, err := collectIDs(rows)
	if err != nil {
		return nil, err
	}
	from, err := IDsByKey(ctx, src, table, key)
	if err != nil {
		return nil, err
	}
	ids := make(map[int64]int64, len(from))
	for _, k := range slices.Sorted(maps.Keys(from)) {
		id, ok := to[k]
		if !ok {
			return nil, fmt.Errorf("%s %q is not in the PostgreSQL database", table, k)
		}
		ids[from[k]] = id
	}
	return ids, nil
}

// IDsByKey maps a table's natural key (a proposal's ref, a concern's or an
// organisation's code) to its id in a SQLite file.
func IDsByKey(ctx context.Context, db *sql.DB, table, key string) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT %s, id FROM %s", key, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collectIDs(rows)
}

// keyRows is what database/sql's and pgx's result rows have in common.
type keyRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// collectIDs reads rows of (key, id) into a map.
func collectIDs(rows keyRows) (map[string]int64, error) {
	ids := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		ids[k] = id
	}
	return ids, rows.Err()
}

func remap(row []any, i int, ids map[int64]int64, what string) error {
	id, ok := row[i].(int64)
	if !ok {
		return fmt.Errorf("%s id %v is not a number", what, row[i])
	}
	to, ok := ids[id]
	if !ok {
		return fmt.Errorf("no %s with id %d", what, id)
	}
	row[i] = to
	return nil
}

// copyTable streams one table from SQLite into PostgreSQL's COPY.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, c tableCopy) (int64, error) {
	rows, err := src.QueryContext(ctx, c.read)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	values := make([]any, len(c.columns))
	ptrs := make([]any, len(c.columns))
	for i := range values {
		ptrs[i] = &values[i]
	}
	next := func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if c.convert != nil {
			if err := c.convert(values); err != nil {
				return nil, err
			}
		}
		return values, nil
	}
	return tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.columns, pgx.CopyFromFunc(next))
}
