package models

import (
	"regexp"
	"strings"
)

// figureToken matches {{name}}, {{concern:code}} and {{REF.name}}.
var figureToken = regexp.MustCompile(`\{\{\s*(?:([A-Za-z0-9][A-Za-z0-9_-]*)\.)?([a-z_]+(?::[a-z0-9_]+)?)\s*\}\}`)

// FillFigures puts figures into a statement: {{name}} takes the section's own
// proposal's figure, {{REF.name}} another proposal's. It returns the filled
// text and the tokens it could not fill.
func FillFigures(text string, own map[string]string, byRef map[string]map[string]string) (string, []string) {
	var unknown []string
	out := figureToken.ReplaceAllStringFunc(text, func(tok string) string {
		m := figureToken.FindStringSubmatch(tok)
		figs := own
		if m[1] != "" {
			figs = byRef[m[1]]
		}
		if v, ok := figs[m[2]]; ok {
			return v
		}
		unknown = append(unknown, strings.TrimSpace(tok))
		return tok
	})
	return out, unknown
}

// UncoveredConcern is a concern many members raised that a section neither
// mentions nor backs with a quote.
type UncoveredConcern struct {
	Code, Label string
	Count       int
	Share       float64
}

// DissentingSegment is a member segment whose majority stance differs from
// the position the section takes.
type DissentingSegment struct {
	Dimension string // type, region, system_status
	Segment   string
	Responses int
	Majority  string // supporting, opposing, neutral
	Count     int
}

// SectionCoverage is the coverage check of one proposal's section.
type SectionCoverage struct {
	Proposal   Proposal
	HasSection bool
	Uncovered  []UncoveredConcern
	Dissenting []DissentingSegment
}

// PositionFamily is the stance family a collective position claims:
// "supporting", "opposing", or "" for no position.
func PositionFamily(position string) string {
	switch position {
	case "support", "support_with_amendments":
		return "supporting"
	case "oppose":
		return "opposing"
	}
	return ""
}

// Majority returns the largest stance family of the counts and its size;
// ties and empty counts give "".
func (sc StanceCounts) Majority() (string, int) {
	fam := map[string]int{
		"supporting": sc.StronglySupport + sc.Support,
		"opposing":   sc.Oppose + sc.StronglyOppose,
		"neutral":    sc.Neutral,
	}
	best, n, tie := "", 0, false
	for _, k := range []string{"supporting", "opposing", "neutral"} {
		switch {
		case fam[k] > n:
			best, n, tie = k, fam[k], false
		case fam[k] == n && n > 0:
			tie = true
		}
	}
	if tie {
		return "", n
	}
	return best, n
}
