package storage

import (
	"context"
	"fmt"
	"slices"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// HistoryPage returns one page of an organisation's saves of its response
// to a proposal, so that however often it was saved, the page stays small.
func (s *Store) HistoryPage(ctx context.Context, q models.HistoryQuery) (models.HistoryPage, error) {
	if q.Limit <= 0 || q.Limit > models.MaxHistoryPage {
		q.Limit = models.MaxHistoryPage
	}
	db := s.r.WithContext(ctx)
	base := func() *gorm.DB {
		return db.Table("response_revisions").
			Joins("JOIN responses ON responses.id = response_revisions.response_id").
			Scopes(orgScope(q.OrgID)).
			Where("responses.proposal_id = ?", q.ProposalID)
	}
	var page models.HistoryPage
	var total int64
	if err := base().Count(&total).Error; err != nil {
		return models.HistoryPage{}, fmt.Errorf("history of proposal %d: %w", q.ProposalID, err)
	}
	page.Total = int(total)
	sel := base().Select("response_revisions.*, COALESCE(users.name, '') AS saved_by_name").
		Joins("LEFT JOIN users ON users.id = response_revisions.saved_by").Limit(q.Limit)
	switch {
	case q.After > 0:
		sel = sel.Where("response_revisions.id > ?", q.After).Order("response_revisions.id")
	case q.Before > 0:
		sel = sel.Where("response_revisions.id < ?", q.Before).Order("response_revisions.id DESC")
	default:
		sel = sel.Order("response_revisions.id DESC")
	}
	if err := sel.Scan(&page.Revisions).Error; err != nil {
		return models.HistoryPage{}, fmt.Errorf("history of proposal %d: %w", q.ProposalID, err)
	}
	if q.After > 0 {
		slices.Reverse(page.Revisions)
	}
	if n := len(page.Revisions); n > 0 {
		var newer, older int64
		if err := base().Where("response_revisions.id > ?", page.Revisions[0].ID).Count(&newer).Error; err != nil {
			return models.HistoryPage{}, err
		}
		if err := base().Where("response_revisions.id < ?", page.Revisions[n-1].ID).Count(&older).Error; err != nil {
			return models.HistoryPage{}, err
		}
		page.HasNewer, page.HasOlder = newer > 0, older > 0
	}
	return page, nil
}
