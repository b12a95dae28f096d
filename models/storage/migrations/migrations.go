// Package migrations holds the database's schema changes: numbered SQL
// files, run in order, each once (Store.Migrate applies them and records
// each in schema_migrations). NNNN_name.sql runs on both engines, then
// NNNN_name.sqlite.sql or NNNN_name.postgres.sql where they differ.
// Migrations are SQL only and never call the program's own code, which
// changes: a new install runs what older installs ran when they upgraded.
package migrations

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string            // its file name without engine and extension: 0040_summary_version
	sql     string            // for both engines
	only    map[string]string // engine → its own statements, run after sql
}

// dialectWords fill the few placeholders where SQLite and PostgreSQL
// differ, so one file serves both.
var dialectWords = map[string]*strings.Replacer{
	"sqlite":   strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{time}}", "DATETIME"),
	"postgres": strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{time}}", "TIMESTAMPTZ"),
}

// Load reads every migration, in order.
func Load() ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, n := range names {
		base := strings.TrimSuffix(n, ".sql")
		name, engine, _ := strings.Cut(base, ".")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		if engine != "" && dialectWords[engine] == nil {
			return nil, fmt.Errorf("migration %s: %q is not sqlite or postgres", base, engine)
		}
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: name, only: map[string]string{}}
			byVersion[v] = m
		}
		switch {
		case m.Name != name:
			return nil, fmt.Errorf("two migrations numbered %d", v)
		case engine == "":
			m.sql = string(b)
		default:
			m.only[engine] = string(b)
		}
	}
	var ms []Migration
	for _, v := range slices.Sorted(maps.Keys(byVersion)) {
		ms = append(ms, *byVersion[v])
	}
	return ms, nil
}

// Statements are the migration's statements on the engine dialect
// ("sqlite" or "postgres"), in order.
func (m Migration) Statements(dialect string) ([]string, error) {
	words := dialectWords[dialect]
	if words == nil {
		return nil, fmt.Errorf("no migrations for database %q", dialect)
	}
	return splitStatements(words.Replace(m.sql + "\n" + m.only[dialect])), nil
}

// splitStatements splits a migration on semicolons that end a line, dropping
// comment-only lines; our migrations keep to that form.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// ErrSchemaTooNew refuses a database that a newer release of the tracker
// has migrated: this one would misread what it does not know.
var ErrSchemaTooNew = errors.New("the database was set up by a newer release of the tracker")

// CheckKnown refuses a database holding a migration (applied: the versions
// in its schema_migrations) this program does not have.
func CheckKnown(applied []int) error {
	known, err := Load()
	if err != nil {
		return err
	}
	var unknown []string
	for _, v := range applied {
		if !slices.ContainsFunc(known, func(m Migration) bool { return m.Version == v }) {
			unknown = append(unknown, strconv.Itoa(v))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("%w: it has schema version %s, and this program knows versions up to %d. "+
		"It was not changed. Run the release that set it up (or a newer one), or restore a backup taken with this release",
		ErrSchemaTooNew, strings.Join(unknown, ", "), known[len(known)-1].Version)
}
