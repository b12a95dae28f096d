package storage

import (
	"context"
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// VerifyTallies recounts every tally from the responses and organisations,
// in one read transaction, and returns a TallyMismatchError if any kept
// tally differs. It reads every response: for tests and operators, never
// for a request.
func (s *Store) VerifyTallies(ctx context.Context) error {
	var diffs []string
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		diffs, err = tally.Verify(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("verify tallies: %w", err)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("verify tallies: %w", models.TallyMismatchError{Differences: diffs})
	}
	return nil
}

// RebuildTallies replaces every tally with a recount; for bulk loads that
// bypass the store (the benchmark generator), and for operators.
func (s *Store) RebuildTallies(ctx context.Context) error {
	if err := s.w.WithContext(ctx).Transaction(tally.Rebuild); err != nil {
		return fmt.Errorf("rebuild tallies: %w", err)
	}
	return nil
}
