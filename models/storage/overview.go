package storage

import (
	"context"
	"sort"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// ConsultationOverview computes one row per proposal of a consultation, from
// the tallies.
func (s *Store) ConsultationOverview(ctx context.Context, consultationID int64, f models.Filter) (models.Overview, error) {
	if err := f.Validate(); err != nil {
		return models.Overview{}, err
	}
	c, err := s.ConsultationByID(ctx, consultationID)
	if err != nil {
		return models.Overview{}, err
	}
	ps, err := s.Proposals(ctx, consultationID)
	if err != nil {
		return models.Overview{}, err
	}
	ov := models.Overview{Consultation: c, Filter: f}
	db := s.r.WithContext(ctx)
	seg := segmentOf(f)
	key := []any{seg.Type, seg.Region, seg.SystemStatus}
	if err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM organisation_tallies WHERE org_type = ? AND region = ? AND system_status = ?",
		key...).Scan(&ov.Members).Error; err != nil {
		return models.Overview{}, err
	}
	// Each proposal's tallies are found by their primary key, whatever the
	// planner knows about the tables' sizes.
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	const inSegment = "proposal_id IN ? AND org_type = ? AND region = ? AND system_status = ?"
	args := append([]any{ids}, key...)

	rows := make([]models.OverviewRow, len(ps))
	idx := map[int64]int{}
	for i, p := range ps {
		rows[i].Proposal = p
		idx[p.ID] = i
	}
	autos := map[int64][]struct {
		Autonomy int
		N        int
	}{}
	if len(ids) > 0 {
		// A few hundred small rows: scanned by hand, without reflection.
		if err := eachRow(db, "SELECT proposal_id, stance, n FROM stance_tallies WHERE "+inSegment, args, func(scan func(...any) error) error {
			var id int64
			var stance string
			var n int
			if err := scan(&id, &stance, &n); err != nil {
				return err
			}
			if i, ok := idx[id]; ok {
				rows[i].Stances.Add(stance, n)
			}
			return nil
		}); err != nil {
			return models.Overview{}, err
		}
		if err := eachRow(db, "SELECT proposal_id, autonomy, n FROM autonomy_tallies WHERE "+inSegment, args, func(scan func(...any) error) error {
			var id int64
			var a, n int
			if err := scan(&id, &a, &n); err != nil {
				return err
			}
			autos[id] = append(autos[id], struct {
				Autonomy int
				N        int
			}{a, n})
			return nil
		}); err != nil {
			return models.Overview{}, err
		}
		// The most raised concern per proposal; ties go to the codebook's order.
		codebook, err := s.Concerns(ctx)
		if err != nil {
			return models.Overview{}, err
		}
		byID := make(map[int64]models.Concern, len(codebook))
		for _, c := range codebook {
			byID[c.ID] = c
		}
		if err := eachRow(db, "SELECT proposal_id, concern_id, n FROM concern_tallies WHERE "+inSegment+" AND source = 'member' AND n > 0",
			args, func(scan func(...any) error) error {
				var id, concernID int64
				var n int
				if err := scan(&id, &concernID, &n); err != nil {
					return err
				}
				i, ok := idx[id]
				c, known := byID[concernID]
				if !ok || !known {
					return nil
				}
				if top := rows[i].TopConcern; top == nil || n > top.Count ||
					(n == top.Count && (c.Position < byCode(codebook, top.Code).Position ||
						(c.Position == byCode(codebook, top.Code).Position && c.Code < top.Code))) {
					rows[i].TopConcern = &models.ConcernTally{Code: c.Code, Label: c.Label, Side: c.Side, Count: n}
				}
				return nil
			}); err != nil {
			return models.Overview{}, err
		}
	}
	for i := range rows {
		rows[i].Responses = rows[i].Stances.Total()
		rows[i].AutonomyMean = autonomyMean(nil, autos[rows[i].Proposal.ID])
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Proposal.Position < rows[j].Proposal.Position })
	ov.Rows = rows
	return ov, nil
}

// byCode finds a concern of the codebook by its code.
func byCode(codebook []models.Concern, code string) models.Concern {
	for _, c := range codebook {
		if c.Code == code {
			return c
		}
	}
	return models.Concern{}
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
