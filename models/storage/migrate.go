package storage

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/migrations"
	"gorm.io/gorm"
)

// Migrate applies, in order and each in its own transaction, every
// migration (package migrations) not yet recorded in schema_migrations.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations.Load()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	ms = slices.DeleteFunc(ms, func(m migrations.Migration) bool { return m.Version > lastMigration })
	db := s.w.WithContext(ctx)
	if err := db.Transaction(func(tx *gorm.DB) error {
		if err := s.lockMigrations(tx); err != nil {
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
	if err := migrations.CheckKnown(applied); err != nil {
		return err
	}
	for _, m := range ms {
		if slices.Contains(applied, m.Version) {
			continue
		}
		if err := db.Transaction(func(tx *gorm.DB) error { return s.apply(tx, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs one migration and records it, unless another instance
// applied it meanwhile.
func (s *Store) apply(tx *gorm.DB, m migrations.Migration) error {
	if err := s.lockMigrations(tx); err != nil {
		return err
	}
	var n int
	if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	stmts, err := m.Statements(s.dialect.Name())
	if err != nil {
		return err
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UTC()).Error
}

// lockMigrations makes instances starting together on one PostgreSQL take
// turns: each migration's transaction first takes an advisory lock, then
// re-reads what is applied. SQLite's single writer serialises them anyway.
func (s *Store) lockMigrations(tx *gorm.DB) error {
	if !s.dialect.ConcurrentWriters() {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error
}

// lastMigration is the newest migration Migrate applies: every one, except
// in a test that sets up a database as an older release left it.
var lastMigration = math.MaxInt

// migrationLockKey is the PostgreSQL advisory lock migrations hold; any
// fixed number no other program on the database uses.
const migrationLockKey = 7305188211

// SchemaVersion is the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.r.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
