package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// storedAnswer is one response a test stores directly, as the member would.
type storedAnswer struct {
	org        models.Organisation
	email      string // the member saving it
	ref        string
	concerns   []string
	comment    string
	amendments string
	consent    models.Consent
	stance     models.Stance
	draft      bool
}

// save stores the answer as its member and returns the response's id.
func (e *env) saveAnswer(a storedAnswer) int64 {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, a.email)
	if err != nil {
		e.t.Fatal(err)
	}
	if a.consent == "" {
		a.consent = models.ConsentAttributed
	}
	if a.stance == "" {
		a.stance = models.Oppose
	}
	base := 0
	if cur, err := e.store.ResponseFor(ctx, a.org.ID, e.proposalID(a.ref)); err == nil {
		base = cur.Version
	}
	autonomy := -1
	r, err := e.store.Save(ctx, models.SaveResponse{OrganisationID: a.org.ID, ProposalID: e.proposalID(a.ref), UserID: u.ID,
		Input: models.ResponseInput{Stance: a.stance, Autonomy: &autonomy, Concerns: a.concerns, Comment: a.comment,
			Amendments: a.amendments, Consent: a.consent}, Submit: !a.draft, BaseVersion: base})
	if err != nil {
		e.t.Fatalf("save %s %s: %v", a.org.Code, a.ref, err)
	}
	return r.ID
}

const (
	alphaComment    = "Alpha: a directed merger would override our board.\r\nGovernors must keep the final say."
	alphaAmendments = "Require the consent of both boards."
)

// analysisFixture: Alpha (acute, London) submitted LP-12 attributed with two
// concerns; Beta (mental health, Midlands) has only a draft of LP-12.
func analysisFixture(t *testing.T) (e *env, submitted, draft int64) {
	t.Helper()
	e, _ = newEnv(t)
	submitted = e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-12",
		concerns: []string{"new_central_powers", "timescale"}, comment: alphaComment, amendments: alphaAmendments})
	draft = e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-12", comment: "Beta draft words.", draft: true})
	return e, submitted, draft
}

