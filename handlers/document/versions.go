package document

import (
	"regexp"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/nhsproviders/consultation-tracker/models"
)

// DiffPart is a run of text that is the same in both versions, or only in
// the newer one (Op "insert"), or only in the older one ("delete").
type DiffPart struct{ Op, Text string }

// Change is what became of one part of the response (its status, its
// introduction, a section) from one version to the next.
type Change struct {
	Title     string
	Unchanged bool
	Parts     []DiffPart
}

// Changes lists, part by part, what changed between two versions; prev is
// nil for the first. quotes gives each attached quote as a reader knows it
// (its words and who said them), by id.
func Changes(prev *models.CollectiveVersion, cur models.CollectiveVersion, quotes map[int64]string) []Change {
	old := map[string]string{}
	if prev != nil {
		old["status"] = models.CollectiveStatusLabels[prev.Status]
		old["intro"] = prev.Snapshot.Introduction
		for _, s := range prev.Snapshot.Sections {
			old[s.Ref] = sectionText(s, quotes)
		}
	}
	out := []Change{
		diffText("Status", old["status"], models.CollectiveStatusLabels[cur.Status]),
		diffText("Introduction", old["intro"], cur.Snapshot.Introduction),
	}
	seen := map[string]bool{}
	for _, s := range cur.Snapshot.Sections {
		seen[s.Ref] = true
		out = append(out, diffText(s.Ref+" "+s.Title, old[s.Ref], sectionText(s, quotes)))
	}
	if prev != nil {
		for _, s := range prev.Snapshot.Sections {
			if !seen[s.Ref] {
				out = append(out, diffText(s.Ref+" "+s.Title, old[s.Ref], ""))
			}
		}
	}
	return out
}

func sectionText(s models.SnapshotSection, quotes map[int64]string) string {
	var b strings.Builder
	b.WriteString("Position: " + models.PositionLabels[s.Position] + "\n" + s.Statement)
	for _, id := range s.QuoteIDs {
		b.WriteString("\nQuote: ")
		if q, ok := quotes[id]; ok {
			b.WriteString(q)
		} else {
			b.WriteString("(a quote since taken out, or whose member no longer allows it)")
		}
	}
	return b.String()
}

// QuoteText is a quote as the versions page shows it: its words and who
// said them.
func QuoteText(excerpt, attribution string) string {
	return "“" + strings.TrimSpace(excerpt) + "” — " + attribution
}

func diffText(title, a, b string) Change {
	if a == b {
		return Change{Title: title, Unchanged: true}
	}
	ch := Change{Title: title}
	for _, d := range wordDiff(a, b) {
		op := "equal"
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = "insert"
		case diffmatchpatch.DiffDelete:
			op = "delete"
		}
		ch.Parts = append(ch.Parts, DiffPart{Op: op, Text: d.Text})
	}
	return ch
}

var wordOrSpace = regexp.MustCompile(`\s+|[^\s]+`)

// wordDiff compares two texts word by word, which reads better than the
// character diff: each distinct word (or run of spaces) becomes one rune
// from a private-use plane, the runes are diffed, then mapped back.
func wordDiff(a, b string) []diffmatchpatch.Diff {
	const base = 0xF0000
	index := map[string]rune{}
	var words []string
	encode := func(s string) []rune {
		var out []rune
		for _, w := range wordOrSpace.FindAllString(s, -1) {
			r, ok := index[w]
			if !ok {
				r = rune(base + len(words))
				index[w] = r
				words = append(words, w)
			}
			out = append(out, r)
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	diffs := dmp.DiffMainRunes(ra, rb, false)
	for i, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(words[r-base])
		}
		diffs[i].Text = sb.String()
	}
	return diffs
}
