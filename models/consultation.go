package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// Consultations lists consultations, newest first; members see only open and
// closed ones (draft consultations are still being prepared by admins).
func (s *Store) Consultations(ctx context.Context, includeDrafts bool) ([]Consultation, error) {
	q := s.r.WithContext(ctx).Order("published_at DESC, id DESC")
	if !includeDrafts {
		q = q.Where("status <> ?", "draft")
	}
	var cs []Consultation
	err := q.Find(&cs).Error
	return cs, err
}

// ConsultationByID returns one consultation.
func (s *Store) ConsultationByID(ctx context.Context, id int64) (Consultation, error) {
	var c Consultation
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, notFound(err)
}

// ConsultationBySlug returns one consultation by its slug.
func (s *Store) ConsultationBySlug(ctx context.Context, slug string) (Consultation, error) {
	var c Consultation
	err := s.r.WithContext(ctx).Where("slug = ?", slug).Take(&c).Error
	return c, notFound(err)
}

// Proposals lists a consultation's proposals in document order.
func (s *Store) Proposals(ctx context.Context, consultationID int64) ([]Proposal, error) {
	var ps []Proposal
	err := s.r.WithContext(ctx).Where("consultation_id = ?", consultationID).Order("position, id").Find(&ps).Error
	return ps, err
}

// ProposalByRef returns a proposal and its consultation.
func (s *Store) ProposalByRef(ctx context.Context, ref string) (Proposal, Consultation, error) {
	var p Proposal
	if err := s.r.WithContext(ctx).Where("ref = ?", ref).Take(&p).Error; err != nil {
		return Proposal{}, Consultation{}, notFound(err)
	}
	c, err := s.ConsultationByID(ctx, p.ConsultationID)
	return p, c, err
}

// EnsureConsultation inserts a consultation if none has its slug yet and
// returns the stored one; existing consultations are left as they are, so
// seeding twice changes nothing.
func (s *Store) EnsureConsultation(ctx context.Context, c Consultation) (Consultation, error) {
	var existing Consultation
	err := s.w.WithContext(ctx).Where("slug = ?", c.Slug).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Consultation{}, err
	}
	c.ID = 0
	err = s.w.WithContext(ctx).Create(&c).Error
	return c, err
}

// EnsureProposal inserts a proposal if its reference is new.
func (s *Store) EnsureProposal(ctx context.Context, p Proposal) (Proposal, error) {
	var existing Proposal
	err := s.w.WithContext(ctx).Where("ref = ?", p.Ref).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Proposal{}, err
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
