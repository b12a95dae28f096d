package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// readingFixture: LP-12 answered by Alpha (acute, London, ICS; opposes,
// amendments, attributed), Beta (mental health, Midlands, STP; supports, no
// amendments, not for quoting) and Gamma (acute, Midlands, STP; strongly
// supports, amendments, anonymised), and a draft by Delta that never shows.
func readingFixture(t *testing.T) (e *env, alpha, beta, gamma int64) {
	t.Helper()
	e, _ = newEnv(t)
	gammaOrg := e.addOrg("GGG", "Gamma Acute NHS Trust", "acute", "Midlands", "stp")
	deltaOrg := e.addOrg("DDD", "Delta Community NHS Trust", "community", "London", "ics")
	alpha = e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-12", concerns: []string{"timescale"},
		comment: alphaComment, amendments: alphaAmendments, stance: models.Oppose})
	beta = e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-12", comment: "Beta keeps this to the policy team.",
		consent: models.ConsentPrivate, stance: models.Support})
	// Gamma and Delta have no member user of their own: the store saves for
	// an organisation whoever the user is, which the handlers never allow.
	gamma = e.saveAnswer(storedAnswer{org: gammaOrg, email: "a@alpha.example", ref: "LP-12", comment: "Gamma welcomes the merger route.",
		amendments: "Add a review after two years.", consent: models.ConsentAnonymised, stance: models.StronglySupport})
	e.saveAnswer(storedAnswer{org: deltaOrg, email: "a@alpha.example", ref: "LP-12", comment: "Delta draft.", draft: true})
	return e, alpha, beta, gamma
}

// readingIDs lists the responses a reading page shows, in order.
func readingIDs(body string) []int64 {
	var out []int64
	for _, m := range regexp.MustCompile(`<article id="response-(\d+)"`).FindAllStringSubmatch(body, -1) {
		var n int64
		fmt.Sscan(m[1], &n)
		out = append(out, n)
	}
	return out
}

func TestTheReadingViewIsThePolicyTeams(t *testing.T) {
	e, _, _, _ := readingFixture(t)
	for _, tc := range []struct {
		email string
		want  int
	}{
		{"a@alpha.example", http.StatusForbidden},
		{"policy@body.example", http.StatusOK},
		{"admin@body.example", http.StatusOK},
	} {
		t.Run(tc.email, func(t *testing.T) {
			r := e.signIn(tc.email).get("/proposals/LP-12/responses")
			wantStatus(t, r, tc.want)
			if tc.want == http.StatusForbidden && strings.Contains(r.Body, "Beta keeps this") {
				t.Error("a member was shown another organisation's comment")
			}
		})
	}
}

func TestReadingViewFiltersEachNarrowTheResponses(t *testing.T) {
	e, alpha, beta, gamma := readingFixture(t)
	p := e.signIn("policy@body.example")
	if _, _, err := e.store.CodeResponse(t.Context(), gamma, 0, []string{"workforce"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		want        []int64
	}{
		{"every submitted response, oldest first", "", []int64{alpha, beta, gamma}},
		{"organisation type", "?type=acute", []int64{alpha, gamma}},
		{"region", "?region=Midlands", []int64{beta, gamma}},
		{"system status", "?system_status=ics", []int64{alpha}},
		{"stance", "?stance=support", []int64{beta}},
		{"not yet coded", "?not_coded=yes", []int64{alpha, beta}},
		{"has amendments", "?amendments=yes", []int64{alpha, gamma}},
		{"quotable", "?quotable=yes", []int64{alpha, gamma}},
		{"several at once", "?type=acute&quotable=yes&not_coded=yes", []int64{alpha}},
		{"by organisation name", "?sort=organisation", []int64{alpha, beta, gamma}},
		{"by stance, strongest support first", "?sort=stance", []int64{gamma, beta, alpha}},
		{"nothing matches", "?type=ambulance", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.get("/proposals/LP-12/responses" + tc.query)
			wantStatus(t, r, http.StatusOK)
			if got := readingIDs(r.Body); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("shows %v, want %v", got, tc.want)
			}
			if want := fmt.Sprintf("<strong>%d</strong> submitted", len(tc.want)); !strings.Contains(r.Body, want) {
				t.Errorf("the count should say %q", want)
			}
		})
	}
	t.Run("the whole answer is on the page", func(t *testing.T) {
		body := p.get("/proposals/LP-12/responses?type=acute").Body
		for _, want := range []string{"Alpha Hospitals NHS Trust", "Governors must keep the final say.", alphaAmendments,
			"Acute trust", "Oppose", "London system", "Gamma welcomes the merger route."} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
	t.Run("a member who asked not to be quoted gets no quote form", func(t *testing.T) {
		body := p.get("/proposals/LP-12/responses?stance=support").Body
		if strings.Contains(body, fmt.Sprintf(`action="/responses/%d/quotes"`, beta)) || !strings.Contains(body, "Not quotable") {
			t.Error("Beta's response offers a quote form")
		}
	})
	for _, bad := range []string{"?stance=furious", "?sort=shoe_size", "?region=Atlantis"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			wantStatus(t, p.get("/proposals/LP-12/responses"+bad), http.StatusBadRequest)
		})
	}
	t.Run("an unknown proposal", func(t *testing.T) {
		wantStatus(t, p.get("/proposals/LP-99/responses"), http.StatusNotFound)
	})
}

