package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Organisations lists member organisations by name.
func (s *Store) Organisations(ctx context.Context) ([]models.Organisation, error) {
	var os []models.Organisation
	err := s.r.WithContext(ctx).Order("name, id").Find(&os).Error
	return os, err
}

// OrganisationsIn lists the organisations of a member segment by name.
func (s *Store) OrganisationsIn(ctx context.Context, f models.Filter) ([]models.Organisation, error) {
	cond, args := filterWhere(f)
	var out []models.Organisation
	err := s.r.WithContext(ctx).Raw("SELECT o.* FROM organisations o WHERE "+cond+" ORDER BY o.name, o.id", args...).
		Scan(&out).Error
	return out, err
}

// OrganisationByID returns one organisation.
func (s *Store) OrganisationByID(ctx context.Context, id int64) (models.Organisation, error) {
	var o models.Organisation
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&o).Error
	return o, notFound(err)
}

// OrganisationByCode returns one organisation by its (case-sensitive) code.
func (s *Store) OrganisationByCode(ctx context.Context, code string) (models.Organisation, error) {
	var o models.Organisation
	err := s.r.WithContext(ctx).Where("code = ?", code).Take(&o).Error
	return o, notFound(err)
}

// CreateOrganisation adds a member; a code in use is a DuplicateError.
func (s *Store) CreateOrganisation(ctx context.Context, actorID int64, in models.OrganisationInput) (models.Organisation, error) {
	now := s.Now()
	o := models.Organisation{Code: in.Code, Name: in.Name, Type: in.Type, Region: in.Region, System: in.System,
		SystemStatus: in.SystemStatus, ContactName: in.ContactName, ContactEmail: in.ContactEmail, CreatedAt: now, UpdatedAt: now}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return duplicate(err, "code")
		}
		if err := countOrganisation(tx, o, +1); err != nil {
			return err
		}
		if err := outstandingForOrganisation(tx, o.ID); err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditAdminChange, "organisation "+o.Code,
			fmt.Sprintf("added “%s” (%s, %s, %s)", auditClip(o.Name), o.Type, o.Region, o.SystemStatus))
	})
	return o, err
}

// UpdateOrganisation changes a member organisation and records what changed.
func (s *Store) UpdateOrganisation(ctx context.Context, actorID, id int64, in models.OrganisationInput) (models.Organisation, error) {
	var o models.Organisation
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&o).Error; err != nil {
			return notFound(err)
		}
		var ch changeLog
		ch.value("code", o.Code, in.Code)
		ch.value("name", o.Name, in.Name)
		ch.value("type", o.Type, in.Type)
		ch.value("region", o.Region, in.Region)
		ch.value("system", o.System, in.System)
		ch.value("system status", o.SystemStatus, in.SystemStatus)
		ch.value("contact name", o.ContactName, in.ContactName)
		ch.value("contact email", o.ContactEmail, in.ContactEmail)
		if len(ch) == 0 {
			return nil
		}
		subject := "organisation " + o.Code
		now := s.Now()
		old := o
		var responseIDs []int64
		if err := tx.Model(&models.Response{}).Where("organisation_id = ?", id).Pluck("id", &responseIDs).Error; err != nil {
			return err
		}
		// A new type, region or system status moves the organisation's
		// responses to another segment of the tallies.
		if err := retally(tx, responseIDs, func() error {
			return tx.Model(&models.Organisation{}).Where("id = ?", id).Updates(map[string]any{
				"code": in.Code, "name": in.Name, "type": in.Type, "region": in.Region, "system": in.System,
				"system_status": in.SystemStatus, "contact_name": in.ContactName, "contact_email": in.ContactEmail, "updated_at": now,
			}).Error
		}); err != nil {
			return duplicate(err, "code")
		}
		if err := countOrganisation(tx, old, -1); err != nil {
			return err
		}
		if err := countOrganisation(tx, models.Organisation{Type: in.Type, Region: in.Region, SystemStatus: in.SystemStatus}, +1); err != nil {
			return err
		}
		o.Code, o.Name, o.Type, o.Region, o.System = in.Code, in.Name, in.Type, in.Region, in.System
		o.SystemStatus, o.ContactName, o.ContactEmail, o.UpdatedAt = in.SystemStatus, in.ContactName, in.ContactEmail, now
		return auditTx(tx, now, actorID, models.AuditAdminChange, subject, ch.String())
	})
	return o, err
}

// EnsureOrganisation inserts an organisation if its code is new.
func (s *Store) EnsureOrganisation(ctx context.Context, o models.Organisation) (models.Organisation, error) {
	var existing models.Organisation
	err := s.w.WithContext(ctx).Where("code = ?", o.Code).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Organisation{}, err
	}
	o.ID = 0
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		if err := outstandingForOrganisation(tx, o.ID); err != nil {
			return err
		}
		return countOrganisation(tx, o, +1)
	})
	return o, err
}

// countOrganisation adds sign to the member tallies of o's segment.
func countOrganisation(tx *gorm.DB, o models.Organisation, sign int64) error {
	t := newTallies()
	t.addOrganisation(segment{o.Type, o.Region, o.SystemStatus}, sign)
	return t.apply(tx)
}
