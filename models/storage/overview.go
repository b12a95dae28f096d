package storage

import (
	"cmp"
	"context"
	"slices"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// ConsultationOverview computes one row per proposal of a consultation, from
// the tallies.
func (s *Store) ConsultationOverview(ctx context.Context, consultationID int64, f models.Filter) (_ models.Overview, err error) {
	defer func() { err = wrapped(err, "overview of consultation %d", consultationID) }()
	if err := f.Validate(); err != nil {
		return models.Overview{}, err
	}
	db := s.r.WithContext(ctx)
	c, err := takeBy[models.Consultation](db, "id", consultationID)
	if err != nil {
		return models.Overview{}, err
	}
	ps, err := proposalsOf(db, consultationID)
	if err != nil {
		return models.Overview{}, err
	}
	ov := models.Overview{Consultation: c, Filter: f}
	seg := tally.SegmentOf(f)
	key := []any{seg.Type, seg.Region, seg.SystemStatus}
	if err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM organisation_tallies WHERE org_type = ? AND region = ? AND system_status = ?",
		key...).Scan(&ov.Members).Error; err != nil {
		return models.Overview{}, err
	}
	o := overviewRows{db: db, rows: make([]models.OverviewRow, len(ps)), at: make(map[int64]int, len(ps))}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		o.rows[i].Proposal, o.at[p.ID], ids[i] = p, i, p.ID
	}
	// Each proposal's tallies are found by their primary key, whatever the
	// planner knows about the tables' sizes.
	o.args = append([]any{ids}, key...)
	if len(ids) > 0 {
		concerns, err := codebook(db)
		if err != nil {
			return models.Overview{}, err
		}
		for _, read := range []func() error{o.stances, o.autonomy, func() error { return o.topConcerns(concerns) }} {
			if err := read(); err != nil {
				return models.Overview{}, err
			}
		}
	}
	slices.SortStableFunc(o.rows, func(a, b models.OverviewRow) int { return cmp.Compare(a.Proposal.Position, b.Proposal.Position) })
	ov.Rows = o.rows
	return ov, nil
}

// overviewRows fills the overview's rows, one per proposal, from the
// tallies of one segment. A few hundred small rows are scanned by hand,
// without reflection.
type overviewRows struct {
	db   *gorm.DB
	rows []models.OverviewRow
	at   map[int64]int // proposal id → row
	args []any         // the proposal ids, then the segment
}

// inSegment selects the tallies of the rows' proposals in the segment.
const inSegment = "proposal_id IN ? AND org_type = ? AND region = ? AND system_status = ?"

// stances counts each proposal's stances and responses.
func (o overviewRows) stances() error {
	err := eachRow(o.db, "SELECT proposal_id, stance, n FROM stance_tallies WHERE "+inSegment, o.args, func(scan func(...any) error) error {
		var id int64
		var stance models.Stance
		var n int
		if err := scan(&id, &stance, &n); err != nil {
			return err
		}
		if i, ok := o.at[id]; ok {
			o.rows[i].Stances.Add(stance, n)
		}
		return nil
	})
	for i := range o.rows {
		o.rows[i].Responses = o.rows[i].Stances.Total()
	}
	return err
}

// autonomy gives each proposal its mean autonomy, nil without answers.
func (o overviewRows) autonomy() error {
	autos := map[int64][]autonomyRow{}
	err := eachRow(o.db, "SELECT proposal_id, autonomy, n FROM autonomy_tallies WHERE "+inSegment, o.args, func(scan func(...any) error) error {
		var id int64
		var a autonomyRow
		if err := scan(&id, &a.Autonomy, &a.N); err != nil {
			return err
		}
		autos[id] = append(autos[id], a)
		return nil
	})
	for i := range o.rows {
		o.rows[i].AutonomyMean = autonomyMean(nil, autos[o.rows[i].Proposal.ID])
	}
	return err
}

// topConcerns finds the most raised concern per proposal; ties go to the
// codebook's order.
func (o overviewRows) topConcerns(codebook []models.Concern) error {
	byID := make(map[int64]models.Concern, len(codebook))
	byCode := make(map[string]models.Concern, len(codebook))
	for _, c := range codebook {
		byID[c.ID], byCode[c.Code] = c, c
	}
	return eachRow(o.db, "SELECT proposal_id, concern_id, n FROM concern_tallies WHERE "+inSegment+" AND source = 'member' AND n > 0",
		o.args, func(scan func(...any) error) error {
			var id, concernID int64
			var n int
			if err := scan(&id, &concernID, &n); err != nil {
				return err
			}
			i, ok := o.at[id]
			c, known := byID[concernID]
			if !ok || !known {
				return nil
			}
			if top := o.rows[i].TopConcern; top == nil || n > top.Count || (n == top.Count &&
				cmp.Or(cmp.Compare(c.Position, byCode[top.Code].Position), cmp.Compare(c.Code, top.Code)) < 0) {
				o.rows[i].TopConcern = &models.ConcernTally{Code: c.Code, Label: c.Label, Side: c.Side, Count: n}
			}
			return nil
		})
}

// eachRow runs a query and hands each row to fn, for hot paths where GORM's
// reflection would cost more than the query.
func eachRow(db *gorm.DB, sql string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.Raw(sql, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
