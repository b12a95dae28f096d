package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Concerns lists the codebook by side, then in the order admins gave it.
func (s *Store) Concerns(ctx context.Context) ([]Concern, error) {
	var cs []Concern
	err := s.r.WithContext(ctx).
		Order("CASE side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, position, id").
		Find(&cs).Error
	return cs, err
}

// EnsureConcern inserts a concern code if it is new.
func (s *Store) EnsureConcern(ctx context.Context, c Concern) (Concern, error) {
	var existing Concern
	err := s.w.WithContext(ctx).Where("code = ?", c.Code).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Concern{}, err
	}
	c.ID = 0
	err = s.w.WithContext(ctx).Create(&c).Error
	return c, err
}

// concernIDs maps codes to ids inside a transaction; an unknown code is an
// UnknownConcernError, more than MaxConcernCodes a TooManyConcernsError.
func concernIDs(tx *gorm.DB, codes []string) ([]int64, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	if len(codes) > MaxConcernCodes {
		return nil, TooManyConcernsError{Count: len(codes)}
	}
	var rows []Concern
	if err := tx.Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, err
	}
	byCode := map[string]int64{}
	for _, r := range rows {
		byCode[r.Code] = r.ID
	}
	ids := make([]int64, 0, len(codes))
	for _, c := range codes {
		id, ok := byCode[c]
		if !ok {
			return nil, UnknownConcernError{Code: c}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// UnknownConcernError names a concern code that is not in the codebook.
type UnknownConcernError struct{ Code string }

func (e UnknownConcernError) Error() string { return "unknown concern code " + e.Code }

// TooManyConcernsError refuses a list of more than MaxConcernCodes concern
// codes before it reaches the database.
type TooManyConcernsError struct{ Count int }

func (e TooManyConcernsError) Error() string {
	return fmt.Sprintf("%d concern codes; at most %d", e.Count, MaxConcernCodes)
}
