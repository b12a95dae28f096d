package responsecsv

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strings"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Codes are the reference data a file's rows are checked against: each
// code as the file gives it, with its row's id.
type Codes struct {
	Organisations map[string]int64 // by organisation code
	Proposals     map[string]int64 // by proposal reference
	Concerns      map[string]int64 // by concern code
}

// Row is a row that passed every check. Its strings are the CSV reader's,
// one allocation per record.
type Row struct {
	Line              int
	Org, Ref          string // as the file gives them, for messages
	OrgID, ProposalID int64
	Stance            models.Stance
	Autonomy          int
	Comment           string
	Amendments        string
	Consent           models.Consent
	QuoteScope        models.QuoteScope // never empty: a file without it means the default
	Concerns          []string          // codes, without repeats
	ConcernIDs        []int64
}

// ErrFileChanged says the second read of a file found a row the first
// passed without a problem: the file changed in between.
var ErrFileChanged = errors.New("import: the file changed between its check and its write")

// Reader reads the responses of a file, after its header.
type Reader struct {
	cr    *csv.Reader
	codes Codes
}

// Check reads a whole file and checks every row, and that no organisation
// and proposal pair is given twice; it returns ImportErrors when the file
// has problems (every one is listed, up to MaxImportProblems). Every check
// is linear in the file, and ctx is checked every 1,000 rows.
func Check(ctx context.Context, r io.Reader, codes Codes) error {
	rows, err := NewReader(r, codes)
	if err != nil {
		return err
	}
	var problems problemLog
	seen := newPairLines(codes)
	n, err := rows.each(ctx, &problems, func(row Row, ok bool) error {
		if !ok {
			return nil
		}
		if first := seen.note(row.OrgID, row.ProposalID, row.Line); first != 0 {
			problems.add(row.Line, "Organisation %s and proposal %s appear again; line %d already gives this response. Keep one row per organisation and proposal.",
				row.Org, row.Ref, first)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if problems.total() > 0 {
		return problems.errors()
	}
	if n == 0 {
		return refused(2, "There are no responses after the header row. Add one row per organisation and proposal.")
	}
	return ctx.Err()
}

// Rows calls each with every row of a file that Check passed, in order; a
// row with a problem now is ErrFileChanged. ctx is checked every 1,000 rows.
func (r *Reader) Rows(ctx context.Context, each func(Row) error) error {
	var problems problemLog
	n, err := r.each(ctx, &problems, func(row Row, ok bool) error {
		if !ok {
			return ErrFileChanged
		}
		return each(row)
	})
	if err == nil && n == 0 {
		err = ErrFileChanged
	}
	return err
}

// each reads and checks every row, problems going to p, and calls each with
// the row and whether it passed; it returns how many rows there were.
func (r *Reader) each(ctx context.Context, p *problemLog, each func(row Row, ok bool) error) (int, error) {
	n := 0
	for {
		record, line, err := readRecord(r.cr, p)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		if n%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		var row Row
		ok := false
		if record != nil {
			row, ok = checkRow(line, record, r.codes, p)
		}
		if err := each(row, ok); err != nil {
			return n, err
		}
	}
}

// NewReader checks what a file starts with and its header row, and returns
// a reader positioned at the first response, or ImportErrors.
func NewReader(r io.Reader, codes Codes) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	start, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(start, []byte("PK\x03\x04")):
		return nil, refused(1, "This is a spreadsheet workbook (such as .xlsx), not a CSV file. In Excel, choose Save As and the type “CSV UTF-8 (Comma delimited)”, then import that file.")
	case bytes.HasPrefix(start, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as Excel writes: fine
	case bytes.HasPrefix(start, []byte{0xFF, 0xFE}), bytes.HasPrefix(start, []byte{0xFE, 0xFF}):
		return nil, refused(1, "%s", utf16Message)
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // the header is checked by hand, then every row must match it
	cr.ReuseRecord = true   // a row keeps its fields' strings, never the slice
	cr.LazyQuotes = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, refused(1, "The file is empty. It needs the header row %s and then one row per response.", strings.Join(Columns, ","))
	}
	if err != nil {
		return nil, refused(parseErrorLine(err, 1), "The header row could not be read as CSV: %s.", csvProblem(err))
	}
	if msg := checkHeader(header, codes); msg != "" {
		return nil, refused(1, "%s", msg)
	}
	cr.FieldsPerRecord = len(header)
	return &Reader{cr: cr, codes: codes}, nil
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

// pairLines remembers the line that first gave each organisation and
// proposal pair of a file: per proposal the file names, one int32 per
// organisation. Its size is bounded by the reference data (20 proposals of
// 50,000 organisations take 4 MB), never by the file.
type pairLines struct {
	orgIndex   map[int64]int32
	byProposal map[int64][]int32
}

func newPairLines(codes Codes) *pairLines {
	p := &pairLines{orgIndex: make(map[int64]int32, len(codes.Organisations)), byProposal: map[int64][]int32{}}
	for _, id := range codes.Organisations {
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
