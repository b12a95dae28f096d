package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Issue 12, defects 4, 5 and 8: editing the collective response together,
// approving it, and its history.

// twoEditors is the collective fixture with a second policy editor.
func twoEditors(t *testing.T) (*env, *client, *client, int64) {
	t.Helper()
	e, pat, quoteID := collectiveFixture(t)
	if _, err := e.store.CreateUser(context.Background(), models.NewUser{Email: "priya@body.example", Name: "Priya Policy",
		Role: models.RolePolicy, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return e, pat, e.signIn("priya@body.example"), quoteID
}

// introVersion is the version the introduction's form carries.
func introVersion(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `action="/consultations/1/collective/introduction"`)
	if i < 0 {
		t.Fatalf("no introduction form\n%s", snippet(body))
	}
	return formVersion(t, body[i:])
}

// edit is one editor's save of a part, from a form opened before either saved.
type edit struct {
	path string
	form func(version string) url.Values
}

func sectionEdit(ref, text string) edit {
	return edit{"/consultations/1/collective/sections/" + ref, func(v string) url.Values { return sectionForm("oppose", text, v) }}
}

func introEdit(text string) edit {
	return edit{"/consultations/1/collective/introduction", func(v string) url.Values {
		return url.Values{"introduction": {text}, "version": {v}}
	}}
}

// opened is the version the form of an edit carries when opened now.
func (ed edit) opened(t *testing.T, c *client) string {
	t.Helper()
	if strings.HasSuffix(ed.path, "/introduction") {
		return introVersion(t, c.get("/consultations/1/collective").Body)
	}
	return formVersion(t, c.get(ed.path).Body)
}

func TestAnEditorOfAnotherPartIsNeverRefused(t *testing.T) {
	cases := []struct {
		name         string
		first, other edit
	}{
		{"two sections", sectionEdit("LP-12", "Pat's words on LP-12."), sectionEdit("LP-13", "Priya's words on LP-13.")},
		{"the introduction and a section", introEdit("Pat's introduction."), sectionEdit("LP-12", "Priya's words on LP-12.")},
		{"a section and the introduction", sectionEdit("LP-12", "Pat's words on LP-12."), introEdit("Priya's introduction.")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, pat, priya, _ := twoEditors(t)
			// Both have written before, so the document is past version 0.
			wantStatus(t, pat.postForm("/consultations/1/collective/sections/LP-14", sectionForm("oppose", "Earlier.", "0")), http.StatusSeeOther)
			patOpened, priyaOpened := tc.first.opened(t, pat), tc.other.opened(t, priya)
			wantStatus(t, pat.postForm(tc.first.path, tc.first.form(patOpened)), http.StatusSeeOther)
			wantStatus(t, priya.postForm(tc.other.path, tc.other.form(priyaOpened)), http.StatusSeeOther)
			page := pat.get("/consultations/1/collective").Body
			wantContains(t, html.UnescapeString(page), firstText(tc.first.form("")), firstText(tc.other.form("")))
		})
	}
}

func TestARealCollisionShowsBothTextsAndSavesOnTheSecondTry(t *testing.T) {
	cases := []struct {
		name       string
		pat, priya edit
		where      string // the part as the history names it
	}{
		{"a section", sectionEdit("LP-12", "Pat says the power goes too far."), sectionEdit("LP-12", "Priya says the power needs safeguards."), "section LP-12"},
		{"the introduction", introEdit("Pat introduces the response."), introEdit("Priya introduces it otherwise."), "the introduction"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, pat, priya, _ := twoEditors(t)
			patOpened, priyaOpened := tc.pat.opened(t, pat), tc.priya.opened(t, priya)
			wantStatus(t, pat.postForm(tc.pat.path, tc.pat.form(patOpened)), http.StatusSeeOther)

			refused := priya.postForm(tc.priya.path, tc.priya.form(priyaOpened))
			wantStatus(t, refused, http.StatusConflict)
			body := html.UnescapeString(refused.Body)
			patWords, priyaWords := firstText(tc.pat.form("")), firstText(tc.priya.form(""))
			wantContains(t, body, "There is a problem", "Pat Policy saved", patWords, priyaWords,
				"Yours: not saved, still in the form", "What differs")
			if !strings.Contains(body, ">"+priyaWords+"</textarea>") {
				t.Errorf("Priya's text is not kept in the form")
			}
			again := formVersion(t, refused.Body[strings.Index(refused.Body, `action="`+tc.priya.path+`"`):])
			if again == priyaOpened {
				t.Fatalf("the 409 page carries the stale version %s again", again)
			}
			wantStatus(t, priya.postForm(tc.priya.path, tc.priya.form(again)), http.StatusSeeOther)
			if page := html.UnescapeString(pat.get("/consultations/1/collective").Body); !strings.Contains(page, priyaWords) {
				t.Errorf("the second try did not save Priya's text")
			}
			history := html.UnescapeString(pat.get("/consultations/1/collective/versions").Body)
			wantContains(t, history, "Not saved: Priya Policy’s edit of "+tc.where+" conflicted with Pat Policy’s save", priyaWords)
		})
	}
}

