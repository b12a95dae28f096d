package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// ProposalSummary computes the summary of the proposal ref for the segment
// the filter selects. Every count comes from the tallies (tally.go), so its
// cost does not grow with the number of responses; the two lists are the
// first few rows of an index.
func (s *Store) ProposalSummary(ctx context.Context, ref string, f models.Filter) (_ models.Summary, err error) {
	defer func() { err = wrapped(err, "summarise proposal %s", ref) }()
	if err := f.Validate(); err != nil {
		return models.Summary{}, err
	}
	p, c, err := proposalByRef(s.r.WithContext(ctx), ref)
	if err != nil {
		return models.Summary{}, err
	}
	sum := models.Summary{Proposal: p, Consultation: c, Filter: f, AutonomyCounts: map[int]int{}}
	for _, v := range models.AutonomyScale {
		sum.AutonomyCounts[v] = 0
	}
	db := s.r.WithContext(ctx)
	seg := tally.SegmentOf(f)
	if err := tallyNear(db, p.ID, seg, &sum); err != nil {
		return models.Summary{}, err
	}
	var auto []autonomyRow
	if err := db.Raw(`SELECT autonomy, n FROM autonomy_tallies
		WHERE proposal_id = ? AND org_type = ? AND region = ? AND system_status = ?`,
		p.ID, seg.Type, seg.Region, seg.SystemStatus).Scan(&auto).Error; err != nil {
		return models.Summary{}, err
	}
	sum.AutonomyMean = autonomyMean(sum.AutonomyCounts, auto)
	if sum.Concerns, err = s.concernCounts(ctx, p.ID, seg, models.TallyMember); err != nil {
		return models.Summary{}, err
	}
	if sum.QuotesTotal > 0 {
		if sum.Quotes, err = firstQuotes(db, p.ID, f); err != nil {
			return models.Summary{}, err
		}
	}
	// One response per organisation and proposal: whoever in the segment has
	// not submitted is a member without a counted response.
	sum.NonRespondersTotal = sum.Members - sum.Responses
	if sum.NonRespondersTotal > 0 {
		if sum.NonResponders, err = s.firstNonResponders(ctx, p.ID, f); err != nil {
			return models.Summary{}, err
		}
	}
	return sum, nil
}

// tallyNear reads the member and stance tallies of the filter's own
// segment into sum, and those of the segments one field away from it (one
// row per organisation type, region and system status) into its breakdowns.
func tallyNear(db *gorm.DB, proposalID int64, seg tally.Segment, sum *models.Summary) error {
	near := "((region = ? AND system_status = ?) OR (org_type = ? AND system_status = ?) OR (org_type = ? AND region = ?))"
	nearArgs := []any{seg.Region, seg.SystemStatus, seg.Type, seg.SystemStatus, seg.Type, seg.Region}
	breakdown := newSegmentBreakdown(seg)
	var orgRows []struct {
		OrgType, Region, SystemStatus string
		N                             int
	}
	if err := db.Raw("SELECT org_type, region, system_status, n FROM organisation_tallies WHERE "+near, nearArgs...).
		Scan(&orgRows).Error; err != nil {
		return err
	}
	for _, r := range orgRows {
		g := tally.Segment{Type: r.OrgType, Region: r.Region, SystemStatus: r.SystemStatus}
		if g == seg {
			sum.Members = r.N
		}
		for _, row := range breakdown.rows(g) {
			row.Members = r.N
		}
	}
	var stanceRows []struct {
		OrgType, Region, SystemStatus string
		Stance                        models.Stance
		N, Quotable                   int
	}
	if err := db.Raw("SELECT org_type, region, system_status, stance, n, quotable FROM stance_tallies WHERE proposal_id = ? AND "+near,
		append([]any{proposalID}, nearArgs...)...).Scan(&stanceRows).Error; err != nil {
		return err
	}
	for _, r := range stanceRows {
		g := tally.Segment{Type: r.OrgType, Region: r.Region, SystemStatus: r.SystemStatus}
		if g == seg {
			sum.Stances.Add(r.Stance, r.N)
			sum.QuotesTotal += r.Quotable
		}
		for _, row := range breakdown.rows(g) {
			row.Stances.Add(r.Stance, r.N)
		}
	}
	sum.Responses = sum.Stances.Total()
	sum.ByType, sum.ByRegion, sum.BySystemStatus = breakdown.byType, breakdown.byRegion, breakdown.bySystemStatus
	return nil
}

