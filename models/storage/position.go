package storage

import (
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// order is the list admins arrange by position: the rows of table whose
// scope column equals value (a consultation's proposals, a side's concerns).
// table and scope come from this package, never from a request.
type order struct {
	table, scope string
	value        any
}

// rankOf is the 1-based place of row id in the order, as shown (position,
// then id); 0 when the row is not in it.
func (o order) rankOf(tx *gorm.DB, id int64) (int, error) {
	var ids []int64
	if err := tx.Table(o.table).Where(o.scope+" = ?", o.value).Order("position, id").Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	return slices.Index(ids, id) + 1, nil
}

// reposition puts row id at the 1-based position pos in the order, and
// numbers all its rows 1..n without gaps; a position of 0 or past the end
// puts it last, and id 0 only renumbers. It returns where id ended up.
func (o order) reposition(tx *gorm.DB, id int64, pos int) (int, error) {
	type row struct {
		ID       int64
		Position int
	}
	var rows []row
	if err := tx.Table(o.table).Select("id, position").Where(o.scope+" = ? AND id <> ?", o.value, id).
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
		if err := tx.Table(o.table).Where("id = ?", r.ID).Update("position", i+1).Error; err != nil {
			return 0, err
		}
	}
	return pos, nil
}

// move takes row id from place rank of order from (read before the row
// changed) to place want of order to: the same order, or a concern's new
// side. want 0 keeps the place in the same order and is last in another.
type move struct {
	from, to   order
	id         int64
	rank, want int
}

// apply makes the move when the row changed order or asked for another
// place, closes the gap it left behind, sets *pos to the row's new position
// and logs the move in ch.
func (m move) apply(tx *gorm.DB, pos *int, ch *changeLog) error {
	changed := m.from != m.to
	if !changed && (m.want <= 0 || m.want == m.rank) {
		return nil
	}
	to, err := m.to.reposition(tx, m.id, m.want)
	if err != nil {
		return err
	}
	if changed {
		if _, err := m.from.reposition(tx, 0, 0); err != nil {
			return err
		}
	}
	*pos = to
	if to != m.rank || changed {
		*ch = append(*ch, fmt.Sprintf("position %d → %d", m.rank, to))
	}
	return nil
}
