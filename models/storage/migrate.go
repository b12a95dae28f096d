package storage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered SQL file from migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// dialectWords fills the few placeholders where SQLite and PostgreSQL differ,
// so one file serves both.
var dialectWords = map[string]*strings.Replacer{
	"sqlite":   strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{time}}", "DATETIME"),
	"postgres": strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{time}}", "TIMESTAMPTZ"),
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// Migrate applies, in order and each in its own transaction, every migration
// not yet recorded in schema_migrations.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	db := s.w.WithContext(ctx)
	// Instances starting together on one PostgreSQL take turns: each
	// migration's transaction first takes an advisory lock, then re-reads
	// what is applied. SQLite's single writer serialises them anyway.
	lock := func(tx *gorm.DB) error {
		if !s.dialect.ConcurrentWriters() {
			return nil
		}
		return tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error
	}
	if err := db.Transaction(func(tx *gorm.DB) error {
		if err := lock(tx); err != nil {
			return err
		}
		return tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`).Error
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if err := refuseUnknownVersions(applied, ms); err != nil {
		return err
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	words := dialectWords[s.dialect.Name()]
	if words == nil {
		return fmt.Errorf("no migrations for database %q", s.dialect.Name())
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := lock(tx); err != nil {
				return err
			}
			var n int
			if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil // another instance applied it meanwhile
			}
			for _, stmt := range splitStatements(words.Replace(m.sql)) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			if step := migrationSteps[m.version]; step != nil {
				if err := step(tx); err != nil {
					return err
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, time.Now().UTC()).Error
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// ErrSchemaTooNew refuses a database that a newer release of the tracker
// has migrated: this one would misread what it does not know.
var ErrSchemaTooNew = errors.New("the database was set up by a newer release of the tracker")

// refuseUnknownVersions refuses a database holding a migration this
// program does not have.
func refuseUnknownVersions(applied []int, known []migration) error {
	has := map[int]bool{}
	newest := 0
	for _, m := range known {
		has[m.version] = true
		newest = max(newest, m.version)
	}
	var unknown []string
	for _, v := range applied {
		if !has[v] {
			unknown = append(unknown, strconv.Itoa(v))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("%w: it has schema version %s, and this program knows versions up to %d. "+
		"It was not changed. Run the release that set it up (or a newer one), or restore a backup taken with this release",
		ErrSchemaTooNew, strings.Join(unknown, ", "), newest)
}

// migrationSteps run in Go after a migration's SQL, in its transaction.
var migrationSteps = map[int]func(tx *gorm.DB) error{
	30: rebuildTallies, // fill the new tallies from the responses already stored
	40: summaryVersionTriggers,
	41: summaryVersionShards,
	50: searchIndex, // the full-text index, filled from the responses already stored
}

// migrationLockKey is the PostgreSQL advisory lock migrations hold; any
// fixed number no other program on the database uses.
const migrationLockKey = 7305188211

// SchemaVersion is the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error
	return v, err
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