func firstText(v url.Values) string {
	if s := v.Get("statement"); s != "" {
		return s
	}
	return v.Get("introduction")
}

// inReview writes LP-12 and sends the response for review; it returns the
// admin's client.
func inReview(t *testing.T, e *env, policy *client) *client {
	t.Helper()
	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0")), http.StatusSeeOther)
	wantStatus(t, policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"1"}}), http.StatusSeeOther)
	return e.signIn("admin@body.example")
}

func TestApprovalAsksForConfirmationListingWhatIsMissing(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	// A third member is still drafting.
	e.addOrg("CCC", "Gamma Community NHS Trust", "community", "London", "ics")
	e.store.CreateUser(context.Background(), models.NewUser{Email: "c@gamma.example", Name: "C", Role: models.RoleMember, OrganisationCode: "CCC", Password: testPassword})
	draft := validAnswer()
	draft.Set("action", "draft")
	e.signIn("c@gamma.example").postForm("/proposals/LP-13/response", draft)
	admin := inReview(t, e, policy)

	// The old one-click approval only leads to the confirmation page.
	r := admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"2"}})
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/consultations/1/collective/approve" {
		t.Fatalf("approval without confirmation went to %q", r.Location)
	}
	if page := admin.get("/consultations/1/collective").Body; !strings.Contains(page, "tag-in_review") {
		t.Fatal("a request without confirmation approved the response")
	}

	confirm := admin.get("/consultations/1/collective/approve")
	wantStatus(t, confirm, http.StatusOK)
	wantContains(t, html.UnescapeString(confirm.Body), "What is missing", "20 proposals have no section", "LP-13",
		"The member deadline has not passed", "1 member is still drafting", "Gamma Community NHS Trust",
		"Coverage warnings in 1 section", `name="confirm" value="1"`, "Approve and freeze anyway")

	wantStatus(t, admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"2"}, "confirm": {"1"}}), http.StatusSeeOther)
	wantContains(t, admin.get("/consultations/1/collective").Body, "tag-approved")
	if r := policy.get("/consultations/1/collective/approve"); r.Status != http.StatusForbidden {
		t.Errorf("the policy team opening the approval page: %d, want 403 (only admins approve)", r.Status)
	}
}

func TestAnEditDuringReviewSendsTheResponseBackToDraft(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	inReview(t, e, policy)
	r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this, firmly.", "1"))
	wantStatus(t, r, http.StatusSeeOther)
	page := html.UnescapeString(policy.get(r.Location).Body)
	wantContains(t, page, "tag-draft", "your edit sent it back to draft", "Latest version: Edited during review by Pat Policy: back to draft")
	history := html.UnescapeString(policy.get("/consultations/1/collective/versions").Body)
	wantContains(t, history, "Edited during review by Pat Policy: back to draft", "Status: In review → Draft")
}

