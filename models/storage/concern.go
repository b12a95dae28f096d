package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Concerns lists the codebook by side, then in the order admins gave it.
func (s *Store) Concerns(ctx context.Context) ([]models.Concern, error) {
	cs, err := codebook(s.r.WithContext(ctx))
	return cs, wrapped(err, "list concerns")
}

func codebook(db *gorm.DB) ([]models.Concern, error) {
	var cs []models.Concern
	err := db.Order("CASE side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, position, id").Find(&cs).Error
	return cs, err
}

const concernRowSelect = `SELECT c.*,
	(SELECT COUNT(*) FROM response_concerns rc WHERE rc.concern_id = c.id) AS member_uses,
	(SELECT COUNT(*) FROM response_codings x WHERE x.concern_id = c.id) AS coded_uses
	FROM concerns c`

// ConcernRows lists the codebook by side, in order, with each code's use.
func (s *Store) ConcernRows(ctx context.Context) ([]models.ConcernRow, error) {
	var rows []models.ConcernRow
	err := s.r.WithContext(ctx).Raw(concernRowSelect +
		" ORDER BY CASE c.side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, c.position, c.id").Scan(&rows).Error
	return rows, wrapped(err, "list concerns with their use")
}

// ConcernRowByID returns one code with its use.
func (s *Store) ConcernRowByID(ctx context.Context, id int64) (models.ConcernRow, error) {
	row, err := oneRow[models.ConcernRow](s.r.WithContext(ctx).Raw(concernRowSelect+" WHERE c.id = ?", id))
	return row, wrapped(err, "read concern %d", id)
}

// CreateConcern adds a code to the codebook; a code in use is a DuplicateError.
func (s *Store) CreateConcern(ctx context.Context, actorID int64, in models.ConcernInput) (models.Concern, error) {
	var c models.Concern
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		c = models.Concern{Code: in.Code, Label: in.Label, Description: in.Description, Side: in.Side, Position: 1 << 30, CreatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return auditEntry{}, duplicate(err, "code")
		}
		var err error
		if c.Position, err = sideOrder(c.Side).reposition(tx, c.ID, in.Position); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{models.AuditAdminChange, "concern " + c.Code,
			fmt.Sprintf("added “%s” to the %s side at position %d", clipRunes(c.Label, auditValueMax), c.Side, c.Position)}, nil
	})
	return c, wrapped(err, "create concern %s", in.Code)
}

// UpdateConcern changes a code's label, description, side or position; the
// code itself may change only while no response uses it (ConcernInUseError).
func (s *Store) UpdateConcern(ctx context.Context, actorID, id int64, in models.ConcernInput) (models.Concern, error) {
	c, err := updateAudited(ctx, s, actorID, id, func(tx *gorm.DB, c *models.Concern, _ time.Time) (auditEntry, error) {
		if in.Code != c.Code {
			if err := concernUnused(tx, *c); err != nil {
				return auditEntry{}, err
			}
		}
		var ch changeLog
		ch.value("code", c.Code, in.Code)
		ch.value("label", c.Label, in.Label)
		ch.text("description", c.Description, in.Description)
		ch.value("side", c.Side, in.Side)
		subject := "concern " + c.Code
		m := move{from: sideOrder(c.Side), to: sideOrder(in.Side), id: c.ID, want: in.Position}
		var err error
		if m.rank, err = m.from.rankOf(tx, c.ID); err != nil {
			return auditEntry{}, err
		}
		if len(ch) > 0 {
			if err := updateByID[models.Concern](tx, id, map[string]any{
				"code": in.Code, "label": in.Label, "description": in.Description, "side": in.Side,
			}); err != nil {
				return auditEntry{}, duplicate(err, "code")
			}
			c.Code, c.Label, c.Description, c.Side = in.Code, in.Label, in.Description, in.Side
		}
		err = m.apply(tx, &c.Position, &ch)
		return auditEntry{models.AuditAdminChange, subject, ch.String()}, err
	})
	return c, wrapped(err, "update concern %d", id)
}

// concernUnused refuses to change a code that responses use
// (ConcernInUseError): the code is what their rows and exports say.
func concernUnused(tx *gorm.DB, c models.Concern) error {
	var uses int
	if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM response_concerns WHERE concern_id = ?)
		+ (SELECT COUNT(*) FROM response_codings WHERE concern_id = ?)`, c.ID, c.ID).Scan(&uses).Error; err != nil {
		return err
	}
	if uses > 0 {
		return models.ConcernInUseError{Code: c.Code, Uses: uses}
	}
	return nil
}

// sideOrder is the order of one side's concerns.
func sideOrder(side string) order { return order{"concerns", "side", side} }

// EnsureConcern inserts a concern code if it is new.
func (s *Store) EnsureConcern(ctx context.Context, c models.Concern) (models.Concern, error) {
	c.ID = 0
	stored, err := ensure(ctx, s, "code", c.Code, c, nil)
	return stored, wrapped(err, "ensure concern %s", c.Code)
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