func TestAnalysisRoutesArePolicyOnly(t *testing.T) {
	e, id, _ := analysisFixture(t)
	cons := e.lp2019ID()
	gets := []string{
		fmt.Sprintf("/consultations/%d/responses", cons),
		fmt.Sprintf("/consultations/%d/search?q=merger", cons),
		fmt.Sprintf("/responses/%d", id),
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{fmt.Sprintf("/responses/%d/coding", id), url.Values{"concerns": {"workforce"}}},
		{fmt.Sprintf("/responses/%d/notes", id), url.Values{"body": {"A member must never write this."}}},
		{fmt.Sprintf("/responses/%d/quotes", id), url.Values{"excerpt": {"Require the consent of both boards."}}},
		{"/quotes/1/delete", url.Values{}},
	}
	member := e.signIn("a@alpha.example")
	for _, path := range gets {
		t.Run("member gets 403 on GET "+path, func(t *testing.T) {
			r := member.get(path)
			wantStatus(t, r, http.StatusForbidden)
			wantContains(t, r.Body, "This page is for the policy team and admins.")
			wantNotContains(t, r.Body, "Governors must keep the final say")
		})
		t.Run("anonymous is sent to sign in from GET "+path, func(t *testing.T) {
			r := e.anon().get(path)
			wantStatus(t, r, http.StatusSeeOther)
			if !strings.HasPrefix(r.Location, "/login?next=") {
				t.Errorf("Location = %q, want the sign-in page", r.Location)
			}
		})
	}
	for _, p := range posts {
		t.Run("member gets 403 on POST "+p.path, func(t *testing.T) {
			wantStatus(t, member.postForm(p.path, withValues(p.form, nil)), http.StatusForbidden)
		})
		t.Run("anonymous is sent to sign in from POST "+p.path, func(t *testing.T) {
			anon := e.anon()
			anon.get("/login") // a signed-out session with a CSRF token
			r := anon.postForm(p.path, withValues(p.form, nil))
			wantStatus(t, r, http.StatusSeeOther)
			if !strings.HasPrefix(r.Location, "/login") {
				t.Errorf("Location = %q, want the sign-in page", r.Location)
			}
		})
	}
	ctx := context.Background()
	d, err := e.store.SubmittedResponse(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	notes, _ := e.store.Notes(ctx, id)
	quotes, _ := e.store.QuotesForResponse(ctx, id)
	if len(d.AnalystCodings) != 0 || len(notes) != 0 || len(quotes) != 0 {
		t.Errorf("refused posts changed the response: codes %v, %d notes, %d quotes", d.AnalystConcerns(), len(notes), len(quotes))
	}
	for _, email := range []string{"policy@body.example", "admin@body.example"} {
		t.Run(email+" may read the response", func(t *testing.T) {
			wantStatus(t, e.signIn(email).get(gets[2]), http.StatusOK)
		})
	}
}

func TestDraftResponseIsNotShownToThePolicyTeam(t *testing.T) {
	e, _, draft := analysisFixture(t)
	p := e.signIn("policy@body.example")
	for _, tc := range []struct {
		name string
		do   func() result
	}{
		{"page", func() result { return p.get(fmt.Sprintf("/responses/%d", draft)) }},
		{"coding", func() result {
			return p.postForm(fmt.Sprintf("/responses/%d/coding", draft), url.Values{"concerns": {"workforce"}})
		}},
		{"note", func() result {
			return p.postForm(fmt.Sprintf("/responses/%d/notes", draft), url.Values{"body": {"note"}})
		}},
		{"quote", func() result {
			return p.postForm(fmt.Sprintf("/responses/%d/quotes", draft), url.Values{"excerpt": {"Beta draft words."}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			wantStatus(t, r, http.StatusNotFound)
			wantContains(t, r.Body, "This response is a draft", "submitted responses only")
			wantNotContains(t, r.Body, "Beta draft words.")
		})
	}
	t.Run("unknown id", func(t *testing.T) {
		wantStatus(t, p.get("/responses/999999"), http.StatusNotFound)
	})
	t.Run("drafts are not listed", func(t *testing.T) {
		r := p.get(fmt.Sprintf("/consultations/%d/responses", e.lp2019ID()))
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, "Alpha Hospitals NHS Trust")
		wantNotContains(t, r.Body, "Beta Mental Health NHS Trust")
	})
}

// pageSection returns the part of the page from the heading with id to the end
// of its section.
func pageSection(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element with id %q\n%s", id, snippet(body))
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

func TestCodingReplacesThePolicyTeamsSetAndKeepsTheMembersApart(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)

	steps := []struct {
		name        string
		codes       []string
		wantAnalyst []string // labels in the policy team's list
		wantAudit   string
	}{
		{"first coding adds to a member code and a new one", []string{"timescale", "workforce"},
			[]string{"Timescale", "Workforce"}, "before: (none); after: timescale, workforce"},
		{"second coding replaces the set", []string{"workforce", "powers_without_accountability"},
			[]string{"Powers without matching accountability", "Workforce"}, "before: timescale, workforce; after: powers_without_accountability, workforce"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := p.postForm(path+"/coding", url.Values{"concerns": st.codes})
			wantStatus(t, r, http.StatusSeeOther)
			r = p.get(r.Location)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r.Body, "The policy team&#39;s codes were saved.", "Chosen by the member", "Added by the policy team")

			member := pageSection(t, r.Body, "member-title")
			wantContains(t, member, "New national powers of direction", "<code>new_central_powers</code>", "<code>timescale</code>")
			analystList := pageSection(t, r.Body, "coding-title")
			analystList = analystList[:strings.Index(analystList, "<form")]
			for _, want := range st.wantAnalyst {
				wantContains(t, analystList, want)
			}
			if got := checkedValues(r.Body, "concerns"); strings.Join(sortedStrings(got), ",") != strings.Join(sortedStrings(st.codes), ",") {
				t.Errorf("checked boxes = %v, want the policy team's set %v", got, st.codes)
			}
			d, err := e.store.SubmittedResponse(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(d.MemberConcerns, ","); got != "new_central_powers,timescale" {
				t.Errorf("member concerns = %s, want them unchanged", got)
			}
			entries, err := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditResponseCoded})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 || entries[0].Detail != st.wantAudit || entries[0].Subject != fmt.Sprintf("response %d", id) {
				t.Errorf("latest coding audit = %+v, want detail %q", entries, st.wantAudit)
			}
		})
	}

	t.Run("the member's concerns are marked in the form", func(t *testing.T) {
		r := p.get(path)
		label := regexp.MustCompile(`<label for="coding-timescale">Timescale <span class="tag tag-member">Chosen by the member</span></label>`)
		if !label.MatchString(r.Body) {
			t.Errorf("the timescale box does not say the member chose it\n%s", snippet(pageSection(t, r.Body, "coding-title")))
		}
	})

	t.Run("the list shows both sets", func(t *testing.T) {
		r := p.get(fmt.Sprintf("/consultations/%d/responses", e.lp2019ID()))
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, fmt.Sprintf(`<a href="/responses/%d">Alpha Hospitals NHS Trust</a>`, id),
			"<td>New national powers of direction; Timescale</td>", "<td>Powers without matching accountability; Workforce</td>")
	})
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestCodingWithAnUnknownCodeIsRefused(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)
	r := p.postForm(path+"/coding", url.Values{"concerns": {"workforce", "made_up_code"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r.Body, "There is a problem", "&#34;made_up_code&#34; is not a concern in the codebook; choose concerns from the list",
		`href="#field-concerns"`)
	if !isChecked(r.Body, "concerns", "workforce") {
		t.Error("the box ticked before the error is no longer ticked")
	}
	d, _ := e.store.SubmittedResponse(context.Background(), id)
	if len(d.AnalystCodings) != 0 {
		t.Errorf("a refused coding stored %v", d.AnalystConcerns())
	}
}

func TestNotesAreForThePolicyTeamOnly(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)
	const secret = "Internal: their chief executive told us privately they will back down."

	for _, tc := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"empty note is refused", "   \r\n ", http.StatusUnprocessableEntity, "Write the note before adding it"},
		{"too long note is refused and kept", strings.Repeat("x", 5001), http.StatusUnprocessableEntity, "Keep a note to 5000 characters or fewer"},
		{"note is added", secret, http.StatusSeeOther, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.postForm(path+"/notes", url.Values{"body": {tc.body}})
			wantStatus(t, r, tc.status)
			if tc.message != "" {
				wantContains(t, r.Body, tc.message)
				if got, _ := textarea(r.Body, "body"); got != strings.ReplaceAll(tc.body, "\r\n", "\n") && strings.TrimSpace(tc.body) != "" {
					t.Errorf("the note typed was not kept: %d characters back", len(got))
				}
			}
		})
	}
	t.Run("policy sees the note with its author", func(t *testing.T) {
		r := p.get(path)
		notes := pageSection(t, r.Body, "notes-title")
		wantContains(t, notes, "Internal: their chief executive told us privately they will back down.", "Pat Policy", "Members never do.")
	})
	t.Run("audit records the note", func(t *testing.T) {
		entries, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditNoteAdded})
		if len(entries) != 1 {
			t.Errorf("%d note audit entries, want 1", len(entries))
		}
	})
	member := e.signIn("a@alpha.example")
	for _, path := range []string{"/proposals/LP-12", "/proposals/LP-12/history", "/api/v1/proposals/LP-12/response",
		fmt.Sprintf("/consultations/%d", e.lp2019ID()), "/consultations"} {
		t.Run("member never sees it on "+path, func(t *testing.T) {
			r := member.get(path)
			wantStatus(t, r, http.StatusOK)
			wantNotContains(t, r.Body, "chief executive told us privately", "Internal:")
		})
	}
}

