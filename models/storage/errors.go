package storage

import (
	"errors"
	"fmt"

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

// wrapped says what the store was doing when err happened, naming the thing
// by its id, code or reference (never by what people wrote); errors.Is and
// errors.As still see err, and nil stays nil.
func wrapped(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}
