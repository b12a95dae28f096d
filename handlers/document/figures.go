package document

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

// minus is the true minus sign every negative figure is printed with: a
// hyphen is too short to read as one, and breaks across lines.
const minus = "\u2212"

// printedFigures are the figures as a document prints them: a negative
// number (net support, mean autonomy) with a true minus sign.
func printedFigures(figures map[string]map[string]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(figures))
	for ref, fs := range figures {
		printed := make(map[string]string, len(fs))
		for name, v := range fs {
			printed[name] = Signed(v)
		}
		out[ref] = printed
	}
	return out
}

// Signed writes a figure with a true minus sign if it is negative.
func Signed(v string) string {
	if rest, ok := strings.CutPrefix(v, "-"); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return minus + rest
	}
	return v
}

// FigureRow is one line of a section's table of figures.
type FigureRow struct {
	Label string
	Value string
}

// topConcerns is how many concerns a section's table of figures names.
const topConcerns = 3

// AddFigures gives every section its table of figures and its stance chart,
// from the figures it was filled with (frozen at approval, else today's).
// concernLabels name the concern codes.
func (d *Document) AddFigures(concernLabels map[string]string) {
	for i := range d.Sections {
		s := &d.Sections[i]
		if len(s.Figures) == 0 {
			continue
		}
		s.FigureRows = figureRows(s.Figures, concernLabels)
		s.StanceChart = chart.Stances("stances-"+s.Proposal.Ref, "How members who responded on "+s.Proposal.Ref+" stand",
			stanceCounts(s.Figures))
	}
}

func figureRows(f map[string]string, concernLabels map[string]string) []FigureRow {
	rows := []FigureRow{
		{"Responses", f["responses"] + " of " + f["members"] + " member organisations"},
		{"Response rate", f["response_rate"]},
	}
	for _, st := range models.Stances {
		rows = append(rows, FigureRow{models.StanceLabels[st], f[string(st)]})
	}
	rows = append(rows,
		FigureRow{"Net support", f["net_support"]},
		FigureRow{"Mean autonomy impact (" + minus + "2 to +2)", f["autonomy_mean"]},
		FigureRow{"Top concerns", strings.Join(concernsNamed(f, concernLabels, topConcerns), "; ")})
	if rows[len(rows)-1].Value == "" {
		rows[len(rows)-1].Value = "none raised"
	}
	return rows
}

// concernsNamed are the n concerns raised most, with their counts, largest
// first ("Timescale (12)").
func concernsNamed(f map[string]string, labels map[string]string, n int) []string {
	type tally struct {
		label string
		count int
	}
	var ts []tally
	for name, v := range f {
		code, ok := strings.CutPrefix(name, "concern:")
		count, err := strconv.Atoi(v)
		if !ok || err != nil || count == 0 {
			continue
		}
		label := labels[code]
		if label == "" {
			label = code
		}
		ts = append(ts, tally{label, count})
	}
	slices.SortFunc(ts, func(a, b tally) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.label, b.label))
	})
	var out []string
	for _, t := range ts[:min(n, len(ts))] {
		out = append(out, fmt.Sprintf("%s (%d)", t.label, t.count))
	}
	return out
}

// stanceCounts reads the stance counts back from a section's figures.
func stanceCounts(f map[string]string) models.StanceCounts {
	n := func(name string) int { v, _ := strconv.Atoi(f[name]); return v }
	return models.StanceCounts{StronglySupport: n("strongly_support"), Support: n("support"), Neutral: n("neutral"),
		Oppose: n("oppose"), StronglyOppose: n("strongly_oppose")}
}
