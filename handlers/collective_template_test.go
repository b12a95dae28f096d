package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Tests of the collective response's template: every proposal without a
// section started from its figures, marked as a suggestion (issue 12).

const suggestedMarker = "Suggested from the figures — edit before review"

// sectionOf is the workspace's section of ref, up to the next section.
func sectionOf(t *testing.T, workspace, ref string) string {
	t.Helper()
	i := strings.Index(workspace, `id="section-`+ref+`"`)
	if i < 0 {
		t.Fatalf("the workspace has no section %s", ref)
	}
	rest := workspace[i:]
	if j := strings.Index(rest[1:], `<section class="doc-section"`); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

func TestTheTemplateFillsEveryProposalWithoutASectionAndKeepsWrittenOnes(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	ctx := context.Background()
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-13", sectionForm("support", "We wrote this ourselves.", "0")), http.StatusSeeOther)
	workspace := policy.get("/consultations/1/collective").Body
	wantContains(t, workspace, `action="/consultations/1/collective/template"`, "Start these sections from the figures")

	r := policy.postForm("/consultations/1/collective/template", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	workspace = policy.get(r.Location).Body
	wantContains(t, workspace, "Every proposal without a section now has one suggested from its figures", "· version 2")
	wantNotContains(t, workspace, "Proposals with no section yet")

	ps, err := e.store.Proposals(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := e.store.Collective(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		sec, ok := doc.Sections[p.ID]
		switch {
		case !ok:
			t.Errorf("%s has no section", p.Ref)
		case p.Ref == "LP-13":
			if sec.Statement != "We wrote this ourselves." || sec.Position != "support" || sec.Suggested {
				t.Errorf("the written section LP-13 changed: %+v", sec)
			}
			if strings.Contains(sectionOf(t, workspace, "LP-13"), suggestedMarker) {
				t.Error("the written section LP-13 is marked as a suggestion")
			}
		default:
			if !sec.Suggested || !strings.Contains(sec.Statement, "{{"+p.Ref+".responses}}") {
				t.Errorf("%s: %+v; want a suggestion with its figures as tokens", p.Ref, sec)
			}
			shown := sectionOf(t, workspace, p.Ref)
			if !strings.Contains(shown, suggestedMarker) || strings.Contains(shown, "{{") {
				t.Errorf("%s is not marked as a suggestion on the workspace, with its figures filled in", p.Ref)
			}
		}
	}
	// Both members oppose LP-12: the figures suggest opposing, and say so.
	if sec := doc.Sections[lpID(t, ps, "LP-12")]; sec.Position != "oppose" {
		t.Errorf("LP-12 suggested %q, want oppose", sec.Position)
	}
	wantContains(t, sectionOf(t, workspace, "LP-12"), "The body opposes this proposal.", "2 of 2 member organisations responded (100%)")

	// One new version in the history, audited like any save.
	versions, err := e.store.CollectiveVersions(ctx, 1)
	if err != nil || len(versions) != 2 || len(versions[0].Snapshot.Sections) != len(ps) {
		t.Errorf("%d versions (%v); want 2, the newest with all %d sections", len(versions), err, len(ps))
	}
	audit, _ := e.store.AuditLog(ctx, models.AuditFilter{Action: models.AuditCollectiveSaved})
	if len(audit) == 0 || !strings.Contains(audit[0].Detail, "started from the figures as suggestions") {
		t.Errorf("audit %+v", audit)
	}

	// Again: nothing left to fill, and no new version.
	r = policy.postForm("/consultations/1/collective/template", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, policy.get(r.Location).Body, "Every proposal already has a section, so nothing was filled in.", "· version 2")
}

func lpID(t *testing.T, ps []models.Proposal, ref string) int64 {
	t.Helper()
	for _, p := range ps {
		if p.Ref == ref {
			return p.ID
		}
	}
	t.Fatalf("no proposal %s", ref)
	return 0
}

func TestTheSuggestionMarkerGoesOnceSomeoneSavesTheSection(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/template", url.Values{}), http.StatusSeeOther)
	form := policy.get("/consultations/1/collective/sections/LP-12").Body
	wantContains(t, form, suggestedMarker)
	statement := regexp.MustCompile(`(?s)<textarea[^>]*name="statement"[^>]*>(.*?)</textarea>`).FindStringSubmatch(form)
	if statement == nil || !strings.Contains(statement[1], "{{LP-12.opposing}}") {
		t.Fatalf("the section form is not pre-filled with the suggestion:\n%s", snippet(form))
	}
	edited := strings.Replace(htmlUnescape(statement[1]), "The body opposes this proposal.", "The body opposes this proposal firmly.", 1)
	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", edited, "1")), http.StatusSeeOther)

	workspace := policy.get("/consultations/1/collective").Body
	if strings.Contains(sectionOf(t, workspace, "LP-12"), suggestedMarker) {
		t.Error("LP-12 is still marked as a suggestion after it was edited and saved")
	}
	wantContains(t, sectionOf(t, workspace, "LP-12"), "The body opposes this proposal firmly.")
	if !strings.Contains(sectionOf(t, workspace, "LP-13"), suggestedMarker) {
		t.Error("saving LP-12 took the marker off LP-13 too")
	}
	wantNotContains(t, policy.get("/consultations/1/collective/sections/LP-12").Body, suggestedMarker)
}

// Approval's confirmation lists the sections nobody has edited since the
// template filled them, beside what else is missing.
func TestApprovalListsSectionsStillAsTheTemplateSuggested(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/template", url.Values{}), http.StatusSeeOther)
	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "Ours.", "1")), http.StatusSeeOther)
	wantStatus(t, policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"2"}}), http.StatusSeeOther)
	admin := e.signIn("admin@body.example")
	confirm := admin.get("/consultations/1/collective/approve")
	wantStatus(t, confirm, http.StatusOK)
	check := regexp.MustCompile(`(?s)still as the template suggested</h3>.*?</ul>`).FindString(confirm.Body)
	if check == "" {
		t.Fatalf("the confirmation does not list the suggested sections:\n%s", snippet(confirm.Body))
	}
	if strings.Contains(check, ">LP-12<") || !strings.Contains(check, ">LP-13<") {
		t.Errorf("want LP-13 listed and LP-12 (edited) not:\n%s", check)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func TestExportsNeverPrintTheSuggestionMarker(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/template", url.Values{}), http.StatusSeeOther)
	if !strings.Contains(policy.get("/consultations/1/collective").Body, suggestedMarker) {
		t.Fatal("the workspace does not show the marker")
	}
	print := policy.get("/consultations/1/collective/print")
	wantStatus(t, print, http.StatusOK)
	md := policy.get("/consultations/1/collective.md")
	wantStatus(t, md, http.StatusOK)
	docx := policy.get("/consultations/1/collective.docx")
	wantStatus(t, docx, http.StatusOK)
	for name, text := range map[string]string{
		"print view": print.Body,
		"Markdown":   markdownText(t, md.Body),
		"Word":       xmlText(docxText(t, docx.Body)),
	} {
		if strings.Contains(text, "Suggested from the figures") || strings.Contains(text, "edit before review") {
			t.Errorf("the %s prints the suggestion marker", name)
		}
		if !strings.Contains(text, "The body opposes this proposal.") || !strings.Contains(text, "2 of 2 member organisations responded") {
			t.Errorf("the %s does not carry the suggested text with its figures", name)
		}
	}
}

func TestTheTemplateIsForADraftAndThePolicyTeamOnly(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	member := e.signIn("a@alpha.example")
	wantStatus(t, member.postForm("/consultations/1/collective/template", url.Values{}), http.StatusForbidden)
	policy.get("/consultations/1/collective")
	wantStatus(t, policy.postForm("/consultations/1/collective/template", url.Values{"_csrf": {"forged"}}), http.StatusForbidden)
	if _, err := e.store.Collective(context.Background(), 1); err == nil {
		t.Fatal("a refused fill started the collective response")
	}

	wantStatus(t, policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this.", "0")), http.StatusSeeOther)
	wantStatus(t, policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"1"}}), http.StatusSeeOther)
	r := policy.postForm("/consultations/1/collective/template", url.Values{})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r.Body, "Return it to draft to start sections from the figures")
	admin := e.signIn("admin@body.example")
	admin.get("/consultations/1/collective")
	wantStatus(t, admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "confirm": {"1"}, "version": {"2"}}), http.StatusSeeOther)
	wantNotContains(t, admin.get("/consultations/1/collective").Body, "Start these sections from the figures")
	r = admin.postForm("/consultations/1/collective/template", url.Values{})
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r.Body, "The collective response is approved")
	if versions, _ := e.store.CollectiveVersions(context.Background(), 1); len(versions) != 3 {
		t.Errorf("%d versions, want 3: a refused fill adds none", len(versions))
	}
}
