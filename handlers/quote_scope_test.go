package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Tests of what a member allows to be quoted: their comment and amendments,
// or their comment only (issue 12, defect 6).

const (
	scopeComment   = "Trust boards must stay accountable for their own organisation."
	scopeAmendment = "Require the consent of both boards before any direction."
)

// answerWithScope is Alpha's attributed LP-12 answer with both texts and
// scope ("" leaves the field out, as a form from before the question did).
func answerWithScope(scope, version string) url.Values {
	v := validAnswer()
	v.Set("comment", scopeComment)
	v.Set("amendments", scopeAmendment)
	v.Set("consent", "attributed")
	v.Set("version", version)
	if scope != "" {
		v.Set("quote_scope", scope)
	}
	return v
}

// alphaLP12 is Alpha's stored LP-12 response.
func (e *env) alphaLP12() models.ResponseView {
	e.t.Helper()
	p, _, err := e.store.ProposalByRef(context.Background(), "LP-12")
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.store.ResponseFor(context.Background(), e.orgA.ID, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestTheMemberIsAskedWhatMayBeQuotedAndSeesTheirAnswer(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	form := a.get("/proposals/LP-12").Body
	wantContains(t, form, "If we may quote you, what may we quote?", "Our comment only (our suggested amendments are never quoted)")
	if !isChecked(form, "quote_scope", "comment_and_amendments") || isChecked(form, "quote_scope", "comment_only") {
		t.Error("a new answer's form should start at what every answer meant before: comment and amendments")
	}

	wantStatus(t, a.postForm("/proposals/LP-12/response", answerWithScope("comment_only", "0")), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentOnly {
		t.Fatalf("stored scope %q, want comment_only", got)
	}
	form = a.get("/proposals/LP-12").Body
	if !isChecked(form, "quote_scope", "comment_only") || isChecked(form, "quote_scope", "comment_and_amendments") {
		t.Error("the form is not pre-filled with the stored answer")
	}
	history := a.get("/proposals/LP-12/history").Body
	wantContains(t, history, "What may be quoted", "Our comment only")

	// A form that does not say keeps what the member chose.
	wantStatus(t, a.postForm("/proposals/LP-12/response", answerWithScope("", "1")), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentOnly {
		t.Errorf("a save without the field changed the scope to %q", got)
	}

	r := a.postForm("/proposals/LP-12/response", answerWithScope("everything", "2"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r.Body, "There is a problem", `href="#field-quote_scope"`,
		"Choose whether we may quote your comment and amendments, or your comment only")
}

func TestThePolicyTeamCannotQuoteTheAmendmentsOfACommentOnlyResponse(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	wantStatus(t, a.postForm("/proposals/LP-12/response", answerWithScope("comment_only", "0")), http.StatusSeeOther)
	id := e.alphaLP12().ID
	p := e.signIn("policy@body.example")
	page := p.get(fmt.Sprintf("/responses/%d", id)).Body
	wantContains(t, page, "What may be quoted", "Our comment only", "the member allows their comment only to be quoted")

	r := p.postForm(fmt.Sprintf("/responses/%d/quotes", id), url.Values{"excerpt": {"Require the consent of both boards"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r.Body, "This member allows their comment only to be quoted, and this passage is from their suggested amendments")
	if _, err := e.store.AddQuote(context.Background(), id, 0, "Require the consent of both boards"); !errors.Is(err, models.ErrAmendmentsNotQuotable) {
		t.Errorf("the store took a passage of the amendments: %v", err)
	}
	wantStatus(t, p.postForm(fmt.Sprintf("/responses/%d/quotes", id), url.Values{"excerpt": {"Trust boards must stay accountable"}}), http.StatusSeeOther)
}

func TestNarrowingToCommentOnlyWithdrawsAmendmentQuotesButNotCommentQuotes(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	wantStatus(t, a.postForm("/proposals/LP-12/response", answerWithScope("comment_and_amendments", "0")), http.StatusSeeOther)
	r := e.alphaLP12()
	fromComment, err := e.store.AddQuote(context.Background(), r.ID, 0, "Trust boards must stay accountable")
	if err != nil {
		t.Fatal(err)
	}
	fromAmendments, err := e.store.AddQuote(context.Background(), r.ID, 0, "Require the consent of both boards")
	if err != nil {
		t.Fatal(err)
	}
	policy := e.signIn("policy@body.example")
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-12",
		sectionForm("oppose", "We oppose this.", "0", itoa(fromComment.ID), itoa(fromAmendments.ID))), http.StatusSeeOther)
	wantStatus(t, policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"1"}}), http.StatusSeeOther)
	admin := e.signIn("admin@body.example")
	admin.get("/consultations/1/collective")
	wantStatus(t, admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "confirm": {"1"}, "version": {"2"}}), http.StatusSeeOther)
	for path, body := range exportsOf(t, policy) {
		if !strings.Contains(body, "Require the consent of both boards") {
			t.Fatalf("%s does not print the amendment quote before the change", path)
		}
	}

	wantStatus(t, a.postForm("/proposals/LP-12/response", answerWithScope("comment_only", "1")), http.StatusSeeOther)

	entries, err := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteWithdrawn})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, fmt.Sprintf("quote %d in section LP-12", fromAmendments.ID)) ||
		!strings.Contains(entries[0].Detail, "now allows their comment only to be quoted") {
		t.Errorf("audit entries %+v (%v); want one, for the amendment quote %d only", entries, err, fromAmendments.ID)
	}
	workspace := policy.get("/consultations/1/collective").Body
	wantContains(t, workspace, "A member has withdrawn consent for 1 quote",
		"The quote is from the member&#39;s suggested amendments, and the member now allows their comment only to be quoted.",
		fmt.Sprintf(`action="/consultations/1/collective/quotes/%d/remove"`, fromAmendments.ID))
	for path, body := range exportsOf(t, policy) {
		if path != "/consultations/1/collective" && strings.Contains(body, "Require the consent of both boards") {
			t.Errorf("%s still prints the amendment quote", path)
		}
		if !strings.Contains(body, "Trust boards must stay accountable") {
			t.Errorf("%s lost the comment quote, which the member still allows", path)
		}
	}
	// While drafting, the live quotes follow too; the response page says why.
	live, err := e.store.QuotesForProposal(context.Background(), r.ProposalID)
	if err != nil || len(live) != 1 || live[0].ID != fromComment.ID {
		t.Errorf("usable quotes %+v (%v); want the comment quote only", live, err)
	}
	wantContains(t, policy.get(fmt.Sprintf("/responses/%d", r.ID)).Body,
		"Will not be used: the passage is from the member's suggested amendments, and the member now allows their comment only to be quoted.")
}

