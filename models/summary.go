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
	Quotes         []Quote
	NonResponders  []NonResponder
}

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
// the filter selects.
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
	cond, fargs := f.where()
	// Every figure below reads the same set: submitted responses to this
	// proposal from organisations in the segment.
	from := "FROM responses r JOIN organisations o ON o.id = r.organisation_id " +
		"WHERE r.proposal_id = ? AND r.status = 'submitted' AND " + cond
	args := append([]any{p.ID}, fargs...)

	if err := db.Raw("SELECT COUNT(*) FROM organisations o WHERE "+cond, fargs...).Scan(&sum.Members).Error; err != nil {
		return Summary{}, err
	}

	var stanceRows []struct {
		Stance string
		N      int
	}
	if err := db.Raw("SELECT r.stance, COUNT(*) AS n "+from+" GROUP BY r.stance", args...).Scan(&stanceRows).Error; err != nil {
		return Summary{}, err
	}
	for _, row := range stanceRows {
		sum.Stances.add(row.Stance, row.N)
	}
	sum.Responses = sum.Stances.Total()

	var auto []struct {
		Autonomy int
		N        int
	}
	if err := db.Raw("SELECT r.autonomy, COUNT(*) AS n "+from+" GROUP BY r.autonomy", args...).Scan(&auto).Error; err != nil {
		return Summary{}, err
	}
	for _, row := range auto {
		sum.AutonomyCounts[row.Autonomy] = row.N
	}
	var mean struct{ Mean *float64 }
	if err := db.Raw("SELECT AVG(CAST(r.autonomy AS REAL)) AS mean "+from, args...).Scan(&mean).Error; err != nil {
		return Summary{}, err
	}
	sum.AutonomyMean = mean.Mean

	if err := db.Raw(`SELECT c.code, c.label, c.side, COUNT(rc.response_id) AS count
		FROM concerns c
		LEFT JOIN (SELECT rc.response_id, rc.concern_id FROM response_concerns rc
			JOIN responses r ON r.id = rc.response_id
			JOIN organisations o ON o.id = r.organisation_id
			WHERE r.proposal_id = ? AND r.status = 'submitted' AND `+cond+`) rc ON rc.concern_id = c.id
		GROUP BY c.id, c.code, c.label, c.side, c.position
		ORDER BY CASE c.side WHEN 'central' THEN 1 WHEN 'local' THEN 2 ELSE 3 END, count DESC, c.position, c.code`,
		args...).Scan(&sum.Concerns).Error; err != nil {
		return Summary{}, err
	}

	for _, seg := range []struct {
		col  string
		keys []string
		dst  *[]SegmentStances
	}{
		{"type", OrganisationTypes, &sum.ByType},
		{"region", Regions, &sum.ByRegion},
		{"system_status", SystemStatuses, &sum.BySystemStatus},
	} {
		rows, err := segmentStances(db, seg.col, seg.keys, from, cond, args, fargs)
		if err != nil {
			return Summary{}, err
		}
		*seg.dst = rows
	}

	var quoteRows []struct {
		Name, Type, Region, Consent, Stance, Comment string
	}
	if err := db.Raw(`SELECT o.name, o.type, o.region, r.consent, r.stance, r.comment `+from+
		` AND r.consent IN ('attributed', 'anonymised') AND r.comment <> '' ORDER BY r.submitted_at, r.id`,
		args...).Scan(&quoteRows).Error; err != nil {
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

	if err := db.Raw(`SELECT o.code, o.name, o.type, o.region,
			EXISTS (SELECT 1 FROM responses d WHERE d.organisation_id = o.id AND d.proposal_id = ? AND d.status = 'draft') AS has_draft
		FROM organisations o
		WHERE `+cond+` AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.organisation_id = o.id AND r.proposal_id = ? AND r.status = 'submitted')
		ORDER BY o.name, o.code`,
		append(append([]any{p.ID}, fargs...), p.ID)...).Scan(&sum.NonResponders).Error; err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// segmentStances counts stances per value of one organisation column, with
// every known value present (zeros included) in the order given.
func segmentStances(db *gorm.DB, col string, keys []string, from, cond string, args, fargs []any) ([]SegmentStances, error) {
	var rows []struct {
		Segment string
		Stance  string
		N       int
	}
	// col comes from a fixed list in ProposalSummary, never from a request.
	if err := db.Raw("SELECT o."+col+" AS segment, r.stance, COUNT(*) AS n "+from+" GROUP BY o."+col+", r.stance", args...).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	var members []struct {
		Segment string
		N       int
	}
	if err := db.Raw("SELECT o."+col+" AS segment, COUNT(*) AS n FROM organisations o WHERE "+cond+" GROUP BY o."+col, fargs...).
		Scan(&members).Error; err != nil {
		return nil, err
	}
	out := make([]SegmentStances, len(keys))
	idx := map[string]int{}
	for i, k := range keys {
		out[i].Segment = k
		idx[k] = i
	}
	for _, m := range members {
		if i, ok := idx[m.Segment]; ok {
			out[i].Members = m.N
		}
	}
	for _, r := range rows {
		if i, ok := idx[r.Segment]; ok {
			out[i].Stances.add(r.Stance, r.N)
		}
	}
	return out, nil
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

// ConsultationOverview computes one row per proposal of a consultation.
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
	cond, fargs := f.where()
	if err := db.Raw("SELECT COUNT(*) FROM organisations o WHERE "+cond, fargs...).Scan(&ov.Members).Error; err != nil {
		return Overview{}, err
	}
	from := "FROM responses r JOIN proposals p ON p.id = r.proposal_id JOIN organisations o ON o.id = r.organisation_id " +
		"WHERE p.consultation_id = ? AND r.status = 'submitted' AND " + cond
	args := append([]any{consultationID}, fargs...)

	var stanceRows []struct {
		ProposalID int64
		Stance     string
		N          int
	}
	if err := db.Raw("SELECT r.proposal_id, r.stance, COUNT(*) AS n "+from+" GROUP BY r.proposal_id, r.stance", args...).
		Scan(&stanceRows).Error; err != nil {
		return Overview{}, err
	}
	var means []struct {
		ProposalID int64
		Mean       *float64
	}
	if err := db.Raw("SELECT r.proposal_id, AVG(CAST(r.autonomy AS REAL)) AS mean "+from+" GROUP BY r.proposal_id", args...).
		Scan(&means).Error; err != nil {
		return Overview{}, err
	}
	// The most raised concern per proposal; ties go to the codebook's order.
	var tops []struct {
		ProposalID int64
		ConcernTally
	}
	if err := db.Raw(`SELECT proposal_id, code, label, side, count FROM (
			SELECT r.proposal_id, c.code, c.label, c.side, COUNT(*) AS count,
				ROW_NUMBER() OVER (PARTITION BY r.proposal_id ORDER BY COUNT(*) DESC, c.position, c.code) AS rn
			FROM response_concerns rc
			JOIN concerns c ON c.id = rc.concern_id
			JOIN responses r ON r.id = rc.response_id
			JOIN proposals p ON p.id = r.proposal_id
			JOIN organisations o ON o.id = r.organisation_id
			WHERE p.consultation_id = ? AND r.status = 'submitted' AND `+cond+`
			GROUP BY r.proposal_id, c.id, c.code, c.label, c.side, c.position
		) ranked WHERE rn = 1`, args...).Scan(&tops).Error; err != nil {
		return Overview{}, err
	}

	rows := make([]OverviewRow, len(ps))
	idx := map[int64]int{}
	for i, p := range ps {
		rows[i].Proposal = p
		idx[p.ID] = i
	}
	for _, r := range stanceRows {
		if i, ok := idx[r.ProposalID]; ok {
			rows[i].Stances.add(r.Stance, r.N)
		}
	}
	for _, m := range means {
		if i, ok := idx[m.ProposalID]; ok {
			rows[i].AutonomyMean = m.Mean
		}
	}
	for _, t := range tops {
		if i, ok := idx[t.ProposalID]; ok {
			tally := t.ConcernTally
			rows[i].TopConcern = &tally
		}
	}
	for i := range rows {
		rows[i].Responses = rows[i].Stances.Total()
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
