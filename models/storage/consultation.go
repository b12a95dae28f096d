package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Consultations lists consultations, newest first; members see only open and
// closed ones (draft consultations are still being prepared by admins).
func (s *Store) Consultations(ctx context.Context, includeDrafts bool) ([]models.Consultation, error) {
	q := s.r.WithContext(ctx).Order("published_at DESC, id DESC")
	if !includeDrafts {
		q = q.Where("status <> ?", models.ConsultationDraft)
	}
	var cs []models.Consultation
	err := q.Find(&cs).Error
	return cs, wrapped(err, "list consultations")
}

// ConsultationRows lists every consultation, drafts included, newest first.
func (s *Store) ConsultationRows(ctx context.Context) ([]models.ConsultationRow, error) {
	var rows []models.ConsultationRow
	err := s.r.WithContext(ctx).Raw(`SELECT c.*,
		(SELECT COUNT(*) FROM proposals p WHERE p.consultation_id = c.id) AS proposals
		FROM consultations c ORDER BY c.published_at DESC, c.id DESC`).Scan(&rows).Error
	return rows, wrapped(err, "list consultations with their proposals")
}

// ConsultationByID returns one consultation.
func (s *Store) ConsultationByID(ctx context.Context, id int64) (models.Consultation, error) {
	c, err := takeBy[models.Consultation](s.r.WithContext(ctx), "id", id)
	return c, wrapped(err, "read consultation %d", id)
}

// ConsultationBySlug returns one consultation by its slug.
func (s *Store) ConsultationBySlug(ctx context.Context, slug string) (models.Consultation, error) {
	c, err := takeBy[models.Consultation](s.r.WithContext(ctx), "slug", slug)
	return c, wrapped(err, "read consultation %s", slug)
}

// CreateConsultation adds a consultation; a slug in use is a DuplicateError.
func (s *Store) CreateConsultation(ctx context.Context, actorID int64, in models.ConsultationInput) (models.Consultation, error) {
	var c models.Consultation
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		c = models.Consultation{CreatedAt: now}
		setConsultation(&c, in, now)
		if err := tx.Create(&c).Error; err != nil {
			return auditEntry{}, duplicate(err, "slug")
		}
		return auditEntry{models.AuditAdminChange, "consultation " + c.Slug,
			fmt.Sprintf("created “%s” (%s)", clipRunes(c.Title, auditValueMax), c.Status)}, nil
	})
	return c, wrapped(err, "create consultation %s", in.Slug)
}

// UpdateConsultation changes a consultation and records what changed.
func (s *Store) UpdateConsultation(ctx context.Context, actorID, id int64, in models.ConsultationInput) (models.Consultation, error) {
	c, err := updateAudited(ctx, s, actorID, id, func(tx *gorm.DB, c *models.Consultation, now time.Time) (auditEntry, error) {
		var ch changeLog
		ch.value("slug", c.Slug, in.Slug)
		ch.value("title", c.Title, in.Title)
		ch.value("issuer", c.Issuer, in.Issuer)
		ch.text("background", c.Background, in.Background)
		ch.value("status", string(c.Status), string(in.Status))
		ch.when("published", c.PublishedAt, in.PublishedAt)
		ch.when("closes", c.ClosesAt, in.ClosesAt)
		ch.when("member deadline", c.MemberDeadline, in.MemberDeadline)
		if len(ch) == 0 {
			return auditEntry{}, nil
		}
		subject := "consultation " + c.Slug
		setConsultation(c, in, now)
		if err := updateByID[models.Consultation](tx, id, map[string]any{
			"slug": c.Slug, "title": c.Title, "issuer": c.Issuer, "background": c.Background, "status": c.Status,
			"published_at": c.PublishedAt, "closes_at": c.ClosesAt, "member_deadline": c.MemberDeadline, "updated_at": now,
		}); err != nil {
			return auditEntry{}, duplicate(err, "slug")
		}
		return auditEntry{models.AuditAdminChange, subject, ch.String()}, nil
	})
	return c, wrapped(err, "update consultation %d", id)
}

// setConsultation copies an admin's input into c, dates in UTC.
func setConsultation(c *models.Consultation, in models.ConsultationInput, now time.Time) {
	c.Slug, c.Title, c.Issuer, c.Background, c.Status = in.Slug, in.Title, in.Issuer, in.Background, in.Status
	c.PublishedAt, c.ClosesAt, c.MemberDeadline = in.PublishedAt.UTC(), in.ClosesAt.UTC(), in.MemberDeadline.UTC()
	c.UpdatedAt = now
}

// EnsureConsultation inserts a consultation if none has its slug yet and
// returns the stored one; existing consultations are left as they are, so
// seeding twice changes nothing.
func (s *Store) EnsureConsultation(ctx context.Context, c models.Consultation) (models.Consultation, error) {
	c.ID = 0
	stored, err := ensure(ctx, s, "slug", c.Slug, c, nil)
	return stored, wrapped(err, "ensure consultation %s", c.Slug)
}
