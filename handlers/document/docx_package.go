package document

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gomutex/godocx/docx"
	"github.com/gomutex/godocx/wml/ctypes"
	"github.com/gomutex/godocx/wml/stypes"

	"github.com/nhsproviders/consultation-tracker/models"
)

// godocx writes paragraphs, runs and tables, but not fields, bookmarks,
// pictures from memory, headers or true document properties. docxPackage
// adds those: it puts a marker paragraph where WordprocessingML of its own
// goes, and after godocx has written the package it copies every part,
// swapping the markers for that XML and the properties for true ones.
type docxPackage struct {
	doc      *docx.RootDoc
	nonce    string
	raw      map[string]string // marker → the XML that replaces its paragraph
	images   int
	drawings int
}

func newDocxPackage(doc *docx.RootDoc) *docxPackage {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &docxPackage{doc: doc, nonce: hex.EncodeToString(b), raw: map[string]string{}}
}

// paragraphs adds a paragraph that will be replaced by the XML given (one
// or more whole w:p elements).
func (p *docxPackage) paragraphs(x string) {
	marker := fmt.Sprintf("docx-raw-%s-%d", p.nonce, len(p.raw))
	p.raw[marker] = x
	p.doc.AddParagraph(marker)
}

// addImage stores a PNG in the package, related from the part rels
// belongs to (nil: the document), and returns its relationship id.
func (p *docxPackage) addImage(data []byte, rels *[]string) string {
	p.images++
	name := fmt.Sprintf("image-%s-%d.png", p.nonce[:6], p.images)
	p.doc.FileMap.Store("word/media/"+name, data)
	_ = p.doc.ContentType.AddExtension("png", "image/png")
	const imageRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
	if rels != nil {
		id := fmt.Sprintf("rId%d", len(*rels)+1)
		*rels = append(*rels, fmt.Sprintf(`<Relationship Id="%s" Type="%s" Target="media/%s"/>`, id, imageRel, name))
		return id
	}
	id := fmt.Sprintf("rId%d", p.doc.Document.IncRelationID())
	p.doc.Document.DocRels.Relationships = append(p.doc.Document.DocRels.Relationships,
		&docx.Relationship{ID: id, Type: imageRel, Target: "media/" + name})
	return id
}

// emuPerInch is how Office measures pictures: English Metric Units.
const emuPerInch = 914400

// drawing is an inline picture of the image related as relID, w × h
// inches, described for those who cannot see it.
func (p *docxPackage) drawing(relID string, w, h float64, descr string) string {
	p.drawings++
	cx, cy := int(w*emuPerInch), int(h*emuPerInch)
	return fmt.Sprintf(`<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">`+
		`<wp:extent cx="%d" cy="%d"/><wp:docPr id="%d" name="Picture %d" descr="%s"/>`+
		`<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">`+
		`<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
		`<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
		`<pic:nvPicPr><pic:cNvPr id="%d" name="Picture %d"/><pic:cNvPicPr/></pic:nvPicPr>`+
		`<pic:blipFill><a:blip r:embed="%s"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`+
		`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>`+
		`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>`,
		cx, cy, 1000+p.drawings, p.drawings, xmlText(descr), 1000+p.drawings, p.drawings, relID, cx, cy)
}

// picture adds a paragraph holding a PNG, w × h inches.
func (p *docxPackage) picture(data []byte, w, h float64, descr string) {
	id := p.addImage(data, nil)
	p.paragraphs(`<w:p><w:pPr><w:keepNext/></w:pPr>` + p.drawing(id, w, h, descr) + `</w:p>`)
}

