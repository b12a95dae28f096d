package storage

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
)

// importRefused is an ImportErrors with one problem.
func importRefused(line int, format string, args ...any) models.ImportErrors {
	return models.ImportErrors{Problems: []models.ImportProblem{{Line: line, Message: fmt.Sprintf(format, args...)}}}
}

// importBatchRows is how many checked rows are written together. The batch
// is all the import holds of the file: a few hundred rows, however long the
// file is.
const importBatchRows = 500

// importRow is a checked row, kept in its batch until it is written. Its
// strings are the CSV reader's, one allocation per record.
type importRow struct {
	line       int
	org, ref   string // as the file gives them, for messages
	orgID      int64
	proposalID int64
	stance     string
	autonomy   int
	comment    string
	amendments string
	consent    string
	concerns   []string // codes, without repeats
	concernIDs []int64

	// Known once the row is written.
	responseID   int64
	version      int  // the version the import writes
	replaced     bool // an existing response is replaced
	wasSubmitted bool // and it was submitted
	analyst      []int64
}

type responseKey struct{ orgID, proposalID int64 }

// importCodes are the codes an import checks rows against, loaded once.
type importCodes struct {
	orgs      map[string]int64
	proposals map[string]int64
	concerns  map[string]int64
}

func (s *Store) importCodes(ctx context.Context) (importCodes, error) {
	db := s.r.WithContext(ctx)
	codes := importCodes{orgs: map[string]int64{}, proposals: map[string]int64{}, concerns: map[string]int64{}}
	for _, q := range []struct {
		table, col string
		into       map[string]int64
	}{
		{"organisations", "code", codes.orgs},
		{"proposals", "ref", codes.proposals},
		{"concerns", "code", codes.concerns},
	} {
		var rows []struct {
			ID   int64
			Code string
		}
		// table and col come from the fixed list above.
		if err := db.Raw("SELECT id, " + q.col + " AS code FROM " + q.table).Scan(&rows).Error; err != nil {
			return importCodes{}, err
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
func (s *Store) ImportResponses(ctx context.Context, r io.ReadSeeker, filename string, userID int64) (models.ImportResult, error) {
	codes, err := s.importCodes(ctx)
	if err != nil {
		return models.ImportResult{}, err
	}
	if err := checkImport(ctx, r, codes); err != nil {
		return models.ImportResult{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return models.ImportResult{}, fmt.Errorf("import: rereading the file: %w", err)
	}
	cr, err := openImport(r, codes)
	if err != nil {
		return models.ImportResult{}, err
	}
	var res models.ImportResult
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		indexNewRows, err := deferSearchIndexing(tx)
		if err != nil {
			return err
		}
		res, err = s.writeImport(tx, cr, codes, cleanFilename(filename), userID)
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

// openImport checks what a file starts with and its header row, and returns
// a reader positioned at the first response, or ImportErrors.
func openImport(r io.Reader, codes importCodes) (*csv.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	start, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(start, []byte("PK\x03\x04")):
		return nil, importRefused(1, "This is a spreadsheet workbook (such as .xlsx), not a CSV file. In Excel, choose Save As and the type “CSV UTF-8 (Comma delimited)”, then import that file.")
	case bytes.HasPrefix(start, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as Excel writes: fine
	case bytes.HasPrefix(start, []byte{0xFF, 0xFE}), bytes.HasPrefix(start, []byte{0xFE, 0xFF}):
		return nil, importRefused(1, "%s", utf16Message)
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // the header is checked by hand, then every row must match it
	cr.ReuseRecord = true   // a row keeps its fields' strings, never the slice
	cr.LazyQuotes = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, importRefused(1, "The file is empty. It needs the header row %s and then one row per response.", strings.Join(models.ResponseCSVColumns, ","))
	}
	if err != nil {
		return nil, importRefused(parseErrorLine(err, 1), "The header row could not be read as CSV: %s.", csvProblem(err))
	}
	if msg := checkHeader(header, codes); msg != "" {
		return nil, importRefused(1, "%s", msg)
	}
	cr.FieldsPerRecord = len(header)
	return cr, nil
}

// readRecord reads the next row and the line it starts on. A row the CSV
// reader cannot read is a problem in p and comes back as a nil record; the
// end of the file is io.EOF.
func readRecord(cr *csv.Reader, p *problemLog) ([]string, int, error) {
	record, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return nil, 0, err
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		p.add(pe.StartLine, "This row has %d columns; every row needs %d, like the header. Check for a missing or extra comma, and put any text with a comma in double quotes.", len(record), cr.FieldsPerRecord)
		return nil, pe.StartLine, nil
	case errors.As(err, &pe):
		p.add(pe.StartLine, "The CSV is malformed here: %s.", csvProblem(err))
		return nil, pe.StartLine, nil
	case err != nil:
		return nil, 0, err // the reader itself failed
	}
	line, _ := cr.FieldPos(0)
	return record, line, nil
}

// checkImport reads a whole file and checks every row, and that no
// organisation and proposal pair is given twice, without writing anything;
// it returns ImportErrors when the file has problems.
func checkImport(ctx context.Context, r io.Reader, codes importCodes) error {
	cr, err := openImport(r, codes)
	if err != nil {
		return err
	}
	var problems problemLog
	seen := newPairLines(codes)
	n := 0
	for {
		record, line, err := readRecord(cr, &problems)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
		if n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if record == nil {
			continue
		}
		row, ok := checkRow(line, record, codes, &problems)
		if !ok {
			continue
		}
		if first := seen.note(row.orgID, row.proposalID, line); first != 0 {
			problems.add(line, "Organisation %s and proposal %s appear again; line %d already gives this response. Keep one row per organisation and proposal.",
				row.org, row.ref, first)
		}
	}
	if problems.total() > 0 {
		return problems.errors()
	}
	if n == 0 {
		return importRefused(2, "There are no responses after the header row. Add one row per organisation and proposal.")
	}
	return ctx.Err()
}

// pairLines remembers the line that first gave each organisation and
// proposal pair of a file: per proposal the file names, one int32 per
// organisation. Its size is bounded by the reference data (20 proposals of
// 50,000 organisations take 4 MB), never by the file.
type pairLines struct {
	orgIndex   map[int64]int32
	byProposal map[int64][]int32
}

func newPairLines(codes importCodes) *pairLines {
	p := &pairLines{orgIndex: make(map[int64]int32, len(codes.orgs)), byProposal: map[int64][]int32{}}
	for _, id := range codes.orgs {
		p.orgIndex[id] = int32(len(p.orgIndex))
	}
	return p
}

// note records that line gives the pair, and returns the line that gave it
// first, or 0 when this is the first.
func (p *pairLines) note(orgID, proposalID int64, line int) int {
	lines, ok := p.byProposal[proposalID]
	if !ok {
		lines = make([]int32, len(p.orgIndex))
		p.byProposal[proposalID] = lines
	}
	i := p.orgIndex[orgID]
	if first := lines[i]; first != 0 {
		return int(first)
	}
	lines[i] = int32(min(line, math.MaxInt32))
	return 0
}

// errFileChanged says the second read of a file found a row the first
// passed without a problem: the file changed in between.
var errFileChanged = errors.New("import: the file changed between its check and its write")

// writeImport writes every row of a file that checkImport passed, in tx.
func (s *Store) writeImport(tx *gorm.DB, cr *csv.Reader, codes importCodes, filename string, userID int64) (models.ImportResult, error) {
	w, err := s.newImportWriter(tx, userID)
	if err != nil {
		return models.ImportResult{}, err
	}
	defer w.close()
	var problems problemLog
	batch := make([]importRow, 0, importBatchRows)
	flush := func() error {
		err := w.write(batch)
		clear(batch) // let the rows' strings go
		batch = batch[:0]
		return err
	}
	n := 0
	for {
		record, line, err := readRecord(cr, &problems)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return models.ImportResult{}, err
		}
		n++
		if n%1000 == 0 {
			if err := w.ctx.Err(); err != nil {
				return models.ImportResult{}, err
			}
		}
		if record == nil {
			return models.ImportResult{}, errFileChanged
		}
		row, ok := checkRow(line, record, codes, &problems)
		if !ok {
			return models.ImportResult{}, errFileChanged
		}
		batch = append(batch, row)
		if len(batch) == importBatchRows {
			if err := flush(); err != nil {
				return models.ImportResult{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return models.ImportResult{}, err
	}
	if n == 0 {
		return models.ImportResult{}, errFileChanged
	}
	return w.finish(filename)
}

// problemLog collects an import's problems, found in line order, listing
// the first MaxImportProblems and counting the rest.
type problemLog struct {
	listed  []models.ImportProblem
	omitted int
}

func (p *problemLog) add(line int, format string, args ...any) {
	if len(p.listed) >= models.MaxImportProblems {
		p.omitted++
		return
	}
	p.listed = append(p.listed, models.ImportProblem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (p *problemLog) total() int { return len(p.listed) + p.omitted }

func (p *problemLog) errors() models.ImportErrors {
	return models.ImportErrors{Problems: p.listed, Omitted: p.omitted}
}

const utf16Message = "The file is saved as UTF-16 (Excel calls it “Unicode Text”), not UTF-8. Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again."

// checkHeader says what is wrong with the header row, or "" when it is the
// contract's header (or the export's, whose extra columns are read-only).
func checkHeader(header []string, codes importCodes) string {
	want := strings.Join(models.ResponseCSVColumns, ",")
	if strings.ContainsRune(strings.Join(header, ""), 0) {
		return utf16Message
	}
	if !utf8.ValidString(strings.Join(header, "")) {
		return "The header row is not valid UTF-8. Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again."
	}
	if len(header) > 0 {
		if _, isOrg := codes.orgs[header[0]]; isOrg {
			return "The header row is missing: line 1 looks like a response. Add this line at the top of the file: " + want
		}
	}
	if len(header) != len(models.ResponseCSVColumns) && len(header) != len(models.ResponseExportColumns) {
		return fmt.Sprintf("The header row has %d columns; it must be exactly %s", len(header), want)
	}
	expected := models.ResponseCSVColumns
	if len(header) == len(models.ResponseExportColumns) {
		expected = models.ResponseExportColumns
	}
	for i, h := range header {
		if h != expected[i] {
			return fmt.Sprintf("Column %d of the header row is %q where %q was expected. The header must be exactly %s (lower case, in this order).",
				i+1, truncateText(h, 40), expected[i], want)
		}
	}
	return ""
}

// checkRow checks one record against the codes; problems go to p.
func checkRow(line int, rec []string, codes importCodes, p *problemLog) (importRow, bool) {
	before := p.total()
	for i, v := range rec {
		if !utf8.ValidString(v) {
			p.add(line, "This row has text that is not valid UTF-8 (perhaps the file was saved as “CSV (Comma delimited)” or in another encoding). Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again.")
			return importRow{}, false
		}
		if strings.IndexByte(v, 0) >= 0 {
			p.add(line, "%s", utf16Message)
			return importRow{}, false
		}
		if i != 3 { // autonomy is a number; every other cell may carry the export's formula guard
			rec[i] = restoreCell(v)
		}
	}
	if len(rec) == len(models.ResponseExportColumns) {
		if st := rec[len(models.ResponseCSVColumns)]; st != "" && st != models.StatusSubmitted {
			p.add(line, "The status column says %q; imports store submitted responses only. Remove draft rows or set their status to submitted.", truncateText(st, 20))
		}
	}
	row := importRow{line: line, org: rec[0], ref: rec[1], stance: rec[2], comment: rec[5], amendments: rec[6], consent: rec[7]}
	switch id, ok := codes.orgs[row.org]; {
	case row.org == "":
		p.add(line, "organisation_code is empty. Give the member organisation's code.")
	case !ok:
		p.add(line, "No member organisation has the code %q (codes are case-sensitive).", truncateText(row.org, 40))
	default:
		row.orgID = id
	}
	switch id, ok := codes.proposals[row.ref]; {
	case row.ref == "":
		p.add(line, "proposal_ref is empty. Give the proposal's reference, such as LP-01.")
	case !ok:
		p.add(line, "No proposal has the reference %q (references are case-sensitive, such as LP-01).", truncateText(row.ref, 40))
	default:
		row.proposalID = id
	}
	if !isOneOf(row.stance, models.Stances) {
		p.add(line, "%s Use one of: %s.", describeValue("stance", row.stance), strings.Join(models.Stances, ", "))
	}
	if v, err := strconv.Atoi(strings.TrimSpace(rec[3])); err == nil && v >= models.AutonomyMin && v <= models.AutonomyMax {
		row.autonomy = v
	} else {
		p.add(line, "%s Give a whole number from -2 (power moves to the centre) to 2 (more local autonomy).", describeValue("autonomy", rec[3]))
	}
	row.concerns, row.concernIDs = checkConcerns(line, rec[4], codes, p)
	for _, f := range []struct {
		name, value string
		max         int
	}{{"comment", row.comment, models.MaxCommentChars}, {"amendments", row.amendments, models.MaxAmendmentsChars}} {
		if len(f.value) <= f.max {
			continue // no more runes than bytes
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			p.add(line, "The %s is %s characters long; the limit is %s. Shorten it and import again.", f.name, thousands(n), thousands(f.max))
		}
	}
	if !isOneOf(row.consent, models.Consents) {
		p.add(line, "%s Use one of: %s.", describeValue("consent", row.consent), strings.Join(models.Consents, ", "))
	}
	return row, p.total() == before
}

// checkConcerns reads a concerns cell, codes separated by ';', and returns
// its codes without repeats. Each unknown code is a problem, reported once;
// more than MaxConcernCodes codes is one problem, found before any code is
// looked at.
func checkConcerns(line int, cell string, codes importCodes, p *problemLog) ([]string, []int64) {
	n := 0
	for code := range strings.SplitSeq(cell, ";") {
		if strings.TrimSpace(code) != "" {
			n++
		}
	}
	if n > models.MaxConcernCodes {
		p.add(line, "This row lists %s concern codes; a response can have at most %d. Give each code once, separated by ';', as listed on the response form.",
			thousands(n), models.MaxConcernCodes)
		return nil, nil
	}
	var names []string
	var ids []int64
	var unknown map[string]bool // codes already reported
	for code := range strings.SplitSeq(cell, ";") {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		id, ok := codes.concerns[code]
		switch {
		case ok && !slices.Contains(ids, id): // at most MaxConcernCodes long
			names = append(names, code)
			ids = append(ids, id)
		case !ok && !unknown[code]:
			if unknown == nil {
				unknown = map[string]bool{}
			}
			unknown[code] = true
			p.add(line, "The concern code %q is not in the codebook. Separate codes with ';' and use the codes as listed on the response form.", truncateText(code, 40))
		}
	}
	return names, ids
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
	segs  map[int64]segment
	tally *importTally
	// pairs holds a batch's changes to the outstanding pairs and the quote
	// index, which are kept row by row and written with the batch.
	pairs *tallies
	res   models.ImportResult

	// Reused from batch to batch.
	args  []any
	index map[responseKey]int // a batch's rows by organisation and proposal
	ids   []int64
}

func (s *Store) newImportWriter(tx *gorm.DB, userID int64) (*importWriter, error) {
	w := &importWriter{s: s, ctx: tx.Statement.Context, tx: tx, db: sqldb.InTx(tx),
		now: s.Now(), tally: newImportTally(), pairs: newTallies(), index: make(map[responseKey]int, importBatchRows)}
	if userID > 0 {
		w.by = userID
	}
	var err error
	w.segs, err = organisationSegments(tx)
	return w, err
}

// close closes the prepared statements.
func (w *importWriter) close() { w.db.Close() }

// write stores a batch of rows, each a pair not given before in the file
// (checkImport made sure):
// new responses, then replaced ones (their current version kept in the
// history first), their concerns and revisions, and what the batch changes
// in the tallies.
func (w *importWriter) write(batch []importRow) error {
	if len(batch) == 0 {
		return nil
	}
	clear(w.index)
	for i := range batch {
		w.index[responseKey{batch[i].orgID, batch[i].proposalID}] = i
	}
	byKey := func(orgID, proposalID int64) (*importRow, error) {
		i, ok := w.index[responseKey{orgID, proposalID}]
		if !ok {
			return nil, fmt.Errorf("import: organisation %d and proposal %d are not in the batch", orgID, proposalID)
		}
		return &batch[i], nil
	}

	// New pairs are inserted; a pair that has a response already is left
	// alone here and replaced below.
	args := w.args[:0]
	for i := range batch {
		r := &batch[i]
		args = append(args, r.orgID, r.proposalID, r.stance, r.autonomy, r.comment, r.amendments, r.consent,
			models.StatusSubmitted, 1, w.by, w.by, w.now, w.now, w.now)
	}
	q := `INSERT INTO responses (organisation_id, proposal_id, stance, autonomy, comment, amendments, consent,
		status, version, updated_by, submitted_by, submitted_at, created_at, updated_at) VALUES ` + sqldb.Values(len(batch), 14, sqldb.Untyped) +
		" ON CONFLICT (organisation_id, proposal_id) DO NOTHING RETURNING id, organisation_id, proposal_id"
	err := w.query(q, len(batch) == importBatchRows, args, func(rows *sql.Rows) error {
		var id, orgID, proposalID int64
		if err := rows.Scan(&id, &orgID, &proposalID); err != nil {
			return err
		}
		r, err := byKey(orgID, proposalID)
		if err != nil {
			return err
		}
		r.responseID, r.version = id, 1
		w.res.Created++
		return nil
	})
	if err != nil {
		return err
	}

	// The others exist: find them.
	args = args[:0]
	for i := range batch {
		if batch[i].responseID == 0 {
			args = append(args, batch[i].orgID, batch[i].proposalID)
		}
	}
	replaced := w.ids[:0]
	if len(args) > 0 {
		q := "SELECT r.id, r.organisation_id, r.proposal_id, r.version FROM (VALUES " +
			sqldb.Values(len(args)/2, 2, sqldb.BigInt) + ") AS b JOIN responses r ON r.organisation_id = b.column1 AND r.proposal_id = b.column2"
		err := w.query(q, false, args, func(rows *sql.Rows) error {
			var id, orgID, proposalID int64
			var version int
			if err := rows.Scan(&id, &orgID, &proposalID, &version); err != nil {
				return err
			}
			r, err := byKey(orgID, proposalID)
			if err != nil {
				return err
			}
			r.responseID, r.version, r.replaced = id, version+1, true
			replaced = append(replaced, id)
			return nil
		})
		if err != nil {
			return err
		}
	}
	w.args, w.ids = args[:0], replaced[:0]
	for i := range batch {
		if batch[i].responseID == 0 {
			return fmt.Errorf("import: the row on line %d was neither inserted nor found", batch[i].line)
		}
	}
	if err := w.replace(batch, replaced, byKey); err != nil {
		return err
	}
	if err := w.writeConcerns(batch); err != nil {
		return err
	}
	if err := w.writeRevisions(batch); err != nil {
		return err
	}

	for i := range batch {
		r := &batch[i]
		err := w.count(contribution{responseID: r.responseID, orgID: r.orgID, proposalID: r.proposalID, seg: w.segs[r.orgID],
			submitted: true, at: w.now, stance: r.stance, autonomy: r.autonomy,
			quotable: isQuotable(r.consent, r.comment), member: r.concernIDs, analyst: r.analyst}, +1)
		if err != nil {
			return err
		}
		w.pairs.submission(responseKey{r.orgID, r.proposalID}, r.wasSubmitted, true)
	}
	// The outstanding pairs and the quote index change row by row: write
	// this batch's changes now, so that they do not pile up with the file.
	if err := w.pairs.applyOutstanding(w.ctx, w.db); err != nil {
		return err
	}
	if err := w.pairs.applyQuotes(w.ctx, w.db); err != nil {
		return err
	}
	clear(w.pairs.outstanding)
	clear(w.pairs.quotesNew)
	w.pairs.quotesGone, w.pairs.quotesNew = w.pairs.quotesGone[:0], w.pairs.quotesNew[:0]
	w.res.Replaced += len(replaced)
	w.res.Rows += len(batch)
	return nil
}

// replace keeps the current version of the batch's existing responses in
// their history, takes what they counted out of the tallies (remembering the
// policy team's codes, which stay), and overwrites them.
func (w *importWriter) replace(batch []importRow, ids []int64, byKey func(orgID, proposalID int64) (*importRow, error)) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	if err := w.s.keepCurrentVersions(w.tx, ids); err != nil {
		return err
	}
	before, err := loadContributions(w.tx, ids)
	if err != nil {
		return err
	}
	consent, err := consentsOf(w.tx, ids)
	if err != nil {
		return err
	}
	for _, c := range before {
		if err := w.count(c, -1); err != nil {
			return err
		}
		r, err := byKey(c.orgID, c.proposalID)
		if err != nil {
			return err
		}
		r.analyst, r.wasSubmitted = c.analyst, c.submitted
	}
	const update = `UPDATE responses SET stance = ?, autonomy = ?, comment = ?, amendments = ?, consent = ?,
		status = ?, version = ?, updated_by = ?, updated_at = ?, submitted_by = ?, submitted_at = ?
		WHERE id = ? AND version = ?`
	for i := range batch {
		r := &batch[i]
		if !r.replaced {
			continue
		}
		n, err := w.exec(update, true, []any{r.stance, r.autonomy, r.comment, r.amendments, r.consent, models.StatusSubmitted,
			r.version, w.by, w.now, w.by, w.now, r.responseID, r.version - 1})
		if err != nil {
			return err
		}
		if n != 1 {
			return models.ErrConflict // the transaction holds the row: never write blind
		}
		by, _ := w.by.(int64)
		if err := tellWithdrawnConsent(w.tx, w.now, by, r.responseID, consent[r.responseID], r.consent); err != nil {
			return err
		}
	}
	for _, chunk := range chunks(ids, 500) {
		if err := w.tx.Where("response_id IN ?", chunk).Delete(&responseConcern{}).Error; err != nil {
			return err
		}
	}
	return nil
}

// consentsOf reads the consent of responses, by id, before they change.
func consentsOf(tx *gorm.DB, ids []int64) (map[int64]string, error) {
	var rows []struct {
		ID      int64
		Consent string
	}
	if err := tx.Table("responses").Select("id, consent").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Consent
	}
	return out, nil
}

// count adds (sign +1) or takes away (-1) what a response contributes: to
// the tallies, and to the quote index (outstanding pairs are the caller's).
func (w *importWriter) count(c contribution, sign int64) error {
	if !c.submitted {
		return nil
	}
	if c.quotable {
		if sign < 0 {
			w.pairs.quotesGone = append(w.pairs.quotesGone, c.responseID)
		} else {
			w.pairs.quotesNew = append(w.pairs.quotesNew, c)
		}
	}
	return w.tally.add(c, sign)
}

// importLinkRows is how many response_concerns rows one statement inserts.
const importLinkRows = 500

func (w *importWriter) writeConcerns(batch []importRow) error {
	args := w.args[:0]
	insert := func() error {
		n := len(args) / 2
		if n == 0 {
			return nil
		}
		_, err := w.exec("INSERT INTO response_concerns (response_id, concern_id) VALUES "+sqldb.Values(n, 2, sqldb.Untyped), n == importLinkRows, args)
		args = args[:0]
		return err
	}
	for i := range batch {
		for _, id := range batch[i].concernIDs {
			args = append(args, batch[i].responseID, id)
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

func (w *importWriter) writeRevisions(batch []importRow) error {
	args := w.args[:0]
	for i := range batch {
		r := &batch[i]
		slices.Sort(r.concerns)
		args = append(args, r.responseID, r.version, "import", models.StatusSubmitted, r.stance, r.autonomy,
			strings.Join(r.concerns, ";"), r.comment, r.amendments, r.consent, w.by, w.now)
	}
	_, err := w.exec(`INSERT INTO response_revisions (response_id, version, kind, status, stance, autonomy, concerns,
		comment, amendments, consent, saved_by, saved_at) VALUES `+sqldb.Values(len(batch), 12, sqldb.Untyped), len(batch) == importBatchRows, args)
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
	segments []segment // by index
	segIndex map[segment]uint16
	stances  map[importStanceKey]stanceCount
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
	return &importTally{segIndex: map[segment]uint16{}, stances: map[importStanceKey]stanceCount{},
		autonomy: map[importAutonomyKey]int64{}, concerns: map[importConcernKey]int64{}}
}

// add counts a submitted response's contribution with sign.
func (t *importTally) add(c contribution, sign int64) error {
	stance := slices.Index(models.Stances, c.stance)
	if stance < 0 || c.autonomy < models.AutonomyMin || c.autonomy > models.AutonomyMax {
		return fmt.Errorf("import: response %d is submitted with stance %q and autonomy %d", c.responseID, c.stance, c.autonomy)
	}
	g, ok := t.segIndex[c.seg]
	if !ok {
		g = uint16(len(t.segments))
		t.segIndex[c.seg] = g
		t.segments = append(t.segments, c.seg)
	}
	sk := importStanceKey{c.proposalID, g, uint8(stance)}
	v := t.stances[sk]
	v.n += sign
	if c.quotable {
		v.quotable += sign
	}
	t.stances[sk] = v
	t.autonomy[importAutonomyKey{c.proposalID, g, int8(c.autonomy)}] += sign
	const member, analyst, both = 0, 1, 2 // as in importTallySources
	for _, id := range c.member {
		t.concerns[importConcernKey{c.proposalID, id, g, member}] += sign
		t.concerns[importConcernKey{c.proposalID, id, g, both}] += sign
	}
	for _, id := range c.analyst {
		t.concerns[importConcernKey{c.proposalID, id, g, analyst}] += sign
		if !slices.Contains(c.member, id) {
			t.concerns[importConcernKey{c.proposalID, id, g, both}] += sign
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
		rolled := newTallies()
		for k, v := range t.stances {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].rollups() {
				rk := stanceKey{p, g, models.Stances[k.stance]}
				sum := rolled.stances[rk]
				sum.n += v.n
				sum.quotable += v.quotable
				rolled.stances[rk] = sum
			}
		}
		for k, n := range t.autonomy {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].rollups() {
				rolled.autonomy[autonomyKey{p, g, int(k.autonomy)}] += n
			}
		}
		for k, n := range t.concerns {
			if k.proposalID != p {
				continue
			}
			for _, g := range t.segments[k.seg].rollups() {
				rolled.concerns[concernKey{p, g, importTallySources[k.source], k.concernID}] += n
			}
		}
		if err := rolled.apply(tx); err != nil {
			return err
		}
	}
	return nil
}

// exec runs a statement (prepared once when reuse is set, as a full batch's
// are) and returns how many rows it changed.
func (w *importWriter) exec(q string, reuse bool, args []any) (int64, error) {
	n, err := w.db.Exec(w.ctx, reuse, q, args...)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	return n, nil
}

// query runs a statement and calls each for every row it returns.
func (w *importWriter) query(q string, reuse bool, args []any, each func(*sql.Rows) error) error {
	if err := w.db.Query(w.ctx, reuse, q, args, each); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func describeValue(column, v string) string {
	if v == "" {
		return column + " is empty."
	}
	return fmt.Sprintf("%s %q is not allowed.", column, truncateText(v, 40))
}

func isOneOf(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

// parseErrorLine is the line a CSV error starts at, or def.
func parseErrorLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.StartLine > 0 {
		return pe.StartLine
	}
	return def
}

// csvProblem says what a CSV parse error means, in words.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return "it could not be read"
	}
	where := ""
	if pe.Line != pe.StartLine {
		where = fmt.Sprintf(" (the row starts on line %d, the problem is on line %d)", pe.StartLine, pe.Line)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return "a double quote (\") appears inside a field that is not in quotes; put the whole field in double quotes and double every quote inside it (\"\")" + where
	case errors.Is(pe.Err, csv.ErrQuote):
		return "a quoted field is not closed, or has text after its closing quote; check the double quotes" + where
	}
	return "it could not be read" + where
}

// keepCurrentVersions makes sure the version an import replaces is in the
// history. Every save already records one; this covers a response stored by
// any other route without one.
func (s *Store) keepCurrentVersions(tx *gorm.DB, ids []int64) error {
	for _, chunk := range chunks(ids, 500) {
		err := tx.Exec(`INSERT INTO response_revisions (response_id, version, kind, status, stance, autonomy, concerns,
				comment, amendments, consent, saved_by, saved_at)
			SELECT r.id, r.version, 'saved', r.status, r.stance, r.autonomy, COALESCE(`+s.concernCodesSQL("r.id")+`, ''),
				r.comment, r.amendments, r.consent, r.updated_by, r.updated_at
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

// chunks cuts list into slices of at most size, for IN lists.
func chunks[T any](list []T, size int) [][]T { return slices.Collect(slices.Chunk(list, size)) }

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
	return out, err
}

// ImportByID returns one past import.
func (s *Store) ImportByID(ctx context.Context, id int64) (models.ImportRecord, error) {
	var out models.ImportRecord
	err := s.r.WithContext(ctx).Table("imports").
		Select("imports.*, COALESCE(users.name, '') AS imported_name").
		Joins("LEFT JOIN users ON users.id = imports.imported_by").
		Where("imports.id = ?", id).Take(&out).Error
	return out, notFound(err)
}

// cleanFilename keeps the base name of an uploaded file, as readable text.
func cleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "?")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "responses.csv"
	}
	return truncateText(name, 200)
}

func truncateText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// thousands writes n with comma separators (5,000).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
