package sqldb

import "testing"

func TestValuesAndRebindWriteWhatEachEngineReads(t *testing.T) {
	for _, tc := range []struct {
		name, got, want string
	}{
		{"two rows of two", Values(2, 2, Untyped), "(?, ?), (?, ?)"},
		{"an IN list", Values(1, 3, Untyped), "(?, ?, ?)"},
		{"typed for PostgreSQL", Values(1, 2, BigInt), "(CAST(? AS BIGINT), CAST(? AS BIGINT))"},
		{"SQLite keeps ?", SQLite.Rebind("a = ? AND b IN (?, ?)"), "a = ? AND b IN (?, ?)"},
		{"PostgreSQL numbers them", Postgres.Rebind("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)"},
		{"SQLite's group_concat", SQLite.GroupConcat("c.code", "c.code"), "GROUP_CONCAT(c.code, ';' ORDER BY c.code)"},
		{"PostgreSQL's string_agg", Postgres.GroupConcat("x", ""), "string_agg(x, ';')"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
