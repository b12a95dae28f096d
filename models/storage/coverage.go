package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Coverage checks each proposal's section against what members said:
// concerns raised by at least threshold (a share, e.g. 0.25) of responding
// members that the section neither mentions nor evidences with a quote, and
// segments whose majority stance differs from the section's position.
// tallies gives, per proposal id, the concern counts to use (member-chosen,
// or combined with the analysts' codes).
func (s *Store) Coverage(ctx context.Context, consultationID int64, threshold float64, doc models.CollectiveDoc, summaries map[int64]models.Summary, tallies map[int64]map[string]int) (_ []models.SectionCoverage, err error) {
	defer func() { err = wrapped(err, "check coverage of consultation %d", consultationID) }()
	db := s.r.WithContext(ctx)
	ps, err := proposalsOf(db, consultationID)
	if err != nil {
		return nil, err
	}
	concerns, err := codebook(db)
	if err != nil {
		return nil, err
	}
	evidence, err := s.quoteConcerns(ctx, doc)
	if err != nil {
		return nil, err
	}
	var out []models.SectionCoverage
	for _, p := range ps {
		sc := models.SectionCoverage{Proposal: p}
		sec, ok := doc.Sections[p.ID]
		sc.HasSection = ok
		sum := summaries[p.ID]
		if !ok || sum.Responses == 0 {
			out = append(out, sc)
			continue
		}
		text := strings.ToLower(sec.Statement)
		for _, c := range concerns {
			n := tallies[p.ID][c.Code]
			share := float64(n) / float64(sum.Responses)
			if n == 0 || share < threshold {
				continue
			}
			mentioned := strings.Contains(text, strings.ToLower(c.Label)) || strings.Contains(text, c.Code)
			if mentioned || evidence[sec.ID][c.Code] {
				continue
			}
			sc.Uncovered = append(sc.Uncovered, models.UncoveredConcern{Code: c.Code, Label: c.Label, Count: n, Share: share})
		}
		if fam := models.PositionFamily(sec.Position); fam != "" {
			for _, dim := range []struct {
				name string
				rows []models.SegmentStances
			}{{"type", sum.ByType}, {"region", sum.ByRegion}, {"system_status", sum.BySystemStatus}} {
				for _, seg := range dim.rows {
					maj, n := seg.Stances.Majority()
					if maj != "" && maj != fam {
						sc.Dissenting = append(sc.Dissenting, models.DissentingSegment{Dimension: dim.name, Segment: seg.Segment,
							Responses: seg.Stances.Total(), Majority: maj, Count: n})
					}
				}
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// quoteConcerns maps each section to the concern codes that its attached
// quotes' responses raised, by the member or by an analyst.
func (s *Store) quoteConcerns(ctx context.Context, doc models.CollectiveDoc) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	var ids []int64
	for _, sec := range doc.Sections {
		ids = append(ids, sec.ID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		SectionID int64
		Code      string
	}
	err := s.r.WithContext(ctx).Raw(`
		SELECT sq.section_id, c.code FROM collective_section_quotes sq
		JOIN quotes q ON q.id = sq.quote_id
		JOIN response_concerns rc ON rc.response_id = q.response_id
		JOIN concerns c ON c.id = rc.concern_id
		WHERE sq.section_id IN ?
		UNION
		SELECT sq.section_id, c.code FROM collective_section_quotes sq
		JOIN quotes q ON q.id = sq.quote_id
		JOIN response_codings rc ON rc.response_id = q.response_id
		JOIN concerns c ON c.id = rc.concern_id
		WHERE sq.section_id IN ?`, ids, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("quote concerns: %w", err)
	}
	for _, r := range rows {
		if out[r.SectionID] == nil {
			out[r.SectionID] = map[string]bool{}
		}
		out[r.SectionID][r.Code] = true
	}
	return out, nil
}
