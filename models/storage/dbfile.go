package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nhsproviders/consultation-tracker/models/storage/migrations"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqlitefile"
)

// The store's side of its SQLite file; the checks, the guard and the
// backups themselves are in package sqlitefile.

// Backup writes a consistent, verified copy of the live SQLite database to
// path while the server keeps taking writes (see sqlitefile.Backup).
func (s *Store) Backup(ctx context.Context, path string) (sqlitefile.BackupInfo, error) {
	if s.path == "" {
		return sqlitefile.BackupInfo{}, ErrBackupPostgres
	}
	info, err := sqlitefile.Backup(ctx, s.path, path, migrations.CheckKnown)
	if err != nil {
		return info, fmt.Errorf("back up %s: %w", s.path, err)
	}
	return info, nil
}

// ErrBackupPostgres refuses the SQLite backup on PostgreSQL, whose own tools
// take consistent online backups.
var ErrBackupPostgres = errors.New("this database is PostgreSQL: back it up with pg_dump (for example pg_dump -Fc -f tracker.dump \"$TRACKER_DB\"), not with tracker backup")

// VerifyDatabase opens a database file read-only, checks that it holds the
// tracker's tables (an empty file does not pass) from migrations this
// program knows, and runs PRAGMA integrity_check on it.
func VerifyDatabase(ctx context.Context, path string) error {
	return sqlitefile.Verify(ctx, path, migrations.CheckKnown)
}

// finishWhileServing lets a start-up check that outlasted its wait finish
// while the store serves; a damaged file is then refused as it would have
// been at start.
func (s *Store) finishWhileServing(c *sqlitefile.QuickCheck, log *slog.Logger) {
	s.startCheck = c
	c.FinishWhileServing(s.guard, log)
}

// rescue runs when the store closes after its file was deleted or replaced:
// a copy of the file its connections still hold is written beside the path.
func (s *Store) rescue(ctx context.Context) {
	s.guard.Rescue(func(name string) error { return s.w.WithContext(ctx).Exec("VACUUM INTO ?", name).Error })
}
