package storage_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite testdata/schema.*.txt from the migrations")

// schemaQueries describe a database's schema, and the rows migrations
// write, in a form that does not depend on the order things were made in.
var schemaQueries = map[bool][]string{
	false: { // SQLite: the statements it keeps, as they were written
		"SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name",
		"SELECT id, v FROM summary_version ORDER BY id",
		"SELECT version, name FROM schema_migrations ORDER BY version",
	},
	true: { // PostgreSQL: its catalogue, as it prints it
		`SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, ''), is_generated,
			COALESCE(generation_expression, '') FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, column_name`,
		"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
		`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`,
		"SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname",
		"SELECT proname, prosrc FROM pg_proc WHERE pronamespace = current_schema()::regnamespace ORDER BY proname",
		"SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() ORDER BY 1",
		"SELECT id, v FROM summary_version ORDER BY id",
		"SELECT version, name FROM schema_migrations ORDER BY version",
	},
}

// dumpSchema prints what schemaQueries find, one row a line.
func dumpSchema(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range schemaQueries[testdb.Postgres()] {
		fmt.Fprintf(&b, "-- %s\n", strings.Join(strings.Fields(q), " "))
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fields := make([]string, len(vals))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fields[i] = fmt.Sprint(v)
			}
			fmt.Fprintf(&b, "%s\n", strings.Join(fields, " | "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// checkSchema compares a migrated database with the schema recorded in
// testdata (go test -update-schema rewrites it after a new migration).
func checkSchema(t *testing.T, path string) {
	t.Helper()
	golden := filepath.Join("testdata", "schema.sqlite.txt")
	if testdb.Postgres() {
		golden = filepath.Join("testdata", "schema.postgres.txt")
	}
	got := dumpSchema(t, testdb.Raw(t, path))
	if *updateSchema {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gotLines), len(wantLines)) {
			g, w := "", ""
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Fatalf("schema differs from %s at line %d:\n got: %s\nwant: %s", golden, i+1, g, w)
			}
		}
	}
}

