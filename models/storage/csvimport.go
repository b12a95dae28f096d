package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/responsecsv"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
)

// importBatchRows is how many checked rows are written together. The batch
// is all the import holds of the file: a few hundred rows, however long the
// file is.
const importBatchRows = 500

// importRow is a checked row, kept in its batch until it is written.
type importRow struct {
	responsecsv.Row

	// Known once the row is written.
	responseID   int64
	version      int  // the version the import writes
	replaced     bool // an existing response is replaced
	wasSubmitted bool // and it was submitted
	analyst      []int64
}

// importCodes loads the codes an import checks rows against, once.
func (s *Store) importCodes(ctx context.Context) (responsecsv.Codes, error) {
	db := s.r.WithContext(ctx)
	codes := responsecsv.Codes{Organisations: map[string]int64{}, Proposals: map[string]int64{}, Concerns: map[string]int64{}}
	for _, q := range []struct {
		table, col string
		into       map[string]int64
	}{
		{"organisations", "code", codes.Organisations},
		{"proposals", "ref", codes.Proposals},
		{"concerns", "code", codes.Concerns},
	} {
		var rows []struct {
			ID   int64
			Code string
		}
		// table and col come from the fixed list above.
		if err := db.Raw("SELECT id, " + q.col + " AS code FROM " + q.table).Scan(&rows).Error; err != nil {
			return responsecsv.Codes{}, err
		}
		for _, r := range rows {
			q.into[r.Code] = r.ID
		}
	}
	return codes, nil
}

// ImportResponses stores the responses of a CSV file in the contract's
// format, all or nothing. The file is read twice, streamed both times so
// that memory does not grow with it. The first pass checks every row
// without touching the writer: a file with any problem (every one is listed,
// up to MaxImportProblems) is refused with ImportErrors and nothing is
// stored. The second pass writes the rows, batch by batch, in one
// transaction. Every row is stored as a submitted response (imports are
// answers received by email, so the member deadline does not apply),
// replacing an existing response and keeping its versions, and the import
// and an audit entry are recorded.
//
// A refused file never holds the writer, however long or hostile it is.
// Every check is linear in the file, a concerns cell names at most
// MaxConcernCodes codes, and ctx is checked every 1,000 rows in both passes
// (and by every statement), so an import stops when its client goes away.
//
// On SQLite the second pass holds the store's single writer connection
// (BEGIN IMMEDIATE) from the first row to the commit, however long the file
// takes (over a minute for a million rows). Every other write of this
// process meanwhile (a member's save, a sign-in, a session's once-a-minute
// touch) queues for that connection in database/sql: the member's page
// waits, then saves as usual, or shows the conflict page if the file
// replaced that very response. The 10-second busy_timeout only applies to
// another process (the tracker command), which gets "database is locked"
// after it. Reads go on (WAL) and see the data as it was until the commit.
// On PostgreSQL other saves go on; one to a response the import has already
// written waits for its row lock and is then refused as changed meanwhile,
// as when a colleague saved first.
func (s *Store) ImportResponses(ctx context.Context, r io.ReadSeeker, filename string, userID int64) (_ models.ImportResult, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("import responses for user %d: %w", userID, err)
		}
	}()
	codes, err := s.importCodes(ctx)
	if err != nil {
		return models.ImportResult{}, err
	}
	if err := responsecsv.Check(ctx, r, codes); err != nil {
		return models.ImportResult{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return models.ImportResult{}, fmt.Errorf("reread the file: %w", err)
	}
	rows, err := responsecsv.NewReader(r, codes)
	if err != nil {
		return models.ImportResult{}, err
	}
	var res models.ImportResult
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		indexNewRows, err := deferSearchIndexing(tx)
		if err != nil {
			return err
		}
		res, err = s.writeImport(tx, rows, responsecsv.Filename(filename), userID)
		if err != nil {
			return err
		}
		return indexNewRows()
	})
	if err != nil {
		return models.ImportResult{}, err
	}
	return res, nil
}

