package storage

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"time"

	"gorm.io/gorm"

	"github.com/nhsproviders/consultation-tracker/models"
)

// bodyRow is the one row of the body table.
type bodyRow struct {
	Name          string
	ShortName     string
	Email         string
	Phone         string
	Postal        string
	LogoType      string
	LogoUpdatedAt sql.NullTime
}

// Body is the membership body as an admin set it, or models.DefaultBody
// until one has.
func (s *Store) Body(ctx context.Context) (models.Body, error) {
	var rows []bodyRow
	err := s.r.WithContext(ctx).Raw(`SELECT name, short_name, email, phone, postal, logo_type, logo_updated_at
		FROM body WHERE id = 1`).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return models.DefaultBody, wrapped(err, "read the body's identity")
	}
	r := rows[0]
	b := models.Body{Name: r.Name, ShortName: r.ShortName, Email: r.Email, Phone: r.Phone, Postal: r.Postal, LogoType: r.LogoType}
	if r.LogoUpdatedAt.Valid {
		b.LogoUpdatedAt = r.LogoUpdatedAt.Time
	}
	return b, nil
}

// BodyLogo is the body's logo, or ErrNotFound when it has none.
func (s *Store) BodyLogo(ctx context.Context) (models.Logo, error) {
	var rows []struct {
		Logo          []byte
		LogoType      string
		LogoUpdatedAt sql.NullTime
	}
	err := s.r.WithContext(ctx).Raw("SELECT logo, logo_type, logo_updated_at FROM body WHERE id = 1 AND logo_type <> ''").
		Scan(&rows).Error
	if err != nil {
		return models.Logo{}, wrapped(err, "read the body's logo")
	}
	if len(rows) == 0 || len(rows[0].Logo) == 0 {
		return models.Logo{}, wrapped(models.ErrNotFound, "read the body's logo")
	}
	r := rows[0]
	logo := models.Logo{Type: r.LogoType, Data: r.Logo, UpdatedAt: r.LogoUpdatedAt.Time}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(r.Logo)); err == nil {
		logo.Width, logo.Height = cfg.Width, cfg.Height
	}
	return logo, nil
}

// BodyChange is what an admin saves of the body's identity: its names and
// contact, and a new logo (nil keeps the one there is) or none at all.
type BodyChange struct {
	Body       models.Body
	Logo       *models.Logo // checked by models.CheckLogo
	RemoveLogo bool
}

// SetBody saves the body's identity, recorded in the audit log.
func (s *Store) SetBody(ctx context.Context, actorID int64, ch BodyChange) error {
	b := ch.Body
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		err := tx.Exec(`INSERT INTO body (id, name, short_name, email, phone, postal, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, short_name = excluded.short_name, email = excluded.email,
			phone = excluded.phone, postal = excluded.postal, updated_at = excluded.updated_at`,
			b.Name, b.ShortName, b.Email, b.Phone, b.Postal, now).Error
		if err != nil {
			return auditEntry{}, err
		}
		detail := "name, short name and contact saved"
		switch {
		case ch.Logo != nil:
			err = tx.Exec("UPDATE body SET logo = ?, logo_type = ?, logo_updated_at = ? WHERE id = 1", ch.Logo.Data, ch.Logo.Type, now).Error
			detail += "; new logo"
		case ch.RemoveLogo:
			err = tx.Exec("UPDATE body SET logo = NULL, logo_type = '', logo_updated_at = ? WHERE id = 1", now).Error
			detail += "; logo removed"
		}
		return auditEntry{models.AuditAdminChange, "the body's identity", detail}, err
	})
	return wrapped(err, "save the body's identity")
}
