package storage

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

// segment is a member segment as the tallies key it; "" in a field means
// every value of that field.
type segment struct{ Type, Region, SystemStatus string }

func segmentOf(f models.Filter) segment { return segment(f) }

// rollups are the eight segments an organisation of segment g counts under.
func (g segment) rollups() [8]segment {
	var out [8]segment
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

type stanceKey struct {
	proposalID int64
	seg        segment
	stance     models.Stance
}

type autonomyKey struct {
	proposalID int64
	seg        segment
	autonomy   int
}

type concernKey struct {
	proposalID int64
	seg        segment
	source     string
	concernID  int64
}

type stanceCount struct{ n, quotable int64 }

// tallies is a set of counts, or of changes to counts.
type tallies struct {
	orgs     map[segment]int64
	stances  map[stanceKey]stanceCount
	autonomy map[autonomyKey]int64
	concerns map[concernKey]int64
	// outstanding is +1 where an organisation no longer has a submitted
	// response to a proposal, -1 where it now has one.
	outstanding map[responseKey]int64
	// quotesGone and quotesNew change the quotable_responses index.
	quotesGone []int64
	quotesNew  []contribution
}

func newTallies() *tallies {
	return &tallies{orgs: map[segment]int64{}, stances: map[stanceKey]stanceCount{},
		autonomy: map[autonomyKey]int64{}, concerns: map[concernKey]int64{}, outstanding: map[responseKey]int64{}}
}

// contribution is what one response adds to the tallies: nothing unless it
// is submitted.
type contribution struct {
	responseID int64
	orgID      int64
	proposalID int64
	seg        segment
	submitted  bool
	at         time.Time // submitted at
	stance     models.Stance
	autonomy   int
	quotable   bool
	member     []int64 // concerns the member chose
	analyst    []int64 // concerns the policy team coded
}

// isQuotable is the summary's rule for quotes: consent to be quoted, and a comment.
func isQuotable(consent models.Consent, comment string) bool {
	return consent.Quotable() && comment != ""
}

func (t *tallies) addResponse(c contribution, sign int64) {
	if !c.submitted {
		return
	}
	if c.quotable {
		if sign < 0 {
			t.quotesGone = append(t.quotesGone, c.responseID)
		} else {
			t.quotesNew = append(t.quotesNew, c)
		}
	}
	both := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.member), c.analyst...))))
	for _, g := range c.seg.rollups() {
		sk := stanceKey{c.proposalID, g, c.stance}
		v := t.stances[sk]
		v.n += sign
		if c.quotable {
			v.quotable += sign
		}
		t.stances[sk] = v
		t.autonomy[autonomyKey{c.proposalID, g, c.autonomy}] += sign
		for _, src := range []struct {
			name string
			ids  []int64
		}{{models.TallyMember, c.member}, {models.TallyAnalyst, c.analyst}, {models.TallyBoth, both}} {
			for _, id := range src.ids {
				t.concerns[concernKey{c.proposalID, g, src.name, id}] += sign
			}
		}
	}
}

func (t *tallies) addOrganisation(seg segment, sign int64) {
	for _, g := range seg.rollups() {
		t.orgs[g] += sign
	}
}

// change records the difference between what responses contributed before
// and after a write.
func (t *tallies) change(before, after []contribution) {
	was := map[responseKey]bool{}
	for _, c := range before {
		t.addResponse(c, -1)
		was[responseKey{c.orgID, c.proposalID}] = c.submitted
	}
	for _, c := range after {
		t.addResponse(c, +1)
		t.submission(responseKey{c.orgID, c.proposalID}, was[responseKey{c.orgID, c.proposalID}], c.submitted)
	}
}

// submission records an organisation's response to a proposal going from
// submitted or not (was) to submitted or not (now).
func (t *tallies) submission(k responseKey, was, now bool) {
	switch {
	case was && !now:
		t.outstanding[k]++
	case !was && now:
		t.outstanding[k]--
	}
}

// tallyBatch is how many rows one upsert statement carries.
const tallyBatch = 200

// Keys compare in a fixed order, the order apply writes them in.
func (g segment) compare(h segment) int {
	return cmp.Or(cmp.Compare(g.Type, h.Type), cmp.Compare(g.Region, h.Region), cmp.Compare(g.SystemStatus, h.SystemStatus))
}

func (a stanceKey) compare(b stanceKey) int {
	return cmp.Or(cmp.Compare(a.proposalID, b.proposalID), a.seg.compare(b.seg), cmp.Compare(a.stance, b.stance))
}

