package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// docxParts are the parts of a .docx package, by name.
func docxParts(t *testing.T, body string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return parts
}

// coreProperties is docProps/core.xml as Word reads it.
type coreProperties struct {
	Title          string `xml:"title"`
	Subject        string `xml:"subject"`
	Creator        string `xml:"creator"`
	LastModifiedBy string `xml:"lastModifiedBy"`
	Description    string `xml:"description"`
	Created        string `xml:"created"`
	Modified       string `xml:"modified"`
}

type appProperties struct {
	Application string `xml:"Application"`
}

// wordBody is the part of word/document.xml these tests read: tables as
// their cells' text, pictures by relationship, fields by instruction.
type wordBody struct {
	Tables []struct {
		Rows []struct {
			Cells []struct {
				Texts []string `xml:"p>r>t"`
			} `xml:"tc"`
		} `xml:"tr"`
	} `xml:"body>tbl"`
}

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func (r relationships) target(id string) string {
	for _, rel := range r.Rels {
		if rel.ID == id {
			return rel.Target
		}
	}
	return ""
}

func setBody(t *testing.T, e *env, logo []byte) {
	t.Helper()
	ch := storage.BodyChange{Body: models.Body{Name: "Association of Trusts", ShortName: "AoT", Email: "policy@aot.example"}}
	if logo != nil {
		l, err := models.CheckLogo(logo)
		if err != nil {
			t.Fatal(err)
		}
		ch.Logo = &l
	}
	if err := e.store.SetBody(t.Context(), 0, ch); err != nil {
		t.Fatal(err)
	}
}

// approve sends the collective response for review and approves it.
func approve(t *testing.T, e *env, policy *client, version int) {
	t.Helper()
	if r := policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {itoa(int64(version))}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send for review: %d\n%s", r.Status, r.Body)
	}
	admin := e.signIn("admin@body.example")
	admin.get("/consultations/1/collective")
	if r := admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "confirm": {"1"}, "version": {itoa(int64(version + 1))}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.Status, r.Body)
	}
}

// Issue 12, defect 7: the Word document's properties are true: its title,
// the body as author, the consultation as subject, and the approval time.
func TestTheWordDocumentSaysWhoWroteItAndWhen(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	setBody(t, e, nil)
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0")); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d", r.Status)
	}
	cons, err := e.store.ConsultationByID(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	check := func(stage string, when time.Time) {
		t.Helper()
		parts := docxParts(t, policy.get("/consultations/1/collective.docx").Body)
		var core coreProperties
		var app appProperties
		if err := xml.Unmarshal(parts["docProps/core.xml"], &core); err != nil {
			t.Fatalf("%s: core.xml: %v", stage, err)
		}
		if err := xml.Unmarshal(parts["docProps/app.xml"], &app); err != nil {
			t.Fatalf("%s: app.xml: %v", stage, err)
		}
		stamp := when.UTC().Format("2006-01-02T15:04:05Z")
		want := coreProperties{Title: "AoT response: " + cons.Title, Subject: cons.Title, Creator: "Association of Trusts",
			LastModifiedBy: "Association of Trusts", Created: stamp, Modified: stamp}
		if core != want {
			t.Errorf("%s: core properties\n got %+v\nwant %+v", stage, core, want)
		}
		if app.Application != "Consultation tracker" {
			t.Errorf("%s: Application = %q", stage, app.Application)
		}
		for name, content := range parts {
			if bytes.Contains(content, []byte("gomutex")) || bytes.Contains(content, []byte("godocx")) {
				t.Errorf("%s: %s still names the library", stage, name)
			}
		}
		if _, ok := parts["docProps/thumbnail.jpeg"]; ok {
			t.Errorf("%s: the library's sample thumbnail is still in the package", stage)
		}
	}
	check("draft", e.clk.t)
	approvedAt := e.clk.t.Add(time.Minute)
	e.clk.t = approvedAt
	approve(t, e, policy, 1)
	e.clk.t = approvedAt.Add(10 * time.Minute)
	check("approved", approvedAt)
}

// What makes it ready to send: under each section a table of figures and
// the stance chart, in every export, with true minus signs.
func TestEveryExportShowsEachProposalsFiguresAndChart(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	setBody(t, e, testImage(t, "png", 120, 40))
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "Net support is {{net_support}}.", "0")); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d", r.Status)
	}
	want := map[string]string{
		"Responses": "2 of 2 member organisations", "Response rate": "100%", "Oppose": "2", "Support": "0",
		"Net support": "−2", "Mean autonomy impact (−2 to +2)": "−2.0",
	}
	labels := map[string]string{}
	concerns, _ := e.store.Concerns(t.Context())
	for _, c := range concerns {
		labels[c.Code] = c.Label
	}
	want["Top concerns"] = labels["timescale"] + " (2); " + labels["new_central_powers"] + " (1)"
	check := func(stage string) {
		t.Helper()
		checkRows(t, stage+", Markdown", markdownTable(t, policy.get("/consultations/1/collective.md").Body), want)
		checkRows(t, stage+", Word", docxFigures(t, policy.get("/consultations/1/collective.docx").Body), want)
		print := policy.get("/consultations/1/collective/print").Body
		for _, s := range []string{`<th scope="row">Net support</th><td>−2</td>`, `class="bar stance-oppose"`, "Net support is −2.", `<img src="/body/logo?v=`} {
			if !strings.Contains(print, s) {
				t.Errorf("%s, print view: %q missing", stage, s)
			}
		}
		if strings.Contains(print, "-2.0") || strings.Contains(print, "net support -2") {
			t.Errorf("%s, print view: a negative figure printed with a hyphen", stage)
		}
	}
	check("draft")
	approve(t, e, policy, 1)
	// A member joining after approval changes nothing in the document.
	e.addOrg("GAM", "Gamma Trust", "acute", "London", "ics")
	check("approved")
}

