package models

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SummaryCSVColumns are the columns of a proposal summary's CSV.
var SummaryCSVColumns = []string{"section", "key", "count", "share"}

// ExportQuery selects the responses an export writes.
type ExportQuery struct {
	ConsultationID int64 // 0 for every consultation
	Filter         Filter
	IncludeDrafts  bool // otherwise submitted responses only, as the summaries count
}

// FormulaStart says whether a spreadsheet would read a cell starting with
// this byte as a formula (OWASP's list: = + - @ tab and carriage return).
func FormulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// NeutraliseCell stops a spreadsheet from running a cell as a formula by
// putting an apostrophe before it when it starts with = + - @ tab or CR.
// A cell that is already apostrophes and then such a character gets one more,
// so that an import (package responsecsv) gives back exactly what was stored.
func NeutraliseCell(v string) string {
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	if i < len(v) && FormulaStart(v[i]) {
		return "'" + v
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
		write("stance", string(st), strconv.Itoa(s.Stances.Get(st)), fraction(s.Stances.Get(st), s.Responses))
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
				write(seg.section, r.Segment+":"+string(st), strconv.Itoa(r.Stances.Get(st)), fraction(r.Stances.Get(st), total))
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
