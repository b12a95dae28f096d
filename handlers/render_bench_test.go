package handlers

import (
	"bytes"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/views"
)

// BenchmarkLayoutAroundSharedContent measures what a cached summary page
// still costs per request: the layout around 85 KB of kept content.
//
//	go test -tags sqlite_fts5 ./handlers -run '^$' -bench LayoutAround -benchmem
func BenchmarkLayoutAroundSharedContent(b *testing.B) {
	tpl, err := views.New(templateFuncs())
	if err != nil {
		b.Fatal(err)
	}
	content := bytes.Repeat([]byte("<p>kept content</p>\n"), 85_000/20)
	p := page{
		Title: "LP-01: A shared duty to collaborate – summary",
		Nav:   "consultations",
		User:  &models.User{ID: 7, Name: "Policy Team", Role: models.RolePolicy},
		CSRF:  "zTzYVIPLOYDFmgn0nrDQcP9I79msZeD2BpCnD7opjhs",
	}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := tpl.RenderAround(&out, "summary", p, content); err != nil {
			b.Fatal(err)
		}
	}
}
