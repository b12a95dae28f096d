package models

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ResponseExportColumns are the export's columns: the contract's, then what
// the body knows about each response and its organisation.
var ResponseExportColumns = append(append([]string(nil), ResponseCSVColumns...),
	"status", "submitted_at", "organisation_name", "organisation_type", "region", "system", "system_status")

// SummaryCSVColumns are the columns of a proposal summary's CSV.
var SummaryCSVColumns = []string{"section", "key", "count", "share"}

// ExportQuery selects the responses an export writes.
type ExportQuery struct {
	ConsultationID int64 // 0 for every consultation
	Filter         Filter
	IncludeDrafts  bool // otherwise submitted responses only, as the summaries count
}

// exportFlushRows is how many rows are written between flushes to the client.
const exportFlushRows = 500

// ExportResponses writes the selected responses to w as CSV, row by row from
// the database cursor, ordered by consultation, proposal position and
// organisation code; it never holds the whole set in memory. If w has a
// Flush method it is flushed every few hundred rows. It returns the number of
// responses written.
func (s *Store) ExportResponses(ctx context.Context, w io.Writer, q ExportQuery) (int, error) {
	if err := q.Filter.Validate(); err != nil {
		return 0, err
	}
	// One query per proposal, in the export's order: within a proposal the
	// rows come from walking organisations by code, so no database sorts a
	// million rows before the first one is written.
	var proposals []struct {
		ID  int64
		Ref string
	}
	pq := s.r.WithContext(ctx).Table("proposals").Select("id, ref").Order("consultation_id, position, ref")
	if q.ConsultationID > 0 {
		pq = pq.Where("consultation_id = ?", q.ConsultationID)
	}
	if err := pq.Scan(&proposals).Error; err != nil {
		return 0, err
	}
	cond, fargs := q.Filter.where()
	if !q.IncludeDrafts {
		cond += " AND r.status = 'submitted'"
	}

	cw := csv.NewWriter(w)
	if err := cw.Write(ResponseExportColumns); err != nil {
		return 0, err
	}
	flusher, _ := w.(interface{ Flush() error })
	flush := func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if flusher != nil {
			return flusher.Flush()
		}
		return nil
	}
	n := 0
	record := make([]string, len(ResponseExportColumns))
	// Organisations are read once (their number, not the responses', bounds
	// this), so that each row carries only the response's own columns.
	var orgList []Organisation
	if err := s.r.WithContext(ctx).Select("id, code, name, type, region, system, system_status").Find(&orgList).Error; err != nil {
		return 0, err
	}
	orgs := make(map[int64]Organisation, len(orgList))
	for _, o := range orgList {
		orgs[o.ID] = o
	}
	orgList = nil
	for _, p := range proposals {
		written, err := s.exportProposal(ctx, cw, record, orgs, p.ID, p.Ref, cond, fargs, &n, flush)
		if err != nil {
			return written, err
		}
	}
	return n, flush()
}

// exportProposal writes one proposal's rows; n counts rows across proposals.
func (s *Store) exportProposal(ctx context.Context, cw *csv.Writer, record []string, orgs map[int64]Organisation,
	proposalID int64, ref, cond string, fargs []any, n *int, flush func() error) (int, error) {
	// CROSS JOIN keeps SQLite's join order: organisations, by code, outside.
	rows, err := s.r.WithContext(ctx).Raw(`SELECT r.organisation_id, r.stance, r.autonomy,
			COALESCE((SELECT `+s.groupConcat("c.code")+` FROM response_concerns rc JOIN concerns c ON c.id = rc.concern_id
				WHERE rc.response_id = r.id), '') AS concerns,
			r.comment, r.amendments, r.consent, r.status, r.submitted_at
		FROM organisations o CROSS JOIN responses r
		WHERE r.organisation_id = o.id AND r.proposal_id = ? AND `+cond+`
		ORDER BY o.code`, append([]any{proposalID}, fargs...)...).Rows()
	if err != nil {
		return *n, err
	}
	defer rows.Close()
	for rows.Next() {
		var orgID int64
		var stance, concerns, comment, amendments, consent, status string
		var autonomy sql.NullInt64
		var submittedAt sql.NullTime
		if err := rows.Scan(&orgID, &stance, &autonomy, &concerns, &comment, &amendments, &consent,
			&status, &submittedAt); err != nil {
			return *n, err
		}
		o := orgs[orgID]
		auto, when := "", ""
		if autonomy.Valid {
			auto = strconv.FormatInt(autonomy.Int64, 10) // a number, never neutralised: -2 and -1 stay numbers
		}
		if submittedAt.Valid {
			when = submittedAt.Time.UTC().Format(time.RFC3339)
		}
		if strings.Contains(concerns, ";") {
			concerns = strings.Join(splitCodes(concerns), ";") // the aggregate's order is not defined
		}
		for i, v := range []string{o.Code, ref, stance, auto, concerns, comment, amendments, consent,
			status, when, o.Name, o.Type, o.Region, o.System, o.SystemStatus} {
			if i == 3 {
				record[i] = v
			} else {
				record[i] = NeutraliseCell(v)
			}
		}
		if err := cw.Write(record); err != nil {
			return *n, err
		}
		*n++
		if *n%exportFlushRows == 0 {
			if err := flush(); err != nil {
				return *n, err
			}
		}
	}
	return *n, rows.Err()
}