// writeImport writes every row of a file that responsecsv.Check passed, in tx.
func (s *Store) writeImport(tx *gorm.DB, rows *responsecsv.Reader, filename string, userID int64) (models.ImportResult, error) {
	w, err := s.newImportWriter(tx, userID)
	if err != nil {
		return models.ImportResult{}, err
	}
	defer w.close()
	batch := make([]importRow, 0, importBatchRows)
	flush := func() error {
		err := w.write(batch)
		clear(batch) // let the rows' strings go
		batch = batch[:0]
		return err
	}
	err = rows.Rows(w.ctx, func(row responsecsv.Row) error {
		batch = append(batch, importRow{Row: row})
		if len(batch) == importBatchRows {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return models.ImportResult{}, err
	}
	return w.finish(filename)
}

// importWriter writes an import's batches in its transaction. What it keeps
// between batches is bounded by the reference data, never by the file: the
// tally differences (importTally), the organisations' segments, and a few
// prepared statements.
type importWriter struct {
	s     *Store
	ctx   context.Context
	tx    *gorm.DB
	db    *sqldb.Conn // tx's connection, for the batch statements
	now   time.Time
	by    any // the importing user's id, or nil
	segs  map[int64]tally.Segment
	tally *importTally
	// pairs holds a batch's changes to the outstanding pairs and the quote
	// index, which are kept row by row and written with the batch.
	pairs *tally.Counts
	res   models.ImportResult

	// The batch being written, and its rows by organisation and proposal.
	batch []importRow
	index map[tally.ResponseKey]int
	// Reused from batch to batch.
	args []any
	ids  []int64
}

func (s *Store) newImportWriter(tx *gorm.DB, userID int64) (*importWriter, error) {
	w := &importWriter{s: s, ctx: tx.Statement.Context, tx: tx, db: sqldb.InTx(tx),
		now: s.Now(), tally: newImportTally(), pairs: tally.New(), index: make(map[tally.ResponseKey]int, importBatchRows)}
	if userID > 0 {
		w.by = userID
	}
	var err error
	w.segs, err = tally.OrganisationSegments(tx)
	return w, err
}

// close closes the prepared statements.
func (w *importWriter) close() { w.db.Close() }

// write stores a batch of rows, each a pair not given before in the file
// (responsecsv.Check made sure): new responses, then replaced ones (their
// current version kept in the history first), their concerns and revisions,
// and what the batch changes in the tallies.
func (w *importWriter) write(batch []importRow) error {
	if len(batch) == 0 {
		return nil
	}
	w.batch = batch
	clear(w.index)
	for i := range batch {
		w.index[tally.ResponseKey{OrgID: batch[i].OrgID, ProposalID: batch[i].ProposalID}] = i
	}
	if err := w.insertNew(); err != nil {
		return err
	}
	replaced, err := w.findExisting()
	if err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return w.replace(replaced) },
		w.writeConcerns,
		w.writeRevisions,
		w.countBatch,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	w.res.Replaced += len(replaced)
	w.res.Rows += len(batch)
	return nil
}

// row is the batch's row for an organisation and proposal.
func (w *importWriter) row(orgID, proposalID int64) (*importRow, error) {
	i, ok := w.index[tally.ResponseKey{OrgID: orgID, ProposalID: proposalID}]
	if !ok {
		return nil, fmt.Errorf("organisation %d and proposal %d are not in the batch", orgID, proposalID)
	}
	return &w.batch[i], nil
}

// insertNew inserts the batch's new pairs; a pair that has a response
// already is left alone here and replaced later.
func (w *importWriter) insertNew() error {
	args := w.args[:0]
	for i := range w.batch {
		r := &w.batch[i]
		args = append(args, r.OrgID, r.ProposalID, r.Stance, r.Autonomy, r.Comment, r.Amendments, r.Consent, r.QuoteScope,
			models.StatusSubmitted, 1, w.by, w.by, w.now, w.now, w.now)
	}
	w.args = args[:0]
	q := `INSERT INTO responses (organisation_id, proposal_id, stance, autonomy, comment, amendments, consent, quote_scope,
		status, version, updated_by, submitted_by, submitted_at, created_at, updated_at) VALUES ` + sqldb.Values(len(w.batch), 15, sqldb.Untyped) +
		" ON CONFLICT (organisation_id, proposal_id) DO NOTHING RETURNING id, organisation_id, proposal_id"
	return w.db.Query(w.ctx, len(w.batch) == importBatchRows, q, args, func(rows *sql.Rows) error {
		var id, orgID, proposalID int64
		if err := rows.Scan(&id, &orgID, &proposalID); err != nil {
			return err
		}
		r, err := w.row(orgID, proposalID)
		if err != nil {
			return err
		}
		r.responseID, r.version = id, 1
		w.res.Created++
		return nil
	})
}

// findExisting finds the responses of the pairs insertNew left alone, and
// returns their ids.
func (w *importWriter) findExisting() ([]int64, error) {
	args := w.args[:0]
	for i := range w.batch {
		if w.batch[i].responseID == 0 {
			args = append(args, w.batch[i].OrgID, w.batch[i].ProposalID)
		}
	}
	replaced := w.ids[:0]
	if len(args) > 0 {
		q := "SELECT r.id, r.organisation_id, r.proposal_id, r.version FROM (VALUES " +
			sqldb.Values(len(args)/2, 2, sqldb.BigInt) + ") AS b JOIN responses r ON r.organisation_id = b.column1 AND r.proposal_id = b.column2"
		err := w.db.Query(w.ctx, false, q, args, func(rows *sql.Rows) error {
			var id, orgID, proposalID int64
			var version int
			if err := rows.Scan(&id, &orgID, &proposalID, &version); err != nil {
				return err
			}
			r, err := w.row(orgID, proposalID)
			if err != nil {
				return err
			}
			r.responseID, r.version, r.replaced = id, version+1, true
			replaced = append(replaced, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	w.args, w.ids = args[:0], replaced[:0]
	for i := range w.batch {
		if w.batch[i].responseID == 0 {
			return nil, fmt.Errorf("the row on line %d was neither inserted nor found", w.batch[i].Line)
		}
	}
	return replaced, nil
}

// replace keeps the current version of the batch's existing responses in
// their history, takes what they counted out of the tallies (remembering the
// policy team's codes, which stay), and overwrites them.
func (w *importWriter) replace(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	if err := w.s.keepCurrentVersions(w.tx, ids); err != nil {
		return err
	}
	before, err := tally.LoadContributions(w.tx, ids)
	if err != nil {
		return err
	}
	consent, err := quotingOf(w.tx, ids)
	if err != nil {
		return err
	}
	for _, c := range before {
		if err := w.count(c, -1); err != nil {
			return err
		}
		r, err := w.row(c.OrgID, c.ProposalID)
		if err != nil {
			return err
		}
		r.analyst, r.wasSubmitted = c.Analyst, c.Submitted
	}
	if err := w.overwrite(consent); err != nil {
		return err
	}
	for _, chunk := range sqldb.Chunks(ids, 500) {
		if err := w.tx.Where("response_id IN ?", chunk).Delete(&responseConcern{}).Error; err != nil {
			return err
		}
	}
	return nil
}

// overwrite writes the batch's replaced rows over their responses, whose
// consent and quote scope were as consent gives them by id.
func (w *importWriter) overwrite(consent map[int64]quoting) error {
	const update = `UPDATE responses SET stance = ?, autonomy = ?, comment = ?, amendments = ?, consent = ?,
		quote_scope = ?, status = ?, version = ?, updated_by = ?, updated_at = ?, submitted_by = ?, submitted_at = ?
		WHERE id = ? AND version = ?`
	by, _ := w.by.(int64)
	for i := range w.batch {
		r := &w.batch[i]
		if !r.replaced {
			continue
		}
		n, err := w.db.Exec(w.ctx, true, update, r.Stance, r.Autonomy, r.Comment, r.Amendments, r.Consent, r.QuoteScope, models.StatusSubmitted,
			r.version, w.by, w.now, w.by, w.now, r.responseID, r.version-1)
		if err != nil {
			return err
		}
		if n != 1 {
			return models.ErrConflict // the transaction holds the row: never write blind
		}
		if err := tellWithdrawnConsent(w.tx, w.now, by, r.responseID, consent[r.responseID], quoting{r.Consent, r.QuoteScope}); err != nil {
			return err
		}
	}
	return nil
}

// quotingOf reads the consent and quote scope of responses, by id, before
// they change.
func quotingOf(tx *gorm.DB, ids []int64) (map[int64]quoting, error) {
	var rows []struct {
		ID         int64
		Consent    models.Consent
		QuoteScope models.QuoteScope
	}
	if err := tx.Table("responses").Select("id, consent, quote_scope").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]quoting, len(rows))
	for _, r := range rows {
		out[r.ID] = quoting{r.Consent, r.QuoteScope}
	}
	return out, nil
}

// count adds (sign +1) or takes away (-1) what a response contributes: to
// the tallies, and to the quote index (outstanding pairs are the caller's).
func (w *importWriter) count(c tally.Contribution, sign int64) error {
	if !c.Submitted {
		return nil
	}
	if c.Quotable {
		if sign < 0 {
			w.pairs.QuotesGone = append(w.pairs.QuotesGone, c.ResponseID)
		} else {
			w.pairs.QuotesNew = append(w.pairs.QuotesNew, c)
		}
	}
	return w.tally.add(c, sign)
}

// countBatch counts what the batch's rows now contribute, and writes the
// batch's changes to the outstanding pairs and the quote index: they change
// row by row, and are written now so that they do not pile up with the file.
func (w *importWriter) countBatch() error {
	for i := range w.batch {
		r := &w.batch[i]
		err := w.count(tally.Contribution{ResponseID: r.responseID, OrgID: r.OrgID, ProposalID: r.ProposalID, Seg: w.segs[r.OrgID],
			Submitted: true, At: w.now, Stance: r.Stance, Autonomy: r.Autonomy,
			Quotable: tally.IsQuotable(r.Consent, r.Comment), Member: r.ConcernIDs, Analyst: r.analyst}, +1)
		if err != nil {
			return err
		}
		w.pairs.Submission(tally.ResponseKey{OrgID: r.OrgID, ProposalID: r.ProposalID}, r.wasSubmitted, true)
	}
	if err := w.pairs.ApplyOutstanding(w.ctx, w.db); err != nil {
		return err
	}
	if err := w.pairs.ApplyQuotes(w.ctx, w.db); err != nil {
		return err
	}
	clear(w.pairs.Outstanding)
	clear(w.pairs.QuotesNew)
	w.pairs.QuotesGone, w.pairs.QuotesNew = w.pairs.QuotesGone[:0], w.pairs.QuotesNew[:0]
	return nil
}

// importLinkRows is how many response_concerns rows one statement inserts.
const importLinkRows = 500

func (w *importWriter) writeConcerns() error {
	args := w.args[:0]
	insert := func() error {
		n := len(args) / 2
		if n == 0 {
			return nil
		}
		_, err := w.db.Exec(w.ctx, n == importLinkRows, "INSERT INTO response_concerns (response_id, concern_id) VALUES "+sqldb.Values(n, 2, sqldb.Untyped), args...)
		args = args[:0]
		return err
	}
	for i := range w.batch {
		for _, id := range w.batch[i].ConcernIDs {
			args = append(args, w.batch[i].responseID, id)
			if len(args) == 2*importLinkRows {
				if err := insert(); err != nil {
					return err
				}
			}
		}
	}
	err := insert()
	w.args = args[:0]
	return err
}

func (w *importWriter) writeRevisions() error {
	args := w.args[:0]
	for i := range w.batch {
		r := &w.batch[i]
		slices.Sort(r.Concerns)
		args = append(args, r.responseID, r.version, "import", models.StatusSubmitted, r.Stance, r.Autonomy,
			strings.Join(r.Concerns, ";"), r.Comment, r.Amendments, r.Consent, r.QuoteScope, w.by, w.now)
	}
	q := `INSERT INTO response_revisions (response_id, version, kind, status, stance, autonomy, concerns,
		comment, amendments, consent, quote_scope, saved_by, saved_at) VALUES ` + sqldb.Values(len(w.batch), 13, sqldb.Untyped)
	_, err := w.db.Exec(w.ctx, len(w.batch) == importBatchRows, q, args...)
	w.args = args[:0]
	return err
}

// finish writes the tallies' differences, records the import and its audit
// entry; the caller commits.
func (w *importWriter) finish(filename string) (models.ImportResult, error) {
	res := w.res
	if err := w.tally.apply(w.tx); err != nil {
		return models.ImportResult{}, err
	}
	w.close()
	var by *int64
	if id, ok := w.by.(int64); ok {
		by = &id
	}
	rec := models.ImportRecord{Filename: filename, RowCount: res.Rows, CreatedCount: res.Created,
		ReplacedCount: res.Replaced, ImportedBy: by, ImportedAt: w.now}
	if err := w.tx.Omit("ImportedName").Create(&rec).Error; err != nil {
		return models.ImportResult{}, err
	}
	res.ImportID = rec.ID
	var userID int64
	if by != nil {
		userID = *by
	}
	err := auditTx(w.tx, w.now, userID, models.AuditImport, fmt.Sprintf("import %d", rec.ID),
		fmt.Sprintf("%s: %d rows, %d new, %d replaced", filename, res.Rows, res.Created, res.Replaced))
	return res, err
}

// importTally adds up what an import changes in the tallies, as
// tallies.addResponse counts it, but by each organisation's own segment
// only and with keys of a few bytes: a million rows over 20 proposals, 84
// segments and 14 concern codes come to some 90,000 keys and a few
// megabytes. apply rolls the counts up into every segment the tallies keep
// (segment.rollups) and writes them, one proposal at a time, so the rolled-up
// keys of the whole file are never held at once.
type importTally struct {
	segments []tally.Segment // by index
	segIndex map[tally.Segment]uint16
	stances  map[importStanceKey]tally.StanceCount
	autonomy map[importAutonomyKey]int64
	concerns map[importConcernKey]int64
}

type importStanceKey struct {
	proposalID int64
	seg        uint16
	stance     uint8 // index in Stances
}

type importAutonomyKey struct {
	proposalID int64
	seg        uint16
	autonomy   int8
}

type importConcernKey struct {
	proposalID int64
	concernID  int64
	seg        uint16
	source     uint8 // index in importTallySources
}

// importTallySources are the concern tallies' sources by importConcernKey.source.
var importTallySources = [...]string{models.TallyMember, models.TallyAnalyst, models.TallyBoth}

func newImportTally() *importTally {
	return &importTally{segIndex: map[tally.Segment]uint16{}, stances: map[importStanceKey]tally.StanceCount{},
		autonomy: map[importAutonomyKey]int64{}, concerns: map[importConcernKey]int64{}}
}

// add counts a submitted response's contribution with sign.
func (t *importTally) add(c tally.Contribution, sign int64) error {
	stance := slices.Index(models.Stances, c.Stance)
	if stance < 0 || c.Autonomy < models.AutonomyMin || c.Autonomy > models.AutonomyMax {
		return fmt.Errorf("response %d is submitted with stance %q and autonomy %d", c.ResponseID, c.Stance, c.Autonomy)
	}
	g, ok := t.segIndex[c.Seg]
	if !ok {
		g = uint16(len(t.segments))
		t.segIndex[c.Seg] = g
		t.segments = append(t.segments, c.Seg)
	}
	sk := importStanceKey{c.ProposalID, g, uint8(stance)}
	v := t.stances[sk]
	v.N += sign
	if c.Quotable {
		v.Quotable += sign
	}
	t.stances[sk] = v
	t.autonomy[importAutonomyKey{c.ProposalID, g, int8(c.Autonomy)}] += sign
	const member, analyst, both = 0, 1, 2 // as in importTallySources
	for _, id := range c.Member {
		t.concerns[importConcernKey{c.ProposalID, id, g, member}] += sign
		t.concerns[importConcernKey{c.ProposalID, id, g, both}] += sign
	}
	for _, id := range c.Analyst {
		t.concerns[importConcernKey{c.ProposalID, id, g, analyst}] += sign
		if !slices.Contains(c.Member, id) {
			t.concerns[importConcernKey{c.ProposalID, id, g, both}] += sign
		}
	}
	return nil
}

// apply writes the counts, proposal by proposal in id order; within one,
// tallies.apply writes its keys in a fixed order, so that concurrent writers
// on PostgreSQL cannot deadlock.
func (t *importTally) apply(tx *gorm.DB) error {
	proposals := map[int64]bool{}
	for k := range t.stances {
		proposals[k.proposalID] = true
	}
	for k := range t.concerns {
		proposals[k.proposalID] = true
	}
	for _, p := range slices.Sorted(maps.Keys(proposals)) {
		rolled := tally.New()
		for k, v := range t.stances {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].Rollups() {
				rk := tally.StanceKey{ProposalID: p, Seg: g, Stance: models.Stances[k.stance]}
				sum := rolled.Stances[rk]
				sum.N += v.N
				sum.Quotable += v.Quotable
				rolled.Stances[rk] = sum
			}
		}
		for k, n := range t.autonomy {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].Rollups() {
				rolled.Autonomy[tally.AutonomyKey{ProposalID: p, Seg: g, Autonomy: int(k.autonomy)}] += n
			}
		}
		for k, n := range t.concerns {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].Rollups() {
				rolled.Concerns[tally.ConcernKey{ProposalID: p, Seg: g, Source: importTallySources[k.source], ConcernID: k.concernID}] += n
			}
		}
		if err := rolled.Apply(tx); err != nil {
			return err
		}
	}
	return nil
}

