package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// RefuseWritesForTest makes every later write fail as it does when the
// database file or its filesystem turns read-only. On SQLite the writer's
// one connection is set query-only (SQLITE_READONLY); on PostgreSQL the
// database is set read-only for new sessions (SQLSTATE 25006) and the
// writer's idle connections are replaced. Reads go on working. It is not
// undone.
func (s *Store) RefuseWritesForTest(ctx context.Context) error {
	if s.dialect.Embedded() {
		return wrapFault("refuse writes", s.w.WithContext(ctx).Exec("PRAGMA query_only = 1").Error)
	}
	name, err := s.databaseName(ctx)
	if err == nil {
		err = s.w.WithContext(ctx).Exec("ALTER DATABASE " + name + " SET default_transaction_read_only = on").Error
	}
	if err == nil {
		err = s.replaceWriterConnections()
	}
	return wrapFault("refuse writes", err)
}

// databaseName is the PostgreSQL database's name, quoted for SQL.
func (s *Store) databaseName(ctx context.Context) (string, error) {
	var name string
	err := s.w.WithContext(ctx).Raw("SELECT current_database()").Scan(&name).Error
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, err
}

// wrapFault says which fault could not be set up.
func wrapFault(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CutOffForTest makes the PostgreSQL server refuse the store: the right to
// connect to the database is withdrawn and every session on it, the store's
// own included, is ended, so that every later call fails as when the server
// cannot be reached. PostgreSQL only; it is not undone.
func (s *Store) CutOffForTest(ctx context.Context) error {
	if s.dialect.Embedded() {
		return errors.New("CutOffForTest is for PostgreSQL")
	}
	db := s.w.WithContext(ctx)
	name, err := s.databaseName(ctx)
	if err == nil {
		err = db.Exec("REVOKE CONNECT ON DATABASE " + name + " FROM PUBLIC, CURRENT_USER").Error
	}
	if err == nil {
		err = db.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = current_user").Error
	}
	if err != nil {
		return wrapFault("cut off the database", err)
	}
	_ = db.Exec("SELECT pg_terminate_backend(pg_backend_pid())").Error // ends this very session: an error is expected
	return nil
}

// FillForTest caps the SQLite file at its present number of pages on the
// writer's connection (PRAGMA max_page_count), so that a write needing
// another page fails with SQLITE_FULL, as on a full disk. SQLite only.
func (s *Store) FillForTest(ctx context.Context) error {
	if !s.dialect.Embedded() {
		return errors.New("FillForTest is for SQLite")
	}
	var pages int64
	db := s.w.WithContext(ctx)
	err := db.Raw("PRAGMA page_count").Scan(&pages).Error
	if err == nil {
		err = db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Error
	}
	return wrapFault("fill the database", err)
}

// HoldWritesForTest starts a write that lasts until release is called, as a
// slow write would: on SQLite it holds the one writer connection in a
// transaction (BEGIN IMMEDIATE, the write lock); on PostgreSQL it locks every table against writes (reads go
// on). Other writes meanwhile wait, for as long as their context allows.
// release may be called more than once.
func (s *Store) HoldWritesForTest(ctx context.Context) (release func(), err error) {
	tx := s.w.WithContext(context.WithoutCancel(ctx)).Begin()
	if tx.Error != nil {
		return nil, wrapFault("hold writes", tx.Error)
	}
	if s.dialect.ConcurrentWriters() {
		var tables []string
		if err := tx.Raw("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()").
			Scan(&tables).Error; err != nil {
			tx.Rollback()
			return nil, wrapFault("hold writes", err)
		}
		if err := tx.Exec("LOCK TABLE " + strings.Join(tables, ", ") + " IN EXCLUSIVE MODE").Error; err != nil {
			tx.Rollback()
			return nil, wrapFault("hold writes", err)
		}
	}
	var once sync.Once
	return func() { once.Do(func() { tx.Rollback() }) }, nil
}

// replaceWriterConnections closes the writer pool's idle connections, so
// that the next writes open new sessions.
func (s *Store) replaceWriterConnections() error {
	sqlDB, err := s.w.DB()
	if err != nil {
		return err
	}
	conns := sqlDB.Stats().MaxOpenConnections
	sqlDB.SetMaxIdleConns(0)
	sqlDB.SetMaxIdleConns(conns)
	return nil
}
