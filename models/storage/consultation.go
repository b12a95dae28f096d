package storage

import (
	"context"
	"errors"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Consultations lists consultations, newest first; members see only open and
// closed ones (draft consultations are still being prepared by admins).
func (s *Store) Consultations(ctx context.Context, includeDrafts bool) ([]models.Consultation, error) {
	q := s.r.WithContext(ctx).Order("published_at DESC, id DESC")
	if !includeDrafts {
		q = q.Where("status <> ?", "draft")
	}
	var cs []models.Consultation
	err := q.Find(&cs).Error
	return cs, err
}

// ConsultationByID returns one consultation.
func (s *Store) ConsultationByID(ctx context.Context, id int64) (models.Consultation, error) {
	var c models.Consultation
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, notFound(err)
}

// ConsultationBySlug returns one consultation by its slug.
func (s *Store) ConsultationBySlug(ctx context.Context, slug string) (models.Consultation, error) {
	var c models.Consultation
	err := s.r.WithContext(ctx).Where("slug = ?", slug).Take(&c).Error
	return c, notFound(err)
}

// Proposals lists a consultation's proposals in document order.
func (s *Store) Proposals(ctx context.Context, consultationID int64) ([]models.Proposal, error) {
	var ps []models.Proposal
	err := s.r.WithContext(ctx).Where("consultation_id = ?", consultationID).Order("position, id").Find(&ps).Error
	return ps, err
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

// EnsureConsultation inserts a consultation if none has its slug yet and
// returns the stored one; existing consultations are left as they are, so
// seeding twice changes nothing.
func (s *Store) EnsureConsultation(ctx context.Context, c models.Consultation) (models.Consultation, error) {
	var existing models.Consultation
	err := s.w.WithContext(ctx).Where("slug = ?", c.Slug).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Consultation{}, err
	}
	c.ID = 0
	err = s.w.WithContext(ctx).Create(&c).Error
	return c, err
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