func TestEachVersionSaysWhatChangedAndWho(t *testing.T) {
	_, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0"))
	policy.postForm("/consultations/1/collective/introduction", url.Values{"introduction": {"Our members answered."}, "version": {"0"}})
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "We support this.", "1", itoa(quoteID)))
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "We support this.", "2"))
	policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"4"}})
	history := html.UnescapeString(policy.get("/consultations/1/collective/versions").Body)
	wantContains(t, history, "LP-12: new section (Oppose)", "<li>Introduction</li>",
		"LP-12: position (Oppose → Support), statement, 1 quote added", "LP-12: 1 quote removed",
		"Status: Draft → In review", "<td>Pat Policy</td>")
	wantNotContains(t, history, "Quotes: [")
}

func TestAnyTwoVersionsCanBeCompared(t *testing.T) {
	_, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this power.", "0"))
	policy.postForm("/consultations/1/collective/introduction", url.Values{"introduction": {"Our members answered."}, "version": {"0"}})
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "We accept this power.", "1", itoa(quoteID)))
	r := policy.get("/consultations/1/collective/versions?from=1&to=3")
	wantStatus(t, r, http.StatusOK)
	body := html.UnescapeString(r.Body)
	wantContains(t, body, "Version 3 compared with version 1", `<option value="1" selected>`, `<option value="3" selected>`,
		"<del><span class=\"visually-hidden\">removed: </span>oppose</del>", "accept", "Our members answered.",
		"“Trust boards must stay accountable” — Alpha Hospitals NHS Trust")
	for _, bad := range []string{"?from=1&to=99", "?from=x&to=1"} {
		if r := policy.get("/consultations/1/collective/versions" + bad); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, r.Status)
		}
	}
}

func TestAnEarlierVersionCanBeRestoredAsANewVersion(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this power.", "0", itoa(quoteID)))
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "We accept this power.", "1"))
	policy.postForm("/consultations/1/collective/sections/LP-13", sectionForm("oppose", "A later section.", "0"))

	// Without the form's token nothing happens.
	if r := policy.postForm("/consultations/1/collective/versions/1/restore", url.Values{"_csrf": {"forged"}, "version": {"3"}}); r.Status != http.StatusForbidden {
		t.Errorf("restore with a forged token: %d, want 403", r.Status)
	}
	// Since version 1, Alpha asked not to be quoted: the quote stays out.
	withdrawConsent(t, e, models.ConsentPrivate)

	r := policy.postForm("/consultations/1/collective/versions/1/restore", url.Values{"version": {"3"}})
	wantStatus(t, r, http.StatusSeeOther)
	page := html.UnescapeString(policy.get(r.Location).Body)
	wantContains(t, page, "The earlier version was restored as a new version.", "We oppose this power.", "version 4",
		"Latest version: Restored from version 1; 1 quote left out: its member no longer allows quoting")
	wantNotContains(t, page, "We accept this power.", "A later section.", alphaQuote)
	history := html.UnescapeString(policy.get("/consultations/1/collective/versions").Body)
	wantContains(t, history, "Restored from version 1", "LP-13: section taken out", "LP-12: position (Support → Oppose), statement")
	entries, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditCollectiveSaved})
	if len(entries) == 0 || !strings.Contains(entries[0].Detail, "Restored from version 1") {
		t.Errorf("the restore is not in the audit log: %+v", entries)
	}

	// A stale page is refused, and so is any restore once approved.
	if r := policy.postForm("/consultations/1/collective/versions/2/restore", url.Values{"version": {"3"}}); r.Status != http.StatusConflict {
		t.Errorf("restore from a stale page: %d, want 409", r.Status)
	}
	wantStatus(t, policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"4"}}), http.StatusSeeOther)
	admin := e.signIn("admin@body.example")
	wantStatus(t, admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"5"}, "confirm": {"1"}}), http.StatusSeeOther)
	if r := policy.postForm("/consultations/1/collective/versions/2/restore", url.Values{"version": {"6"}}); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "approved") {
		t.Errorf("restore of an approved response: %d, want 409 saying it is approved", r.Status)
	}
	if r := policy.postForm("/consultations/1/collective/versions/99/restore", url.Values{"version": {"6"}}); r.Status != http.StatusNotFound {
		t.Errorf("restore of a version that does not exist: %d, want 404", r.Status)
	}
}
