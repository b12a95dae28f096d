package migrations

import (
	"errors"
	"strings"
	"testing"
)

func TestEachEngineGetsTheSharedStatementsAndItsOwn(t *testing.T) {
	ms, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			t.Fatalf("migrations out of order: %d after %d", ms[i].Version, ms[i-1].Version)
		}
	}
	count := func(version int, dialect, prefix string) int {
		t.Helper()
		for _, m := range ms {
			if m.Version != version {
				continue
			}
			stmts, err := m.Statements(dialect)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range stmts {
				if strings.HasPrefix(s, prefix) {
					n++
				}
			}
			return n
		}
		t.Fatalf("no migration %d", version)
		return 0
	}
	for _, c := range []struct {
		version         int
		dialect, prefix string
		want            int
	}{
		{40, "sqlite", "CREATE TABLE summary_version", 1},
		{40, "postgres", "CREATE TABLE summary_version", 1},
		{40, "sqlite", "CREATE TRIGGER", 24}, // a trigger body's own semicolons do not split it
		{40, "postgres", "CREATE TRIGGER", 8},
		{40, "sqlite", "CREATE FUNCTION", 0},
		{50, "sqlite", "CREATE VIRTUAL TABLE responses_fts", 1},
		{50, "postgres", "ALTER TABLE responses ADD COLUMN search_vector", 1},
	} {
		if got := count(c.version, c.dialect, c.prefix); got != c.want {
			t.Errorf("migration %d on %s: %d statements %q…, want %d", c.version, c.dialect, got, c.prefix, c.want)
		}
	}
	if _, err := ms[0].Statements("mysql"); err == nil {
		t.Error("an engine without migrations was accepted")
	}
}

func TestADatabaseFromANewerReleaseIsRefused(t *testing.T) {
	if err := CheckKnown([]int{1, 2}); err != nil {
		t.Errorf("known versions refused: %v", err)
	}
	err := CheckKnown([]int{1, 9000})
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "schema version 9000") {
		t.Errorf("err = %v, want ErrSchemaTooNew naming version 9000", err)
	}
}