// keepCurrentVersions makes sure the version an import replaces is in the
// history. Every save already records one; this covers a response stored by
// any other route without one.
func (s *Store) keepCurrentVersions(tx *gorm.DB, ids []int64) error {
	for _, chunk := range sqldb.Chunks(ids, 500) {
		err := tx.Exec(`INSERT INTO response_revisions (response_id, version, kind, status, stance, autonomy, concerns,
				comment, amendments, consent, quote_scope, saved_by, saved_at)
			SELECT r.id, r.version, 'saved', r.status, r.stance, r.autonomy, COALESCE(`+s.concernCodesSQL("r.id")+`, ''),
				r.comment, r.amendments, r.consent, r.quote_scope, r.updated_by, r.updated_at
			FROM responses r
			WHERE r.id IN ? AND NOT EXISTS (SELECT 1 FROM response_revisions v
				WHERE v.response_id = r.id AND v.version = r.version AND v.kind <> 'conflict')`, chunk).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// concernCodesSQL is a subquery giving a response's concern codes, sorted and
// ';'-joined (NULL when it has none), in the dialect of the database.
func (s *Store) concernCodesSQL(responseID string) string {
	return "(SELECT " + s.dialect.GroupConcat("c.code", "c.code") + " FROM response_concerns rc JOIN concerns c ON c.id = rc.concern_id WHERE rc.response_id = " + responseID + ")"
}

// Imports lists past imports, newest first.
func (s *Store) Imports(ctx context.Context, limit int) ([]models.ImportRecord, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []models.ImportRecord
	err := s.r.WithContext(ctx).Table("imports").
		Select("imports.*, COALESCE(users.name, '') AS imported_name").
		Joins("LEFT JOIN users ON users.id = imports.imported_by").
		Order("imports.id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return out, nil
}

// ImportByID returns one past import.
func (s *Store) ImportByID(ctx context.Context, id int64) (models.ImportRecord, error) {
	var out models.ImportRecord
	err := s.r.WithContext(ctx).Table("imports").
		Select("imports.*, COALESCE(users.name, '') AS imported_name").
		Joins("LEFT JOIN users ON users.id = imports.imported_by").
		Where("imports.id = ?", id).Take(&out).Error
	if err != nil {
		return models.ImportRecord{}, fmt.Errorf("read import %d: %w", id, notFound(err))
	}
	return out, nil
}