// checkRows compares a figures table (label → value) with what it should say.
func checkRows(t *testing.T, where string, got, want map[string]string) {
	t.Helper()
	for label, value := range want {
		if got[label] != value {
			t.Errorf("%s: %q = %q, want %q", where, label, got[label], value)
		}
	}
}

// cellText is the text of a table cell, its inline nodes joined.
func cellText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := n.(*ast.Text); ok && entering {
			b.Write(t.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// markdownTable renders the Markdown export as GFM and reads its first table.
func markdownTable(t *testing.T, md string) map[string]string {
	t.Helper()
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(text.NewReader(src))
	rows := map[string]string{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if row, ok := n.(*east.TableRow); ok && entering {
			label := row.FirstChild()
			if label != nil && label.NextSibling() != nil {
				rows[cellText(label, src)] = cellText(label.NextSibling(), src)
			}
		}
		return ast.WalkContinue, nil
	})
	if len(rows) == 0 {
		t.Fatalf("the Markdown export has no table:\n%s", md)
	}
	return rows
}

// docxFigures reads the first table of the Word document, and checks that
// the chart beside it is a picture related to a real PNG in the package.
func docxFigures(t *testing.T, body string) map[string]string {
	t.Helper()
	parts := docxParts(t, body)
	var doc wordBody
	if err := xml.Unmarshal(parts["word/document.xml"], &doc); err != nil {
		t.Fatalf("document.xml: %v", err)
	}
	if len(doc.Tables) == 0 {
		t.Fatal("the Word document has no table")
	}
	rows := map[string]string{}
	for _, r := range doc.Tables[0].Rows {
		if len(r.Cells) == 2 {
			rows[strings.Join(r.Cells[0].Texts, "")] = strings.Join(r.Cells[1].Texts, "")
		}
	}
	var rels relationships
	if err := xml.Unmarshal(parts["word/_rels/document.xml.rels"], &rels); err != nil {
		t.Fatal(err)
	}
	var pic struct {
		Blips []struct {
			Embed string `xml:"embed,attr"`
		} `xml:"body>p>r>drawing>inline>graphic>graphicData>pic>blipFill>blip"`
	}
	if err := xml.Unmarshal(parts["word/document.xml"], &pic); err != nil || len(pic.Blips) == 0 {
		t.Fatalf("the Word document has no picture (%v)", err)
	}
	media := path.Join("word", rels.target(pic.Blips[0].Embed))
	if _, err := png.Decode(bytes.NewReader(parts[media])); err != nil {
		t.Errorf("the chart %s is not a PNG: %v", media, err)
	}
	return rows
}

// Every page of the Word document has a running header naming the body,
// with its logo, and the consultation; a contents page lists the sections.
func TestTheWordDocumentHasARunningHeaderAndContents(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	setBody(t, e, testImage(t, "png", 120, 40))
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0")); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d", r.Status)
	}
	parts := docxParts(t, policy.get("/consultations/1/collective.docx").Body)
	var hdr struct {
		Texts []string `xml:"p>r>t"`
		Blips []struct {
			Embed string `xml:"embed,attr"`
		} `xml:"p>r>drawing>inline>graphic>graphicData>pic>blipFill>blip"`
	}
	if err := xml.Unmarshal(parts["word/header1.xml"], &hdr); err != nil {
		t.Fatalf("header1.xml: %v", err)
	}
	if got := strings.Join(hdr.Texts, ""); !strings.Contains(got, "AoT") || !strings.Contains(got, "Page") {
		t.Errorf("header says %q", got)
	}
	var rels relationships
	_ = xml.Unmarshal(parts["word/_rels/header1.xml.rels"], &rels)
	if len(hdr.Blips) != 1 {
		t.Fatal("the header has no logo")
	}
	if _, err := png.Decode(bytes.NewReader(parts[path.Join("word", rels.target(hdr.Blips[0].Embed))])); err != nil {
		t.Errorf("the header's logo is not the PNG uploaded: %v", err)
	}
	var docRels relationships
	_ = xml.Unmarshal(parts["word/_rels/document.xml.rels"], &docRels)
	var sect struct {
		Ref struct {
			ID string `xml:"id,attr"`
		} `xml:"body>sectPr>headerReference"`
	}
	_ = xml.Unmarshal(parts["word/document.xml"], &sect)
	if docRels.target(sect.Ref.ID) != "header1.xml" {
		t.Errorf("the page's header reference %q does not lead to header1.xml", sect.Ref.ID)
	}
	var fields struct {
		Instr []string `xml:"body>p>r>instrText"`
		Links []string `xml:"body>p>hyperlink>r>t"`
	}
	_ = xml.Unmarshal(parts["word/document.xml"], &fields)
	if len(fields.Instr) == 0 || !strings.Contains(fields.Instr[0], "TOC") {
		t.Errorf("no table of contents field: %q", fields.Instr)
	}
	if !strings.Contains(strings.Join(fields.Links, "|"), "LP-12 ") {
		t.Errorf("the contents do not list LP-12: %q", fields.Links)
	}
}
