package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// ---- small helpers shared by this package's tests ----

// wantStatus fails the test when the status is not the one expected, showing
// the start of the body so that the failure explains itself.
func wantStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d (Location %q)\n%s", r.Status, want, r.Location, snippet(r.Body))
	}
}

func snippet(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("body does not contain %q\n%s", s, snippet(body))
		}
	}
}

func wantNotContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("body contains %q but must not", s)
		}
	}
}

var inputTag = regexp.MustCompile(`<input[^>]*>`)

// isChecked says whether the page has an input name=value that is checked.
func isChecked(body, name, value string) bool {
	for _, tag := range inputTag.FindAllString(body, -1) {
		if strings.Contains(tag, `name="`+name+`"`) && strings.Contains(tag, `value="`+value+`"`) {
			return regexp.MustCompile(`\schecked[\s>]`).MatchString(tag)
		}
	}
	return false
}

// checkedValues lists the values of the checked inputs called name.
func checkedValues(body, name string) []string {
	var out []string
	val := regexp.MustCompile(`value="([^"]*)"`)
	for _, tag := range inputTag.FindAllString(body, -1) {
		if strings.Contains(tag, `name="`+name+`"`) && regexp.MustCompile(`\schecked[\s>]`).MatchString(tag) {
			if m := val.FindStringSubmatch(tag); m != nil {
				out = append(out, html.UnescapeString(m[1]))
			}
		}
	}
	return out
}

