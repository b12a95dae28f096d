package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Proposals lists a consultation's proposals in document order.
func (s *Store) Proposals(ctx context.Context, consultationID int64) ([]models.Proposal, error) {
	var ps []models.Proposal
	err := s.r.WithContext(ctx).Where("consultation_id = ?", consultationID).Order("position, id").Find(&ps).Error
	return ps, err
}

// ProposalByID returns one proposal.
func (s *Store) ProposalByID(ctx context.Context, id int64) (models.Proposal, error) {
	var p models.Proposal
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	return p, notFound(err)
}

// ProposalByRef returns a proposal and its consultation.
func (s *Store) ProposalByRef(ctx context.Context, ref string) (models.Proposal, models.Consultation, error) {
	var p models.Proposal
	if err := s.r.WithContext(ctx).Where("ref = ?", ref).Take(&p).Error; err != nil {
		return models.Proposal{}, models.Consultation{}, notFound(err)
	}
	c, err := s.ConsultationByID(ctx, p.ConsultationID)
	return p, c, err
}

// ProposalGroups lists the group titles a consultation's proposals use, in order.
func (s *Store) ProposalGroups(ctx context.Context, consultationID int64) ([]string, error) {
	var groups []string
	err := s.r.WithContext(ctx).Raw(`SELECT group_title FROM proposals WHERE consultation_id = ?
		GROUP BY group_title ORDER BY MIN(position), group_title`, consultationID).Scan(&groups).Error
	return groups, err
}

// CreateProposal adds a proposal to a consultation; a reference in use in
// any consultation is a DuplicateError.
func (s *Store) CreateProposal(ctx context.Context, actorID, consultationID int64, in models.ProposalInput) (models.Proposal, error) {
	now := s.Now()
	p := models.Proposal{ConsultationID: consultationID, Ref: in.Ref, GroupTitle: in.GroupTitle, Title: in.Title,
		Summary: in.Summary, Change: in.Change, PowerDirection: in.PowerDirection, Position: 1 << 30,
		CreatedAt: now, UpdatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Consultation
		if err := tx.Where("id = ?", consultationID).Take(&c).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Create(&p).Error; err != nil {
			return duplicate(err, "ref")
		}
		if err := outstandingForProposal(tx, p.ID); err != nil {
			return err
		}
		pos, err := reposition(tx, "proposals", "consultation_id", consultationID, p.ID, in.Position)
		if err != nil {
			return err
		}
		p.Position = pos
		return auditTx(tx, now, actorID, models.AuditAdminChange, "proposal "+p.Ref,
			fmt.Sprintf("created “%s” in consultation %s at position %d", auditClip(p.Title), c.Slug, pos))
	})
	return p, err
}

// UpdateProposal changes a proposal, moving it if Position says so.
func (s *Store) UpdateProposal(ctx context.Context, actorID, id int64, in models.ProposalInput) (models.Proposal, error) {
	var p models.Proposal
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
			return notFound(err)
		}
		var ch changeLog
		ch.value("reference", p.Ref, in.Ref)
		ch.value("group", p.GroupTitle, in.GroupTitle)
		ch.value("title", p.Title, in.Title)
		ch.text("summary", p.Summary, in.Summary)
		ch.text("what it would change", p.Change, in.Change)
		ch.value("power direction", p.PowerDirection, in.PowerDirection)
		subject := "proposal " + p.Ref
		now := s.Now()
		if len(ch) > 0 {
			if err := tx.Model(&models.Proposal{}).Where("id = ?", id).Updates(map[string]any{
				"ref": in.Ref, "group_title": in.GroupTitle, "title": in.Title, "summary": in.Summary,
				"change": in.Change, "power_direction": in.PowerDirection, "updated_at": now,
			}).Error; err != nil {
				return duplicate(err, "ref")
			}
			p.Ref, p.GroupTitle, p.Title, p.Summary, p.Change, p.PowerDirection = in.Ref, in.GroupTitle, in.Title, in.Summary, in.Change, in.PowerDirection
			p.UpdatedAt = now
		}
		from, err := rankOf(tx, "proposals", "consultation_id", p.ConsultationID, p.ID)
		if err != nil {
			return err
		}
		if in.Position > 0 && in.Position != from {
			pos, err := reposition(tx, "proposals", "consultation_id", p.ConsultationID, p.ID, in.Position)
			if err != nil {
				return err
			}
			p.Position = pos
			if pos != from {
				ch = append(ch, fmt.Sprintf("position %d → %d", from, pos))
			}
		}
		if len(ch) == 0 {
			return nil
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, subject, ch.String())
	})
	return p, err
}

// MoveProposal moves a proposal one place up (by -1) or down (by +1) in its
// consultation; at either end it stays where it is.
func (s *Store) MoveProposal(ctx context.Context, actorID, id int64, by int) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Proposal
		if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
			return notFound(err)
		}
		from, err := rankOf(tx, "proposals", "consultation_id", p.ConsultationID, p.ID)
		if err != nil {
			return err
		}
		var count int
		if err := tx.Raw("SELECT COUNT(*) FROM proposals WHERE consultation_id = ?", p.ConsultationID).Scan(&count).Error; err != nil {
			return err
		}
		to := from + by
		if to < 1 || to > count || to == from {
			return nil
		}
		pos, err := reposition(tx, "proposals", "consultation_id", p.ConsultationID, p.ID, to)
		if err != nil {
			return err
		}
		return auditTx(tx, s.Now(), actorID, models.AuditAdminChange, "proposal "+p.Ref,
			fmt.Sprintf("moved from position %d to %d", from, pos))
	})
}

// EnsureProposal inserts a proposal if its reference is new.
func (s *Store) EnsureProposal(ctx context.Context, p models.Proposal) (models.Proposal, error) {
	var existing models.Proposal
	err := s.w.WithContext(ctx).Where("ref = ?", p.Ref).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Proposal{}, err
	}
	p.ID = 0
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		return outstandingForProposal(tx, p.ID)
	})
	return p, err
}