func TestQuotesMustBeTheMembersOwnWords(t *testing.T) {
	e, id, _ := analysisFixture(t)
	p := e.signIn("policy@body.example")
	path := fmt.Sprintf("/responses/%d", id)
	p.get(path)
	for _, tc := range []struct {
		name    string
		excerpt string
		status  int
		message string
	}{
		{"a passage of the comment", "a directed merger would override our board.", http.StatusSeeOther, ""},
		{"across a line break, pasted with Windows line endings and spaces", "  override our board.\r\nGovernors must  ",
			http.StatusSeeOther, ""},
		{"a passage of the amendments", "consent of both boards", http.StatusSeeOther, ""},
		{"a reworded passage", "a directed merger would overrule our board", http.StatusUnprocessableEntity,
			"The passage must be copied exactly from the member&#39;s comment"},
		{"different capitals", "A DIRECTED MERGER", http.StatusUnprocessableEntity, "The passage must be copied exactly from the member&#39;s comment"},
		{"nothing", "  ", http.StatusUnprocessableEntity, "Paste or type the passage to quote"},
		{"the same passage twice", "consent of both boards", http.StatusUnprocessableEntity, "This passage is already one of the quotes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.postForm(path+"/quotes", url.Values{"excerpt": {tc.excerpt}})
			wantStatus(t, r, tc.status)
			if tc.message != "" {
				wantContains(t, r.Body, tc.message, `href="#field-excerpt"`)
				if got, _ := textarea(r.Body, "excerpt"); strings.TrimSpace(tc.excerpt) != "" && got != tc.excerpt {
					t.Errorf("typed passage not kept: got %q, want %q", got, tc.excerpt)
				}
			}
		})
	}
	r := p.get(path)
	quotes := pageSection(t, r.Body, "quotes-title")
	wantContains(t, quotes, "Attributed to: Alpha Hospitals NHS Trust", "<p>override our board.</p><p>Governors must</p>")
	got, err := e.store.QuotesForResponse(context.Background(), id)
	if err != nil || len(got) != 3 {
		t.Fatalf("%d quotes stored (err %v), want 3", len(got), err)
	}
	entries, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteAdded})
	if len(entries) != 3 {
		t.Errorf("%d quote audit entries, want 3", len(entries))
	}

	t.Run("removing a quote", func(t *testing.T) {
		r := p.postForm(fmt.Sprintf("/quotes/%d/delete", got[0].ID), url.Values{})
		wantStatus(t, r, http.StatusSeeOther)
		r = p.get(r.Location)
		wantContains(t, r.Body, "The quote was removed.")
		left, _ := e.store.QuotesForResponse(context.Background(), id)
		if len(left) != 2 {
			t.Errorf("%d quotes left, want 2", len(left))
		}
		entries, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteRemoved})
		if len(entries) != 1 {
			t.Errorf("%d removal audit entries, want 1", len(entries))
		}
		wantStatus(t, p.postForm(fmt.Sprintf("/quotes/%d/delete", got[0].ID), url.Values{}), http.StatusNotFound)
	})
}

