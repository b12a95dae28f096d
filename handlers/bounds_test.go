package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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
	if _, err := e.store.SaveCollective(ctx, models.CollectiveEdit{ConsultationID: 1, PartVersion: 0,
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

var revisionArticle = regexp.MustCompile(`<article class="revision">\s*<h2 class="h3">\s*Version (\d+)`)

func TestHistoryIsShownAPageAtATime(t *testing.T) {
	e, _ := newEnv(t)
	for i := range 60 {
		e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-01", comment: fmt.Sprintf("save %d", i+1), draft: true})
	}
	a := e.signIn("a@alpha.example")
	var versions []string
	path, pages := "/proposals/LP-01/history", 0
	for path != "" && pages < 10 {
		r := a.get(path)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, "There are 60 saves")
		pages++
		onPage := revisionArticle.FindAllStringSubmatch(r.Body, -1)
		if len(onPage) > 25 {
			t.Fatalf("page %d shows %d saves; a page holds 25", pages, len(onPage))
		}
		for _, m := range onPage {
			versions = append(versions, m[1])
		}
		path = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next">Older saves`).FindStringSubmatch(r.Body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	want := make([]string, 60)
	for i := range want {
		want[i] = fmt.Sprint(60 - i)
	}
	if pages != 3 || strings.Join(versions, ",") != strings.Join(want, ",") {
		t.Errorf("%d pages showing versions %v; want 3 pages, 60 down to 1, each once", pages, versions)
	}
	// Back from the last page: the newer page holds the 25 saves before it.
	last := a.get("/proposals/LP-01/history?before=" + fmt.Sprint(e.revisionID(t, "LP-01", 11)))
	m := regexp.MustCompile(`href="([^"]+)" rel="prev">Newer saves`).FindStringSubmatch(last.Body)
	if m == nil {
		t.Fatal("the oldest page has no link to newer saves")
	}
	newer := revisionArticle.FindAllStringSubmatch(a.get(strings.ReplaceAll(m[1], "&amp;", "&")).Body, -1)
	if len(newer) != 25 || newer[0][1] != "35" || newer[24][1] != "11" {
		t.Errorf("the page of newer saves shows %d saves from version %v", len(newer), newer)
	}
}

// revisionID is the id of the saved revision of version v of AAA's response.
func (e *env) revisionID(t *testing.T, ref string, v int) int64 {
	t.Helper()
	revs, err := e.store.History(context.Background(), e.orgA.ID, e.proposalID(ref))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range revs {
		if r.Version == v && r.Kind == "saved" {
			return r.ID
		}
	}
	t.Fatalf("no version %d", v)
	return 0
}

func TestAMemberSavingFasterThanAPersonCanIsToldToWait(t *testing.T) {
	e, clk := newEnv(t)
	a := e.signIn("a@alpha.example")
	a.get("/proposals/LP-01")
	form := validAnswer()
	form.Set("action", "draft")
	for i := range 60 {
		form.Set("version", fmt.Sprint(i))
		form.Set("comment", fmt.Sprintf("save %d", i+1))
		if r := a.postForm("/proposals/LP-01/response", form); r.Status != http.StatusSeeOther {
			t.Fatalf("save %d of a burst a person could make: status %d", i+1, r.Status)
		}
	}
	form.Set("version", "60")
	form.Set("comment", "The sixty-first save, typed with care.")
	r := a.postForm("/proposals/LP-01/response", form)
	wantStatus(t, r, http.StatusTooManyRequests)
	wantContains(t, r.Body, "You have saved very many times in a short while, so this save was not made. Nothing was saved. Wait 1 second, then save again",
		"The sixty-first save, typed with care.</textarea>")
	if r.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", r.Header.Get("Retry-After"))
	}
	put := a.putJSON("/api/v1/proposals/LP-01/response", `{"stance":"oppose","autonomy":-2,"consent":"private","status":"draft","version":60}`)
	if put.Status != http.StatusTooManyRequests || !strings.Contains(put.Body, "Nothing was saved") {
		t.Errorf("API save: %d %s; want 429 saying nothing was saved", put.Status, put.Body)
	}
	if hp, _ := e.store.HistoryPage(context.Background(), models.HistoryQuery{OrgID: e.orgA.ID, ProposalID: e.proposalID("LP-01")}); hp.Total != 60 {
		t.Errorf("%d saves stored; the refused ones must store nothing", hp.Total)
	}

	// A colleague is not held up, and a second later the member saves again.
	a2 := e.signIn("a2@alpha.example")
	a2.get("/proposals/LP-02")
	if r := a2.postForm("/proposals/LP-02/response", validAnswer()); r.Status != http.StatusSeeOther {
		t.Errorf("a colleague's save: status %d", r.Status)
	}
	clk.t = clk.t.Add(time.Second)
	if r := a.postForm("/proposals/LP-01/response", form); r.Status != http.StatusSeeOther {
		t.Errorf("a save a second later: status %d", r.Status)
	}
}
