package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The reading view's queries. Pages are keyset (seek) pages: a page is the
// responses after (or before) one response in the chosen order, found by
// walking an index from that response's sort key (migration 0072), so the
// thousandth page costs what the first does. The cursor is a response id;
// its sort key is read back in the query itself, so no timestamp or name
// travels in a URL.

// readingOrder is how one ReadingSort compares and orders responses.
type readingOrder struct {
	from   string   // the tables, in the order the walk takes them
	keys   []string // the sort key, most significant first; the last is unique
	cursor string   // selects the cursor response's keys, its id bound once
}

const readingFrom = " FROM responses r JOIN organisations o ON o.id = r.organisation_id WHERE "

var readingOrders = map[models.ReadingSort]readingOrder{
	models.SortSubmitted: {from: readingFrom, keys: []string{"r.submitted_at", "r.id"},
		cursor: "SELECT c.submitted_at, c.id FROM responses c WHERE c.id = ?"},
	// Organisations first, in name order, each probing its response: SQLite
	// takes CROSS JOIN's left table as the outer loop (PostgreSQL plans it
	// as any join), where it would otherwise read and sort every response.
	models.SortOrganisation: {from: " FROM organisations o CROSS JOIN responses r WHERE r.organisation_id = o.id AND ",
		keys:   []string{"o.name", "o.id"},
		cursor: "SELECT co.name, co.id FROM responses c JOIN organisations co ON co.id = c.organisation_id WHERE c.id = ?"},
	// By stance: one stance at a time in scale order (see seek), by
	// submission within each.
	models.SortStance: {from: readingFrom, keys: []string{"r.submitted_at", "r.id"},
		cursor: "SELECT c.submitted_at, c.id FROM responses c WHERE c.id = ?"},
}

// checkReading refuses a filter or order outside the known values, so that a
// typo does not silently show an empty page.
func checkReading(f models.ReadingFilter, sort models.ReadingSort) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if f.Stance != "" && !f.Stance.Valid() {
		return models.FilterError{Field: "stance", Value: string(f.Stance)}
	}
	if !sort.Valid() {
		return models.FilterError{Field: "sort", Value: string(sort)}
	}
	return nil
}

// readingWhere is the condition selecting a proposal's submitted responses
// that f lets through; r is the response, o its organisation.
func readingWhere(proposalID int64, f models.ReadingFilter) (string, []any) {
	seg, args := filterWhere(f.Filter)
	conds := []string{"r.proposal_id = ?", "r.status = 'submitted'", seg}
	args = append([]any{proposalID}, args...)
	if f.Stance != "" {
		conds, args = append(conds, "r.stance = ?"), append(args, string(f.Stance))
	}
	if f.NotCoded {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM response_codings x WHERE x.response_id = r.id)")
	}
	if f.HasAmendments {
		conds = append(conds, "r.amendments <> ''")
	}
	if f.Quotable {
		var consents []string
		for _, c := range models.QuotableConsents() {
			consents = append(consents, string(c))
		}
		conds, args = append(conds, "r.consent IN ?"), append(args, consents)
	}
	return strings.Join(conds, " AND "), args
}

