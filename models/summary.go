package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// Filter narrows a summary to one member segment; empty fields do not filter.
type Filter struct {
	Type         string
	Region       string
	SystemStatus string
}

// FilterError names a filter value that is not one of the known segments.
type FilterError struct{ Field, Value string }

func (e FilterError) Error() string {
	return fmt.Sprintf("%s %q is not one of the known values", e.Field, e.Value)
}

// Validate refuses values outside the known segments, so that a typo does not
// silently show an empty summary.
func (f Filter) Validate() error {
	switch {
	case f.Type != "" && !slices.Contains(OrganisationTypes, f.Type):
		return FilterError{"type", f.Type}
	case f.Region != "" && !slices.Contains(Regions, f.Region):
		return FilterError{"region", f.Region}
	case f.SystemStatus != "" && !slices.Contains(SystemStatuses, f.SystemStatus):
		return FilterError{"system_status", f.SystemStatus}
	}
	return nil
}

// IsZero says whether the filter selects every organisation.
func (f Filter) IsZero() bool { return f == Filter{} }

// where returns the SQL condition on organisations aliased o.
func (f Filter) where() (string, []any) {
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

// StanceCounts counts submitted responses per stance.
type StanceCounts struct {
	StronglySupport int `json:"strongly_support"`
	Support         int `json:"support"`
	Neutral         int `json:"neutral"`
	Oppose          int `json:"oppose"`
	StronglyOppose  int `json:"strongly_oppose"`
}

func (c *StanceCounts) add(stance string, n int) {
	switch stance {
	case StronglySupport:
		c.StronglySupport += n
	case Support:
		c.Support += n
	case Neutral:
		c.Neutral += n
	case Oppose:
		c.Oppose += n
	case StronglyOppose:
		c.StronglyOppose += n
	}
}

// Get returns the count for a stance code.
func (c StanceCounts) Get(stance string) int {
	switch stance {
	case StronglySupport:
		return c.StronglySupport
	case Support:
		return c.Support
	case Neutral:
		return c.Neutral
	case Oppose:
		return c.Oppose
	case StronglyOppose:
		return c.StronglyOppose
	}
	return 0
}

// Total is the number of responses counted.
func (c StanceCounts) Total() int {
	return c.StronglySupport + c.Support + c.Neutral + c.Oppose + c.StronglyOppose
}

// Net is support plus strong support minus opposition and strong opposition.
func (c StanceCounts) Net() int {
	return c.StronglySupport + c.Support - c.Oppose - c.StronglyOppose
}

// SegmentStances is the stance counts of one member segment.
type SegmentStances struct {
	Segment string
	Members int
	Stances StanceCounts
}

// ConcernTally is how many submitted responses raised one concern.
type ConcernTally struct {
	Code  string
	Label string
	Side  string
	Count int
}

// Quote is a comment a member agreed to have quoted.
type Quote struct {
	Attribution string // the organisation's name, or "A mental health trust in the Midlands"
	Attributed  bool
	Stance      string
	Comment     string
}

// NonResponder is a member organisation with no submitted response.
type NonResponder struct {
	Code     string
	Name     string
	Type     string
	Region   string
	HasDraft bool
}

// Summary is everything the policy team sees about one proposal, counted
// from submitted responses of the organisations the filter selects.
type Summary struct {
	Proposal       Proposal
	Consultation   Consultation
	Filter         Filter
	Members        int
	Responses      int
	Stances        StanceCounts
	AutonomyMean   *float64
	AutonomyCounts map[int]int // -2 … 2, every key present
	Concerns       []ConcernTally
	ByType         []SegmentStances
	ByRegion       []SegmentStances
	BySystemStatus []SegmentStances
	Quotes         []Quote        // the first SummaryQuoteLimit, oldest first
	QuotesTotal    int            // every quotable response in the selection
	NonResponders  []NonResponder // the first SummaryNonResponderLimit, by name
	// NonRespondersTotal counts every organisation of the selection that has
	// not submitted; the full list is the consultation's non-responders page.
	NonRespondersTotal int
}

// The summary's lists of quotes and non-responders are bounded: at a
// national consultation's size they could run to tens of thousands. Quotes
// are whole comments, so fewer of them; the rest are found through search
// and the responses list, non-responders on the consultation's
// non-responders page.
const (
	SummaryQuoteLimit        = 50
	SummaryNonResponderLimit = 200
)

// ResponseRate is responses over members, 0 when there are no members.
func (s Summary) ResponseRate() float64 {
	if s.Members == 0 {
		return 0
	}
	return float64(s.Responses) / float64(s.Members)
}

// NetSupport is support minus opposition.
func (s Summary) NetSupport() int { return s.Stances.Net() }

// ProposalSummary computes the summary of the proposal ref for the segment
// the filter selects. Every count comes from the tallies (tally.go), so its
// cost does not grow with the number of responses; the two lists are the
// first few rows of an index.
func (s *Store) ProposalSummary(ctx context.Context, ref string, f Filter) (Summary, error) {
	if err := f.Validate(); err != nil {
		return Summary{}, err
	}
	p, c, err := s.ProposalByRef(ctx, ref)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Proposal: p, Consultation: c, Filter: f, AutonomyCounts: map[int]int{}}
	for _, v := range AutonomyScale {
		sum.AutonomyCounts[v] = 0
	}
	db := s.r.WithContext(ctx)
	seg := segmentOf(f)
	breakdown := newSegmentBreakdown(seg)

	// The filter's own segment, and the segments one field away from it:
	// one row per organisation type, region and system status.
	near := "((region = ? AND system_status = ?) OR (org_type = ? AND system_status = ?) OR (org_type = ? AND region = ?))"
	nearArgs := []any{seg.Region, seg.SystemStatus, seg.Type, seg.SystemStatus, seg.Type, seg.Region}
	var orgRows []struct {
		OrgType, Region, SystemStatus string
		N                             int
	}
	if err := db.Raw("SELECT org_type, region, system_status, n FROM organisation_tallies WHERE "+near, nearArgs...).
		Scan(&orgRows).Error; err != nil {
		return Summary{}, err
	}
	for _, r := range orgRows {
		g := segment{r.OrgType, r.Region, r.SystemStatus}
		if g == seg {
			sum.Members = r.N
		}
		for _, row := range breakdown.rows(g) {
			row.Members = r.N
		}
	}
	var stanceRows []struct {
		OrgType, Region, SystemStatus string
		Stance                        string
		N, Quotable                   int
	}
	if err := db.Raw("SELECT org_type, region, system_status, stance, n, quotable FROM stance_tallies WHERE proposal_id = ? AND "+near,
		append([]any{p.ID}, nearArgs...)...).Scan(&stanceRows).Error; err != nil {
		return Summary{}, err
	}
	for _, r := range stanceRows {
		g := segment{r.OrgType, r.Region, r.SystemStatus}
		if g == seg {
			sum.Stances.add(r.Stance, r.N)
			sum.QuotesTotal += r.Quotable
		}
		for _, row := range breakdown.rows(g) {
			row.Stances.add(r.Stance, r.N)
		}
	}
	sum.Responses = sum.Stances.Total()
	sum.ByType, sum.ByRegion, sum.BySystemStatus = breakdown.byType, breakdown.byRegion, breakdown.bySystemStatus

	var auto []struct {
		Autonomy int
		N        int
	}
	if err := db.Raw(`SELECT autonomy, n FROM autonomy_tallies
		WHERE proposal_id = ? AND org_type = ? AND region = ? AND system_status = ?`,
		p.ID, seg.Type, seg.Region, seg.SystemStatus).Scan(&auto).Error; err != nil {
		return Summary{}, err
	}
	sum.AutonomyMean = autonomyMean(sum.AutonomyCounts, auto)

	if sum.Concerns, err = s.concernCounts(ctx, p.ID, seg, TallyMember); err != nil {
		return Summary{}, err
	}

	if sum.QuotesTotal > 0 {
		// The first quotes come from the quote index (tally.go), in order,
		// filtered on the segment it carries; only they are read in full.
		qcond, qargs := "q.proposal_id = ?", []any{p.ID}
		for _, c := range []struct{ col, v string }{{"org_type", f.Type}, {"region", f.Region}, {"system_status", f.SystemStatus}} {
			if c.v != "" {
				qcond, qargs = qcond+" AND q."+c.col+" = ?", append(qargs, c.v)
			}
		}
		var quoteRows []struct {
			Name, Type, Region, Consent, Stance, Comment string
		}
		if err := db.Raw(`SELECT o.name, o.type, o.region, r.consent, r.stance, r.comment
			FROM (SELECT q.response_id, q.submitted_at FROM quotable_responses q WHERE `+qcond+`
				ORDER BY q.submitted_at, q.response_id LIMIT ?) first
			JOIN responses r ON r.id = first.response_id
			JOIN organisations o ON o.id = r.organisation_id
			ORDER BY first.submitted_at, first.response_id`,
			append(qargs, SummaryQuoteLimit)...).Scan(&quoteRows).Error; err != nil {
			return Summary{}, err
		}
		for _, q := range quoteRows {
			quote := Quote{Stance: q.Stance, Comment: q.Comment, Attributed: q.Consent == ConsentAttributed}
			if quote.Attributed {
				quote.Attribution = q.Name
			} else {
				quote.Attribution = AnonymousAttribution(q.Type, q.Region)
			}
			sum.Quotes = append(sum.Quotes, quote)
		}
	}

	// One response per organisation and proposal: whoever in the segment has
	// not submitted is a member without a counted response.
	sum.NonRespondersTotal = sum.Members - sum.Responses
	if sum.NonRespondersTotal > 0 {
		if sum.NonResponders, err = s.firstNonResponders(ctx, p.ID, f); err != nil {
			return Summary{}, err
		}
	}
	return sum, nil
}