// formulaStart says whether a spreadsheet would read a cell starting with
// this byte as a formula (OWASP's list: = + - @ tab and carriage return).
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// NeutraliseCell stops a spreadsheet from running a cell as a formula by
// putting an apostrophe before it when it starts with = + - @ tab or CR.
// A cell that is already apostrophes and then such a character gets one more,
// so that RestoreCell gives back exactly what was stored.
func NeutraliseCell(v string) string {
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	if i < len(v) && formulaStart(v[i]) {
		return "'" + v
	}
	return v
}

// restoreCell undoes NeutraliseCell for an imported cell: one leading
// apostrophe before (more apostrophes and) a formula character is dropped.
// Other apostrophes, as in "'Tis", are kept.
func restoreCell(v string) string {
	if len(v) < 2 || v[0] != '\'' {
		return v
	}
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	if i < len(v) && formulaStart(v[i]) {
		return v[1:]
	}
	return v
}

// WriteSummaryCSV writes a proposal's summary as rows of section, key, count
// and share, from the figures ProposalSummary computed (nothing is recounted):
//
//	summary,members|responses|response_rate|net_support   (share: of members)
//	stance,<stance code>                                    (share: of responses)
//	autonomy,mean                                           (the mean in count, two decimals)
//	autonomy,-2 … 2                                         (share: of responses)
//	concern,<code>                                          (share: of responses)
//	by_type|by_region|by_system_status,<segment>:members|responses|<stance code>
//	                                                        (share: of the segment's responses)
//
// Shares are fractions to four decimals, empty when there is nothing to divide by.
func WriteSummaryCSV(w io.Writer, s Summary) error {
	cw := csv.NewWriter(w)
	write := func(section, key, count, share string) {
		_ = cw.Write([]string{NeutraliseCell(section), neutraliseKey(key), count, share})
	}
	write(SummaryCSVColumns[0], SummaryCSVColumns[1], SummaryCSVColumns[2], SummaryCSVColumns[3])
	write("summary", "members", strconv.Itoa(s.Members), "")
	write("summary", "responses", strconv.Itoa(s.Responses), fraction(s.Responses, s.Members))
	write("summary", "response_rate", "", fraction(s.Responses, s.Members))
	write("summary", "net_support", strconv.Itoa(s.NetSupport()), "")
	for _, st := range Stances {
		write("stance", st, strconv.Itoa(s.Stances.Get(st)), fraction(s.Stances.Get(st), s.Responses))
	}
	mean := ""
	if s.AutonomyMean != nil {
		mean = strconv.FormatFloat(math.Round(*s.AutonomyMean*100)/100, 'f', 2, 64)
	}
	write("autonomy", "mean", mean, "")
	for _, v := range AutonomyScale {
		write("autonomy", strconv.Itoa(v), strconv.Itoa(s.AutonomyCounts[v]), fraction(s.AutonomyCounts[v], s.Responses))
	}
	for _, c := range s.Concerns {
		write("concern", c.Code, strconv.Itoa(c.Count), fraction(c.Count, s.Responses))
	}
	for _, seg := range []struct {
		section string
		rows    []SegmentStances
	}{{"by_type", s.ByType}, {"by_region", s.ByRegion}, {"by_system_status", s.BySystemStatus}} {
		for _, r := range seg.rows {
			total := r.Stances.Total()
			write(seg.section, r.Segment+":members", strconv.Itoa(r.Members), "")
			write(seg.section, r.Segment+":responses", strconv.Itoa(total), fraction(total, r.Members))
			for _, st := range Stances {
				write(seg.section, r.Segment+":"+st, strconv.Itoa(r.Stances.Get(st)), fraction(r.Stances.Get(st), total))
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// neutraliseKey leaves the autonomy scale's keys (-2, -1) as numbers.
func neutraliseKey(k string) string {
	if _, err := strconv.Atoi(k); err == nil {
		return k
	}
	return NeutraliseCell(k)
}

func fraction(n, total int) string {
	if total == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(float64(n)/float64(total)*10000)/10000, 'f', -1, 64)
}

// Describe says what an export selected, for the audit log.
func (q ExportQuery) Describe() string {
	parts := []string{"consultation=all"}
	if q.ConsultationID > 0 {
		parts[0] = fmt.Sprintf("consultation=%d", q.ConsultationID)
	}
	if f := DescribeFilter(q.Filter); f != "" {
		parts = append(parts, f)
	}
	if q.IncludeDrafts {
		return strings.Join(append(parts, "status=all"), " ")
	}
	return strings.Join(append(parts, "status=submitted"), " ")
}

// DescribeFilter writes a filter as key=value pairs ("" for no filter).
func DescribeFilter(f Filter) string {
	var parts []string
	if f.Type != "" {
		parts = append(parts, "type="+f.Type)
	}
	if f.Region != "" {
		parts = append(parts, "region="+strconv.Quote(f.Region))
	}
	if f.SystemStatus != "" {
		parts = append(parts, "system_status="+f.SystemStatus)
	}
	return strings.Join(parts, " ")
}