// ReadingResponses returns one page of a proposal's submitted responses in
// full, as q selects, orders and pages them.
func (s *Store) ReadingResponses(ctx context.Context, q models.ReadingQuery) (_ models.ReadingPage, err error) {
	defer func() { err = wrapped(err, "read responses to proposal %d", q.ProposalID) }()
	if err := checkReading(q.Filter, q.Sort); err != nil {
		return models.ReadingPage{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 25
	}
	db := s.r.WithContext(ctx)
	backward, cursor := q.Before > 0, q.After
	if backward {
		cursor = q.Before
	}
	ids, err := s.seek(db, q, backward, cursor, limit+1)
	if err != nil || len(ids) == 0 {
		return models.ReadingPage{}, err
	}
	var page models.ReadingPage
	more := len(ids) > limit
	ids = ids[:min(len(ids), limit)]
	if backward {
		slices.Reverse(ids)
		page.HasPrev = more
		next, err := s.seek(db, q, false, ids[len(ids)-1], 1)
		if err != nil {
			return models.ReadingPage{}, err
		}
		page.HasNext = len(next) > 0
	} else {
		page.HasNext = more
		if cursor > 0 {
			prev, err := s.seek(db, q, true, ids[0], 1)
			if err != nil {
				return models.ReadingPage{}, err
			}
			page.HasPrev = len(prev) > 0
		}
	}
	page.Responses, err = s.readingDetails(db, ids)
	return page, err
}

// ReadingNeighbours returns the responses just before and just after the
// response id in q's filter and order (0 where there is none), for the
// response page's previous and next. The response itself need not match
// the filter any more: it may just have been coded.
func (s *Store) ReadingNeighbours(ctx context.Context, q models.ReadingQuery, id int64) (prev, next int64, err error) {
	defer func() { err = wrapped(err, "find the neighbours of response %d", id) }()
	if err := checkReading(q.Filter, q.Sort); err != nil {
		return 0, 0, err
	}
	db := s.r.WithContext(ctx)
	before, err := s.seek(db, q, true, id, 1)
	if err != nil {
		return 0, 0, err
	}
	after, err := s.seek(db, q, false, id, 1)
	if err != nil {
		return 0, 0, err
	}
	if len(before) > 0 {
		prev = before[0]
	}
	if len(after) > 0 {
		next = after[0]
	}
	return prev, next, nil
}

// seek reads up to limit response ids from the cursor response onwards (or
// backwards), not including it; cursor 0 starts at the beginning (or end).
// By stance, it walks one stance at a time in scale order, each an index
// range, so the order is the scale's rather than the codes' alphabet.
func (s *Store) seek(db *gorm.DB, q models.ReadingQuery, backward bool, cursor int64, limit int) ([]int64, error) {
	if q.Sort != models.SortStance {
		return seekRange(db, q.ProposalID, q.Filter, readingOrders[q.Sort], backward, cursor, limit)
	}
	stances := slices.Clone(models.Stances)
	if q.Filter.Stance != "" {
		stances = []models.Stance{q.Filter.Stance}
	}
	if backward {
		slices.Reverse(stances)
	}
	if cursor > 0 {
		var at models.Stance
		if err := db.Raw("SELECT stance FROM responses WHERE id = ?", cursor).Scan(&at).Error; err != nil {
			return nil, err
		}
		i := slices.Index(stances, at)
		if i < 0 { // the cursor is gone or outside the filter: nothing follows it
			return nil, nil
		}
		stances = stances[i:]
	}
	var ids []int64
	for i, st := range stances {
		f := q.Filter
		f.Stance = st
		from := int64(0)
		if i == 0 {
			from = cursor
		}
		more, err := seekRange(db, q.ProposalID, f, readingOrders[models.SortStance], backward, from, limit-len(ids))
		if err != nil {
			return nil, err
		}
		if ids = append(ids, more...); len(ids) >= limit {
			break
		}
	}
	return ids, nil
}

// seekRange reads up to limit ids in one index order from the cursor on.
func seekRange(db *gorm.DB, proposalID int64, f models.ReadingFilter, o readingOrder, backward bool, cursor int64, limit int) ([]int64, error) {
	cond, args := readingWhere(proposalID, f)
	cmp, dir := ">", " ASC"
	if backward {
		cmp, dir = "<", " DESC"
	}
	keys := strings.Join(o.keys, ", ")
	if cursor > 0 {
		cond += " AND (" + keys + ") " + cmp + " (" + o.cursor + ")"
		args = append(args, cursor)
	}
	order := strings.Join(o.keys, dir+", ") + dir
	var ids []int64
	err := db.Raw("SELECT r.id"+o.from+cond+" ORDER BY "+order+" LIMIT ?", append(args, limit)...).Scan(&ids).Error
	return ids, err
}

// readingDetails reads the responses ids names in full, in that order, with
// their organisations, both sets of codes and their quote counts.
func (s *Store) readingDetails(db *gorm.DB, ids []int64) ([]models.ReadingResponse, error) {
	codes := func(table string) string {
		return "COALESCE((SELECT " + s.groupConcat("c.code") + " FROM " + table +
			" x JOIN concerns c ON c.id = x.concern_id WHERE x.response_id = r.id), '')"
	}
	var rows []struct {
		ID                                   int64
		Stance                               models.Stance
		Autonomy                             int
		Comment, Amendments                  string
		Consent                              models.Consent
		SubmittedAt                          *time.Time
		OrgID                                int64
		OrgCode, OrgName, OrgType, OrgRegion string
		OrgSystem, OrgSystemStatus           string
		MemberCodes, AnalystCodes            string
		QuoteCount                           int
	}
	err := db.Raw(`SELECT r.id, r.stance, r.autonomy, r.comment, r.amendments, r.consent, r.submitted_at,
			o.id AS org_id, o.code AS org_code, o.name AS org_name, o.type AS org_type, o.region AS org_region,
			o.system AS org_system, o.system_status AS org_system_status,
			`+codes("response_concerns")+` AS member_codes, `+codes("response_codings")+` AS analyst_codes,
			(SELECT COUNT(*) FROM quotes q WHERE q.response_id = r.id) AS quote_count`+
		readingFrom+"r.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.ReadingResponse, 0, len(rows))
	for _, r := range rows {
		out = append(out, models.ReadingResponse{ID: r.ID, Stance: r.Stance, Autonomy: r.Autonomy,
			Comment: r.Comment, Amendments: r.Amendments, Consent: r.Consent, SubmittedAt: r.SubmittedAt,
			Organisation: models.Organisation{ID: r.OrgID, Code: r.OrgCode, Name: r.OrgName, Type: r.OrgType,
				Region: r.OrgRegion, System: r.OrgSystem, SystemStatus: r.OrgSystemStatus},
			MemberConcerns: splitCodes(r.MemberCodes), AnalystConcerns: splitCodes(r.AnalystCodes), QuoteCount: r.QuoteCount})
	}
	slices.SortFunc(out, func(a, b models.ReadingResponse) int {
		return slices.Index(ids, a.ID) - slices.Index(ids, b.ID)
	})
	return out, nil
}

// ReadingCount counts the proposal's submitted responses that f lets through.
func (s *Store) ReadingCount(ctx context.Context, proposalID int64, f models.ReadingFilter) (n int, err error) {
	defer func() { err = wrapped(err, "count responses to proposal %d", proposalID) }()
	if err := checkReading(f, models.SortSubmitted); err != nil {
		return 0, err
	}
	cond, args := readingWhere(proposalID, f)
	err = s.r.WithContext(ctx).Raw("SELECT COUNT(*)"+readingFrom+cond, args...).Scan(&n).Error
	return n, err
}

type readingKey struct {
	proposalID int64
	f          models.ReadingFilter
}

// CachedReadingCounts is ReadingCount and CodingProgress as of version (from
// SummaryVersion), from the cache when it holds them: the version moves with
// every write to responses and codings, so paging through one filter counts
// once, and a count is never stale.
func (s *Store) CachedReadingCounts(ctx context.Context, version, proposalID int64, f models.ReadingFilter) (models.ReadingCounts, error) {
	if err := checkReading(f, models.SortSubmitted); err != nil {
		return models.ReadingCounts{}, wrapped(err, "count responses to proposal %d", proposalID)
	}
	ctx = context.WithoutCancel(ctx) // shared with requests waiting on the same count
	return s.caches.readings.Get(version, readingKey{proposalID, f}, func() (c models.ReadingCounts, err error) {
		if c.Matching, err = s.ReadingCount(ctx, proposalID, f); err != nil {
			return c, err
		}
		c.Progress, err = s.CodingProgress(ctx, proposalID)
		return c, err
	})
}

// CodingProgress counts a proposal's submitted responses and those the
// policy team has coded.
func (s *Store) CodingProgress(ctx context.Context, proposalID int64) (p models.CodingProgress, err error) {
	err = s.r.WithContext(ctx).Raw(`SELECT COUNT(*) AS submitted,
			COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM response_codings x WHERE x.response_id = r.id) THEN 1 ELSE 0 END), 0) AS coded
		FROM responses r WHERE r.proposal_id = ? AND r.status = 'submitted'`, proposalID).Scan(&p).Error
	return p, wrapped(err, "count coded responses to proposal %d", proposalID)
}
