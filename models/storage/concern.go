package storage

import (
	"context"
	"errors"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Concerns lists the codebook by side, then in the order admins gave it.
func (s *Store) Concerns(ctx context.Context) ([]models.Concern, error) {
	var cs []models.Concern
	err := s.r.WithContext(ctx).
		Order("CASE side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, position, id").
		Find(&cs).Error
	return cs, err
}

// EnsureConcern inserts a concern code if it is new.
func (s *Store) EnsureConcern(ctx context.Context, c models.Concern) (models.Concern, error) {
	var existing models.Concern
	err := s.w.WithContext(ctx).Where("code = ?", c.Code).Take(&existing).Error
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Concern{}, err
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
	if len(codes) > models.MaxConcernCodes {
		return nil, models.TooManyConcernsError{Count: len(codes)}
	}
	var rows []models.Concern
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
			return nil, models.UnknownConcernError{Code: c}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