func TestQuotesFollowTheMembersConsent(t *testing.T) {
	e, _ := newEnv(t)
	const words = "Local partners should decide how services are organised."
	private := e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-12", comment: words, consent: models.ConsentPrivate})
	anonymised := e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-12", comment: words, consent: models.ConsentAnonymised})
	p := e.signIn("policy@body.example")

	t.Run("private: refused, and the form is not offered", func(t *testing.T) {
		path := fmt.Sprintf("/responses/%d", private)
		r := p.get(path)
		wantContains(t, r.Body, "This member asked not to be quoted")
		wantNotContains(t, r.Body, `name="excerpt"`)
		r = p.postForm(path+"/quotes", url.Values{"excerpt": {"Local partners should decide"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, "This member asked not to be quoted")
	})
	t.Run("anonymised: described without naming the member", func(t *testing.T) {
		path := fmt.Sprintf("/responses/%d", anonymised)
		p.get(path)
		wantStatus(t, p.postForm(path+"/quotes", url.Values{"excerpt": {"Local partners should decide"}}), http.StatusSeeOther)
		r := p.get(path)
		quotes := pageSection(t, r.Body, "quotes-title")
		wantContains(t, quotes, "Attributed to: A member trust", "(anonymised)")
		wantNotContains(t, quotes, "Beta Mental Health NHS Trust")
	})
	t.Run("a member who later asks not to be quoted drops out", func(t *testing.T) {
		ctx := context.Background()
		before, err := e.store.QuotesForProposal(ctx, e.proposalID("LP-12"))
		if err != nil || len(before) != 1 || before[0].Attribution != "A member trust" {
			t.Fatalf("quotes before = %+v (err %v)", before, err)
		}
		e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-12", comment: words, consent: models.ConsentPrivate})
		after, err := e.store.QuotesForProposal(ctx, e.proposalID("LP-12"))
		if err != nil || len(after) != 0 {
			t.Errorf("quotes after the member withdrew consent = %+v (err %v), want none", after, err)
		}
		r := p.get(fmt.Sprintf("/responses/%d", anonymised))
		wantContains(t, pageSection(t, r.Body, "quotes-title"), "Will not be used: the member now asks not to be quoted.")
	})
}

func TestSearchFindsEveryWordOfTheQuery(t *testing.T) {
	e, _ := newEnv(t)
	orgC := e.addOrg("CCC", "Charlie Acute NHS Trust", "acute", "Midlands", "stp")
	if _, err := e.store.CreateUser(context.Background(), models.NewUser{Email: "c@charlie.example", Name: "Cy Charlie",
		Role: models.RoleMember, OrganisationCode: "CCC", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-12", comment: "The MERGER power cuts across our Board.",
		amendments: "Funding must follow: 100% of costs."})
	e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-12", comment: "A merger is fine; the board agrees. See <script>alert(1)</script> here.",
		consent: models.ConsentPrivate})
	e.saveAnswer(storedAnswer{org: orgC, email: "c@charlie.example", ref: "LP-11", comment: "Merger of board_papers is 100 percent overdue."})
	e.saveAnswer(storedAnswer{org: orgC, email: "c@charlie.example", ref: "LP-12", comment: "Board merger draft text.", draft: true})
	p := e.signIn("policy@body.example")
	base := fmt.Sprintf("/consultations/%d/search", e.lp2019ID())

	for _, tc := range []struct {
		name  string
		query url.Values
		want  []string // organisations found
	}{
		{"every word required, any case, either field", url.Values{"q": {"merger FUNDING"}}, []string{"Alpha"}},
		{"words in any order", url.Values{"q": {"board merger"}}, []string{"Alpha", "Beta", "Charlie"}},
		{"percent sign is literal", url.Values{"q": {"100%"}}, []string{"Alpha"}},
		{"underscore is literal", url.Values{"q": {"board_papers"}}, []string{"Charlie"}},
		{"underscore does not match any character", url.Values{"q": {"merge_"}}, nil},
		{"filter by proposal", url.Values{"q": {"merger"}, "proposal": {"LP-11"}}, []string{"Charlie"}},
		{"filter by type", url.Values{"q": {"merger"}, "type": {"mental_health"}}, []string{"Beta"}},
		{"filter by region and system status", url.Values{"q": {"merger"}, "region": {"Midlands"}, "system_status": {"stp"}}, []string{"Beta", "Charlie"}},
		{"drafts are never found", url.Values{"q": {"draft text"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.get(base + "?" + tc.query.Encode())
			wantStatus(t, r, http.StatusOK)
			results := pageSection(t, r.Body, "results-title")
			for _, org := range []string{"Alpha", "Beta", "Charlie"} {
				found := strings.Contains(results, org+" ")
				if found != hasString(tc.want, org) {
					t.Errorf("%s found = %v, want %v\n%s", org, found, !found, snippet(results))
				}
			}
			if tc.want == nil {
				wantContains(t, results, "No submitted response contains every word.")
			}
		})
	}

	t.Run("matches are marked and the member's text is escaped", func(t *testing.T) {
		r := p.get(base + "?q=alert+merger&type=mental_health")
		wantContains(t, r.Body, "<mark>merger</mark>", "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;")
		wantNotContains(t, r.Body, "<script>alert")
	})
	t.Run("the query and filters are kept in the form", func(t *testing.T) {
		r := p.get(base + "?q=%22merger%22&proposal=LP-12&region=Midlands")
		wantContains(t, r.Body, `value="&#34;merger&#34;"`, `<option value="LP-12" selected>`, `<option value="Midlands" selected>`)
	})
	t.Run("an empty query shows the form only", func(t *testing.T) {
		r := p.get(base + "?q=++")
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, `name="q"`)
		wantNotContains(t, r.Body, "Results", "Alpha Hospitals")
	})
	t.Run("a proposal of another consultation is refused", func(t *testing.T) {
		wantStatus(t, p.get(base+"?q=merger&proposal=NOPE"), http.StatusBadRequest)
	})
	t.Run("a very long query is refused", func(t *testing.T) {
		var words []string
		for i := range 13 {
			words = append(words, fmt.Sprintf("word%d", i))
		}
		r := p.get(base + "?" + url.Values{"q": {strings.Join(words, " ")}}.Encode())
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, "Search for at most 12 words")
	})
}

