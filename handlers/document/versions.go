package document

import (
	"fmt"
	"regexp"
	"slices"
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
	return partText(models.PartText{Position: s.Position, Statement: s.Statement, QuoteIDs: s.QuoteIDs}, quotes)
}

// partText is a section as text for comparing: its position, statement and
// quotes; or the introduction alone.
func partText(p models.PartText, quotes map[int64]string) string {
	if p.Position == "" && p.Statement == "" && len(p.QuoteIDs) == 0 {
		return p.Introduction
	}
	var b strings.Builder
	b.WriteString("Position: " + models.PositionLabels[p.Position] + "\n" + p.Statement)
	for _, id := range p.QuoteIDs {
		b.WriteString("\nQuote: " + QuoteOrGone(quotes, id))
	}
	return b.String()
}

// QuoteOrGone is quote id as text, or says that it can no longer be shown.
func QuoteOrGone(quotes map[int64]string, id int64) string {
	if q, ok := quotes[id]; ok {
		return q
	}
	return "(a quote since taken out, or whose member no longer allows it)"
}

// CompareParts is what differs, word by word, from one text of a part (the
// introduction, or a section) to another.
func CompareParts(title string, from, to models.PartText, quotes map[int64]string) Change {
	return diffText(title, partText(from, quotes), partText(to, quotes))
}

// WhatChanged says in a few words what a version changed since the one
// before it (prev nil for the first): its status, the introduction, and for
// each section its position, statement and quotes.
func WhatChanged(prev *models.CollectiveVersion, cur models.CollectiveVersion) []string {
	if prev == nil {
		prev = &models.CollectiveVersion{}
	}
	var out []string
	if prev.Status != "" && prev.Status != cur.Status {
		out = append(out, "Status: "+models.CollectiveStatusLabels[prev.Status]+" → "+models.CollectiveStatusLabels[cur.Status])
	}
	if prev.Snapshot.Introduction != cur.Snapshot.Introduction {
		out = append(out, "Introduction")
	}
	old := map[string]models.SnapshotSection{}
	for _, s := range prev.Snapshot.Sections {
		old[s.Ref] = s
	}
	for _, s := range cur.Snapshot.Sections {
		was, had := old[s.Ref]
		delete(old, s.Ref)
		if !had {
			out = append(out, s.Ref+": new section ("+models.PositionLabels[s.Position]+")")
		} else if what := sectionChanges(was, s); what != "" {
			out = append(out, s.Ref+": "+what)
		}
	}
	for _, s := range prev.Snapshot.Sections {
		if _, gone := old[s.Ref]; gone {
			out = append(out, s.Ref+": section taken out")
		}
	}
	return out
}

// sectionChanges lists what differs between two saves of one section, or "".
func sectionChanges(was, now models.SnapshotSection) string {
	var what []string
	if was.Position != now.Position {
		what = append(what, "position ("+models.PositionLabels[was.Position]+" → "+models.PositionLabels[now.Position]+")")
	}
	if was.Statement != now.Statement {
		what = append(what, "statement")
	}
	added, removed := 0, 0
	for _, id := range now.QuoteIDs {
		if !slices.Contains(was.QuoteIDs, id) {
			added++
		}
	}
	for _, id := range was.QuoteIDs {
		if !slices.Contains(now.QuoteIDs, id) {
			removed++
		}
	}
	if added > 0 {
		what = append(what, countOf(added, "quote")+" added")
	}
	if removed > 0 {
		what = append(what, countOf(removed, "quote")+" removed")
	}
	return strings.Join(what, ", ")
}

func countOf(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
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
