// Package document writes the collective response for people to read: its
// statements (Markdown) as safe HTML for the pages, the whole response as
// inert Markdown and as a Word document, and what changed between two of
// its versions. It takes the response as plain data (Document) and never
// reads the store.
package document

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

// Document is the collective response as every view shows it: the
// workspace, the print page, Markdown and Word.
type Document struct {
	Consultation     models.Consultation
	Started          bool
	Status           string
	Version          int
	Frozen           bool // approved: figures and quotes as they were at approval
	ApprovedAt       *time.Time
	Introduction     string // as written, with {{REF.figure}} tokens
	IntroductionText string // figures filled in (Markdown), as every export shows it
	IntroductionHTML template.HTML
	Sections         []Section
	Missing          []models.Proposal
	// Withdrawn are frozen quotes whose members have withdrawn consent since
	// approval: left out (or shown without the name) everywhere, and listed
	// on the workspace for the policy team to take out.
	Withdrawn []models.WithdrawnQuote
	// Body is who sends the response: named in every page's header and in
	// the Word document's properties. Logo is its logo, if it has one.
	Body models.Body
	Logo *models.Logo
}

// Section is one proposal's part of the collective response as shown:
// figures filled in, evidence attached.
type Section struct {
	Proposal      models.Proposal
	HasSection    bool
	Position      string
	Source        string // the statement as written, with {{figure}} tokens
	Statement     string // the statement with figures filled in (Markdown)
	StatementHTML template.HTML
	Unknown       []string // tokens that name no figure
	KeyFigures    string
	Quotes        []models.FrozenQuote
	QuoteIDs      []int64
	Coverage      models.SectionCoverage
	Figures       map[string]string // this proposal's figures as printed, true minus signs and all
	FigureRows    []FigureRow       // the small table of figures under the statement
	StanceChart   chart.BarChart
}

// keyFigures is the standard line of evidence under each section.
const keyFigures = "{{responses}} of {{members}} member organisations responded ({{response_rate}}): " +
	"{{supporting}} support, {{neutral}} neutral, {{opposing}} oppose (net support {{net_support}}); " +
	"mean autonomy impact {{autonomy_mean}} on a scale from −2 (to the centre) to +2 (more local autonomy)."

// Fill fills in the figures of the introduction and of each section's
// statement and key figures, from the figures of each proposal by its ref,
// and renders them as HTML.
func (d *Document) Fill(figures map[string]map[string]string) {
	figures = printedFigures(figures)
	d.IntroductionText, _ = models.FillFigures(d.Introduction, nil, figures)
	d.IntroductionHTML = HTML(d.IntroductionText)
	for i := range d.Sections {
		s := &d.Sections[i]
		own := figures[s.Proposal.Ref]
		s.Figures = own
		s.Statement, s.Unknown = models.FillFigures(s.Source, own, figures)
		s.StatementHTML = HTML(s.Statement)
		s.KeyFigures, _ = models.FillFigures(keyFigures, own, nil)
	}
}

// Markdown is the collective response as Markdown, figures filled in, for
// pasting into other documents. asOf is when its figures were read, in the
// time zone its dates are written in.
func Markdown(d Document, asOf time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: our members' collective response\n\n", inertText(d.Consultation.Title))
	fmt.Fprintf(&b, "**From %s**", inertText(d.Body.Name))
	if contact := d.Body.Contact(); contact != "" {
		fmt.Fprintf(&b, "\\\nContact: %s", inertText(contact))
	}
	b.WriteString("\n\n")
	if d.Frozen {
		fmt.Fprintf(&b, "_Approved %s._\n\n", d.ApprovedAt.In(asOf.Location()).Format("2 January 2006"))
	} else {
		fmt.Fprintf(&b, "_%s, version %d; figures as of %s._\n\n", models.CollectiveStatusLabels[d.Status], d.Version, asOf.Format("2 January 2006 15:04"))
	}
	if intro := d.IntroductionText; strings.TrimSpace(intro) != "" {
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
		writeFiguresTable(&b, s)
		for _, q := range s.Quotes {
			inertParagraphs(&b, q.Excerpt, "> ")
			fmt.Fprintf(&b, ">\n> — %s\n\n", inertText(q.Attribution))
		}
	}
	return b.String()
}

// writeFiguresTable writes a section's figures as a GFM table: a plain
// paragraph of pipes in a renderer without tables, still readable.
func writeFiguresTable(b *strings.Builder, s Section) {
	if len(s.FigureRows) == 0 {
		return
	}
	fmt.Fprintf(b, "| Figure for %s | Value |\n| --- | --- |\n", inertText(s.Proposal.Ref))
	for _, r := range s.FigureRows {
		fmt.Fprintf(b, "| %s | %s |\n", inertText(r.Label), inertText(r.Value))
	}
	b.WriteString("\n")
}
