package handlers

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/nhsproviders/consultation-tracker/models"
)

// documentParam reads :id and builds that consultation's collective response
// as every export shows it.
func (h *Handler) documentParam(c *fiber.Ctx) (models.User, models.Consultation, collectiveDocument, error) {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c, u)
	if err != nil {
		return u, cons, collectiveDocument{}, err
	}
	d, _, _, err := h.buildDocument(c.UserContext(), cons)
	return u, cons, d, err
}

func (h *Handler) collectivePrint(c *fiber.Ctx) error {
	_, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	return h.render(c, "collective/print", page{Title: "Collective response: " + cons.Title, Nav: "consultations", Data: d})
}

// collectiveMarkdown writes the collective response as Markdown, figures
// filled in, for pasting into other documents.
func (h *Handler) collectiveMarkdown(c *fiber.Ctx) error {
	u, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: our members' collective response\n\n", inertText(cons.Title))
	if d.Frozen {
		fmt.Fprintf(&b, "_Approved %s._\n\n", d.ApprovedAt.In(london).Format("2 January 2006"))
	} else {
		fmt.Fprintf(&b, "_%s, version %d; figures as of %s._\n\n", models.CollectiveStatusLabels[d.Status], d.Version, h.store.Now().In(london).Format("2 January 2006 15:04"))
	}
	if intro := fillOrKeep(d.Introduction, nil, nil); strings.TrimSpace(intro) != "" {
		writeInertMarkdown(&b, intro, 1)
		b.WriteString("\n")
	}
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s %s\n\n**Our position:** %s\n\n", inertText(s.Proposal.Ref), inertText(s.Proposal.Title),
			inertText(models.PositionLabels[s.Position]))
		if strings.TrimSpace(s.Statement) != "" {
			writeInertMarkdown(&b, s.Statement, 2)
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "_%s_\n\n", inertText(s.KeyFigures))
		for _, q := range s.Quotes {
			inertParagraphs(&b, q.Excerpt, "> ")
			fmt.Fprintf(&b, ">\n> — %s\n\n", inertText(q.Attribution))
		}
	}
	h.audit(c, u.ID, models.AuditExport, fmt.Sprintf("collective response, consultation %d", cons.ID), "markdown")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="collective-response-%d.md"`, cons.ID))
	c.Type("md", "utf-8")
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.SendString(b.String())
}

func (h *Handler) collectiveDocx(c *fiber.Ctx) error {
	u, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeDocx(&buf, d, h.store.Now()); err != nil {
		return err
	}
	h.audit(c, u.ID, models.AuditExport, fmt.Sprintf("collective response, consultation %d", cons.ID), "docx")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="collective-response-%d.docx"`, cons.ID))
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	return c.Send(buf.Bytes())
}

type diffPart struct{ Op, Text string }

type textChange struct {
	Title     string
	Unchanged bool
	Parts     []diffPart
}

type versionsPage struct {
	Consultation models.Consultation
	Versions     []models.CollectiveVersion
	Selected     *models.CollectiveVersion
	Previous     *models.CollectiveVersion
	Changes      []textChange
}

func (h *Handler) collectiveVersions(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c, u)
	if err != nil {
		return err
	}
	vs, err := h.store.CollectiveVersions(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	p := versionsPage{Consultation: cons, Versions: vs}
	if raw := c.Params("version"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fiber.ErrNotFound
		}
		for i := range vs {
			if vs[i].Version == n {
				p.Selected = &vs[i]
				if i+1 < len(vs) {
					p.Previous = &vs[i+1]
				}
			}
		}
		if p.Selected == nil {
			return fiber.ErrNotFound
		}
		p.Changes = compareSnapshots(p.Previous, *p.Selected)
	}
	return h.render(c, "collective/versions", page{Title: "Versions of the collective response", Nav: "consultations", Data: p})
}

// compareSnapshots lists, part by part, what changed between two versions.
func compareSnapshots(prev *models.CollectiveVersion, cur models.CollectiveVersion) []textChange {
	old := map[string]string{}
	if prev != nil {
		old["status"] = models.CollectiveStatusLabels[prev.Status]
		old["intro"] = prev.Snapshot.Introduction
		for _, s := range prev.Snapshot.Sections {
			old[s.Ref] = sectionText(s)
		}
	}
	out := []textChange{
		diffText("Status", old["status"], models.CollectiveStatusLabels[cur.Status]),
		diffText("Introduction", old["intro"], cur.Snapshot.Introduction),
	}
	seen := map[string]bool{}
	for _, s := range cur.Snapshot.Sections {
		seen[s.Ref] = true
		out = append(out, diffText(s.Ref+" "+s.Title, old[s.Ref], sectionText(s)))
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

func sectionText(s models.SnapshotSection) string {
	return "Position: " + models.PositionLabels[s.Position] + "\n" + s.Statement +
		"\nQuotes: " + fmt.Sprint(s.QuoteIDs)
}

func diffText(title, a, b string) textChange {
	if a == b {
		return textChange{Title: title, Unchanged: true}
	}
	ch := textChange{Title: title}
	for _, d := range wordDiff(a, b) {
		op := "equal"
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = "insert"
		case diffmatchpatch.DiffDelete:
			op = "delete"
		}
		ch.Parts = append(ch.Parts, diffPart{Op: op, Text: d.Text})
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
