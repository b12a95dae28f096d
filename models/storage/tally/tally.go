// Package tally keeps the counts every summary reads (organisations per
// segment; stances, autonomy and concerns per proposal and segment; who has
// not answered; which answers may be quoted) in step with each write, in
// the write's own transaction, and recounts them from the rows to check.
// A write says what it changed as Contributions before and after; Counts
// holds the difference and Apply adds it to the tally tables.
package tally

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
)

// Segment is a member segment as the tallies key it; "" in a field means
// every value of that field.
type Segment struct{ Type, Region, SystemStatus string }

// SegmentOf is the segment a summary filter selects.
func SegmentOf(f models.Filter) Segment { return Segment(f) }

// Rollups are the eight segments an organisation of segment g counts under.
func (g Segment) Rollups() [8]Segment {
	var out [8]Segment
	for i := range out {
		s := g
		if i&1 != 0 {
			s.Type = ""
		}
		if i&2 != 0 {
			s.Region = ""
		}
		if i&4 != 0 {
			s.SystemStatus = ""
		}
		out[i] = s
	}
	return out
}

// ResponseKey is one organisation's answer to one proposal.
type ResponseKey struct{ OrgID, ProposalID int64 }

// StanceKey keys the stance tallies: a proposal, a segment and a stance.
type StanceKey struct {
	ProposalID int64
	Seg        Segment
	Stance     models.Stance
}

// AutonomyKey keys the autonomy tallies: a proposal, a segment and a point
// of the scale.
type AutonomyKey struct {
	ProposalID int64
	Seg        Segment
	Autonomy   int
}

// ConcernKey keys the concern tallies: a proposal, a segment, a source
// (member, analyst or both) and a concern.
type ConcernKey struct {
	ProposalID int64
	Seg        Segment
	Source     string
	ConcernID  int64
}

// StanceCount is a stance tally: responses, and how many may be quoted.
type StanceCount struct{ N, Quotable int64 }

// Counts is a set of counts, or of changes to counts.
type Counts struct {
	Orgs     map[Segment]int64
	Stances  map[StanceKey]StanceCount
	Autonomy map[AutonomyKey]int64
	Concerns map[ConcernKey]int64
	// outstanding is +1 where an organisation no longer has a submitted
	// response to a proposal, -1 where it now has one.
	Outstanding map[ResponseKey]int64
	// quotesGone and quotesNew change the quotable_responses index.
	QuotesGone []int64
	QuotesNew  []Contribution
}

// New is an empty set of differences.
func New() *Counts {
	return &Counts{Orgs: map[Segment]int64{}, Stances: map[StanceKey]StanceCount{},
		Autonomy: map[AutonomyKey]int64{}, Concerns: map[ConcernKey]int64{}, Outstanding: map[ResponseKey]int64{}}
}

// Contribution is what one response adds to the tallies: nothing unless it
// is submitted.
type Contribution struct {
	ResponseID int64
	OrgID      int64
	ProposalID int64
	Seg        Segment
	Submitted  bool
	At         time.Time // submitted at
	Stance     models.Stance
	Autonomy   int
	Quotable   bool
	Member     []int64 // concerns the member chose
	Analyst    []int64 // concerns the policy team coded
}

// IsQuotable is the summary's rule for quotes: consent to be quoted, and a comment.
func IsQuotable(consent models.Consent, comment string) bool {
	return consent.Quotable() && comment != ""
}

func (t *Counts) addResponse(c Contribution, sign int64) {
	if !c.Submitted {
		return
	}
	if c.Quotable {
		if sign < 0 {
			t.QuotesGone = append(t.QuotesGone, c.ResponseID)
		} else {
			t.QuotesNew = append(t.QuotesNew, c)
		}
	}
	both := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.Member), c.Analyst...))))
	for _, g := range c.Seg.Rollups() {
		sk := StanceKey{c.ProposalID, g, c.Stance}
		v := t.Stances[sk]
		v.N += sign
		if c.Quotable {
			v.Quotable += sign
		}
		t.Stances[sk] = v
		t.Autonomy[AutonomyKey{c.ProposalID, g, c.Autonomy}] += sign
		for _, src := range []struct {
			Name string
			Ids  []int64
		}{{models.TallyMember, c.Member}, {models.TallyAnalyst, c.Analyst}, {models.TallyBoth, both}} {
			for _, id := range src.Ids {
				t.Concerns[ConcernKey{c.ProposalID, g, src.Name, id}] += sign
			}
		}
	}
}

