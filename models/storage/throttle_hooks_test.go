package storage

import (
	"context"
)

// StoredThrottleKeys lists the keys of every counted sign-in attempt, as
// stored, so that a test can check what a copy of the database would show.
func StoredThrottleKeys(ctx context.Context, s *Store) ([]string, error) {
	var keys []string
	err := s.r.WithContext(ctx).Raw("SELECT throttle_key FROM login_failures").Scan(&keys).Error
	return keys, err
}
