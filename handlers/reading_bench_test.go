package handlers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/views"
)

// BenchmarkReadingPage measures rendering one reading-view page of 25
// responses with comments of about 700 bytes, each with its in-place coding
// form over a codebook of 14 concerns.
//
//	go test -tags sqlite_fts5 ./handlers -run '^$' -bench ReadingPage -benchmem
func BenchmarkReadingPage(b *testing.B) {
	tpl, err := views.New(templateFuncs())
	if err != nil {
		b.Fatal(err)
	}
	var cs []models.Concern
	for i, side := range []string{"central", "local", "delivery"} {
		for j := range 5 - i%2 {
			code := side + "_" + strings.Repeat("x", j+3)
			cs = append(cs, models.Concern{Code: code, Label: "A concern about " + code, Side: side})
		}
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	data := readingPage{Proposal: models.Proposal{Ref: "LP-01", Title: "A shared duty"}, Filters: newFilterOptions(models.Filter{}),
		Sort: models.SortSubmitted, Sorts: models.ReadingSorts, Total: 50000, PageNumber: 1, Pages: 2000,
		Here: "/proposals/LP-01/responses?sort=submitted", Query: "sort=submitted", Labels: concernLabels(cs), Concerns: groupConcerns(cs)}
	for i := range 25 {
		data.List.Responses = append(data.List.Responses, models.ReadingResponse{ID: int64(1000 + i),
			Organisation: models.Organisation{Name: "Trust " + strings.Repeat("n", i), Code: "T", Type: "acute", Region: "London", System: "S", SystemStatus: "ics"},
			Stance:       models.Oppose, Comment: strings.Repeat("word and another ", 40), Consent: models.ConsentAnonymised,
			SubmittedAt: &at, MemberConcerns: []string{cs[0].Code}, AnalystConcerns: []string{cs[3].Code}})
	}
	p := page{Title: "Responses to LP-01", Nav: "consultations", User: &models.User{ID: 7, Name: "Policy Team", Role: models.RolePolicy},
		CSRF: "zTzYVIPLOYDFmgn0nrDQcP9I79msZeD2BpCnD7opjhs", Data: data}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := tpl.Render(&out, "reading", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "bytes/page")
}