// AddOrganisation counts an organisation of seg in (sign 1) or out (-1).
func (t *Counts) AddOrganisation(seg Segment, sign int64) {
	for _, g := range seg.Rollups() {
		t.Orgs[g] += sign
	}
}

// change records the difference between what responses contributed before
// and after a write.
func (t *Counts) change(before, after []Contribution) {
	was := map[ResponseKey]bool{}
	for _, c := range before {
		t.addResponse(c, -1)
		was[ResponseKey{c.OrgID, c.ProposalID}] = c.Submitted
	}
	for _, c := range after {
		t.addResponse(c, +1)
		t.Submission(ResponseKey{c.OrgID, c.ProposalID}, was[ResponseKey{c.OrgID, c.ProposalID}], c.Submitted)
	}
}

// Submission records an organisation's response to a proposal going from
// submitted or not (was) to submitted or not (now).
func (t *Counts) Submission(k ResponseKey, was, now bool) {
	switch {
	case was && !now:
		t.Outstanding[k]++
	case !was && now:
		t.Outstanding[k]--
	}
}

// tallyBatch is how many rows one upsert statement carries.
const tallyBatch = 200

// Keys compare in a fixed order, the order apply writes them in.
func (g Segment) compare(h Segment) int {
	return cmp.Or(cmp.Compare(g.Type, h.Type), cmp.Compare(g.Region, h.Region), cmp.Compare(g.SystemStatus, h.SystemStatus))
}

func (a StanceKey) compare(b StanceKey) int {
	return cmp.Or(cmp.Compare(a.ProposalID, b.ProposalID), a.Seg.compare(b.Seg), cmp.Compare(a.Stance, b.Stance))
}

func (a AutonomyKey) compare(b AutonomyKey) int {
	return cmp.Or(cmp.Compare(a.ProposalID, b.ProposalID), a.Seg.compare(b.Seg), cmp.Compare(a.Autonomy, b.Autonomy))
}

func (a ConcernKey) compare(b ConcernKey) int {
	return cmp.Or(cmp.Compare(a.ProposalID, b.ProposalID), a.Seg.compare(b.Seg), cmp.Compare(a.Source, b.Source),
		cmp.Compare(a.ConcernID, b.ConcernID))
}

func (a ResponseKey) compare(b ResponseKey) int {
	return cmp.Or(cmp.Compare(a.ProposalID, b.ProposalID), cmp.Compare(a.OrgID, b.OrgID))
}

// tallyTable is a tally table and how a row adds to the row it meets.
type tallyTable struct{ Table, Cols, Key, Set string }

var (
	organisationTallies = tallyTable{"organisation_tallies", "org_type, region, system_status, n",
		"org_type, region, system_status", "n = organisation_tallies.n + excluded.n"}
	stanceTallies = tallyTable{"stance_tallies", "proposal_id, org_type, region, system_status, stance, n, quotable",
		"proposal_id, org_type, region, system_status, stance",
		"n = stance_tallies.n + excluded.n, quotable = stance_tallies.quotable + excluded.quotable"}
	autonomyTallies = tallyTable{"autonomy_tallies", "proposal_id, org_type, region, system_status, autonomy, n",
		"proposal_id, org_type, region, system_status, autonomy", "n = autonomy_tallies.n + excluded.n"}
	concernTallies = tallyTable{"concern_tallies", "proposal_id, org_type, region, system_status, source, concern_id, n",
		"proposal_id, org_type, region, system_status, source, concern_id", "n = concern_tallies.n + excluded.n"}
)

