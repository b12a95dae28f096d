package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// AmendmentCounts counts, per proposal of a consultation, the submitted
// responses that suggest amendments, for the template's suggested position.
func (s *Store) AmendmentCounts(ctx context.Context, consultationID int64) (_ map[int64]int, err error) {
	defer func() { err = wrapped(err, "count amendments in consultation %d", consultationID) }()
	var rows []struct {
		ProposalID int64
		N          int
	}
	err = s.r.WithContext(ctx).Raw(`SELECT r.proposal_id, COUNT(*) AS n FROM responses r
		JOIN proposals p ON p.id = r.proposal_id
		WHERE p.consultation_id = ? AND r.status = ? AND r.amendments <> ''
		GROUP BY r.proposal_id`, consultationID, models.StatusSubmitted).Scan(&rows).Error
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ProposalID] = r.N
	}
	return out, err
}

// FillCollectiveTemplate starts the sections of every proposal that has
// none yet from the template, marked as suggestions, as one new version of
// the collective response (started if need be). Sections already written
// are left alone, so it never collides with an editor; it fills a draft
// only (ErrApproved, ErrTemplateNotDraft). It returns the response and the
// references of the proposals it filled, none when every one had a section.
func (s *Store) FillCollectiveTemplate(ctx context.Context, f models.TemplateFill) (models.CollectiveResponse, []string, error) {
	var cr models.CollectiveResponse
	var filled []string
	err := s.audited(ctx, f.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		var err error
		if cr, err = ensureCollective(tx, f.ConsultationID, now); err != nil {
			return auditEntry{}, err
		}
		switch cr.Status {
		case models.CollectiveApproved:
			return auditEntry{}, models.ErrApproved
		case models.CollectiveInReview:
			return auditEntry{}, models.ErrTemplateNotDraft
		}
		if filled, err = insertSuggestions(tx, cr, f.Sections, now); err != nil {
			return auditEntry{}, err
		}
		if len(filled) == 0 {
			return auditEntry{}, errNothingFilled // nor is a response started only to stay empty
		}
		err = nextVersion(tx, &cr, map[string]any{}, nil, "Sections started from the figures as suggestions", f.UserID, now)
		return auditEntry{models.AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%d sections started from the figures as suggestions (%s), version %d", len(filled), strings.Join(filled, ", "), cr.Version)}, err
	})
	if errors.Is(err, errNothingFilled) {
		return cr, nil, nil
	}
	return cr, filled, wrapped(err, "fill the collective response of consultation %d from the template", f.ConsultationID)
}

// errNothingFilled rolls back a fill that found a section for every proposal.
var errNothingFilled = errors.New("every proposal has a section")

// insertSuggestions adds the sections of proposals of cr's consultation
// that have none, in proposal order, and returns their references. The
// columns are named, so a column added later with a default is no matter.
func insertSuggestions(tx *gorm.DB, cr models.CollectiveResponse, sections []models.SectionEdit, now time.Time) ([]string, error) {
	ps, err := proposalsOf(tx, cr.ConsultationID)
	if err != nil {
		return nil, err
	}
	var filled []string
	for _, p := range ps {
		i := slices.IndexFunc(sections, func(e models.SectionEdit) bool { return e.ProposalID == p.ID })
		if i < 0 {
			continue
		}
		e := sections[i]
		if !slices.Contains(models.Positions, e.Position) {
			return nil, fmt.Errorf("position %q is not one of the positions", e.Position)
		}
		res := tx.Exec(`INSERT INTO collective_sections (collective_id, proposal_id, position, statement, updated_at, suggested)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (collective_id, proposal_id) DO NOTHING`,
			cr.ID, p.ID, e.Position, e.Statement, now, true)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 1 {
			filled = append(filled, p.Ref)
		}
	}
	return filled, nil
}
