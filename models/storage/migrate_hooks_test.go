package storage

import "context"

// StopMigrationsAfter makes Open apply the migrations up to version v only,
// as an older release did, until restore is called.
func StopMigrationsAfter(v int) (restore func()) {
	old := lastMigration
	lastMigration = v
	return func() { lastMigration = old }
}

// ExecForTest runs statements on the writer, for a test that writes rows as
// an older release did, below the store's methods.
func (s *Store) ExecForTest(ctx context.Context, stmts ...string) error {
	for _, stmt := range stmts {
		if err := s.w.WithContext(ctx).Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}