// sparseOutstanding is how many outstanding organisations a proposal may
// have for firstNonResponders to start from them rather than from the names.
const sparseOutstanding = 5000

// firstNonResponders lists the first SummaryNonResponderLimit organisations of the
// filter's segment, by name, that have not submitted a response to the
// proposal, reading the outstanding table (tally.go). When few are
// outstanding it reads them all and sorts; when many are, it walks the
// organisations by name and soon finds enough. Either way the cost stays far
// below a scan of every member.
func (s *Store) firstNonResponders(ctx context.Context, proposalID int64, f Filter) ([]NonResponder, error) {
	db := s.r.WithContext(ctx)
	var outstanding int
	if err := db.Raw(`SELECT COALESCE((SELECT SUM(n) FROM organisation_tallies WHERE org_type = '' AND region = '' AND system_status = ''), 0)
		- COALESCE((SELECT SUM(n) FROM stance_tallies WHERE proposal_id = ? AND org_type = '' AND region = '' AND system_status = ''), 0)`,
		proposalID).Scan(&outstanding).Error; err != nil {
		return nil, err
	}
	cond, fargs := f.where()
	const hasDraft = `EXISTS (SELECT 1 FROM responses d WHERE d.organisation_id = o.id AND d.proposal_id = ? AND d.status = 'draft') AS has_draft`
	var sql string
	if outstanding <= sparseOutstanding {
		// CROSS JOIN keeps SQLite's join order: the outstanding pairs first.
		sql = `SELECT o.code, o.name, o.type, o.region, ` + hasDraft + `
			FROM outstanding x CROSS JOIN organisations o
			WHERE x.proposal_id = ? AND o.id = x.organisation_id AND ` + cond
	} else {
		sql = `SELECT o.code, o.name, o.type, o.region, ` + hasDraft + `
			FROM organisations o
			WHERE EXISTS (SELECT 1 FROM outstanding x WHERE x.proposal_id = ? AND x.organisation_id = o.id) AND ` + cond
	}
	var out []NonResponder
	err := db.Raw(sql+" ORDER BY o.name, o.code LIMIT ?",
		append(append([]any{proposalID, proposalID}, fargs...), SummaryNonResponderLimit)...).Scan(&out).Error
	return out, err
}

