package handlers_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/nhsproviders/consultation-tracker/seeds"
)

// TestRenderTheDemoCollectiveResponse writes the demo's collective response
// as a Word document to $TRACKER_DOCX_OUT, for docs/screenshots/render-docx.sh
// to convert with LibreOffice. Without the variable it does nothing.
func TestRenderTheDemoCollectiveResponse(t *testing.T) {
	out := os.Getenv("TRACKER_DOCX_OUT")
	if out == "" {
		t.Skip("set TRACKER_DOCX_OUT to write the demo's collective response")
	}
	e, _ := newEnv(t)
	if _, err := seeds.LoadDemo(t.Context(), e.store, e.clk.t, filepath.Join(t.TempDir(), "logins.txt")); err != nil {
		t.Fatal(err)
	}
	setBody(t, e, demoLogo(t))
	policy := e.signIn("policy@body.example")
	policy.get("/consultations/1/collective")
	intro := "Our members — NHS trusts in every region — answered each proposal. {{LP-12.responses}} of {{LP-12.members}} answered on LP-12.\n\n" +
		"This response sets out, proposal by proposal, where they stand and why."
	if r := policy.postForm("/consultations/1/collective/introduction", url.Values{"introduction": {intro}, "version": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("introduction: %d", r.Status)
	}
	ps, err := e.store.Proposals(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	version := 1
	for _, p := range ps[:3] {
		statement := "Members are divided: {{supporting}} support and {{opposing}} oppose (net support {{net_support}}).\n\n" +
			"- Trust boards must keep their accountability.\n- New powers need matching accountability."
		r := policy.postForm(fmt.Sprintf("/consultations/1/collective/sections/%s", p.Ref),
			sectionForm("support_with_amendments", statement, fmt.Sprint(version)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("section %s: %d\n%s", p.Ref, r.Status, snippet(r.Body))
		}
		version++
	}
	docx := policy.get("/consultations/1/collective.docx")
	if docx.Status != http.StatusOK {
		t.Fatalf("docx: %d", docx.Status)
	}
	if err := os.WriteFile(out, []byte(docx.Body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// demoLogo is a plain logo for the screenshots: a blue block with a white
// bar, as a PNG.
func demoLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 80))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0, 94, 184, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(24, 34, 216, 46), image.White, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
