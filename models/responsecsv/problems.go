package responsecsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
)

// refused is an ImportErrors with one problem.
func refused(line int, format string, args ...any) models.ImportErrors {
	return models.ImportErrors{Problems: []models.ImportProblem{{Line: line, Message: fmt.Sprintf(format, args...)}}}
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

func describeValue(column, v string) string {
	if v == "" {
		return column + " is empty."
	}
	return fmt.Sprintf("%s %q is not allowed.", column, truncateText(v, 40))
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

// Filename keeps the base name of an uploaded file, as readable text.
func Filename(name string) string {
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
