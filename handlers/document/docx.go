package document

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gomutex/godocx"
	"github.com/gomutex/godocx/docx"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

// WriteDocx writes the collective response as a Word document a policy lead
// can edit: a title page with the contents, the introduction, then one
// section per proposal on its own page, with its figures as a table and its
// stances as a chart; every page headed with the body's name, logo and the
// consultation. Statements are Markdown; their headings, paragraphs,
// emphasis, lists and quotations become Word's own styles. Its properties
// name the body as author and are dated at approval (asOf for a draft).
// asOf is as for Markdown.
func WriteDocx(w io.Writer, d Document, asOf time.Time) error {
	doc, err := godocx.NewDocument()
	if err != nil {
		return err
	}
	pkg := newDocxPackage(doc)
	if err := docxTitlePage(doc, pkg, d, asOf); err != nil {
		return err
	}
	n := 0
	if strings.TrimSpace(d.IntroductionText) != "" {
		n++
		doc.AddPageBreak()
		pkg.bookmarkedHeading("Introduction", n)
		if err := markdownToDocx(doc, d.IntroductionText, 2); err != nil {
			return err
		}
	}
	for _, s := range d.Sections {
		n++
		doc.AddPageBreak()
		if err := docxSection(doc, pkg, s, n); err != nil {
			return err
		}
	}
	pkg.header(d)
	var buf bytes.Buffer
	if err := doc.Write(&buf); err != nil {
		return err
	}
	props := docProps{Title: bodyShortName(d.Body) + " response: " + d.Consultation.Title, Subject: d.Consultation.Title,
		Creator: d.Body.Name, Created: asOf}
	if d.Frozen && d.ApprovedAt != nil {
		props.Created = *d.ApprovedAt
	}
	return pkg.finish(buf.Bytes(), w, props)
}

// docxTitlePage writes the title, who sends it and how to reach them, its
// status, and the contents.
func docxTitlePage(doc *docx.RootDoc, pkg *docxPackage, d Document, asOf time.Time) error {
	if _, err := doc.AddHeading(d.Consultation.Title+": our members' collective response", 0); err != nil {
		return err
	}
	from := doc.AddParagraph("")
	from.AddText("From " + d.Body.Name).Bold(true)
	if contact := d.Body.Contact(); contact != "" {
		doc.AddParagraph("Contact: " + contact)
	}
	status := fmt.Sprintf("%s, version %d; figures as of %s.", models.CollectiveStatusLabels[d.Status], d.Version, asOf.Format("2 January 2006 15:04"))
	if d.Frozen && d.ApprovedAt != nil {
		status = "Approved " + d.ApprovedAt.In(asOf.Location()).Format("2 January 2006") + "."
	}
	doc.AddParagraph("").AddText(status).Italic(true)
	doc.AddParagraph("Contents").Style("TOCHeading")
	var headings []string
	var pages []int
	if strings.TrimSpace(d.IntroductionText) != "" {
		headings = append(headings, "Introduction")
	}
	for _, s := range d.Sections {
		headings = append(headings, s.Proposal.Ref+" "+s.Proposal.Title)
	}
	for i := range headings {
		pages = append(pages, i+2) // each on its own page after this one, until counted
	}
	pkg.contents(headings, pages)
	return nil
}

// docxSection writes one proposal's section: its heading (the nth in the
// contents), position, statement, figures, chart and quotes.
func docxSection(doc *docx.RootDoc, pkg *docxPackage, s Section, n int) error {
	pkg.bookmarkedHeading(s.Proposal.Ref+" "+s.Proposal.Title, n)
	p := doc.AddParagraph("")
	p.AddText("Our position: ").Bold(true)
	p.AddText(models.PositionLabels[s.Position])
	if err := markdownToDocx(doc, s.Statement, 2); err != nil {
		return err
	}
	doc.AddParagraph("").AddText(s.KeyFigures).Italic(true)
	if len(s.FigureRows) > 0 {
		doc.AddParagraph("Figures for " + s.Proposal.Ref).Style("Caption")
		figuresTable(doc, s.FigureRows)
		img, err := chart.PNG(s.StanceChart)
		if err != nil {
			return err
		}
		doc.AddParagraph(s.StanceChart.Caption).Style("Caption")
		const width = 6.0 // inches: the page's width inside its margins
		pw, ph := chart.PNGSize(s.StanceChart)
		h := width * float64(ph) / float64(pw)
		pkg.picture(img, width, h, chart.Describe(s.StanceChart))
	}
	for _, q := range s.Quotes {
		doc.AddParagraph("“" + strings.TrimSpace(q.Excerpt) + "”").Style("Quote")
		doc.AddParagraph("— " + q.Attribution).Style("Quote")
	}
	return nil
}