// TestMigrationsBuildTheRecordedSchema: a new database ends in exactly the
// schema, triggers and rows that the migrations have always made.
func TestMigrationsBuildTheRecordedSchema(t *testing.T) {
	path := testdb.Path(t, filepath.Join(t.TempDir(), "fresh.db"))
	s, err := storage.Open(context.Background(), storage.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	checkSchema(t, path)
}

// olderReleaseRows are responses, coding and the rest as a release from
// before the tallies (migration 30) and search (migration 50) stored them.
var olderReleaseRows = []string{
	`INSERT INTO consultations (id, slug, title, issuer, status, published_at, closes_at, member_deadline, created_at, updated_at)
		VALUES (1, 'older', 'An older consultation', 'DHSC', 'open', '2024-03-01 09:00:00', '2024-06-01 09:00:00',
		'2024-05-01 09:00:00', '2024-03-01 09:00:00', '2024-03-01 09:00:00')`,
	`INSERT INTO proposals (id, consultation_id, ref, group_title, position, title, summary, change, power_direction, created_at, updated_at)
		VALUES (1, 1, 'OLD-01', 'Funding', 1, 'Ringfence budgets', 's', 'c', 'centralising', '2024-03-01 09:00:00', '2024-03-01 09:00:00'),
		(2, 1, 'OLD-02', 'Funding', 2, 'Pool budgets', 's', 'c', 'devolving', '2024-03-01 09:00:00', '2024-03-01 09:00:00')`,
	`INSERT INTO organisations (id, code, name, type, region, system, system_status, created_at, updated_at)
		VALUES (1, 'RA1', 'Alpha Trust', 'acute', 'London', 'North Central London', 'ics', '2024-03-01 09:00:00', '2024-03-01 09:00:00'),
		(2, 'RB2', 'Beta Trust', 'community', 'London', 'North East London', 'stp', '2024-03-01 09:00:00', '2024-03-01 09:00:00'),
		(3, 'RC3', 'Gamma Trust', 'acute', 'North East and Yorkshire', 'West Yorkshire', 'ics', '2024-03-01 09:00:00', '2024-03-01 09:00:00')`,
	`INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
		VALUES (1, 'analyst@body.example', 'Analyst', 'policy', 'not-a-hash', '2024-03-01 09:00:00', '2024-03-01 09:00:00')`,
	`INSERT INTO concerns (id, code, label, description, side, position, created_at)
		VALUES (1, 'funding', 'Funding', 'd', 'central', 1, '2024-03-01 09:00:00'),
		(2, 'workforce', 'Workforce', 'd', 'local', 2, '2024-03-01 09:00:00')`,
	`INSERT INTO responses (id, organisation_id, proposal_id, stance, autonomy, comment, amendments, consent, status, version,
		submitted_at, created_at, updated_at) VALUES
		(1, 1, 1, 'support', 1, 'Ringfenced funding protects community services', '', 'attributed', 'submitted', 1,
			'2024-03-02 09:00:00', '2024-03-02 09:00:00', '2024-03-02 09:00:00'),
		(2, 2, 1, 'oppose', -2, 'Budgets belong with systems', 'Drop clause 4', 'private', 'submitted', 1,
			'2024-03-03 09:00:00', '2024-03-03 09:00:00', '2024-03-03 09:00:00'),
		(3, 3, 1, 'support', 0, 'Workforce gaps first', '', 'anonymised', 'submitted', 1,
			'2024-03-04 09:00:00', '2024-03-04 09:00:00', '2024-03-04 09:00:00'),
		(4, 3, 2, 'strongly_oppose', 2, '', '', 'attributed', 'submitted', 1,
			'2024-03-04 09:00:00', '2024-03-04 09:00:00', '2024-03-04 09:00:00'),
		(5, 1, 2, '', NULL, 'still drafting about funding', '', '', 'draft', 1, NULL, '2024-03-05 09:00:00', '2024-03-05 09:00:00')`,
	"INSERT INTO response_concerns (response_id, concern_id) VALUES (1, 1), (1, 2), (3, 2), (4, 1)",
	`INSERT INTO response_codings (response_id, concern_id, coded_by, coded_at)
		VALUES (1, 1, 1, '2024-03-06 09:00:00'), (2, 2, 1, '2024-03-06 09:00:00'), (4, 2, 1, '2024-03-06 09:00:00')`,
}

// TestMigrationsFillTalliesAndSearchFromRowsAlreadyStored: a database an
// older release left with responses in it gets tallies that match a
// recount and a search index that finds them, and ends in the same schema
// as a new one.
func TestMigrationsFillTalliesAndSearchFromRowsAlreadyStored(t *testing.T) {
	ctx := context.Background()
	path := testdb.Path(t, filepath.Join(t.TempDir(), "older.db"))
	restore := storage.StopMigrationsAfter(12)
	older, err := storage.Open(ctx, storage.Options{Path: path})
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if err := older.ExecForTest(ctx, olderReleaseRows...); err != nil {
		t.Fatal(err)
	}
	older.Close()

	s, err := storage.Open(ctx, storage.Options{Path: path, Now: func() time.Time { return time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.VerifyTallies(ctx); err != nil {
		t.Errorf("tallies after migrating: %v", err)
	}
	for _, want := range []struct {
		ref                            string
		responses, quotes, outstanding int
	}{{"OLD-01", 3, 2, 0}, {"OLD-02", 1, 0, 2}} {
		sum, err := s.ProposalSummary(ctx, want.ref, models.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Members != 3 || sum.Responses != want.responses || sum.QuotesTotal != want.quotes || sum.NonRespondersTotal != want.outstanding {
			t.Errorf("%s summary: %d of %d members responded, %d quotes, %d not responded; want %d of 3, %d quotes, %d not responded",
				want.ref, sum.Responses, sum.Members, sum.QuotesTotal, sum.NonRespondersTotal, want.responses, want.quotes, want.outstanding)
		}
	}
	hits, _, err := s.SearchResponses(ctx, 1, "funding", "", models.Filter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ResponseID != 1 {
		t.Errorf("search for funding: %+v, want the one submitted response that says it", hits)
	}
	s.Close()
	checkSchema(t, path)
}
