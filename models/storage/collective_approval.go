package storage

import (
	"context"
)

// DraftingOrganisations lists, by name, the organisations with a response
// to a proposal of the consultation that is still a draft: members still
// writing, whose words the collective response does not count yet.
func (s *Store) DraftingOrganisations(ctx context.Context, consultationID int64) (_ []string, err error) {
	defer func() { err = wrapped(err, "list organisations drafting on consultation %d", consultationID) }()
	var names []string
	err = s.r.WithContext(ctx).Raw(`SELECT o.name FROM organisations o
		WHERE EXISTS (SELECT 1 FROM responses r JOIN proposals p ON p.id = r.proposal_id
			WHERE r.organisation_id = o.id AND p.consultation_id = ? AND r.status = 'draft')
		ORDER BY o.name, o.id`, consultationID).Scan(&names).Error
	return names, err
}
