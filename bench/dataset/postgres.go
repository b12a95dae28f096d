package dataset

import (
	"context"
	"database/sql"
	"fmt"
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
	store, err := storage.Open(ctx, storage.Options{Path: url})
	if err != nil {
		return err
	}
	if err := seeds.LoadReference(ctx, store, time.Now().UTC().Truncate(time.Second)); err != nil {
		store.Close()
		return err
	}
	store.Close()

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

	var existing int
	if err := dst.QueryRow(ctx, "SELECT count(*) FROM organisations").Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return fmt.Errorf("the PostgreSQL database already holds %d organisations; load into an empty one", existing)
	}
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
	copies := []struct {
		table   string
		columns []string
		read    string
		convert func(row []any) error
	}{
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
	for _, c := range copies {
		start := time.Now()
		n, err := copyTable(ctx, src, tx, c.table, c.columns, c.read, c.convert)
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
	if err := tx.Commit(ctx); err != nil {
		return err
	}

	if err := rebuildTallies(ctx, storage.Options{Path: url}); err != nil {
		return err
	}
	_, err = dst.Exec(ctx, "ANALYZE")
	return err
}

// idsByKey maps the SQLite file's ids of a reference table to PostgreSQL's
// through a natural key (a proposal's ref, a concern's code).
func idsByKey(ctx context.Context, src *sql.DB, dst *pgx.Conn, table, key string) (map[int64]int64, error) {
	byKey := map[string]int64{}
	rows, err := dst.Query(ctx, fmt.Sprintf("SELECT %s, id FROM %s", key, table))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		byKey[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := map[int64]int64{}
	srows, err := src.QueryContext(ctx, fmt.Sprintf("SELECT id, %s FROM %s", key, table))
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		var k string
		if err := srows.Scan(&id, &k); err != nil {
			return nil, err
		}
		to, ok := byKey[k]
		if !ok {
			return nil, fmt.Errorf("%s %q is not in the PostgreSQL database", table, k)
		}
		ids[id] = to
	}
	return ids, srows.Err()
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
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table string, columns []string, read string,
	convert func([]any) error) (int64, error) {
	rows, err := src.QueryContext(ctx, read)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	values := make([]any, len(columns))
	ptrs := make([]any, len(columns))
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
		if convert != nil {
			if err := convert(values); err != nil {
				return nil, err
			}
		}
		return values, nil
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromFunc(next))
}
