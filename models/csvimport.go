package models

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// ResponseCSVColumns are the columns of the response CSV contract (DESIGN.md),
// in order; an import file has exactly these, or ResponseExportColumns.
var ResponseCSVColumns = []string{"organisation_code", "proposal_ref", "stance", "autonomy", "concerns",
	"comment", "amendments", "consent"}

// MaxImportProblems is how many problems an import lists; a file with more
// says how many were left out, so that a wrong file does not fill memory.
const MaxImportProblems = 1000

// ImportProblem is one thing wrong with an import file, at a line (1 is the
// header; a row spanning several lines is named by its first).
type ImportProblem struct {
	Line    int
	Message string
}

// ImportErrors lists what is wrong with an import file; nothing was stored.
type ImportErrors struct {
	Problems []ImportProblem
	Omitted  int // problems found beyond MaxImportProblems
}

func (e ImportErrors) Error() string {
	return fmt.Sprintf("import refused: %d problems", len(e.Problems)+e.Omitted)
}

// Total is the number of problems found, listed or not.
func (e ImportErrors) Total() int { return len(e.Problems) + e.Omitted }

func (e *ImportErrors) add(line int, format string, args ...any) {
	if len(e.Problems) >= MaxImportProblems {
		e.Omitted++
		return
	}
	e.Problems = append(e.Problems, ImportProblem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// ImportResult says what an import stored.
type ImportResult struct {
	ImportID int64
	Rows     int
	Created  int
	Replaced int
}

// ImportRecord is one past import, as the imports page lists it.
type ImportRecord struct {
	ID            int64
	Filename      string
	RowCount      int
	CreatedCount  int
	ReplacedCount int
	ImportedBy    *int64
	ImportedAt    time.Time
	ImportedName  string `gorm:"->;-:migration"` // filled by Imports' join
}

// TableName names the imports table.
func (ImportRecord) TableName() string { return "imports" }

// importRow is a checked row, kept between validation and the write.
type importRow struct {
	line       int
	orgID      int64
	proposalID int64
	in         ResponseInput
	concernIDs []int64
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
// format, all or nothing. The file is read once, record by record; checked
// rows are kept in memory until the write (at most one per organisation and
// proposal, since a repeated pair is a problem, and none once a problem is
// found). Any problem returns ImportErrors and stores nothing. Otherwise one
// transaction stores every row as a submitted response (imports are answers
// received by email, so the member deadline does not apply), replacing an
// existing response and keeping its versions, and records the import and an
// audit entry.
func (s *Store) ImportResponses(ctx context.Context, r io.Reader, filename string, userID int64) (ImportResult, error) {
	codes, err := s.importCodes(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := readImport(ctx, r, codes)
	if err != nil {
		return ImportResult{}, err
	}
	return s.writeImport(ctx, rows, cleanFilename(filename), userID)
}

// readImport parses and checks a whole file; it returns the checked rows, or
// ImportErrors listing every problem.
func readImport(ctx context.Context, r io.Reader, codes importCodes) ([]importRow, error) {
	var problems ImportErrors
	br := bufio.NewReaderSize(r, 64<<10)
	start, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(start, []byte("PK\x03\x04")):
		problems.add(1, "This is a spreadsheet workbook (such as .xlsx), not a CSV file. In Excel, choose Save As and the type “CSV UTF-8 (Comma delimited)”, then import that file.")
		return nil, problems
	case bytes.HasPrefix(start, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as Excel writes: fine
	case bytes.HasPrefix(start, []byte{0xFF, 0xFE}), bytes.HasPrefix(start, []byte{0xFE, 0xFF}):
		problems.add(1, "%s", utf16Message)
		return nil, problems
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // the header is checked by hand, then every row must match it
	cr.ReuseRecord = false
	cr.LazyQuotes = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		problems.add(1, "The file is empty. It needs the header row %s and then one row per response.", strings.Join(ResponseCSVColumns, ","))
		return nil, problems
	}
	if err != nil {
		problems.add(parseErrorLine(err, 1), "The header row could not be read as CSV: %s.", csvProblem(err))
		return nil, problems
	}
	if msg := checkHeader(header, codes); msg != "" {
		problems.add(1, "%s", msg)
		return nil, problems
	}
	cr.FieldsPerRecord = len(header)

	var rows []importRow
	seen := map[responseKey]int{} // line of each organisation and proposal given so far
	n := 0
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		if n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			problems.add(pe.StartLine, "This row has %d columns; every row needs %d, like the header. Check for a missing or extra comma, and put any text with a comma in double quotes.", len(record), len(header))
			continue
		}
		if err != nil {
			if !errors.As(err, &pe) {
				return nil, err // the reader itself failed
			}
			problems.add(pe.StartLine, "The CSV is malformed here: %s.", csvProblem(err))
			continue
		}
		line, _ := cr.FieldPos(0)
		row, ok := checkRow(line, record, codes, &problems)
		if !ok {
			continue
		}
		key := responseKey{row.orgID, row.proposalID}
		if first, dup := seen[key]; dup {
			problems.add(line, "Organisation %s and proposal %s appear again; line %d already gives this response. Keep one row per organisation and proposal.", record[0], record[1], first)
			continue
		}
		seen[key] = line
		if problems.Total() == 0 {
			rows = append(rows, row)
		} else {
			rows = nil // nothing will be stored: keep only what finds duplicates
		}
	}
	if problems.Total() > 0 {
		return nil, problems
	}
	if n == 0 {
		problems.add(2, "There are no responses after the header row. Add one row per organisation and proposal.")
		return nil, problems
	}
	return rows, nil
}

const utf16Message = "The file is saved as UTF-16 (Excel calls it “Unicode Text”), not UTF-8. Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again."

// checkHeader says what is wrong with the header row, or "" when it is the
// contract's header (or the export's, whose extra columns are read-only).
func checkHeader(header []string, codes importCodes) string {
	want := strings.Join(ResponseCSVColumns, ",")
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
	if len(header) != len(ResponseCSVColumns) && len(header) != len(ResponseExportColumns) {
		return fmt.Sprintf("The header row has %d columns; it must be exactly %s", len(header), want)
	}
	expected := ResponseCSVColumns
	if len(header) == len(ResponseExportColumns) {
		expected = ResponseExportColumns
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
func checkRow(line int, rec []string, codes importCodes, p *ImportErrors) (importRow, bool) {
	before := p.Total()
	for i, v := range rec {
		if !utf8.ValidString(v) {
			p.add(line, "This row has text that is not valid UTF-8 (perhaps the file was saved as “CSV (Comma delimited)” or in another encoding). Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again.")
			return importRow{}, false
		}
		if strings.ContainsRune(v, 0) {
			p.add(line, "%s", utf16Message)
			return importRow{}, false
		}
		if i != 3 { // autonomy is a number; every other cell may carry the export's formula guard
			rec[i] = restoreCell(v)
		}
	}
	if len(rec) == len(ResponseExportColumns) {
		if st := rec[len(ResponseCSVColumns)]; st != "" && st != StatusSubmitted {
			p.add(line, "The status column says %q; imports store submitted responses only. Remove draft rows or set their status to submitted.", truncateText(st, 20))
		}
	}
	row := importRow{line: line}
	org, ref := rec[0], rec[1]
	switch id, ok := codes.orgs[org]; {
	case org == "":
		p.add(line, "organisation_code is empty. Give the member organisation's code.")
	case !ok:
		p.add(line, "No member organisation has the code %q (codes are case-sensitive).", truncateText(org, 40))
	default:
		row.orgID = id
	}
	switch id, ok := codes.proposals[ref]; {
	case ref == "":
		p.add(line, "proposal_ref is empty. Give the proposal's reference, such as LP-01.")
	case !ok:
		p.add(line, "No proposal has the reference %q (references are case-sensitive, such as LP-01).", truncateText(ref, 40))
	default:
		row.proposalID = id
	}
	in := ResponseInput{Stance: rec[2], Comment: rec[5], Amendments: rec[6], Consent: rec[7]}
	if !isOneOf(in.Stance, Stances) {
		p.add(line, "%s Use one of: %s.", describeValue("stance", in.Stance), strings.Join(Stances, ", "))
	}
	if v, err := strconv.Atoi(strings.TrimSpace(rec[3])); err == nil && v >= AutonomyMin && v <= AutonomyMax {
		in.Autonomy = &v
	} else {
		p.add(line, "%s Give a whole number from -2 (power moves to the centre) to 2 (more local autonomy).", describeValue("autonomy", rec[3]))
	}
	seenConcern := map[string]bool{}
	for _, code := range strings.Split(rec[4], ";") {
		code = strings.TrimSpace(code)
		if code == "" || seenConcern[code] {
			continue
		}
		seenConcern[code] = true
		id, ok := codes.concerns[code]
		if !ok {
			p.add(line, "The concern code %q is not in the codebook. Separate codes with ';' and use the codes as listed on the response form.", truncateText(code, 40))
			continue
		}
		in.Concerns = append(in.Concerns, code)
		row.concernIDs = append(row.concernIDs, id)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"comment", in.Comment, MaxCommentChars}, {"amendments", in.Amendments, MaxAmendmentsChars}} {
		if n := utf8.RuneCountInString(f.value); n > f.max {
			p.add(line, "The %s is %s characters long; the limit is %s. Shorten it and import again.", f.name, thousands(n), thousands(f.max))
		}
	}
	if !isOneOf(in.Consent, Consents) {
		p.add(line, "%s Use one of: %s.", describeValue("consent", in.Consent), strings.Join(Consents, ", "))
	}
	row.in = in
	return row, p.Total() == before
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

// writeImport stores checked rows in one transaction.
func (s *Store) writeImport(ctx context.Context, rows []importRow, filename string, userID int64) (ImportResult, error) {
	res := ImportResult{Rows: len(rows)}
	now := s.Now()
	by := userRef(userID)
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		existing, err := existingResponses(tx, rows)
		if err != nil {
			return err
		}
		var replacedIDs []int64
		for _, r := range existing {
			replacedIDs = append(replacedIDs, r.ID)
		}
		sort.Slice(replacedIDs, func(i, j int) bool { return replacedIDs[i] < replacedIDs[j] })
		if err := s.keepCurrentVersions(tx, replacedIDs); err != nil {
			return err
		}
		// The tallies lose what the replaced responses counted for and gain
		// every row; codes the policy team gave a replaced response stay.
		tally := newTallies()
		replaced, err := loadContributions(tx, replacedIDs)
		if err != nil {
			return err
		}
		analystCodes := map[int64][]int64{}
		wasSubmitted := map[responseKey]bool{}
		for _, c := range replaced {
			tally.addResponse(c, -1)
			analystCodes[c.responseID] = c.analyst
			wasSubmitted[responseKey{c.orgID, c.proposalID}] = c.submitted
		}
		segs, err := organisationSegments(tx)
		if err != nil {
			return err
		}

		var created []Response
		isNew := make([]bool, len(rows))
		ids := make([]int64, len(rows))
		versions := make([]int, len(rows))
		for i := range rows {
			row := &rows[i]
			in := row.in
			cur, exists := existing[responseKey{row.orgID, row.proposalID}]
			if !exists {
				created = append(created, Response{OrganisationID: row.orgID, ProposalID: row.proposalID,
					Stance: in.Stance, Autonomy: in.Autonomy, Comment: in.Comment, Amendments: in.Amendments,
					Consent: in.Consent, Status: StatusSubmitted, Version: 1, UpdatedBy: by, SubmittedBy: by,
					SubmittedAt: &now, CreatedAt: now, UpdatedAt: now})
				isNew[i], versions[i] = true, 1
				continue
			}
			res.Replaced++
			ids[i], versions[i] = cur.ID, cur.Version+1
			q := tx.Exec(`UPDATE responses SET stance = ?, autonomy = ?, comment = ?, amendments = ?, consent = ?,
				status = ?, version = ?, updated_by = ?, updated_at = ?, submitted_by = ?, submitted_at = ?
				WHERE id = ? AND version = ?`,
				in.Stance, in.Autonomy, in.Comment, in.Amendments, in.Consent, StatusSubmitted, versions[i],
				by, now, by, now, cur.ID, cur.Version)
			if q.Error != nil {
				return q.Error
			}
			if q.RowsAffected != 1 {
				return ErrConflict // the single writer makes this unreachable; never write blind
			}
		}
		res.Created = len(created)
		if len(created) > 0 {
			if err := tx.CreateInBatches(&created, 200).Error; err != nil {
				return err
			}
		}
		next := 0 // created holds the new responses in file order
		for i := range rows {
			if isNew[i] {
				ids[i] = created[next].ID
				next++
			}
		}
		for _, chunk := range chunks(replacedIDs, 500) {
			if err := tx.Where("response_id IN ?", chunk).Delete(&responseConcern{}).Error; err != nil {
				return err
			}
		}
		var links []responseConcern
		revs := make([]ResponseRevision, 0, len(rows))
		for i, row := range rows {
			if ids[i] == 0 {
				return fmt.Errorf("import: row on line %d has no response id", row.line)
			}
			tally.addResponse(contribution{responseID: ids[i], proposalID: row.proposalID, seg: segs[row.orgID],
				submitted: true, at: now, stance: row.in.Stance, autonomy: *row.in.Autonomy,
				quotable: isQuotable(row.in.Consent, row.in.Comment),
				member:   row.concernIDs, analyst: analystCodes[ids[i]]}, +1)
			key := responseKey{row.orgID, row.proposalID}
			tally.submission(key, wasSubmitted[key], true)
			for _, cid := range row.concernIDs {
				links = append(links, responseConcern{ResponseID: ids[i], ConcernID: cid})
			}
			in := row.in
			revs = append(revs, ResponseRevision{ResponseID: ids[i], Version: versions[i], Kind: "import",
				Status: StatusSubmitted, Stance: in.Stance, Autonomy: in.Autonomy,
				Concerns: strings.Join(sortedCodes(in.Concerns), ";"), Comment: in.Comment,
				Amendments: in.Amendments, Consent: in.Consent, SavedBy: by, SavedAt: now})
		}
		if len(links) > 0 {
			if err := tx.CreateInBatches(&links, 1000).Error; err != nil {
				return err
			}
		}
		if err := tx.CreateInBatches(&revs, 200).Error; err != nil {
			return err
		}
		if err := tally.apply(tx); err != nil {
			return err
		}
		rec := ImportRecord{Filename: filename, RowCount: res.Rows, CreatedCount: res.Created,
			ReplacedCount: res.Replaced, ImportedBy: by, ImportedAt: now}
		if err := tx.Omit("ImportedName").Create(&rec).Error; err != nil {
			return err
		}
		res.ImportID = rec.ID
		return auditTx(tx, now, userID, AuditImport, fmt.Sprintf("import %d", rec.ID),
			fmt.Sprintf("%s: %d rows, %d new, %d replaced", filename, res.Rows, res.Created, res.Replaced))
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// existingResponses finds the stored responses the rows would replace.
func existingResponses(tx *gorm.DB, rows []importRow) (map[responseKey]Response, error) {
	wanted := map[responseKey]bool{}
	proposalSet := map[int64]bool{}
	for _, r := range rows {
		wanted[responseKey{r.orgID, r.proposalID}] = true
		proposalSet[r.proposalID] = true
	}
	proposals := make([]int64, 0, len(proposalSet))
	for id := range proposalSet {
		proposals = append(proposals, id)
	}
	out := map[responseKey]Response{}
	for _, chunk := range chunks(proposals, 500) {
		var found []Response
		if err := tx.Select("id, organisation_id, proposal_id, version").
			Where("proposal_id IN ?", chunk).Find(&found).Error; err != nil {
			return nil, err
		}
		for _, r := range found {
			if k := (responseKey{r.OrganisationID, r.ProposalID}); wanted[k] {
				out[k] = r
			}
		}
	}
	return out, nil
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
	agg := "GROUP_CONCAT(c.code, ';' ORDER BY c.code)"
	if s.w.Dialector.Name() == "postgres" {
		agg = "STRING_AGG(c.code, ';' ORDER BY c.code)"
	}
	return "(SELECT " + agg + " FROM response_concerns rc JOIN concerns c ON c.id = rc.concern_id WHERE rc.response_id = " + responseID + ")"
}

func chunks[T any](list []T, size int) [][]T {
	var out [][]T
	for len(list) > size {
		out = append(out, list[:size])
		list = list[size:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// Imports lists past imports, newest first.
func (s *Store) Imports(ctx context.Context, limit int) ([]ImportRecord, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []ImportRecord
	err := s.r.WithContext(ctx).Table("imports").
		Select("imports.*, COALESCE(users.name, '') AS imported_name").
		Joins("LEFT JOIN users ON users.id = imports.imported_by").
		Order("imports.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// ImportByID returns one past import.
func (s *Store) ImportByID(ctx context.Context, id int64) (ImportRecord, error) {
	var out ImportRecord
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
