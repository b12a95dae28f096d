package storage

import (
	"errors"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}

// duplicate names the field behind a unique-constraint violation; each table
// an admin edits has one unique column besides its id.
func duplicate(err error, field string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.DuplicateError{Field: field}
	}
	return err
}