// add adds rows to the table, tallyBatch rows a statement.
func (u tallyTable) add(ctx context.Context, db *sqldb.Conn, rows [][]any) error {
	for batch := range slices.Chunk(rows, tallyBatch) {
		width := len(batch[0])
		args := make([]any, 0, len(batch)*width)
		for _, r := range batch {
			args = append(args, r...)
		}
		// Table and column names come from the fixed list above.
		q := "INSERT INTO " + u.Table + " (" + u.Cols + ") VALUES " + sqldb.Values(len(batch), width, sqldb.Untyped) +
			" ON CONFLICT (" + u.Key + ") DO UPDATE SET " + u.Set
		if _, err := db.Exec(ctx, len(batch) == tallyBatch, q, args...); err != nil {
			return fmt.Errorf("update %s: %w", u.Table, err)
		}
	}
	return nil
}

// changedRows are the rows of m's non-zero values, in key order.
func changedRows[K comparable, V comparable](m map[K]V, order func(a, b K) int, row func(K, V) []any) [][]any {
	var zero V
	var out [][]any
	for _, k := range slices.SortedFunc(maps.Keys(m), order) {
		if v := m[k]; v != zero {
			out = append(out, row(k, v))
		}
	}
	return out
}

// Apply adds the non-zero changes to the tally tables. Keys are written in
// a fixed order, so concurrent writers on PostgreSQL cannot deadlock.
func (t *Counts) Apply(tx *gorm.DB) error {
	ctx, db := tx.Statement.Context, sqldb.InTx(tx)
	defer db.Close()
	if err := t.ApplyOutstanding(ctx, db); err != nil {
		return err
	}
	if err := t.ApplyQuotes(ctx, db); err != nil {
		return err
	}
	for _, u := range []struct {
		tallyTable
		Rows [][]any
	}{
		{organisationTallies, changedRows(t.Orgs, Segment.compare, func(g Segment, n int64) []any {
			return []any{g.Type, g.Region, g.SystemStatus, n}
		})},
		{stanceTallies, changedRows(t.Stances, StanceKey.compare, func(k StanceKey, v StanceCount) []any {
			return []any{k.ProposalID, k.Seg.Type, k.Seg.Region, k.Seg.SystemStatus, k.Stance, v.N, v.Quotable}
		})},
		{autonomyTallies, changedRows(t.Autonomy, AutonomyKey.compare, func(k AutonomyKey, n int64) []any {
			return []any{k.ProposalID, k.Seg.Type, k.Seg.Region, k.Seg.SystemStatus, k.Autonomy, n}
		})},
		{concernTallies, changedRows(t.Concerns, ConcernKey.compare, func(k ConcernKey, n int64) []any {
			return []any{k.ProposalID, k.Seg.Type, k.Seg.Region, k.Seg.SystemStatus, k.Source, k.ConcernID, n}
		})},
	} {
		if err := u.add(ctx, db, u.Rows); err != nil {
			return err
		}
	}
	return nil
}

// ApplyOutstanding adds and removes outstanding pairs, in a fixed order.
func (t *Counts) ApplyOutstanding(ctx context.Context, db *sqldb.Conn) error {
	var add, remove []any
	for _, k := range slices.SortedFunc(maps.Keys(t.Outstanding), ResponseKey.compare) {
		switch n := t.Outstanding[k]; {
		case n > 0:
			add = append(add, k.ProposalID, k.OrgID)
		case n < 0:
			remove = append(remove, k.ProposalID, k.OrgID)
		}
	}
	const full = 2 * tallyBatch
	for batch := range slices.Chunk(remove, full) {
		q := "DELETE FROM outstanding WHERE (proposal_id, organisation_id) IN (VALUES " + sqldb.Values(len(batch)/2, 2, sqldb.BigInt) + ")"
		if _, err := db.Exec(ctx, len(batch) == full, q, batch...); err != nil {
			return fmt.Errorf("update outstanding: %w", err)
		}
	}
	for batch := range slices.Chunk(add, full) {
		q := "INSERT INTO outstanding (proposal_id, organisation_id) VALUES " + sqldb.Values(len(batch)/2, 2, sqldb.Untyped) +
			" ON CONFLICT (proposal_id, organisation_id) DO NOTHING"
		if _, err := db.Exec(ctx, len(batch) == full, q, batch...); err != nil {
			return fmt.Errorf("update outstanding: %w", err)
		}
	}
	return nil
}

