package storage

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/responsecsv"
)

// An export is cut into segments: one proposal's responses from a run of
// exportSegmentOrgs organisations (in code order), so at most that many rows.
// Up to exportReaders segments are read at once, on separate connections,
// while the writer sends the earliest; at most exportWindow segments are read
// and not yet sent. The file is the same as reading everything in one go, and
// the memory an export holds is bounded by exportWindow segments whatever the
// number of responses.
//
// Segments are small on purpose: readers can only run ahead of the writer by
// the window, so with a whole proposal per reader the next proposal's reader
// filled its few buffers and waited, and the export ran at one reader's pace.
// Not too small either: each is a query. On the million-response dataset
// 512 organisations (about 0.5 MB a segment) exported in 7.2-7.8 s on SQLite
// and 16.0 s on PostgreSQL, 128 in 8.2 s and 20.6 s, 1,024 no faster on
// SQLite for 10 MB more memory.
var exportSegmentOrgs = 512

func exportWindow() int { return 2 * exportReaders() }

// exportReaders is how many segments an export reads at once: one per CPU,
// at most four (the SQLite reader pool's size).
func exportReaders() int { return max(1, min(4, runtime.GOMAXPROCS(0))) }

// ExportResponses writes the selected responses to w as CSV, ordered by
// consultation, proposal position and organisation code, straight from
// database cursors; it never holds the whole set in memory. If w has a Flush
// method it is flushed after every segment. It returns the number of
// responses written.
func (s *Store) ExportResponses(ctx context.Context, w io.Writer, q models.ExportQuery) (_ int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("export responses (%s): %w", q.Describe(), err)
		}
	}()
	if err := q.Filter.Validate(); err != nil {
		return 0, err
	}
	run, segments, err := s.newExportRun(ctx, q)
	if err != nil {
		return 0, err
	}
	header := responsecsv.NewWriter(w)
	if err := header.WriteHeader(); err != nil {
		return 0, err
	}
	if err := header.Flush(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()  // the feeder stops starting segments, readers stop reading…
		wg.Wait() // …and none outlives the export
	}()
	return run.send(ctx, w, run.read(ctx, &wg, segments))
}

// segmentRead is a segment as its reader left it.
type segmentRead struct {
	buf  *bytes.Buffer
	rows int
	err  error
}

// read starts reading segments, at most exportReaders at once, and returns
// each started segment's result in file order. The channel's capacity is
// the window; results are buffered, so a reader never waits. It is closed
// after the last segment, or early when ctx ends.
func (run *exportRun) read(ctx context.Context, wg *sync.WaitGroup, segments []exportSegment) <-chan chan segmentRead {
	pending := make(chan chan segmentRead, exportWindow())
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(pending)
		readers := make(chan struct{}, exportReaders())
		for _, seg := range segments {
			r := make(chan segmentRead, 1)
			select {
			case pending <- r:
			case <-ctx.Done():
				return
			}
			select {
			case readers <- struct{}{}:
			case <-ctx.Done():
				r <- segmentRead{err: ctx.Err()}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := run.buffer()
				n, err := run.segment(ctx, seg, buf)
				<-readers
				r <- segmentRead{buf: buf, rows: n, err: err}
			}()
		}
	}()
	return pending
}

// send writes the segments to w as they are read, in file order, and
// returns the number of rows sent.
func (run *exportRun) send(ctx context.Context, w io.Writer, pending <-chan chan segmentRead) (int, error) {
	flusher, _ := w.(interface{ Flush() error })
	n := 0
	for r := range pending {
		res := <-r
		if res.err != nil {
			return n, res.err
		}
		if _, err := w.Write(res.buf.Bytes()); err != nil {
			return n, err
		}
		if flusher != nil {
			if err := flusher.Flush(); err != nil {
				return n, err
			}
		}
		run.recycle(res.buf)
		n += res.rows
	}
	// The reader closes pending early only when the context ends.
	return n, ctx.Err()
}

// exportRun holds what every row of one export needs besides its own
// columns: organisations and concern codes, read once (their number, not the
// responses', bounds them).
type exportRun struct {
	s     *Store
	orgs  map[int64]responsecsv.Organisation
	codes map[string]string // concern id (as the query gives it) → code
	cond  string
	fargs []any
	pool  sync.Pool
}

// exportSegment is one proposal's responses from organisations whose codes
// are in [from, to); an empty to means no upper bound. The database orders
// the codes and compares them with the bounds, so the segments follow its
// collation on PostgreSQL as on SQLite.
type exportSegment struct {
	proposalID int64
	ref        string
	from, to   string
}