// autonomyMean fills counts from tally rows and returns their mean, nil when
// there are none.
func autonomyMean(counts map[int]int, rows []struct {
	Autonomy int
	N        int
}) *float64 {
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
func (s *Store) concernCounts(ctx context.Context, proposalID int64, seg segment, source string) ([]ConcernTally, error) {
	var out []ConcernTally
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
	filter                           segment
	byType, byRegion, bySystemStatus []SegmentStances
}

func newSegmentBreakdown(filter segment) *segmentBreakdown {
	rows := func(keys []string) []SegmentStances {
		out := make([]SegmentStances, len(keys))
		for i, k := range keys {
			out[i].Segment = k
		}
		return out
	}
	return &segmentBreakdown{filter: filter, byType: rows(OrganisationTypes), byRegion: rows(Regions),
		bySystemStatus: rows(SystemStatuses)}
}

// rows are the breakdown rows a tally segment counts for: a segment that
// the filter fixes in two fields is a row of two breakdowns. A row outside
// the filter (another type when the filter names one) keeps its zeros.
func (b *segmentBreakdown) rows(g segment) []*SegmentStances {
	f := b.filter
	var out []*SegmentStances
	find := func(rows []SegmentStances, key, want string) {
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

// AnonymousAttribution describes an organisation by type and region only.
func AnonymousAttribution(orgType, region string) string {
	label := strings.ToLower(OrganisationTypeLabels[orgType])
	if label == "" {
		label = "member"
	}
	article := "A"
	if strings.ContainsRune("aeiou", rune(label[0])) {
		article = "An"
	}
	return fmt.Sprintf("%s %s trust in %s", article, label, regionPhrase(region))
}

func regionPhrase(region string) string {
	switch region {
	case "":
		return "England"
	case "London":
		return "London"
	}
	return "the " + region
}

// OverviewRow is one proposal's line in the consultation overview.
type OverviewRow struct {
	Proposal     Proposal
	Responses    int
	Stances      StanceCounts
	AutonomyMean *float64
	TopConcern   *ConcernTally
}

// NetSupport is support minus opposition.
func (r OverviewRow) NetSupport() int { return r.Stances.Net() }

// Overview is the consultation at a glance: one row per proposal.
type Overview struct {
	Consultation Consultation
	Filter       Filter
	Members      int
	Rows         []OverviewRow
}

// ResponseRate is a row's responses over the overview's members.
func (o Overview) ResponseRate(r OverviewRow) float64 {
	if o.Members == 0 {
		return 0
	}
	return float64(r.Responses) / float64(o.Members)
}

// byCode finds a concern of the codebook by its code.
func byCode(codebook []Concern, code string) Concern {
	for _, c := range codebook {
		if c.Code == code {
			return c
		}
	}
	return Concern{}
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

// ConsultationOverview computes one row per proposal of a consultation, from
// the tallies.
func (s *Store) ConsultationOverview(ctx context.Context, consultationID int64, f Filter) (Overview, error) {
	if err := f.Validate(); err != nil {
		return Overview{}, err
	}
	c, err := s.ConsultationByID(ctx, consultationID)
	if err != nil {
		return Overview{}, err
	}
	ps, err := s.Proposals(ctx, consultationID)
	if err != nil {
		return Overview{}, err
	}
	ov := Overview{Consultation: c, Filter: f}
	db := s.r.WithContext(ctx)
	seg := segmentOf(f)
	key := []any{seg.Type, seg.Region, seg.SystemStatus}
	if err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM organisation_tallies WHERE org_type = ? AND region = ? AND system_status = ?",
		key...).Scan(&ov.Members).Error; err != nil {
		return Overview{}, err
	}
	// Each proposal's tallies are found by their primary key, whatever the
	// planner knows about the tables' sizes.
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	const inSegment = "proposal_id IN ? AND org_type = ? AND region = ? AND system_status = ?"
	args := append([]any{ids}, key...)

	rows := make([]OverviewRow, len(ps))
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
				rows[i].Stances.add(stance, n)
			}
			return nil
		}); err != nil {
			return Overview{}, err
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
			return Overview{}, err
		}
		// The most raised concern per proposal; ties go to the codebook's order.
		codebook, err := s.Concerns(ctx)
		if err != nil {
			return Overview{}, err
		}
		byID := make(map[int64]Concern, len(codebook))
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
					rows[i].TopConcern = &ConcernTally{Code: c.Code, Label: c.Label, Side: c.Side, Count: n}
				}
				return nil
			}); err != nil {
			return Overview{}, err
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

// Tally sources for concern counts: what members chose, what the policy
// team coded, or either.
const (
	TallyMember  = "member"
	TallyAnalyst = "analyst"
	TallyBoth    = "both"
)

// TallyModes lists the sources in the order the summary page offers them.
var TallyModes = []string{TallyMember, TallyAnalyst, TallyBoth}

// WithConcernTallies recounts a summary's concern tallies from the chosen
// source; the member-chosen counts ProposalSummary gives are the default.
func (s *Store) WithConcernTallies(ctx context.Context, sum Summary, mode string) (Summary, error) {
	var counts map[string]int
	var err error
	switch mode {
	case TallyMember, "":
		return sum, nil
	case TallyAnalyst:
		counts, err = s.AnalystConcernTallies(ctx, sum.Proposal.ID, sum.Filter)
	case TallyBoth:
		counts, err = s.CombinedConcernTallies(ctx, sum.Proposal.ID, sum.Filter)
	default:
		return sum, fmt.Errorf("tally %q is not one of member, analyst, both", mode)
	}
	if err != nil {
		return sum, err
	}
	tallies := make([]ConcernTally, len(sum.Concerns))
	copy(tallies, sum.Concerns)
	for i := range tallies {
		tallies[i].Count = counts[tallies[i].Code]
	}
	side := map[string]int{"central": 0, "local": 1, "delivery": 2}
	sort.SliceStable(tallies, func(i, j int) bool {
		if side[tallies[i].Side] != side[tallies[j].Side] {
			return side[tallies[i].Side] < side[tallies[j].Side]
		}
		return tallies[i].Count > tallies[j].Count
	})
	sum.Concerns = tallies
	return sum, nil
}