// ApplyQuotes removes the entries of responses that were quotable and adds
// those that are now.
func (t *Counts) ApplyQuotes(ctx context.Context, db *sqldb.Conn) error {
	gone := make([]any, 0, len(t.QuotesGone))
	for _, id := range slices.Sorted(slices.Values(t.QuotesGone)) {
		gone = append(gone, id)
	}
	const full = 500
	for batch := range slices.Chunk(gone, full) {
		q := "DELETE FROM quotable_responses WHERE response_id IN " + sqldb.Values(1, len(batch), sqldb.Untyped)
		if _, err := db.Exec(ctx, len(batch) == full, q, batch...); err != nil {
			return fmt.Errorf("update quotable responses: %w", err)
		}
	}
	for batch := range slices.Chunk(t.QuotesNew, tallyBatch) {
		args := make([]any, 0, 6*len(batch))
		for _, c := range batch {
			args = append(args, c.ResponseID, c.ProposalID, c.At, c.Seg.Type, c.Seg.Region, c.Seg.SystemStatus)
		}
		q := "INSERT INTO quotable_responses (response_id, proposal_id, submitted_at, org_type, region, system_status) VALUES " +
			sqldb.Values(len(batch), 6, sqldb.Untyped)
		if _, err := db.Exec(ctx, len(batch) == tallyBatch, q, args...); err != nil {
			return fmt.Errorf("update quotable responses: %w", err)
		}
	}
	return nil
}

// quotableRecount selects what quotable_responses should hold.
const quotableRecount = `SELECT r.id AS response_id, r.proposal_id, r.submitted_at, o.type AS org_type, o.region, o.system_status
	FROM responses r JOIN organisations o ON o.id = r.organisation_id
	WHERE r.status = 'submitted' AND r.consent IN ('attributed', 'anonymised') AND r.comment <> ''`

// OutstandingForOrganisation makes a new organisation outstanding on every
// proposal; OutstandingForProposal does the same for a new proposal.
func OutstandingForOrganisation(tx *gorm.DB, orgID int64) error {
	return tx.Exec("INSERT INTO outstanding (proposal_id, organisation_id) SELECT id, ? FROM proposals", orgID).Error
}

// OutstandingForProposal records every organisation as not yet having
// answered a new proposal.
func OutstandingForProposal(tx *gorm.DB, proposalID int64) error {
	return tx.Exec("INSERT INTO outstanding (proposal_id, organisation_id) SELECT ?, id FROM organisations", proposalID).Error
}

// outstandingRecount is every (proposal, organisation) pair without a
// submitted response.
const outstandingRecount = `SELECT p.id AS proposal_id, o.id AS organisation_id FROM proposals p CROSS JOIN organisations o
	EXCEPT SELECT proposal_id, organisation_id FROM responses WHERE status = 'submitted'`