// figuresTable writes a section's figures as a two-column table.
func figuresTable(doc *docx.RootDoc, rows []FigureRow) {
	t := doc.AddTable()
	t.Style("TableGrid")
	head := t.AddRow()
	head.AddCell().AddParagraph("").AddText("Figure").Bold(true)
	head.AddCell().AddParagraph("").AddText("Value").Bold(true)
	for _, r := range rows {
		row := t.AddRow()
		row.AddCell().AddParagraph(r.Label)
		row.AddCell().AddParagraph(r.Value)
	}
}

// markdownToDocx adds Markdown blocks to the document; headings start at
// minLevel so that a statement's headings sit under its section's.
func markdownToDocx(doc *docx.RootDoc, src string, minLevel int) error {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	if Nesting(src) > MaxNesting {
		for _, para := range paragraphs(src) {
			doc.AddParagraph(para)
		}
		return nil
	}
	source := []byte(src)
	root := markdown.Parser().Parse(text.NewReader(source))
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		if err := blockToDocx(doc, n, source, minLevel, ""); err != nil {
			return err
		}
	}
	return nil
}

func blockToDocx(doc *docx.RootDoc, n ast.Node, source []byte, minLevel int, style string) error {
	switch b := n.(type) {
	case *ast.Heading:
		level := min(minLevel+b.Level-1, 9)
		_, err := doc.AddHeading(plainText(b, source), uint(level))
		return err
	case *ast.Paragraph, *ast.TextBlock:
		p := doc.AddParagraph("")
		if style != "" {
			p.Style(style)
		}
		inlinesToRuns(p, n, source, false, false)
	case *ast.List:
		listStyle := "List Bullet"
		if b.IsOrdered() {
			listStyle = "List Number"
		}
		for item := b.FirstChild(); item != nil; item = item.NextSibling() {
			for c := item.FirstChild(); c != nil; c = c.NextSibling() {
				if err := blockToDocx(doc, c, source, minLevel, listStyle); err != nil {
					return err
				}
			}
		}
	case *ast.Blockquote:
		for c := b.FirstChild(); c != nil; c = c.NextSibling() {
			if err := blockToDocx(doc, c, source, minLevel, "Quote"); err != nil {
				return err
			}
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			doc.AddParagraph(strings.TrimRight(string(seg.Value(source)), "\n"))
		}
	case *ast.ThematicBreak:
		doc.AddParagraph("")
	default:
		if t := plainText(n, source); strings.TrimSpace(t) != "" {
			doc.AddParagraph(t)
		}
	}
	return nil
}

// inlinesToRuns adds a block's inline content as runs, keeping bold and italic.
func inlinesToRuns(p *docx.Paragraph, n ast.Node, source []byte, bold, italic bool) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch in := c.(type) {
		case *ast.Text:
			r := p.AddText(string(in.Segment.Value(source)))
			r.Bold(bold).Italic(italic)
			if in.SoftLineBreak() || in.HardLineBreak() {
				p.AddText(" ")
			}
		case *ast.String:
			p.AddText(string(in.Value)).Bold(bold).Italic(italic)
		case *ast.Emphasis:
			inlinesToRuns(p, in, source, bold || in.Level >= 2, italic || in.Level == 1)
		case *ast.CodeSpan:
			p.AddText(plainText(in, source)).Font("Consolas")
		case *ast.Link:
			inlinesToRuns(p, in, source, bold, italic)
			p.AddText(" (" + string(in.Destination) + ")").Bold(bold).Italic(italic)
		default:
			inlinesToRuns(p, c, source, bold, italic)
		}
	}
}

func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
			if t.SoftLineBreak() {
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