func (a autonomyKey) compare(b autonomyKey) int {
	return cmp.Or(cmp.Compare(a.proposalID, b.proposalID), a.seg.compare(b.seg), cmp.Compare(a.autonomy, b.autonomy))
}

func (a concernKey) compare(b concernKey) int {
	return cmp.Or(cmp.Compare(a.proposalID, b.proposalID), a.seg.compare(b.seg), cmp.Compare(a.source, b.source),
		cmp.Compare(a.concernID, b.concernID))
}

func (a responseKey) compare(b responseKey) int {
	return cmp.Or(cmp.Compare(a.proposalID, b.proposalID), cmp.Compare(a.orgID, b.orgID))
}

// tallyTable is a tally table and how a row adds to the row it meets.
type tallyTable struct{ table, cols, key, set string }

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
		q := "INSERT INTO " + u.table + " (" + u.cols + ") VALUES " + sqldb.Values(len(batch), width, sqldb.Untyped) +
			" ON CONFLICT (" + u.key + ") DO UPDATE SET " + u.set
		if _, err := db.Exec(ctx, len(batch) == tallyBatch, q, args...); err != nil {
			return fmt.Errorf("update %s: %w", u.table, err)
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

// apply adds the non-zero changes to the tally tables. Keys are written in
// a fixed order, so concurrent writers on PostgreSQL cannot deadlock.
func (t *tallies) apply(tx *gorm.DB) error {
	ctx, db := tx.Statement.Context, sqldb.InTx(tx)
	defer db.Close()
	if err := t.applyOutstanding(ctx, db); err != nil {
		return err
	}
	if err := t.applyQuotes(ctx, db); err != nil {
		return err
	}
	for _, u := range []struct {
		tallyTable
		rows [][]any
	}{
		{organisationTallies, changedRows(t.orgs, segment.compare, func(g segment, n int64) []any {
			return []any{g.Type, g.Region, g.SystemStatus, n}
		})},
		{stanceTallies, changedRows(t.stances, stanceKey.compare, func(k stanceKey, v stanceCount) []any {
			return []any{k.proposalID, k.seg.Type, k.seg.Region, k.seg.SystemStatus, k.stance, v.n, v.quotable}
		})},
		{autonomyTallies, changedRows(t.autonomy, autonomyKey.compare, func(k autonomyKey, n int64) []any {
			return []any{k.proposalID, k.seg.Type, k.seg.Region, k.seg.SystemStatus, k.autonomy, n}
		})},
		{concernTallies, changedRows(t.concerns, concernKey.compare, func(k concernKey, n int64) []any {
			return []any{k.proposalID, k.seg.Type, k.seg.Region, k.seg.SystemStatus, k.source, k.concernID, n}
		})},
	} {
		if err := u.add(ctx, db, u.rows); err != nil {
			return err
		}
	}
	return nil
}

// applyOutstanding adds and removes outstanding pairs, in a fixed order.
func (t *tallies) applyOutstanding(ctx context.Context, db *sqldb.Conn) error {
	var add, remove []any
	for _, k := range slices.SortedFunc(maps.Keys(t.outstanding), responseKey.compare) {
		switch n := t.outstanding[k]; {
		case n > 0:
			add = append(add, k.proposalID, k.orgID)
		case n < 0:
			remove = append(remove, k.proposalID, k.orgID)
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

// applyQuotes removes the entries of responses that were quotable and adds
// those that are now.
func (t *tallies) applyQuotes(ctx context.Context, db *sqldb.Conn) error {
	gone := make([]any, 0, len(t.quotesGone))
	for _, id := range slices.Sorted(slices.Values(t.quotesGone)) {
		gone = append(gone, id)
	}
	const full = 500
	for batch := range slices.Chunk(gone, full) {
		q := "DELETE FROM quotable_responses WHERE response_id IN " + sqldb.Values(1, len(batch), sqldb.Untyped)
		if _, err := db.Exec(ctx, len(batch) == full, q, batch...); err != nil {
			return fmt.Errorf("update quotable responses: %w", err)
		}
	}
	for batch := range slices.Chunk(t.quotesNew, tallyBatch) {
		args := make([]any, 0, 6*len(batch))
		for _, c := range batch {
			args = append(args, c.responseID, c.proposalID, c.at, c.seg.Type, c.seg.Region, c.seg.SystemStatus)
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

// outstandingForOrganisation makes a new organisation outstanding on every
// proposal; outstandingForProposal does the same for a new proposal.
func outstandingForOrganisation(tx *gorm.DB, orgID int64) error {
	return tx.Exec("INSERT INTO outstanding (proposal_id, organisation_id) SELECT id, ? FROM proposals", orgID).Error
}

func outstandingForProposal(tx *gorm.DB, proposalID int64) error {
	return tx.Exec("INSERT INTO outstanding (proposal_id, organisation_id) SELECT ?, id FROM organisations", proposalID).Error
}

// outstandingRecount is every (proposal, organisation) pair without a
// submitted response.
const outstandingRecount = `SELECT p.id AS proposal_id, o.id AS organisation_id FROM proposals p CROSS JOIN organisations o
	EXCEPT SELECT proposal_id, organisation_id FROM responses WHERE status = 'submitted'`

// loadContributions reads what the given responses contribute now.
func loadContributions(tx *gorm.DB, ids []int64) ([]contribution, error) {
	var out []contribution
	for _, chunk := range chunks(ids, 500) {
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
			c := contribution{responseID: r.ID, orgID: r.OrganisationID, proposalID: r.ProposalID,
				seg:       segment{r.Type, r.Region, r.SystemStatus},
				submitted: r.Status == models.StatusSubmitted, stance: r.Stance,
				quotable: (r.Consent == models.ConsentAttributed || r.Consent == models.ConsentAnonymised) && r.HasComment == 1}
			if r.Autonomy != nil {
				c.autonomy = *r.Autonomy
			}
			if r.SubmittedAt != nil {
				c.at = *r.SubmittedAt
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
					out[i].member = append(out[i].member, l.ConcernID)
				} else {
					out[i].analyst = append(out[i].analyst, l.ConcernID)
				}
			}
		}
	}
	return out, nil
}

// recountTallies counts every tally from the responses and organisations.
func recountTallies(db *gorm.DB) (*tallies, error) {
	t := newTallies()
	for _, recount := range []func(*gorm.DB) error{t.recountOrganisations, t.recountStances, t.recountAutonomy, t.recountConcerns} {
		if err := recount(db); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// submittedResponses are the submitted responses r with their organisations o.
const submittedResponses = ` FROM responses r JOIN organisations o ON o.id = r.organisation_id WHERE r.status = 'submitted' `

func (t *tallies) recountOrganisations(db *gorm.DB) error {
	var orgs []struct {
		Type, Region, SystemStatus string
		N                          int64
	}
	if err := db.Raw(`SELECT type, region, system_status, COUNT(*) AS n FROM organisations
		GROUP BY type, region, system_status`).Scan(&orgs).Error; err != nil {
		return err
	}
	for _, o := range orgs {
		t.addOrganisation(segment{o.Type, o.Region, o.SystemStatus}, o.N)
	}
	return nil
}

func (t *tallies) recountStances(db *gorm.DB) error {
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
		for _, g := range (segment{r.Type, r.Region, r.SystemStatus}).rollups() {
			k := stanceKey{r.ProposalID, g, r.Stance}
			v := t.stances[k]
			v.n += r.N
			v.quotable += r.Quotable
			t.stances[k] = v
		}
	}
	return nil
}

func (t *tallies) recountAutonomy(db *gorm.DB) error {
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
		for _, g := range (segment{r.Type, r.Region, r.SystemStatus}).rollups() {
			t.autonomy[autonomyKey{r.ProposalID, g, r.Autonomy}] += r.N
		}
	}
	return nil
}

func (t *tallies) recountConcerns(db *gorm.DB) error {
	for _, src := range []struct{ name, pairs string }{
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
			FROM (` + src.pairs + `) x JOIN responses r ON r.id = x.response_id
			JOIN organisations o ON o.id = r.organisation_id WHERE r.status = 'submitted'
			GROUP BY r.proposal_id, o.type, o.region, o.system_status, x.concern_id`).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			for _, g := range (segment{r.Type, r.Region, r.SystemStatus}).rollups() {
				t.concerns[concernKey{r.ProposalID, g, src.name, r.ConcernID}] += r.N
			}
		}
	}
	return nil
}

// readTallies reads the tally tables as they are.
func readTallies(db *gorm.DB) (*tallies, error) {
	t := newTallies()
	var orgs []struct {
		OrgType, Region, SystemStatus string
		N                             int64
	}
	if err := db.Raw("SELECT org_type, region, system_status, n FROM organisation_tallies").Scan(&orgs).Error; err != nil {
		return nil, err
	}
	for _, o := range orgs {
		t.orgs[segment{o.OrgType, o.Region, o.SystemStatus}] += o.N
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
		t.stances[stanceKey{r.ProposalID, segment{r.OrgType, r.Region, r.SystemStatus}, r.Stance}] = stanceCount{r.N, r.Quotable}
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
		t.autonomy[autonomyKey{r.ProposalID, segment{r.OrgType, r.Region, r.SystemStatus}, r.Autonomy}] = r.N
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
		t.concerns[concernKey{r.ProposalID, segment{r.OrgType, r.Region, r.SystemStatus}, r.Source, r.ConcernID}] = r.N
	}
	return t, nil
}

// diff lists where two sets of tallies disagree, zeros and missing rows
// being the same.
func (t *tallies) diff(want *tallies) []string {
	var out []string
	note := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, g := range unionKeys(t.orgs, want.orgs) {
		if t.orgs[g] != want.orgs[g] {
			note("organisations %v: %d, recount %d", g, t.orgs[g], want.orgs[g])
		}
	}
	for _, k := range unionKeys(t.stances, want.stances) {
		if t.stances[k] != want.stances[k] {
			note("stance %d %v %s: %+v, recount %+v", k.proposalID, k.seg, k.stance, t.stances[k], want.stances[k])
		}
	}
	for _, k := range unionKeys(t.autonomy, want.autonomy) {
		if t.autonomy[k] != want.autonomy[k] {
			note("autonomy %d %v %d: %d, recount %d", k.proposalID, k.seg, k.autonomy, t.autonomy[k], want.autonomy[k])
		}
	}
	for _, k := range unionKeys(t.concerns, want.concerns) {
		if t.concerns[k] != want.concerns[k] {
			note("concern %d %v %s %d: %d, recount %d", k.proposalID, k.seg, k.source, k.concernID, t.concerns[k], want.concerns[k])
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

// VerifyTallies recounts every tally from the responses and organisations,
// in one read transaction, and returns a TallyMismatchError if any kept
// tally differs. It reads every response: for tests and operators, never
// for a request.
func (s *Store) VerifyTallies(ctx context.Context) error {
	var diffs []string
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		kept, err := readTallies(tx)
		if err != nil {
			return err
		}
		want, err := recountTallies(tx)
		if err != nil {
			return err
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
				return err
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
				return err
			}
			for _, p := range pairs {
				diffs = append(diffs, fmt.Sprintf("outstanding pair (proposal %d, organisation %d) only on one side: %s",
					p.ProposalID, p.OrganisationID, q[:40]))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify tallies: %w", err)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("verify tallies: %w", models.TallyMismatchError{Differences: diffs})
	}
	return nil
}

// RebuildTallies replaces every tally with a recount; for bulk loads that
// bypass the store (the benchmark generator) and for the migration that
// introduced them.
func (s *Store) RebuildTallies(ctx context.Context) error {
	if err := s.w.WithContext(ctx).Transaction(rebuildTallies); err != nil {
		return fmt.Errorf("rebuild tallies: %w", err)
	}
	return nil
}

func rebuildTallies(tx *gorm.DB) error {
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
	return t.apply(tx)
}

// organisationSegments reads every organisation's segment, by id.
func organisationSegments(tx *gorm.DB) (map[int64]segment, error) {
	var rows []struct {
		ID                         int64
		Type, Region, SystemStatus string
	}
	if err := tx.Raw("SELECT id, type, region, system_status FROM organisations").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]segment, len(rows))
	for _, r := range rows {
		out[r.ID] = segment{r.Type, r.Region, r.SystemStatus}
	}
	return out, nil
}

// applyChange adds to the tallies the difference between before and what
// response id contributes now.
func applyChange(tx *gorm.DB, before []contribution, id int64) error {
	after, err := loadContributions(tx, []int64{id})
	if err != nil {
		return err
	}
	t := newTallies()
	t.change(before, after)
	return t.apply(tx)
}

// retally records, in tx, how the tallies change when write changes the
// given responses: it reads their contributions before and after.
func retally(tx *gorm.DB, ids []int64, write func() error) error {
	before, err := loadContributions(tx, ids)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := loadContributions(tx, ids)
	if err != nil {
		return err
	}
	t := newTallies()
	t.change(before, after)
	return t.apply(tx)
}
