package storage

import (
	"cmp"
	"context"
	"errors"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// takeBy reads the row of T whose column (a name from this package, never
// from a request) equals value; there being none is ErrNotFound.
func takeBy[T any](db *gorm.DB, column string, value any) (T, error) {
	var row T
	err := db.Where(column+" = ?", value).Take(&row).Error
	return row, notFound(err)
}

// updateByID writes fields to the row of T with id.
func updateByID[T any](tx *gorm.DB, id int64, fields map[string]any) error {
	return tx.Model(new(T)).Where("id = ?", id).Updates(fields).Error
}

// ensure inserts row, with what then runs in the same transaction, unless
// a row of T already has its key in column, and returns the stored one:
// seeding twice changes nothing. row's id must be zero.
func ensure[T any](ctx context.Context, s *Store, column string, key any, row T, then func(tx *gorm.DB, row *T) error) (T, error) {
	existing, err := takeBy[T](s.w.WithContext(ctx), column, key)
	if !errors.Is(err, models.ErrNotFound) {
		return existing, err
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil || then == nil {
			return err
		}
		return then(tx, &row)
	})
	return row, err
}

// oneRow scans the first row a query returns; none is ErrNotFound.
func oneRow[T any](q *gorm.DB) (T, error) {
	var rows []T
	if err := q.Scan(&rows).Error; err != nil || len(rows) == 0 {
		var zero T
		return zero, cmp.Or(err, models.ErrNotFound)
	}
	return rows[0], nil
}
