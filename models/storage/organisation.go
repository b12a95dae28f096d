package storage

import (
	"context"
	"errors"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Organisations lists member organisations by name.
func (s *Store) Organisations(ctx context.Context) ([]models.Organisation, error) {
	var os []models.Organisation
	err := s.r.WithContext(ctx).Order("name, id").Find(&os).Error
	return os, err
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

// countOrganisation adds sign to the member tallies of o's segment.
func countOrganisation(tx *gorm.DB, o models.Organisation, sign int64) error {
	t := newTallies()
	t.addOrganisation(segment{o.Type, o.Region, o.SystemStatus}, sign)
	return t.apply(tx)
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
