package storage

import (
	"context"
	"testing"
	"time"
)

// MakeWritesFail makes every later write of the store fail, as a read-only
// file or server would: SQLite's one writer connection turns query-only, and
// PostgreSQL's writer pool shrinks to one connection whose session is
// read-only.
func (s *Store) MakeWritesFail(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if s.dialect.Embedded() {
		if err := s.w.WithContext(ctx).Exec("PRAGMA query_only = 1").Error; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.w.Exec("PRAGMA query_only = 0") })
		return
	}
	db, err := s.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(1)
	db.SetMaxOpenConns(1)
	if err := s.w.WithContext(ctx).Exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.w.Exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE") })
}

// HealthNow is Health without the write probe's remembered answer.
func (s *Store) HealthNow(ctx context.Context) error {
	s.probe.mu.Lock()
	s.probe.at = time.Time{}
	s.probe.mu.Unlock()
	return s.Health(ctx)
}

// WaitForStartCheck waits for a start-up quick_check that goes on while the
// store serves, if there is one.
func (s *Store) WaitForStartCheck() {
	if s.startCheck != nil {
		s.startCheck.WaitHandled()
	}
}
