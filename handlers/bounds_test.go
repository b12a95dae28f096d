package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Issue 10, item 12: what one person can send is bounded, and the bounds
// are answered in words.

func TestCodingWithTensOfThousandsOfConcernsIsRefusedClearly(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)
	for _, tc := range []struct {
		name  string
		codes []string
		want  string
	}{
		{"40,000 different values", numbered("code", 40_000), "The form sent 40,000 concern codes; a response can carry at most 100."},
		{"101 copies of a real code", repeated("workforce", 101), "The form sent 101 concern codes; a response can carry at most 100."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.postForm(path+"/coding", url.Values{"concerns": tc.codes})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r.Body, "There is a problem", tc.want, `href="#field-concerns"`)
			d, err := e.store.SubmittedResponse(context.Background(), id)
			if err != nil || len(d.AnalystCodings) != 0 {
				t.Errorf("a refused coding stored %v (%v)", d.AnalystConcerns(), err)
			}
		})
	}
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func repeated(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestDeeplyNestedStatementsAreRefusedWithTheTextKept(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	policy.get("/consultations/1/collective")
	deep := strings.Repeat(">", 20_000) + " x"
	for _, tc := range []struct {
		name, path string
		form       url.Values
		status     int
		want       []string
	}{
		{"a 20,000-deep quotation in a section", "/consultations/1/collective/sections/LP-12",
			sectionForm("oppose", deep[:19_990], "0"), http.StatusUnprocessableEntity,
			[]string{"Quotations and lists are nested 19,990 levels deep here", "keep to 10 or fewer", strings.Repeat("&gt;", 200)}},
		{"eleven list markers in the introduction", "/consultations/1/collective/introduction",
			url.Values{"introduction": {strings.Repeat("- ", 11) + "too deep"}, "version": {"0"}}, http.StatusUnprocessableEntity,
			[]string{"nested 11 levels deep", "- - - - - - - - - - - too deep"}},
		{"ten levels are fine", "/consultations/1/collective/sections/LP-12",
			sectionForm("oppose", strings.Repeat("> ", 10)+"ten deep", "0"), http.StatusSeeOther, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := policy.postForm(tc.path, tc.form)
			wantStatus(t, r, tc.status)
			wantContains(t, r.Body, tc.want...)
		})
	}
}

// A statement saved before the limit existed is shown as plain text, not
// parsed into 20,000 nested quotations on every view.
func TestDeepMarkdownSavedBeforeTheLimitIsShownAsPlainText(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	ctx := context.Background()
	p, _, _ := e.store.ProposalByRef(ctx, "LP-12")
	deep := strings.Repeat(">", 19_990) + " deep words"
	if _, err := e.store.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: 1, BaseVersion: 0,
		Section: &models.SectionEdit{ProposalID: p.ID, Position: "oppose", Statement: deep}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/consultations/1/collective", "/consultations/1/collective/print",
		"/consultations/1/collective/sections/LP-12"} {
		r := policy.get(path)
		wantStatus(t, r, http.StatusOK)
		if n := strings.Count(r.Body, "<blockquote"); n > 2 || !strings.Contains(r.Body, "&gt;&gt;&gt; deep words") {
			t.Errorf("%s: %d quotations, %d bytes; want the text shown plain", path, n, len(r.Body))
		}
	}
	for _, path := range []string{"/consultations/1/collective.md", "/consultations/1/collective.docx"} {
		if r := policy.get(path); r.Status != http.StatusOK || len(r.Body) > 200_000 {
			t.Errorf("%s: status %d, %d bytes", path, r.Status, len(r.Body))
		}
	}
}
