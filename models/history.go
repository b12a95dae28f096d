package models

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// HistoryQuery selects a page of an organisation's saves of its response to
// a proposal, newest first. Pages are keyset pages by revision id: Before
// gives the page of older saves than an id, After the page of newer ones;
// neither gives the newest page.
type HistoryQuery struct {
	OrgID      int64
	ProposalID int64
	Before     int64
	After      int64
	Limit      int
}

// HistoryPage is one page of a response's history.
type HistoryPage struct {
	Revisions []RevisionView
	Total     int // every save of the response, on all pages
	HasNewer  bool
	HasOlder  bool
}

// MaxHistoryPage is the most saves one page of history holds.
const MaxHistoryPage = 100

// HistoryPage returns one page of an organisation's saves of its response
// to a proposal, so that however often it was saved, the page stays small.
func (s *Store) HistoryPage(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	if q.Limit <= 0 || q.Limit > MaxHistoryPage {
		q.Limit = MaxHistoryPage
	}
	db := s.r.WithContext(ctx)
	base := func() *gorm.DB {
		return db.Table("response_revisions").
			Joins("JOIN responses ON responses.id = response_revisions.response_id").
			Scopes(orgScope(q.OrgID)).
			Where("responses.proposal_id = ?", q.ProposalID)
	}
	var page HistoryPage
	var total int64
	if err := base().Count(&total).Error; err != nil {
		return HistoryPage{}, fmt.Errorf("history of proposal %d: %w", q.ProposalID, err)
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
		return HistoryPage{}, fmt.Errorf("history of proposal %d: %w", q.ProposalID, err)
	}
	if q.After > 0 {
		slices.Reverse(page.Revisions)
	}
	if n := len(page.Revisions); n > 0 {
		var newer, older int64
		if err := base().Where("response_revisions.id > ?", page.Revisions[0].ID).Count(&newer).Error; err != nil {
			return HistoryPage{}, err
		}
		if err := base().Where("response_revisions.id < ?", page.Revisions[n-1].ID).Count(&older).Error; err != nil {
			return HistoryPage{}, err
		}
		page.HasNewer, page.HasOlder = newer > 0, older > 0
	}
	return page, nil
}