// firstQuotes reads the first quotes of the filter's segment from the quote
// index (tally.go), in order, filtered on the segment it carries; only they
// are read in full.
func firstQuotes(db *gorm.DB, proposalID int64, f models.Filter) ([]models.Quote, error) {
	qcond, qargs := "q.proposal_id = ?", []any{proposalID}
	for _, c := range []struct{ col, v string }{{"org_type", f.Type}, {"region", f.Region}, {"system_status", f.SystemStatus}} {
		if c.v != "" {
			qcond, qargs = qcond+" AND q."+c.col+" = ?", append(qargs, c.v)
		}
	}
	var rows []struct {
		Name, Type, Region, Comment string
		Consent                     models.Consent
		Stance                      models.Stance
	}
	if err := db.Raw(`SELECT o.name, o.type, o.region, r.consent, r.stance, r.comment
		FROM (SELECT q.response_id, q.submitted_at FROM quotable_responses q WHERE `+qcond+`
			ORDER BY q.submitted_at, q.response_id LIMIT ?) first
		JOIN responses r ON r.id = first.response_id
		JOIN organisations o ON o.id = r.organisation_id
		ORDER BY first.submitted_at, first.response_id`,
		append(qargs, models.SummaryQuoteLimit)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	members, err := memberCounts(db)
	if err != nil {
		return nil, err
	}
	var quotes []models.Quote
	for _, q := range rows {
		quote := models.Quote{Stance: q.Stance, Comment: q.Comment, Attributed: q.Consent == models.ConsentAttributed}
		if quote.Attributed {
			quote.Attribution = q.Name
		} else {
			quote.Attribution, _ = models.AnonymousAttribution(q.Type, q.Region, members)
		}
		quotes = append(quotes, quote)
	}
	return quotes, nil
}

// autonomyRow is one row of the autonomy tallies: how many chose a value.
type autonomyRow struct{ Autonomy, N int }

// autonomyMean fills counts from tally rows and returns their mean, nil when
// there are none.
func autonomyMean(counts map[int]int, rows []autonomyRow) *float64 {
	total, weighted := 0, 0
	for _, r := range rows {
		if counts != nil {
			counts[r.Autonomy] += r.N
		}
		total += r.N
		weighted += r.Autonomy * r.N
	}
	if total == 0 {
		return nil
	}
	mean := float64(weighted) / float64(total)
	return &mean
}

// concernCounts lists every concern of the codebook with its count in a
// segment, from one source, grouped by side and largest first.
func (s *Store) concernCounts(ctx context.Context, proposalID int64, seg tally.Segment, source string) ([]models.ConcernTally, error) {
	var out []models.ConcernTally
	err := s.r.WithContext(ctx).Raw(`SELECT c.code, c.label, c.side, COALESCE(t.n, 0) AS count
		FROM concerns c
		LEFT JOIN concern_tallies t ON t.concern_id = c.id AND t.proposal_id = ? AND t.org_type = ?
			AND t.region = ? AND t.system_status = ? AND t.source = ?
		ORDER BY CASE c.side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, count DESC, c.position, c.code`,
		proposalID, seg.Type, seg.Region, seg.SystemStatus, source).Scan(&out).Error
	return out, err
}

// segmentBreakdown collects stance counts by organisation type, region and
// system status within a filter, every known value present in order.
type segmentBreakdown struct {
	filter                           tally.Segment
	byType, byRegion, bySystemStatus []models.SegmentStances
}

func newSegmentBreakdown(filter tally.Segment) *segmentBreakdown {
	rows := func(keys []string) []models.SegmentStances {
		out := make([]models.SegmentStances, len(keys))
		for i, k := range keys {
			out[i].Segment = k
		}
		return out
	}
	return &segmentBreakdown{filter: filter, byType: rows(models.OrganisationTypes), byRegion: rows(models.Regions),
		bySystemStatus: rows(models.SystemStatuses)}
}

// rows are the breakdown rows a tally segment counts for: a segment that
// the filter fixes in two fields is a row of two breakdowns. A row outside
// the filter (another type when the filter names one) keeps its zeros.
func (b *segmentBreakdown) rows(g tally.Segment) []*models.SegmentStances {
	f := b.filter
	var out []*models.SegmentStances
	find := func(rows []models.SegmentStances, key, want string) {
		if want != "" && key != want {
			return
		}
		for i := range rows {
			if rows[i].Segment == key {
				out = append(out, &rows[i])
			}
		}
	}
	if g.Type != "" && g.Region == f.Region && g.SystemStatus == f.SystemStatus {
		find(b.byType, g.Type, f.Type)
	}
	if g.Region != "" && g.Type == f.Type && g.SystemStatus == f.SystemStatus {
		find(b.byRegion, g.Region, f.Region)
	}
	if g.SystemStatus != "" && g.Type == f.Type && g.Region == f.Region {
		find(b.bySystemStatus, g.SystemStatus, f.SystemStatus)
	}
	return out
}

// WithConcernTallies recounts a summary's concern tallies from the chosen
// source; the member-chosen counts ProposalSummary gives are the default.
func (s *Store) WithConcernTallies(ctx context.Context, sum models.Summary, mode string) (models.Summary, error) {
	var counts map[string]int
	var err error
	switch mode {
	case models.TallyMember, "":
		return sum, nil
	case models.TallyAnalyst:
		counts, err = s.AnalystConcernTallies(ctx, sum.Proposal.ID, sum.Filter)
	case models.TallyBoth:
		counts, err = s.CombinedConcernTallies(ctx, sum.Proposal.ID, sum.Filter)
	default:
		return sum, fmt.Errorf("tally %q is not one of member, analyst, both", mode)
	}
	if err != nil {
		return sum, err
	}
	tallies := make([]models.ConcernTally, len(sum.Concerns))
	copy(tallies, sum.Concerns)
	for i := range tallies {
		tallies[i].Count = counts[tallies[i].Code]
	}
	side := map[string]int{"central": 0, "local": 1, "delivery": 2}
	slices.SortStableFunc(tallies, func(a, b models.ConcernTally) int {
		return cmp.Or(cmp.Compare(side[a.Side], side[b.Side]), cmp.Compare(b.Count, a.Count))
	})
	sum.Concerns = tallies
	return sum, nil
}

// filterWhere returns the SQL condition on organisations aliased o.
func filterWhere(f models.Filter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Type != "" {
		conds, args = append(conds, "o.type = ?"), append(args, f.Type)
	}
	if f.Region != "" {
		conds, args = append(conds, "o.region = ?"), append(args, f.Region)
	}
	if f.SystemStatus != "" {
		conds, args = append(conds, "o.system_status = ?"), append(args, f.SystemStatus)
	}
	return strings.Join(conds, " AND "), args
}