func (s *Store) newExportRun(ctx context.Context, q models.ExportQuery) (*exportRun, []exportSegment, error) {
	var proposals []struct {
		ID  int64
		Ref string
	}
	pq := s.r.WithContext(ctx).Table("proposals").Select("id, ref").Order("consultation_id, position, ref")
	if q.ConsultationID > 0 {
		pq = pq.Where("consultation_id = ?", q.ConsultationID)
	}
	if err := pq.Scan(&proposals).Error; err != nil {
		return nil, nil, err
	}
	run := &exportRun{s: s, codes: map[string]string{}}
	run.cond, run.fargs = filterWhere(q.Filter)
	if !q.IncludeDrafts {
		run.cond += " AND r.status = 'submitted'"
	}
	var orgList []models.Organisation
	if err := s.r.WithContext(ctx).Select("id, code, name, type, region, system, system_status").
		Order("code").Find(&orgList).Error; err != nil {
		return nil, nil, err
	}
	run.orgs = make(map[int64]responsecsv.Organisation, len(orgList))
	for _, o := range orgList {
		run.orgs[o.ID] = responsecsv.NewOrganisation(o)
	}
	var concerns []models.Concern
	if err := s.r.WithContext(ctx).Select("id, code").Find(&concerns).Error; err != nil {
		return nil, nil, err
	}
	for _, c := range concerns {
		run.codes[strconv.FormatInt(c.ID, 10)] = c.Code
	}
	var segments []exportSegment
	for _, p := range proposals {
		for i := 0; i < len(orgList); i += exportSegmentOrgs {
			seg := exportSegment{proposalID: p.ID, ref: p.Ref, from: orgList[i].Code}
			if j := i + exportSegmentOrgs; j < len(orgList) {
				seg.to = orgList[j].Code
			}
			segments = append(segments, seg)
		}
	}
	return run, segments, nil
}

func (run *exportRun) buffer() *bytes.Buffer {
	if b, ok := run.pool.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// recycle takes back a segment's buffer once the client has been sent it.
func (run *exportRun) recycle(b *bytes.Buffer) { run.pool.Put(b) }

// segment writes one segment's rows to buf as CSV.
func (run *exportRun) segment(ctx context.Context, seg exportSegment, buf *bytes.Buffer) (int, error) {
	s := run.s
	// CROSS JOIN keeps SQLite's join order: organisations, by code, outside.
	// Concern ids rather than codes, and the time formatted by the database:
	// the concerns table is not joined a million times, and no time is
	// parsed only to be printed again.
	codes := "o.code >= ?"
	args := []any{seg.proposalID, seg.from}
	if seg.to != "" {
		codes += " AND o.code < ?"
		args = append(args, seg.to)
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT r.organisation_id, r.stance, r.autonomy,
			COALESCE((SELECT `+s.groupConcat("CAST(rc.concern_id AS TEXT)")+` FROM response_concerns rc
				WHERE rc.response_id = r.id), '') AS concerns,
			r.comment, r.amendments, r.consent, r.quote_scope, r.status, `+s.dialect.RFC3339UTC("r.submitted_at")+` AS submitted_at
		FROM organisations o CROSS JOIN responses r
		WHERE r.organisation_id = o.id AND r.proposal_id = ? AND `+codes+` AND `+run.cond+`
		ORDER BY o.code`, append(args, run.fargs...)...).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cw := responsecsv.NewWriter(buf)
	var scratch []string
	n := 0
	for rows.Next() {
		var orgID int64
		var r responsecsv.Response
		var concernIDs string
		var when sql.NullString
		if err := rows.Scan(&orgID, &r.Stance, &r.Autonomy, &concernIDs, &r.Comment, &r.Amendments, &r.Consent,
			&r.QuoteScope, &r.Status, &when); err != nil {
			return n, err
		}
		o, ok := run.orgs[orgID]
		if !ok {
			// An organisation added after the export began: the export is
			// of the organisations as they were when it started.
			continue
		}
		r.Organisation, r.ProposalRef, r.SubmittedAt = o, seg.ref, when.String
		r.Concerns, scratch = run.concernCodes(concernIDs, scratch[:0])
		if err := cw.Write(r); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, cw.Flush()
}

// concernCodes turns the query's "3;1;7" into the codes, sorted, joined by
// ';' as the contract writes them.
func (run *exportRun) concernCodes(ids string, scratch []string) (string, []string) {
	if ids == "" {
		return "", scratch
	}
	for id := range strings.SplitSeq(ids, ";") {
		scratch = append(scratch, run.codes[id])
	}
	if len(scratch) == 1 {
		return scratch[0], scratch
	}
	slices.Sort(scratch)
	return strings.Join(scratch, ";"), scratch
}
