package responsecsv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
)

// checkHeader says what is wrong with the header row, or "" when it is the
// contract's header (or the export's, whose extra columns are read-only),
// each with or without the quote scope.
func checkHeader(header []string, codes Codes) string {
	want := strings.Join(Columns, ",")
	if strings.ContainsRune(strings.Join(header, ""), 0) {
		return utf16Message
	}
	if !utf8.ValidString(strings.Join(header, "")) {
		return "The header row is not valid UTF-8. Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again."
	}
	if len(header) > 0 {
		if _, isOrg := codes.Organisations[header[0]]; isOrg {
			return "The header row is missing: line 1 looks like a response. Add this line at the top of the file: " + want
		}
	}
	i := slices.IndexFunc(Headers, func(h []string) bool { return len(h) == len(header) })
	if i < 0 {
		return fmt.Sprintf("The header row has %d columns; it must be exactly %s (optionally followed by ,%s)", len(header), want, QuoteScopeColumn)
	}
	expected := Headers[i]
	for i, h := range header {
		if h != expected[i] {
			return fmt.Sprintf("Column %d of the header row is %q where %q was expected. The header must be exactly %s (lower case, in this order), optionally followed by ,%s.",
				i+1, truncateText(h, 40), expected[i], want, QuoteScopeColumn)
		}
	}
	return ""
}

// checkRow checks one record against the codes; problems go to p.
func checkRow(line int, rec []string, codes Codes, p *problemLog) (Row, bool) {
	before := p.total()
	if !restoreCells(line, rec, p) {
		return Row{}, false
	}
	if len(rec) >= len(Columns)+len(exportExtra) {
		if st := rec[len(Columns)]; st != "" && st != string(models.StatusSubmitted) {
			p.add(line, "The status column says %q; imports store submitted responses only. Remove draft rows or set their status to submitted.", truncateText(st, 20))
		}
	}
	row := Row{Line: line, Org: rec[0], Ref: rec[1], Stance: models.Stance(rec[2]), Comment: rec[5], Amendments: rec[6], Consent: models.Consent(rec[7])}
	row.OrgID = lookUp(line, codes.Organisations, row.Org, p, "organisation_code is empty. Give the member organisation's code.",
		"No member organisation has the code %q (codes are case-sensitive).")
	row.ProposalID = lookUp(line, codes.Proposals, row.Ref, p, "proposal_ref is empty. Give the proposal's reference, such as LP-01.",
		"No proposal has the reference %q (references are case-sensitive, such as LP-01).")
	if !row.Stance.Valid() {
		p.add(line, "%s Use one of: %s.", describeValue("stance", string(row.Stance)), models.CodeList(models.Stances))
	}
	if v, err := strconv.Atoi(strings.TrimSpace(rec[3])); err == nil && v >= models.AutonomyMin && v <= models.AutonomyMax {
		row.Autonomy = v
	} else {
		p.add(line, "%s Give a whole number from -2 (power moves to the centre) to 2 (more local autonomy).", describeValue("autonomy", rec[3]))
	}
	row.Concerns, row.ConcernIDs = checkConcerns(line, rec[4], codes, p)
	for _, f := range []struct {
		name, value string
		max         int
	}{{"comment", row.Comment, models.MaxCommentChars}, {"amendments", row.Amendments, models.MaxAmendmentsChars}} {
		if len(f.value) <= f.max {
			continue // no more runes than bytes
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			p.add(line, "The %s is %s characters long; the limit is %s. Shorten it and import again.", f.name, thousands(n), thousands(f.max))
		}
	}
	if !row.Consent.Valid() {
		p.add(line, "%s Use one of: %s.", describeValue("consent", string(row.Consent)), models.CodeList(models.Consents))
	}
	row.QuoteScope = checkQuoteScope(line, rec, p)
	return row, p.total() == before
}

// checkQuoteScope reads the record's quote scope: the last cell of a file
// whose header ends with QuoteScopeColumn, empty meaning the default, as a
// file without the column means.
func checkQuoteScope(line int, rec []string, p *problemLog) models.QuoteScope {
	if len(rec) != len(Columns)+1 && len(rec) != len(ExportColumns) {
		return models.QuoteCommentAndAmendments
	}
	scope := models.QuoteScope(rec[len(rec)-1])
	if scope != "" && !scope.Valid() {
		p.add(line, "%s Use one of: %s, or leave it empty for %s.", describeValue(QuoteScopeColumn, string(scope)),
			models.CodeList(models.QuoteScopes), models.QuoteCommentAndAmendments)
	}
	return scope.OrDefault()
}

// restoreCells checks that every cell of a record is text, and undoes the
// export's formula guard; a record that is not text is one problem in p.
func restoreCells(line int, rec []string, p *problemLog) bool {
	for i, v := range rec {
		if !utf8.ValidString(v) {
			p.add(line, "This row has text that is not valid UTF-8 (perhaps the file was saved as “CSV (Comma delimited)” or in another encoding). Save the file as UTF-8 (in Excel: “CSV UTF-8 (Comma delimited)”) and import it again.")
			return false
		}
		if strings.IndexByte(v, 0) >= 0 {
			p.add(line, "%s", utf16Message)
			return false
		}
		if i != 3 { // autonomy is a number; every other cell may carry the export's formula guard
			rec[i] = restoreCell(v)
		}
	}
	return true
}

// lookUp is the id ids gives code; an empty code (said by empty) or an
// unknown one (unknown, a format for the code) is a problem in p, and 0.
func lookUp(line int, ids map[string]int64, code string, p *problemLog, empty, unknown string) int64 {
	id, ok := ids[code]
	switch {
	case code == "":
		p.add(line, "%s", empty)
	case !ok:
		p.add(line, unknown, truncateText(code, 40))
	default:
		return id
	}
	return 0
}

// checkConcerns reads a concerns cell, codes separated by ';', and returns
// its codes without repeats. Each unknown code is a problem, reported once;
// more than MaxConcernCodes codes is one problem, found before any code is
// looked at.
func checkConcerns(line int, cell string, codes Codes, p *problemLog) ([]string, []int64) {
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
		id, ok := codes.Concerns[code]
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
	if i < len(v) && models.FormulaStart(v[i]) {
		return v[1:]
	}
	return v
}
