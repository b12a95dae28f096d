package storage

import (
	"slices"

	"gorm.io/gorm"
)

// rankOf is the 1-based place of row id among the rows of table whose scope
// column equals scopeValue, in the order shown (position, then id).
func rankOf(tx *gorm.DB, table, scope string, scopeValue any, id int64) (int, error) {
	var ids []int64
	if err := tx.Table(table).Where(scope+" = ?", scopeValue).Order("position, id").Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	return slices.Index(ids, id) + 1, nil
}

// reposition puts row id at the 1-based position pos among the rows of table
// whose scope column equals scopeValue, clamped to the ends, and numbers them
// all 1..n without gaps; a position of 0 or past the end puts it last, and id
// 0 only renumbers. It returns where id ended up.
// table and scope come from this package, never from a request.
func reposition(tx *gorm.DB, table, scope string, scopeValue any, id int64, pos int) (int, error) {
	type row struct {
		ID       int64
		Position int
	}
	var rows []row
	if err := tx.Table(table).Select("id, position").Where(scope+" = ? AND id <> ?", scopeValue, id).
		Order("position, id").Scan(&rows).Error; err != nil {
		return 0, err
	}
	if id != 0 {
		if pos < 1 || pos > len(rows) {
			pos = len(rows) + 1
		}
		rows = slices.Insert(rows, pos-1, row{ID: id, Position: -1})
	}
	for i, r := range rows {
		if r.Position == i+1 {
			continue
		}
		if err := tx.Table(table).Where("id = ?", r.ID).Update("position", i+1).Error; err != nil {
			return 0, err
		}
	}
	return pos, nil
}