func TestCodingInPlaceComesBackToTheReadingViewAndCountsTheCoding(t *testing.T) {
	e, alpha, _, _ := readingFixture(t)
	p := e.signIn("policy@body.example")
	view := p.get("/proposals/LP-12/responses?not_coded=yes&sort=submitted")
	if !strings.Contains(view.Body, "0 of 3 coded") {
		t.Fatal("the view should say 0 of 3 coded")
	}
	back := regexp.MustCompile(`name="return" value="([^"]+)"`).FindStringSubmatch(view.Body)
	if back == nil {
		t.Fatal("the coding form carries no return field")
	}
	ret := strings.ReplaceAll(back[1], "&amp;", "&")
	r := p.postForm(fmt.Sprintf("/responses/%d/coding", alpha), url.Values{"concerns": {"workforce"}, "return": {ret}})
	wantStatus(t, r, http.StatusSeeOther)
	loc, err := url.Parse(r.Location)
	if err != nil || loc.Path != "/proposals/LP-12/responses" || loc.Query().Get("not_coded") != "yes" ||
		loc.Query().Get("saved") != "coded" || loc.Fragment != fmt.Sprintf("response-%d", alpha) {
		t.Fatalf("went to %q, want the reading view with its filter, at Alpha's response", r.Location)
	}
	again := p.get(r.Location)
	if !strings.Contains(again.Body, "1 of 3 coded") || !strings.Contains(again.Body, "The policy team&#39;s codes were saved.") {
		t.Errorf("after coding the view should say 1 of 3 coded and that the codes were saved")
	}
	if got := readingIDs(again.Body); len(got) != 2 {
		t.Errorf("not yet coded now shows %v: Alpha should have left it", got)
	}
	t.Run("quoting in place comes back too", func(t *testing.T) {
		r := p.postForm(fmt.Sprintf("/responses/%d/quotes", alpha), url.Values{"excerpt": {"Governors must keep the final say."},
			"return": {"/proposals/LP-12/responses?sort=submitted#response-1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/proposals/LP-12/responses?") || !strings.Contains(r.Location, "saved=quote") {
			t.Errorf("went to %q", r.Location)
		}
	})
}

func TestReturnPathsToOtherSitesAreRefused(t *testing.T) {
	e, alpha, _, _ := readingFixture(t)
	p := e.signIn("policy@body.example")
	for _, ret := range []string{"//evil.example", "//evil.example/proposals", "https://evil.example/", "/\\evil.example",
		"javascript:alert(1)", "/%2F%2Fevil.example", "evil.example", "/\r\nLocation: https://evil.example"} {
		t.Run(ret, func(t *testing.T) {
			r := p.postForm(fmt.Sprintf("/responses/%d/coding", alpha), url.Values{"concerns": {"workforce"}, "return": {ret}})
			wantStatus(t, r, http.StatusSeeOther)
			if want := fmt.Sprintf("/responses/%d?", alpha); !strings.HasPrefix(r.Location, want) {
				t.Errorf("went to %q, want the response page", r.Location)
			}
		})
	}
}

func TestResponsePageGoesToThePreviousAndNextInTheReadingViewsOrder(t *testing.T) {
	e, alpha, beta, gamma := readingFixture(t)
	p := e.signIn("policy@body.example")
	links := func(path string) (prev, next string) {
		t.Helper()
		r := p.get(path)
		wantStatus(t, r, http.StatusOK)
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="prev">Previous response`).FindStringSubmatch(r.Body); m != nil {
			prev = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next response`).FindStringSubmatch(r.Body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		return prev, next
	}
	q := "?sort=stance&type=&region=&system_status="
	prev, next := links(fmt.Sprintf("/responses/%d%s", gamma, q))
	if prev != "" || !strings.HasPrefix(next, fmt.Sprintf("/responses/%d?", beta)) || !strings.Contains(next, "sort=stance") {
		t.Errorf("by stance, Gamma (strongly support) is first: prev %q next %q", prev, next)
	}
	prev, next = links(next)
	if !strings.HasPrefix(prev, fmt.Sprintf("/responses/%d?", gamma)) || !strings.HasPrefix(next, fmt.Sprintf("/responses/%d?", alpha)) {
		t.Errorf("Beta sits between Gamma and Alpha: prev %q next %q", prev, next)
	}
	t.Run("within the filter", func(t *testing.T) {
		prev, next := links(fmt.Sprintf("/responses/%d?sort=submitted&quotable=yes", alpha))
		if prev != "" || !strings.HasPrefix(next, fmt.Sprintf("/responses/%d?", gamma)) {
			t.Errorf("quotable only skips Beta: prev %q next %q", prev, next)
		}
	})
	t.Run("opened on its own, the page has no previous or next", func(t *testing.T) {
		if prev, next := links(fmt.Sprintf("/responses/%d", beta)); prev != "" || next != "" {
			t.Errorf("prev %q next %q", prev, next)
		}
	})
}