func hasString(list []string, s string) bool { return slices.Contains(list, s) }

func TestResponsesListFiltersAndPages(t *testing.T) {
	e, id, _ := analysisFixture(t)
	beta := e.saveAnswer(storedAnswer{org: e.orgB, email: "b@beta.example", ref: "LP-11", comment: "Beta on LP-11."})
	p := e.signIn("policy@body.example")
	base := fmt.Sprintf("/consultations/%d/responses", e.lp2019ID())
	for _, tc := range []struct {
		name  string
		query string
		want  []int64
	}{
		{"all submitted responses, oldest first", "", []int64{id, beta}},
		{"one proposal", "?proposal=LP-11", []int64{beta}},
		{"one segment", "?type=acute", []int64{id}},
		{"the page after the first response", fmt.Sprintf("?after=%d", id), []int64{beta}},
		{"the page before the second response", fmt.Sprintf("?before=%d", beta), []int64{id}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.get(base + tc.query)
			wantStatus(t, r, http.StatusOK)
			links := regexp.MustCompile(`<a href="/responses/(\d+)">`).FindAllStringSubmatch(r.Body, -1)
			var got []int64
			for _, l := range links {
				var n int64
				fmt.Sscan(l[1], &n)
				got = append(got, n)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("rows link to %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a bad filter is refused", func(t *testing.T) {
		wantStatus(t, p.get(base+"?region=Atlantis"), http.StatusBadRequest)
		wantStatus(t, p.get(base+"?proposal=LP-99"), http.StatusBadRequest)
	})
}