// bookmarkedHeading adds a level-1 heading with a bookmark, for the
// contents' page references.
func (p *docxPackage) bookmarkedHeading(text string, n int) {
	p.paragraphs(fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:bookmarkStart w:id="%d" w:name="%s"/>`+
		`<w:r><w:t xml:space="preserve">%s</w:t></w:r><w:bookmarkEnd w:id="%d"/></w:p>`, n, tocBookmark(n), xmlText(text), n))
}

func tocBookmark(n int) string { return fmt.Sprintf("_Toc%08d", n) }

// contents adds a table of contents: a TOC field that Word refreshes when
// the document opens, holding an entry per heading with a reference to
// its page (which LibreOffice works out itself). pages are the page each
// heading is expected on, until a word processor counts them.
func (p *docxPackage) contents(headings []string, pages []int) {
	if len(headings) == 0 {
		p.doc.AddParagraph("Nothing has been written yet.")
		return
	}
	var b strings.Builder
	const tabs = `<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9020"/></w:tabs><w:spacing w:after="120"/></w:pPr>`
	for i, h := range headings {
		b.WriteString("<w:p>" + tabs)
		if i == 0 {
			b.WriteString(`<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>` +
				`<w:r><w:instrText xml:space="preserve"> TOC \o "1-1" \h \z \u </w:instrText></w:r>` +
				`<w:r><w:fldChar w:fldCharType="separate"/></w:r>`)
		}
		fmt.Fprintf(&b, `<w:hyperlink w:anchor="%s" w:history="1"><w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:tab/></w:r>`+
			`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGEREF %s \h </w:instrText></w:r>`+
			`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>%d</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>`,
			tocBookmark(i+1), xmlText(h), tocBookmark(i+1), pages[i])
		if i == len(headings)-1 {
			b.WriteString(`<w:r><w:fldChar w:fldCharType="end"/></w:r>`)
		}
		b.WriteString("</w:p>")
	}
	p.paragraphs(b.String())
}

// header gives every page a running header: the logo, the body's name and
// the consultation's title, and the page number. It also sets the page to
// A4 with margins for it.
func (p *docxPackage) header(d Document) {
	var rels []string
	var logo string
	if l := d.Logo; l != nil && l.Width > 0 && l.Height > 0 {
		id := p.addLogo(l.Data, l.Type, &rels)
		w := min(0.35*float64(l.Width)/float64(l.Height), 1.5) // 0.35 inches high, at most 1.5 wide
		logo = p.drawing(id, w, w*float64(l.Height)/float64(l.Width), "Logo of "+d.Body.Name) + `<w:r><w:t xml:space="preserve">  </w:t></w:r>`
	}
	hdr := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ` +
		`xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">` +
		`<w:p><w:pPr><w:tabs><w:tab w:val="right" w:pos="9020"/></w:tabs><w:spacing w:after="0"/></w:pPr>` + logo +
		`<w:r><w:rPr><w:b/><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">` + xmlText(bodyShortName(d.Body)) + `</w:t></w:r>` +
		`<w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:tab/><w:t xml:space="preserve">Page </w:t></w:r>` +
		`<w:fldSimple w:instr=" PAGE "><w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple></w:p>` +
		`<w:p><w:pPr><w:spacing w:after="0"/><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="768692"/></w:pBdr></w:pPr>` +
		`<w:r><w:rPr><w:color w:val="4C6272"/><w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">` + xmlText(d.Consultation.Title) + `</w:t></w:r></w:p></w:hdr>`
	p.doc.FileMap.Store("word/header1.xml", []byte(hdr))
	p.doc.FileMap.Store("word/_rels/header1.xml.rels", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+strings.Join(rels, "")+`</Relationships>`))
	_ = p.doc.ContentType.AddOverride("/word/header1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml")
	id := fmt.Sprintf("rId%d", p.doc.Document.IncRelationID())
	p.doc.Document.DocRels.Relationships = append(p.doc.Document.DocRels.Relationships, &docx.Relationship{ID: id,
		Type: "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header", Target: "header1.xml"})
	a4w, a4h := uint64(11906), uint64(16838)
	side, top, bottom, margin := 1440, 1700, 1440, 720
	p.doc.Document.Body.SectPr = &ctypes.SectionProp{
		HeaderReference: &ctypes.HeaderReference{Type: stypes.HdrFtrDefault, ID: id},
		PageSize:        &ctypes.PageSize{Width: &a4w, Height: &a4h},
		PageMargin:      &ctypes.PageMargin{Left: &side, Right: &side, Top: &top, Bottom: &bottom, Header: &margin, Footer: &margin},
	}
}

