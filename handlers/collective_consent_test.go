package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// approvedWithAlphaQuoted approves the collective response with Alpha's
// attributed quote in section LP-12, and returns the admin's client.
func approvedWithAlphaQuoted(t *testing.T, e *env, policy *client, quoteID int64) *client {
	t.Helper()
	policy.get("/consultations/1/collective")
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0", itoa(quoteID))); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d", r.Status)
	}
	if r := policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send for review: %d", r.Status)
	}
	admin := e.signIn("admin@body.example")
	admin.get("/consultations/1/collective")
	if r := admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"2"}, "confirm": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	return admin
}

// exportsOf are the approved response as every export shows it, by path.
func exportsOf(t *testing.T, c *client) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, path := range []string{"/consultations/1/collective", "/consultations/1/collective/print", "/consultations/1/collective.md", "/consultations/1/collective.docx"} {
		r := c.get(path)
		wantStatus(t, r, http.StatusOK)
		out[path] = r.Body
		if strings.HasSuffix(path, ".docx") {
			out[path] = docxText(t, r.Body)
		}
	}
	return out
}

func docxText(t *testing.T, body string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatal("docx without word/document.xml")
	return ""
}

// withdrawConsent saves Alpha's LP-12 answer again with consent.
func withdrawConsent(t *testing.T, e *env, consent models.Consent) {
	t.Helper()
	a := e.signIn("a@alpha.example")
	v := validAnswer()
	v.Set("comment", "Trust boards must stay accountable for their own organisation.")
	v.Set("consent", string(consent))
	v.Set("version", "1")
	if r := a.postForm("/proposals/LP-12/response", v); r.Status != http.StatusSeeOther {
		t.Fatalf("the member's save: %d", r.Status)
	}
}

const (
	alphaName  = "Alpha Hospitals NHS Trust"
	alphaQuote = "Trust boards must stay accountable"
)

func TestAMemberWhoSaysDoNotQuoteAfterApprovalIsNeverPrinted(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	approvedWithAlphaQuoted(t, e, policy, quoteID)
	for path, body := range exportsOf(t, policy) {
		if !strings.Contains(body, alphaName) || !strings.Contains(body, alphaQuote) {
			t.Fatalf("%s does not name Alpha with its quote before the change", path)
		}
	}

	withdrawConsent(t, e, models.ConsentPrivate)

	// The policy team is told at once: in the audit log and on the workspace.
	entries, err := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteWithdrawn})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, fmt.Sprintf("quote %d in section LP-12", quoteID)) ||
		!strings.Contains(entries[0].Detail, "now asks not to be quoted") {
		t.Errorf("audit entries %+v (%v); want one saying quote %d of LP-12 may no longer be quoted", entries, err, quoteID)
	}
	workspace := policy.get("/consultations/1/collective").Body
	wantContains(t, workspace, "A member has withdrawn consent for 1 quote in this approved response",
		"The member now asks not to be quoted.", fmt.Sprintf(`action="/consultations/1/collective/quotes/%d/remove"`, quoteID))
	// No export names the member, or prints the words.
	for path, body := range exportsOf(t, policy) {
		if strings.Contains(body, alphaName) {
			t.Errorf("%s still names %s", path, alphaName)
		}
		if path != "/consultations/1/collective" && strings.Contains(body, alphaQuote) {
			t.Errorf("%s still prints the quote", path)
		}
	}

	// Taking it out needs no reopening: the response stays approved.
	r := policy.postForm(fmt.Sprintf("/consultations/1/collective/quotes/%d/remove", quoteID), url.Values{"version": {"3"}})
	wantStatus(t, r, http.StatusSeeOther)
	workspace = policy.get(r.Location).Body
	wantContains(t, workspace, "The quote was taken out of the approved response", "Status: <span class=\"tag tag-approved\">Approved</span> · version 4")
	if strings.Contains(workspace, "withdrawn consent for") || strings.Contains(workspace, alphaQuote) {
		t.Error("the workspace still shows the withdrawn quote after it was taken out")
	}
	doc, err := e.store.Collective(context.Background(), 1)
	if err != nil || !doc.Snapshot.Frozen || len(doc.Snapshot.Sections) != 1 || len(doc.Snapshot.Sections[0].Quotes) != 0 {
		t.Errorf("the new version: %+v (%v); want frozen, LP-12 without quotes", doc.Snapshot, err)
	}
	if removed, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteRemoved}); len(removed) != 1 {
		t.Errorf("%d quote-removed audit entries, want 1", len(removed))
	}
}

func TestAMemberWhoSaysDoNotNameUsAfterApprovalIsQuotedAnonymously(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	approvedWithAlphaQuoted(t, e, policy, quoteID)
	withdrawConsent(t, e, models.ConsentAnonymised)
	for path, body := range exportsOf(t, policy) {
		if strings.Contains(body, alphaName) || !strings.Contains(body, alphaQuote) || !strings.Contains(body, "A member trust") {
			t.Errorf("%s: want the quote attributed to a member trust, never to %s", path, alphaName)
		}
	}
	wantContains(t, policy.get("/consultations/1/collective").Body,
		"The member now asks to be quoted without their name. The quote is shown as from “A member trust”.")
}

func TestOnlyAWithdrawnQuoteLeavesAnApprovedResponseWithoutReopening(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	approvedWithAlphaQuoted(t, e, policy, quoteID)
	r := policy.postForm(fmt.Sprintf("/consultations/1/collective/quotes/%d/remove", quoteID), url.Values{"version": {"3"}})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r.Body, "Only a quote whose member has withdrawn consent can be taken out of an approved response")
	if doc, _ := e.store.Collective(context.Background(), 1); doc.Response.Version != 3 || len(doc.Snapshot.Sections[0].Quotes) != 1 {
		t.Errorf("a refused removal changed the response: version %d", doc.Response.Version)
	}
}

// An import that replaces a response is a change of consent like any other.
func TestAnImportThatSaysDoNotQuoteTellsThePolicyTeam(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	approvedWithAlphaQuoted(t, e, policy, quoteID)
	file := "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n" +
		"AAA,LP-12,oppose,-2,,Trust boards must stay accountable for their own organisation.,,private\n"
	if _, err := e.store.ImportResponses(context.Background(), strings.NewReader(file), "emailed.csv", 0); err != nil {
		t.Fatal(err)
	}
	entries, _ := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditQuoteWithdrawn})
	if len(entries) != 1 {
		t.Errorf("%d audit entries after the import, want 1", len(entries))
	}
	for path, body := range exportsOf(t, policy) {
		if strings.Contains(body, alphaName) {
			t.Errorf("%s still names %s after the import", path, alphaName)
		}
	}
}
