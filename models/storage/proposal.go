package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Proposals lists a consultation's proposals in document order.
func (s *Store) Proposals(ctx context.Context, consultationID int64) ([]models.Proposal, error) {
	ps, err := proposalsOf(s.r.WithContext(ctx), consultationID)
	return ps, wrapped(err, "list proposals of consultation %d", consultationID)
}

func proposalsOf(db *gorm.DB, consultationID int64) ([]models.Proposal, error) {
	var ps []models.Proposal
	err := db.Where("consultation_id = ?", consultationID).Order("position, id").Find(&ps).Error
	return ps, err
}

// ProposalByID returns one proposal.
func (s *Store) ProposalByID(ctx context.Context, id int64) (models.Proposal, error) {
	p, err := takeBy[models.Proposal](s.r.WithContext(ctx), "id", id)
	return p, wrapped(err, "read proposal %d", id)
}

// ProposalByRef returns a proposal and its consultation.
func (s *Store) ProposalByRef(ctx context.Context, ref string) (models.Proposal, models.Consultation, error) {
	p, c, err := proposalByRef(s.r.WithContext(ctx), ref)
	return p, c, wrapped(err, "read proposal %s", ref)
}

func proposalByRef(db *gorm.DB, ref string) (models.Proposal, models.Consultation, error) {
	p, err := takeBy[models.Proposal](db, "ref", ref)
	if err != nil {
		return models.Proposal{}, models.Consultation{}, err
	}
	c, err := takeBy[models.Consultation](db, "id", p.ConsultationID)
	return p, c, err
}

// ProposalGroups lists the group titles a consultation's proposals use, in order.
func (s *Store) ProposalGroups(ctx context.Context, consultationID int64) ([]string, error) {
	var groups []string
	err := s.r.WithContext(ctx).Raw(`SELECT group_title FROM proposals WHERE consultation_id = ?
		GROUP BY group_title ORDER BY MIN(position), group_title`, consultationID).Scan(&groups).Error
	return groups, wrapped(err, "list proposal groups of consultation %d", consultationID)
}

// CreateProposal adds a proposal to a consultation; a reference in use in
// any consultation is a DuplicateError.
func (s *Store) CreateProposal(ctx context.Context, actorID, consultationID int64, in models.ProposalInput) (models.Proposal, error) {
	var p models.Proposal
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		c, err := takeBy[models.Consultation](tx, "id", consultationID)
		if err != nil {
			return auditEntry{}, err
		}
		p = models.Proposal{ConsultationID: consultationID, Ref: in.Ref, GroupTitle: in.GroupTitle, Title: in.Title,
			Summary: in.Summary, Change: in.Change, PowerDirection: in.PowerDirection, Position: 1 << 30,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return auditEntry{}, duplicate(err, "ref")
		}
		if err := tally.OutstandingForProposal(tx, p.ID); err != nil {
			return auditEntry{}, err
		}
		if p.Position, err = proposalOrder(consultationID).reposition(tx, p.ID, in.Position); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{models.AuditAdminChange, "proposal " + p.Ref,
			fmt.Sprintf("created “%s” in consultation %s at position %d", clipRunes(p.Title, auditValueMax), c.Slug, p.Position)}, nil
	})
	return p, wrapped(err, "create proposal %s in consultation %d", in.Ref, consultationID)
}

// UpdateProposal changes a proposal, moving it if Position says so.
func (s *Store) UpdateProposal(ctx context.Context, actorID, id int64, in models.ProposalInput) (models.Proposal, error) {
	p, err := updateAudited(ctx, s, actorID, id, func(tx *gorm.DB, p *models.Proposal, now time.Time) (auditEntry, error) {
		var ch changeLog
		ch.value("reference", p.Ref, in.Ref)
		ch.value("group", p.GroupTitle, in.GroupTitle)
		ch.value("title", p.Title, in.Title)
		ch.text("summary", p.Summary, in.Summary)
		ch.text("what it would change", p.Change, in.Change)
		ch.value("power direction", string(p.PowerDirection), string(in.PowerDirection))
		subject := "proposal " + p.Ref
		rank, err := proposalOrder(p.ConsultationID).rankOf(tx, p.ID)
		if err != nil {
			return auditEntry{}, err
		}
		if len(ch) > 0 {
			if err := updateByID[models.Proposal](tx, id, map[string]any{
				"ref": in.Ref, "group_title": in.GroupTitle, "title": in.Title, "summary": in.Summary,
				"change": in.Change, "power_direction": in.PowerDirection, "updated_at": now,
			}); err != nil {
				return auditEntry{}, duplicate(err, "ref")
			}
			p.Ref, p.GroupTitle, p.Title, p.Summary, p.Change, p.PowerDirection = in.Ref, in.GroupTitle, in.Title, in.Summary, in.Change, in.PowerDirection
			p.UpdatedAt = now
		}
		order := proposalOrder(p.ConsultationID)
		err = move{from: order, to: order, id: p.ID, rank: rank, want: in.Position}.apply(tx, &p.Position, &ch)
		return auditEntry{models.AuditAdminChange, subject, ch.String()}, err
	})
	return p, wrapped(err, "update proposal %d", id)
}

// MoveProposal moves a proposal one place up (by -1) or down (by +1) in its
// consultation; at either end it stays where it is.
func (s *Store) MoveProposal(ctx context.Context, actorID, id int64, by int) error {
	_, err := updateAudited(ctx, s, actorID, id, func(tx *gorm.DB, p *models.Proposal, _ time.Time) (auditEntry, error) {
		order := proposalOrder(p.ConsultationID)
		from, err := order.rankOf(tx, p.ID)
		if err != nil {
			return auditEntry{}, err
		}
		var count int
		if err := tx.Raw("SELECT COUNT(*) FROM proposals WHERE consultation_id = ?", p.ConsultationID).Scan(&count).Error; err != nil {
			return auditEntry{}, err
		}
		to := from + by
		if to < 1 || to > count || to == from {
			return auditEntry{}, nil
		}
		pos, err := order.reposition(tx, p.ID, to)
		return auditEntry{models.AuditAdminChange, "proposal " + p.Ref, fmt.Sprintf("moved from position %d to %d", from, pos)}, err
	})
	return wrapped(err, "move proposal %d", id)
}

// proposalOrder is the order of a consultation's proposals.
func proposalOrder(consultationID int64) order {
	return order{"proposals", "consultation_id", consultationID}
}

// EnsureProposal inserts a proposal if its reference is new.
func (s *Store) EnsureProposal(ctx context.Context, p models.Proposal) (models.Proposal, error) {
	p.ID = 0
	stored, err := ensure(ctx, s, "ref", p.Ref, p, func(tx *gorm.DB, p *models.Proposal) error {
		return tally.OutstandingForProposal(tx, p.ID)
	})
	return stored, wrapped(err, "ensure proposal %s", p.Ref)
}