// textarea returns the unescaped text of the textarea called name, and
// whether there is one.
func textarea(body, name string) (string, bool) {
	re := regexp.MustCompile(`(?s)<textarea[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</textarea>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

func wantTextarea(t *testing.T, body, name, want string) {
	t.Helper()
	got, ok := textarea(body, name)
	if !ok {
		t.Errorf("no textarea %q on the page\n%s", name, snippet(body))
		return
	}
	if got != want {
		t.Errorf("textarea %q = %q, want %q", name, truncateForLog(got), truncateForLog(want))
	}
}

func truncateForLog(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s…(%d bytes)", s[:80], len(s))
	}
	return s
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// formVersion is the version hidden in the response form.
func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no version field in the form\n%s", snippet(body))
	}
	return m[1]
}

// postRaw posts an encoded form body exactly as given (no CSRF added).
func (c *client) postRaw(path, body string) result {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// putJSONNoCSRF sends JSON without the X-CSRF-Token header.
func (c *client) putJSONNoCSRF(path, body string) result {
	req := httptest.NewRequest(http.MethodPut, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// proposalID looks a proposal up by reference.
func (e *env) proposalID(ref string) int64 {
	e.t.Helper()
	p, _, err := e.store.ProposalByRef(context.Background(), ref)
	if err != nil {
		e.t.Fatalf("proposal %s: %v", ref, err)
	}
	return p.ID
}

// stored returns an organisation's stored response to a proposal.
func (e *env) stored(org models.Organisation, ref string) (models.ResponseView, error) {
	return e.store.ResponseFor(context.Background(), org.ID, e.proposalID(ref))
}

// wantNothingStored fails unless the organisation has no response to ref.
func (e *env) wantNothingStored(t *testing.T, org models.Organisation, ref string) {
	t.Helper()
	r, err := e.stored(org, ref)
	if !errors.Is(err, models.ErrNotFound) {
		t.Errorf("%s has a stored response to %s (err %v): %+v", org.Code, ref, err, r)
	}
	revs, err := e.store.History(context.Background(), org.ID, e.proposalID(ref))
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 0 {
		t.Errorf("%s has %d revisions of %s, want none", org.Code, len(revs), ref)
	}
}

func decodeJSON(t *testing.T, r result, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("body is not the JSON expected: %v\n%s", err, snippet(r.Body))
	}
}

func withValues(base url.Values, set map[string][]string) url.Values {
	v := url.Values{}
	for k, vs := range base {
		v[k] = append([]string(nil), vs...)
	}
	for k, vs := range set {
		if vs == nil {
			delete(v, k)
			continue
		}
		v[k] = vs
	}
	return v
}

const formAction = `action="/proposals/LP-01/response"`

// ---- tests ----

func TestMemberSubmitsAResponseAndSeesItSubmitted(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")

	before := a.get("/proposals/LP-01")
	wantStatus(t, before, http.StatusOK)
	wantContains(t, before.Body, "Not started", formAction)
	if v := formVersion(t, before.Body); v != "0" {
		t.Errorf("a new form has version %s, want 0", v)
	}

	r := a.postForm("/proposals/LP-01/response", validAnswer())
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/proposals/LP-01?saved=submitted" {
		t.Errorf("Location = %q, want /proposals/LP-01?saved=submitted", r.Location)
	}

	page := a.get(r.Location)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, "Submitted", "Your response was submitted", "version 1")
	wantTextarea(t, page.Body, "comment", "Our board is against this.")
	wantTextarea(t, page.Body, "amendments", "Drop it.")
	for _, c := range []struct{ name, value string }{
		{"stance", "oppose"}, {"autonomy", "-2"}, {"concerns", "new_central_powers"}, {"concerns", "timescale"}, {"consent", "anonymised"},
	} {
		if !isChecked(page.Body, c.name, c.value) {
			t.Errorf("saved %s=%s is not checked on the page", c.name, c.value)
		}
	}

	hist := a.get("/proposals/LP-01/history")
	wantStatus(t, hist, http.StatusOK)
	wantContains(t, hist.Body, "Version 1: submitted", "Our board is against this.", "Ann Alpha")

	got, err := e.stored(e.orgA, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.StatusSubmitted || got.Version != 1 || got.Comment != "Our board is against this." {
		t.Errorf("stored %+v, want a submitted version 1 with the comment", got.Response)
	}
}

func TestMemberSavesADraftWithOnlyAComment(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")

	r := a.postForm("/proposals/LP-01/response", url.Values{
		"comment": {"Still discussing this with the board."}, "action": {"draft"}, "version": {"0"},
	})
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/proposals/LP-01?saved=draft" {
		t.Errorf("Location = %q, want /proposals/LP-01?saved=draft", r.Location)
	}
	page := a.get(r.Location)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, "Your draft was saved", "Draft")
	wantTextarea(t, page.Body, "comment", "Still discussing this with the board.")
	if got := checkedValues(page.Body, "stance"); len(got) != 0 {
		t.Errorf("a draft without stance shows stance %v checked", got)
	}

	got, err := e.stored(e.orgA, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.StatusDraft || got.Stance != "" || got.Autonomy != nil || got.Comment != "Still discussing this with the board." {
		t.Errorf("stored %+v, want a draft with only the comment", got.Response)
	}
}

func TestInvalidResponseIsRefusedWithEveryTypedValueKept(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")

	long := strings.Repeat("x", 5001)
	cases := []struct {
		name    string
		set     map[string][]string
		field   string // the field the summary links to
		message string // what the member reads
		// what must still be on the page, as typed
		comment    string
		amendments string // "" means the valid answer's "Drop it."
		checked    map[string][]string
	}{
		{
			name: "no stance on submit", set: map[string][]string{"stance": nil, "comment": {"We have not agreed a stance <yet> & won't guess."}},
			field: "stance", message: "Choose where your organisation stands on this proposal",
			comment: "We have not agreed a stance <yet> & won't guess.",
			checked: map[string][]string{"autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "stance outside the codes", set: map[string][]string{"stance": {"maybe"}},
			field: "stance", message: "Choose one of the five stances listed",
			comment: "Our board is against this.",
			checked: map[string][]string{"autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "consent outside the codes", set: map[string][]string{"consent": {"public"}},
			field: "consent", message: "Choose one of the three quoting options",
			comment: "Our board is against this.",
			checked: map[string][]string{"stance": {"oppose"}, "autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"}},
		},
		{
			name: "autonomy 3 is off the scale", set: map[string][]string{"autonomy": {"3"}},
			field: "autonomy", message: "Choose a point on the autonomy scale",
			comment: "Our board is against this.",
			checked: map[string][]string{"stance": {"oppose"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "autonomy that is not a number", set: map[string][]string{"autonomy": {"abc"}},
			field: "autonomy", message: "Choose a point on the autonomy scale",
			comment: "Our board is against this.",
			checked: map[string][]string{"stance": {"oppose"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "unknown concern code", set: map[string][]string{"concerns": {"timescale", "not_a_code"}},
			field: "concerns", message: "not_a_code&#34; is not a concern in the codebook",
			comment: "Our board is against this.",
			checked: map[string][]string{"stance": {"oppose"}, "autonomy": {"-2"}, "concerns": {"timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "comment of 5001 characters", set: map[string][]string{"comment": {long}},
			field: "comment", message: "Keep your comment to 5000 characters or fewer",
			comment: long,
			checked: map[string][]string{"stance": {"oppose"}, "autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
		{
			name: "amendments of 5001 characters", set: map[string][]string{"amendments": {long}},
			field: "amendments", message: "Keep suggested amendments to 5000 characters or fewer",
			comment: "Our board is against this.", amendments: long,
			checked: map[string][]string{"stance": {"oppose"}, "autonomy": {"-2"}, "concerns": {"new_central_powers", "timescale"}, "consent": {"anonymised"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.postForm("/proposals/LP-01/response", withValues(validAnswer(), tc.set))
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r.Body, "There is a problem", `href="#field-`+tc.field+`"`, tc.message)
			if !strings.Contains(r.Body, `id="field-`+tc.field+`"`) {
				t.Errorf("the summary links to #field-%s but no element has that id", tc.field)
			}
			wantTextarea(t, r.Body, "comment", tc.comment)
			amendments := tc.amendments
			if amendments == "" {
				amendments = "Drop it."
			}
			wantTextarea(t, r.Body, "amendments", amendments)
			for name, values := range tc.checked {
				got := checkedValues(r.Body, name)
				if strings.Join(got, ",") != strings.Join(values, ",") {
					t.Errorf("checked %s = %v, want %v as typed", name, got, values)
				}
			}
			if !strings.Contains(r.Body, formAction) {
				t.Error("the form is not shown again")
			}
			e.wantNothingStored(t, e.orgA, "LP-01")
		})
	}

	// Nothing reached the history page either.
	hist := a.get("/proposals/LP-01/history")
	wantStatus(t, hist, http.StatusOK)
	wantContains(t, hist.Body, "has not saved a response to this proposal yet")
}

func TestCommentOfUpTo5000CharactersIsAccepted(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	cases := []struct {
		name, sent, stored string
	}{
		{"5000 ASCII characters", strings.Repeat("x", 5000), strings.Repeat("x", 5000)},
		{"5000 accented characters (10000 bytes)", strings.Repeat("é", 5000), strings.Repeat("é", 5000)},
		// Browsers send a textarea's line breaks as CRLF; the limit counts what the member sees.
		{"5000 characters with a CRLF line break", strings.Repeat("x", 4998) + "\r\nx", strings.Repeat("x", 4998) + "\nx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := 0
			if cur, err := e.stored(e.orgA, "LP-01"); err == nil {
				base = cur.Version
			}
			v := withValues(validAnswer(), map[string][]string{"comment": {tc.sent}, "version": {fmt.Sprint(base)}})
			r := a.postForm("/proposals/LP-01/response", v)
			wantStatus(t, r, http.StatusSeeOther)
			got, err := e.stored(e.orgA, "LP-01")
			if err != nil {
				t.Fatal(err)
			}
			if got.Comment != tc.stored {
				t.Errorf("stored comment = %s, want %s", truncateForLog(got.Comment), truncateForLog(tc.stored))
			}
		})
	}
}

func TestSubmitAfterTheMemberDeadlineIsRefusedAndTheTextKept(t *testing.T) {
	e, clk := newEnv(t)
	a := e.signIn("a@alpha.example")
	wantStatus(t, a.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)

	start := clk.t
	clk.t = start.Add(31 * 24 * time.Hour)

	t.Run("a change to a submitted response", func(t *testing.T) {
		a := e.signIn("a@alpha.example") // the old session expired with the passing days
		late := withValues(validAnswer(), map[string][]string{"comment": {"Late thought: we now support it."}, "stance": {"support"}, "version": {"1"}})
		r := a.postForm("/proposals/LP-01/response", late)
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, strings.ToLower(r.Body), "deadline")
		wantContains(t, r.Body, "Nothing was saved", "Late thought: we now support it.")
		got, err := e.stored(e.orgA, "LP-01")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.Comment != "Our board is against this." || got.Stance != "oppose" {
			t.Errorf("stored response changed after the deadline: %+v", got.Response)
		}
		hist := a.get("/proposals/LP-01/history")
		wantNotContains(t, hist.Body, "Late thought", "Version 2")
	})

	t.Run("a first response from another organisation", func(t *testing.T) {
		b := e.signIn("b@beta.example")
		r := b.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"comment": {"Beta was late."}}))
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, strings.ToLower(r.Body), "deadline")
		wantContains(t, r.Body, "Beta was late.")
		e.wantNothingStored(t, e.orgB, "LP-01")
	})

	t.Run("the proposal page shows the saved answer read-only", func(t *testing.T) {
		a := e.signIn("a@alpha.example")
		r := a.get("/proposals/LP-01")
		wantStatus(t, r, http.StatusOK)
		wantNotContains(t, r.Body, formAction, `name="comment"`)
		wantContains(t, r.Body, "deadline", "has passed", "can be read but no longer changed", "Our board is against this.", "Submitted")
	})
}

func TestSubmitJustAfterTheDeadlineFromAFormOpenedBeforeIt(t *testing.T) {
	e, clk := newEnv(t)
	cons, err := e.store.ConsultationBySlug(context.Background(), "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	clk.t = cons.MemberDeadline.Add(-10 * time.Minute)
	a := e.signIn("a@alpha.example")
	wantContains(t, a.get("/proposals/LP-01").Body, formAction)

	clk.t = cons.MemberDeadline.Add(time.Minute)
	r := a.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"comment": {"Typed while the clock ran out."}}))
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r.Body, "deadline", "Typed while the clock ran out.")
	e.wantNothingStored(t, e.orgA, "LP-01")
}

func TestResponseFormRefusesAPostWithoutTheSessionsCSRFToken(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	b := e.signIn("b@beta.example")
	if a.csrf == "" || b.csrf == "" || a.csrf == b.csrf {
		t.Fatalf("expected two different CSRF tokens, got %q and %q", a.csrf, b.csrf)
	}

	cases := []struct {
		name string
		post func() result
	}{
		{"missing token", func() result {
			v := validAnswer()
			return a.postRaw("/proposals/LP-01/response", v.Encode())
		}},
		{"empty token", func() result {
			return a.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"_csrf": {""}}))
		}},
		{"wrong token", func() result {
			return a.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"_csrf": {"not-the-token"}}))
		}},
		{"token from another user's session", func() result {
			return a.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"_csrf": {b.csrf}}))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.post()
			wantStatus(t, r, http.StatusForbidden)
			wantContains(t, r.Body, "did not come from this site")
			e.wantNothingStored(t, e.orgA, "LP-01")
		})
	}
}

func TestPostingToAnUnknownProposalIsNotFound(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	r := a.postForm("/proposals/LP-99/response", validAnswer())
	wantStatus(t, r, http.StatusNotFound)
	wantContains(t, r.Body, "There is nothing here")
}

func TestEditingAResponseKeepsEveryVersion(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")

	wantStatus(t, a.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)
	page := a.get("/proposals/LP-01")
	if v := formVersion(t, page.Body); v != "1" {
		t.Fatalf("after the first submit the form has version %s, want 1", v)
	}
	edit := withValues(validAnswer(), map[string][]string{
		"stance": {"neutral"}, "comment": {"On reflection, we are neutral."}, "version": {"1"},
	})
	r := a.postForm("/proposals/LP-01/response", edit)
	wantStatus(t, r, http.StatusSeeOther)

	hist := a.get("/proposals/LP-01/history")
	wantStatus(t, hist, http.StatusOK)
	wantContains(t, hist.Body, "Version 2: submitted", "Version 1: submitted", "On reflection, we are neutral.", "Our board is against this.")
	if i2, i1 := strings.Index(hist.Body, "Version 2"), strings.Index(hist.Body, "Version 1"); i2 < 0 || i1 < 0 || i2 > i1 {
		t.Error("history is not newest first")
	}
	got, err := e.stored(e.orgA, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Stance != "neutral" {
		t.Errorf("stored %+v, want version 2, neutral", got.Response)
	}
}

func TestColleaguesSavingTheSameResponseDoNotOverwriteEachOther(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	a2 := e.signIn("a2@alpha.example")

	// Both open the form before either has saved.
	for _, c := range []*client{a, a2} {
		p := c.get("/proposals/LP-01")
		if v := formVersion(t, p.Body); v != "0" {
			t.Fatalf("form opened at version %s, want 0", v)
		}
	}
	wantStatus(t, a.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)

	mine := withValues(validAnswer(), map[string][]string{
		"stance": {"support"}, "autonomy": {"1"}, "comment": {"Alan thinks we should support it."}, "version": {"0"},
	})
	r := a2.postForm("/proposals/LP-01/response", mine)
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r.Body, "changed this response after you opened it", "Ann Alpha", "Our board is against this.")
	wantTextarea(t, r.Body, "comment", "Alan thinks we should support it.")
	if !isChecked(r.Body, "stance", "support") || !isChecked(r.Body, "autonomy", "1") {
		t.Error("a2's chosen stance and autonomy are not kept in the form")
	}
	newVersion := formVersion(t, r.Body)
	if newVersion != "1" {
		t.Errorf("the form after a conflict carries version %s, want 1 (the colleague's)", newVersion)
	}

	got, err := e.stored(e.orgA, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Comment != "Our board is against this." || got.Version != 1 {
		t.Errorf("stored %+v, want a@'s version 1 unchanged", got.Response)
	}
	hist := a2.get("/proposals/LP-01/history")
	wantContains(t, hist.Body, "Not applied", "Alan thinks we should support it.", "Version 1: submitted")

	// Having seen the colleague's version, a2 saves again knowingly.
	again := withValues(mine, map[string][]string{"version": {newVersion}})
	r = a2.postForm("/proposals/LP-01/response", again)
	wantStatus(t, r, http.StatusSeeOther)
	got, err = e.stored(e.orgA, "LP-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Comment != "Alan thinks we should support it." || got.Version != 2 || got.Stance != "support" {
		t.Errorf("stored %+v, want a2's answer as version 2", got.Response)
	}
}

func TestDraftsNeverCountInTheSummary(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	policy := e.signIn("policy@body.example")

	responses := func() int {
		t.Helper()
		r := policy.get("/api/v1/proposals/LP-01/summary")
		wantStatus(t, r, http.StatusOK)
		var s struct {
			Responses    int            `json:"responses"`
			Stance       map[string]int `json:"stance"`
			NotResponded []string       `json:"not_responded"`
		}
		decodeJSON(t, r, &s)
		return s.Responses
	}

	draft := withValues(validAnswer(), map[string][]string{"action": {"draft"}})
	wantStatus(t, a.postForm("/proposals/LP-01/response", draft), http.StatusSeeOther)
	if n := responses(); n != 0 {
		t.Errorf("after a draft, responses = %d, want 0", n)
	}
	submit := withValues(validAnswer(), map[string][]string{"version": {"1"}})
	wantStatus(t, a.postForm("/proposals/LP-01/response", submit), http.StatusSeeOther)
	if n := responses(); n != 1 {
		t.Errorf("after submitting, responses = %d, want 1", n)
	}
	// Taking it back to a draft removes it from the tallies again.
	back := withValues(validAnswer(), map[string][]string{"action": {"draft"}, "version": {"2"}})
	wantStatus(t, a.postForm("/proposals/LP-01/response", back), http.StatusSeeOther)
	if n := responses(); n != 0 {
		t.Errorf("after returning to draft, responses = %d, want 0", n)
	}
}