// addLogo stores the logo (PNG or JPEG) for the header.
func (p *docxPackage) addLogo(data []byte, contentType string, rels *[]string) string {
	if contentType == "image/png" {
		return p.addImage(data, rels)
	}
	name := fmt.Sprintf("logo-%s.jpeg", p.nonce[:6])
	p.doc.FileMap.Store("word/media/"+name, data)
	_ = p.doc.ContentType.AddExtension("jpeg", "image/jpeg")
	id := fmt.Sprintf("rId%d", len(*rels)+1)
	*rels = append(*rels, fmt.Sprintf(`<Relationship Id="%s" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/%s"/>`, id, name))
	return id
}

func bodyShortName(b models.Body) string {
	if b.ShortName != "" {
		return b.ShortName
	}
	return b.Name
}

// docProps are the document's properties, as Word shows them under File,
// Info and a file manager lists them.
type docProps struct {
	Title, Subject, Creator string
	Created                 time.Time
}

// finish copies the package godocx wrote to w: the marker paragraphs
// replaced, true properties, and no thumbnail (godocx's shows its own
// sample page).
func (p *docxPackage) finish(written []byte, w io.Writer, props docProps) error {
	zr, err := zip.NewReader(bytes.NewReader(written), int64(len(written)))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range zr.File {
		content, err := readZipFile(f)
		if err != nil {
			return err
		}
		switch f.Name {
		case "docProps/thumbnail.jpeg":
			continue
		case "docProps/core.xml":
			content = coreXML(props)
		case "docProps/app.xml":
			content = appXML()
		case "_rels/.rels":
			content = packageRels
		case "word/document.xml":
			if content, err = p.replaceMarkers(content); err != nil {
				return err
			}
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: props.Created})
		if err != nil {
			return err
		}
		if _, err := fw.Write(content); err != nil {
			return err
		}
	}
	return zw.Close()
}

func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// replaceMarkers swaps each marker's whole paragraph for its XML.
func (p *docxPackage) replaceMarkers(doc []byte) ([]byte, error) {
	s := string(doc)
	for marker, x := range p.raw {
		at := strings.Index(s, marker)
		if at < 0 {
			return nil, fmt.Errorf("docx: marker %s not written", marker)
		}
		start := max(strings.LastIndex(s[:at], "<w:p>"), strings.LastIndex(s[:at], "<w:p "))
		end := strings.Index(s[at:], "</w:p>")
		if start < 0 || end < 0 {
			return nil, fmt.Errorf("docx: marker %s outside a paragraph", marker)
		}
		s = s[:start] + x + s[at+end+len("</w:p>"):]
	}
	return []byte(s), nil
}

// packageRels are the package's relationships, without godocx's thumbnail.
var packageRels = []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`)

func coreXML(p docProps) []byte {
	when := p.Created.UTC().Format("2006-01-02T15:04:05Z")
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
		`xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + xmlText(p.Title) + `</dc:title><dc:subject>` + xmlText(p.Subject) + `</dc:subject>` +
		`<dc:creator>` + xmlText(p.Creator) + `</dc:creator><cp:lastModifiedBy>` + xmlText(p.Creator) + `</cp:lastModifiedBy>` +
		`<cp:revision>1</cp:revision>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + when + `</dcterms:created>` +
		`<dcterms:modified xsi:type="dcterms:W3CDTF">` + when + `</dcterms:modified>` +
		`</cp:coreProperties>`)
}

func appXML() []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">` +
		`<Application>Consultation tracker</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>` +
		`<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>` +
		`</Properties>`)
}

// xmlText escapes text for XML content or an attribute; characters XML
// cannot hold become U+FFFD.
func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
