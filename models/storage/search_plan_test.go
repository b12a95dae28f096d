package storage

import (
	"context"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The two ways SearchResponses can start a search, for tests that run the
// same search through both.
var (
	SearchFromIndex = fromIndex
	SearchFromScope = fromScope
)

// SearchResponsesWithPlan is SearchResponses with the plan chosen by the
// caller instead of by the size of the scope.
func (s *Store) SearchResponsesWithPlan(ctx context.Context, plan searchPlan, consultationID int64, q string, proposalRef string, f models.Filter, limit int) ([]models.SearchHit, bool, error) {
	return s.searchResponses(ctx, consultationID, q, proposalRef, f, limit, func(int64) searchPlan { return plan })
}