// LoadContributions reads what the given responses contribute now.
func LoadContributions(tx *gorm.DB, ids []int64) ([]Contribution, error) {
	var out []Contribution
	for _, chunk := range sqldb.Chunks(ids, 500) {
		var rows []struct {
			ID, OrganisationID, ProposalID int64
			Type, Region, SystemStatus     string
			Status                         models.ResponseStatus
			Stance                         models.Stance
			SubmittedAt                    *time.Time
			Autonomy                       *int
			Consent                        models.Consent
			HasComment                     int
		}
		if err := tx.Raw(`SELECT r.id, r.organisation_id, r.proposal_id, o.type, o.region, o.system_status, r.status, r.stance,
				r.submitted_at, r.autonomy, r.consent, CASE WHEN r.comment <> '' THEN 1 ELSE 0 END AS has_comment
			FROM responses r JOIN organisations o ON o.id = r.organisation_id
			WHERE r.id IN ?`, chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		byID := map[int64]int{}
		for _, r := range rows {
			c := Contribution{ResponseID: r.ID, OrgID: r.OrganisationID, ProposalID: r.ProposalID,
				Seg:       Segment{r.Type, r.Region, r.SystemStatus},
				Submitted: r.Status == models.StatusSubmitted, Stance: r.Stance,
				Quotable: (r.Consent == models.ConsentAttributed || r.Consent == models.ConsentAnonymised) && r.HasComment == 1}
			if r.Autonomy != nil {
				c.Autonomy = *r.Autonomy
			}
			if r.SubmittedAt != nil {
				c.At = *r.SubmittedAt
			}
			byID[r.ID] = len(out)
			out = append(out, c)
		}
		for _, src := range []string{"response_concerns", "response_codings"} {
			var links []struct{ ResponseID, ConcernID int64 }
			// src comes from the fixed list above.
			if err := tx.Raw("SELECT response_id, concern_id FROM "+src+" WHERE response_id IN ? ORDER BY response_id, concern_id",
				chunk).Scan(&links).Error; err != nil {
				return nil, err
			}
			for _, l := range links {
				i, ok := byID[l.ResponseID]
				if !ok {
					continue
				}
				if src == "response_concerns" {
					out[i].Member = append(out[i].Member, l.ConcernID)
				} else {
					out[i].Analyst = append(out[i].Analyst, l.ConcernID)
				}
			}
		}
	}
	return out, nil
}

// recountTallies counts every tally from the responses and organisations.
func recountTallies(db *gorm.DB) (*Counts, error) {
	t := New()
	for _, recount := range []func(*gorm.DB) error{t.recountOrganisations, t.recountStances, t.recountAutonomy, t.recountConcerns} {
		if err := recount(db); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// submittedResponses are the submitted responses r with their organisations o.
const submittedResponses = ` FROM responses r JOIN organisations o ON o.id = r.organisation_id WHERE r.status = 'submitted' `

func (t *Counts) recountOrganisations(db *gorm.DB) error {
	var orgs []struct {
		Type, Region, SystemStatus string
		N                          int64
	}
	if err := db.Raw(`SELECT type, region, system_status, COUNT(*) AS n FROM organisations
		GROUP BY type, region, system_status`).Scan(&orgs).Error; err != nil {
		return err
	}
	for _, o := range orgs {
		t.AddOrganisation(Segment{o.Type, o.Region, o.SystemStatus}, o.N)
	}
	return nil
}

func (t *Counts) recountStances(db *gorm.DB) error {
	var stances []struct {
		ProposalID                 int64
		Type, Region, SystemStatus string
		Stance                     models.Stance
		N, Quotable                int64
	}
	if err := db.Raw(`SELECT r.proposal_id, o.type, o.region, o.system_status, r.stance, COUNT(*) AS n,
			SUM(CASE WHEN r.consent IN ('attributed', 'anonymised') AND r.comment <> '' THEN 1 ELSE 0 END) AS quotable` + submittedResponses +
		`GROUP BY r.proposal_id, o.type, o.region, o.system_status, r.stance`).Scan(&stances).Error; err != nil {
		return err
	}
	for _, r := range stances {
		for _, g := range (Segment{r.Type, r.Region, r.SystemStatus}).Rollups() {
			k := StanceKey{r.ProposalID, g, r.Stance}
			v := t.Stances[k]
			v.N += r.N
			v.Quotable += r.Quotable
			t.Stances[k] = v
		}
	}
	return nil
}

func (t *Counts) recountAutonomy(db *gorm.DB) error {
	var autonomy []struct {
		ProposalID                 int64
		Type, Region, SystemStatus string
		Autonomy                   int
		N                          int64
	}
	if err := db.Raw(`SELECT r.proposal_id, o.type, o.region, o.system_status, COALESCE(r.autonomy, 0) AS autonomy, COUNT(*) AS n` + submittedResponses +
		`GROUP BY r.proposal_id, o.type, o.region, o.system_status, COALESCE(r.autonomy, 0)`).Scan(&autonomy).Error; err != nil {
		return err
	}
	for _, r := range autonomy {
		for _, g := range (Segment{r.Type, r.Region, r.SystemStatus}).Rollups() {
			t.Autonomy[AutonomyKey{r.ProposalID, g, r.Autonomy}] += r.N
		}
	}
	return nil
}

func (t *Counts) recountConcerns(db *gorm.DB) error {
	for _, src := range []struct{ Name, Pairs string }{
		{models.TallyMember, "SELECT response_id, concern_id FROM response_concerns"},
		{models.TallyAnalyst, "SELECT response_id, concern_id FROM response_codings"},
		{models.TallyBoth, "SELECT response_id, concern_id FROM response_concerns UNION SELECT response_id, concern_id FROM response_codings"},
	} {
		var rows []struct {
			ProposalID                 int64
			Type, Region, SystemStatus string
			ConcernID                  int64
			N                          int64
		}
		// src.pairs is fixed SQL from the list above.
		if err := db.Raw(`SELECT r.proposal_id, o.type, o.region, o.system_status, x.concern_id, COUNT(*) AS n
			FROM (` + src.Pairs + `) x JOIN responses r ON r.id = x.response_id
			JOIN organisations o ON o.id = r.organisation_id WHERE r.status = 'submitted'
			GROUP BY r.proposal_id, o.type, o.region, o.system_status, x.concern_id`).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			for _, g := range (Segment{r.Type, r.Region, r.SystemStatus}).Rollups() {
				t.Concerns[ConcernKey{r.ProposalID, g, src.Name, r.ConcernID}] += r.N
			}
		}
	}
	return nil
}

// readTallies reads the tally tables as they are.
func readTallies(db *gorm.DB) (*Counts, error) {
	t := New()
	var orgs []struct {
		OrgType, Region, SystemStatus string
		N                             int64
	}
	if err := db.Raw("SELECT org_type, region, system_status, n FROM organisation_tallies").Scan(&orgs).Error; err != nil {
		return nil, err
	}
	for _, o := range orgs {
		t.Orgs[Segment{o.OrgType, o.Region, o.SystemStatus}] += o.N
	}
	var stances []struct {
		ProposalID                    int64
		OrgType, Region, SystemStatus string
		Stance                        models.Stance
		N, Quotable                   int64
	}
	if err := db.Raw("SELECT proposal_id, org_type, region, system_status, stance, n, quotable FROM stance_tallies").Scan(&stances).Error; err != nil {
		return nil, err
	}
	for _, r := range stances {
		t.Stances[StanceKey{r.ProposalID, Segment{r.OrgType, r.Region, r.SystemStatus}, r.Stance}] = StanceCount{r.N, r.Quotable}
	}
	var autonomy []struct {
		ProposalID                    int64
		OrgType, Region, SystemStatus string
		Autonomy                      int
		N                             int64
	}
	if err := db.Raw("SELECT proposal_id, org_type, region, system_status, autonomy, n FROM autonomy_tallies").Scan(&autonomy).Error; err != nil {
		return nil, err
	}
	for _, r := range autonomy {
		t.Autonomy[AutonomyKey{r.ProposalID, Segment{r.OrgType, r.Region, r.SystemStatus}, r.Autonomy}] = r.N
	}
	var concerns []struct {
		ProposalID                    int64
		OrgType, Region, SystemStatus string
		Source                        string
		ConcernID                     int64
		N                             int64
	}
	if err := db.Raw("SELECT proposal_id, org_type, region, system_status, source, concern_id, n FROM concern_tallies").Scan(&concerns).Error; err != nil {
		return nil, err
	}
	for _, r := range concerns {
		t.Concerns[ConcernKey{r.ProposalID, Segment{r.OrgType, r.Region, r.SystemStatus}, r.Source, r.ConcernID}] = r.N
	}
	return t, nil
}

// diff lists where two sets of tallies disagree, zeros and missing rows
// being the same.
func (t *Counts) diff(want *Counts) []string {
	var out []string
	note := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, g := range unionKeys(t.Orgs, want.Orgs) {
		if t.Orgs[g] != want.Orgs[g] {
			note("organisations %v: %d, recount %d", g, t.Orgs[g], want.Orgs[g])
		}
	}
	for _, k := range unionKeys(t.Stances, want.Stances) {
		if t.Stances[k] != want.Stances[k] {
			note("stance %d %v %s: %+v, recount %+v", k.ProposalID, k.Seg, k.Stance, t.Stances[k], want.Stances[k])
		}
	}
	for _, k := range unionKeys(t.Autonomy, want.Autonomy) {
		if t.Autonomy[k] != want.Autonomy[k] {
			note("autonomy %d %v %d: %d, recount %d", k.ProposalID, k.Seg, k.Autonomy, t.Autonomy[k], want.Autonomy[k])
		}
	}
	for _, k := range unionKeys(t.Concerns, want.Concerns) {
		if t.Concerns[k] != want.Concerns[k] {
			note("concern %d %v %s %d: %d, recount %d", k.ProposalID, k.Seg, k.Source, k.ConcernID, t.Concerns[k], want.Concerns[k])
		}
	}
	slices.Sort(out)
	return out
}

func unionKeys[K comparable, V any](a, b map[K]V) []K {
	seen := make(map[K]bool, len(a))
	var out []K
	for k := range a {
		seen[k] = true
		out = append(out, k)
	}
	for k := range b {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// Verify recounts every tally from the responses and organisations
// in tx and lists where a kept tally differs.
func Verify(tx *gorm.DB) (diffs []string, err error) {
	kept, err := readTallies(tx)
	if err != nil {
		return nil, err
	}
	want, err := recountTallies(tx)
	if err != nil {
		return nil, err
	}
	diffs = kept.diff(want)
	// Pairs kept but not recounted, and recounted but not kept.
	// The quote index, compared without its times, which each
	// database may write in its own form.
	const quotable = "SELECT response_id, proposal_id, org_type, region, system_status FROM "
	for _, q := range []string{
		quotable + "quotable_responses EXCEPT " + quotable + "(" + quotableRecount + ") x",
		quotable + "(" + quotableRecount + ") x EXCEPT " + quotable + "quotable_responses",
	} {
		var n int
		if err := tx.Raw("SELECT COUNT(*) FROM (" + q + ") d").Scan(&n).Error; err != nil {
			return nil, err
		}
		if n > 0 {
			diffs = append(diffs, fmt.Sprintf("%d quotable responses only on one side: %s", n, q[:60]))
		}
	}
	for _, q := range []string{
		"SELECT proposal_id, organisation_id FROM outstanding EXCEPT " + outstandingRecount,
		outstandingRecount + " EXCEPT SELECT proposal_id, organisation_id FROM outstanding",
	} {
		var pairs []struct{ ProposalID, OrganisationID int64 }
		if err := tx.Raw("SELECT proposal_id, organisation_id FROM (" + q + ") d LIMIT 20").Scan(&pairs).Error; err != nil {
			return nil, err
		}
		for _, p := range pairs {
			diffs = append(diffs, fmt.Sprintf("outstanding pair (proposal %d, organisation %d) only on one side: %s",
				p.ProposalID, p.OrganisationID, q[:40]))
		}
	}
	return diffs, nil
}

// Rebuild replaces every tally in tx with a recount.
func Rebuild(tx *gorm.DB) error {
	for _, table := range []string{"organisation_tallies", "stance_tallies", "autonomy_tallies", "concern_tallies", "outstanding", "quotable_responses"} {
		if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec("INSERT INTO outstanding (proposal_id, organisation_id) " + outstandingRecount).Error; err != nil {
		return err
	}
	if err := tx.Exec("INSERT INTO quotable_responses (response_id, proposal_id, submitted_at, org_type, region, system_status) " +
		quotableRecount).Error; err != nil {
		return err
	}
	t, err := recountTallies(tx)
	if err != nil {
		return err
	}
	return t.Apply(tx)
}

// OrganisationSegments reads every organisation's segment, by id.
func OrganisationSegments(tx *gorm.DB) (map[int64]Segment, error) {
	var rows []struct {
		ID                         int64
		Type, Region, SystemStatus string
	}
	if err := tx.Raw("SELECT id, type, region, system_status FROM organisations").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]Segment, len(rows))
	for _, r := range rows {
		out[r.ID] = Segment{r.Type, r.Region, r.SystemStatus}
	}
	return out, nil
}

// ApplyChange adds to the tallies the difference between before and what
// response id contributes now.
func ApplyChange(tx *gorm.DB, before []Contribution, id int64) error {
	after, err := LoadContributions(tx, []int64{id})
	if err != nil {
		return err
	}
	t := New()
	t.change(before, after)
	return t.Apply(tx)
}

// Retally records, in tx, how the tallies change when write changes the
// given responses: it reads their contributions before and after.
func Retally(tx *gorm.DB, ids []int64, write func() error) error {
	before, err := LoadContributions(tx, ids)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := LoadContributions(tx, ids)
	if err != nil {
		return err
	}
	t := New()
	t.change(before, after)
	return t.Apply(tx)
}
