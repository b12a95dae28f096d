package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqlitefile"
)

// How /healthz looks at the write path: one small committed write, at most
// every probeEvery (the health check is open to anyone, so its cost must
// not grow with how often it is asked), given probeTimeout to finish.
const (
	probeEvery   = 5 * time.Second
	probeTimeout = 5 * time.Second
)

// probeState is the last write probe's result.
type probeState struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// Health says whether the database can take the product's work now: nil,
// or an error wrapping ErrUnavailable that says what is wrong. It checks
// that the SQLite file is still the one opened, that a read is answered,
// and that a small write commits (within the last probeEvery).
func (s *Store) Health(ctx context.Context) error {
	if err := s.guard.Check(); err != nil {
		return err
	}
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("%w: a read failed: %v", models.ErrUnavailable, err)
	}
	s.probe.mu.Lock()
	defer s.probe.mu.Unlock()
	if s.probe.at.IsZero() || time.Since(s.probe.at) >= probeEvery {
		s.probe.err = s.probeWrite(ctx)
		s.probe.at = time.Now()
	}
	return s.probe.err
}

// CheckFile checks that the SQLite file is still the one the store opened
// (see sqlitefile.Guard); the server calls it every second, so that a file deleted
// or replaced while nothing is written is noticed, logged and dealt with.
func (s *Store) CheckFile() error { return s.guard.Check() }

// CheckWritable refuses, at start, a database the server could not write: a
// read-only file, directory or disk, or a read-only PostgreSQL server.
// Started anyway, the server would fail on every request that writes.
func (s *Store) CheckWritable(ctx context.Context) error {
	err := s.probeWrite(ctx)
	if err == nil {
		return nil
	}
	if s.path != "" {
		if explained := sqlitefile.Explain(s.path, err); explained != err {
			return explained
		}
	}
	return fmt.Errorf("the database cannot be written, so the server will not start on it: %w", err)
}

// probeWrite commits a write that changes nothing: it goes the way every
// save goes (the writer, the guard's commit hook, the disk's fsync on
// SQLite, the server's commit on PostgreSQL), so it fails when they would.
// A caller that goes away does not make it fail.
func (s *Store) probeWrite(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	db := s.w.WithContext(ctx)
	var err error
	if s.dialect.WritesUnchangedRows() {
		err = db.Exec("UPDATE summary_version SET v = v WHERE id = 1").Error
	} else {
		// SQLite does not write a row whose content is unchanged; the header's
		// user_version (which the tracker does not use) is rewritten with its
		// own value instead, so the first page goes through the WAL and fsync.
		var v int
		if err = db.Raw("PRAGMA user_version").Scan(&v).Error; err == nil {
			err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)).Error
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: a write was not answered within %s", models.ErrUnavailable, probeTimeout)
	case errors.Is(err, models.ErrUnavailable): // marked by the store's error translation
		return fmt.Errorf("a write failed: %w", err)
	}
	return fmt.Errorf("%w: a write failed: %w", models.ErrUnavailable, err)
}