func TestTheAPIReadsAndWritesTheQuoteScopeAsAnOptionalField(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	const body = `{"stance":"oppose","autonomy":-1,"comment":"No.","amendments":"Drop it.","consent":"anonymised"%s}`
	r := a.putJSON("/api/v1/proposals/LP-12/response", fmt.Sprintf(body, ""))
	wantStatus(t, r, http.StatusCreated)
	var got struct {
		QuoteScope string `json:"quote_scope"`
		Version    int    `json:"version"`
	}
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.QuoteScope != "comment_and_amendments" {
		t.Fatalf("a first answer without the field: %s (%v); want quote_scope comment_and_amendments", r.Body, err)
	}
	r = a.putJSON("/api/v1/proposals/LP-12/response", fmt.Sprintf(body, `,"version":1,"quote_scope":"comment_only"`))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, `"quote_scope":"comment_only"`)
	// A script written before the field keeps what the member chose.
	r = a.putJSON("/api/v1/proposals/LP-12/response", fmt.Sprintf(body, `,"version":2`))
	wantStatus(t, r, http.StatusOK)
	wantContains(t, a.get("/api/v1/proposals/LP-12/response").Body, `"quote_scope":"comment_only"`, `"consent":"anonymised"`)

	r = a.putJSON("/api/v1/proposals/LP-12/response", fmt.Sprintf(body, `,"version":3,"quote_scope":"all"`))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	var bad struct {
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(r.Body), &bad); err != nil || bad.Fields["quote_scope"] == "" {
		t.Errorf("422 body %s (%v); want a message for quote_scope", r.Body, err)
	}
}

func TestTheResponseCSVCarriesTheQuoteScopeAndFilesWithoutItMeanCommentAndAmendments(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	// A file in the contract's columns only: the previous behaviour.
	dioWant(t, admin.postFile("/imports", "old.csv", dioHeader+"AAA,LP-12,oppose,-2,,Our comment.,Our amendment.,attributed\n"), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentAndAmendments {
		t.Fatalf("a file without quote_scope stored %q", got)
	}
	// The optional last column.
	withScope := strings.TrimSuffix(dioHeader, "\n") + ",quote_scope\n"
	dioWant(t, admin.postFile("/imports", "new.csv", withScope+
		"AAA,LP-12,oppose,-2,,Our comment.,Our amendment.,attributed,comment_only\n"+
		"BBB,LP-12,support,1,,,,anonymised,\n"), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentOnly {
		t.Fatalf("quote_scope comment_only stored as %q", got)
	}
	dioWant(t, admin.postFile("/imports", "bad.csv", withScope+"AAA,LP-12,oppose,-2,,,,attributed,everything\n"),
		http.StatusUnprocessableEntity, `<th scope="row" class="num">2</th>`, "quote_scope &#34;everything&#34; is not allowed", "comment_and_amendments, comment_only")

	// The export carries it, last, and imports again as it is.
	r := admin.get("/exports/responses.csv")
	dioWant(t, r, http.StatusOK)
	rows := parseCSV(t, r.Body)
	if last := rows[0][len(rows[0])-1]; last != "quote_scope" || rows[0][14] != "system_status" {
		t.Fatalf("export header %v; want the earlier columns in place and quote_scope last", rows[0])
	}
	scopes := map[string]string{}
	for _, row := range rows[1:] {
		scopes[row[0]] = row[15]
	}
	if scopes["AAA"] != "comment_only" || scopes["BBB"] != "comment_and_amendments" {
		t.Errorf("exported scopes %v", scopes)
	}
	dioWant(t, admin.postFile("/imports", "export.csv", r.Body), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentOnly {
		t.Errorf("an export imported again changed the scope to %q", got)
	}
	// An export from before the column still imports, as the default.
	old := strings.Join(rows[0][:15], ",") + "\n" + strings.Join(rows[1][:15], ",") + "\n"
	dioWant(t, admin.postFile("/imports", "old-export.csv", old), http.StatusSeeOther)
	if got := e.alphaLP12().QuoteScope; got != models.QuoteCommentAndAmendments {
		t.Errorf("an old export stored %q, want the default", got)
	}
}
