package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
)

// xmlText is the text of a .docx body: its runs' text, without markup.
func xmlText(xml string) string {
	return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(xml, "")
}

// markdownText is the Markdown export as a reader sees it: rendered, tags
// stripped.
func markdownText(t *testing.T, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(md), &b); err != nil {
		t.Fatalf("markdown does not render: %v", err)
	}
	return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(b.String(), "")
}

// Issue 12, defects 1 and 2: figures named in the introduction and in a
// section, of its own proposal or another, are filled in every export —
// screen, print, Markdown and Word — identically, before and after approval.
func TestEveryExportFillsEveryFigureTokenIdentically(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	intro := url.Values{"introduction": {"{{LP-12.responses}} of {{LP-12.members}} members answered LP-12."}, "version": {"0"}}
	if r := policy.postForm("/consultations/1/collective/introduction", intro); r.Status != http.StatusSeeOther {
		t.Fatalf("save introduction: %d\n%s", r.Status, r.Body)
	}
	section := sectionForm("oppose", "{{LP-12.opposing}} oppose here; {{LP-13.responses}} answered LP-13; {{opposing}} in all.", "0")
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", section); r.Status != http.StatusSeeOther {
		t.Fatalf("a section naming its own and another proposal's figures was refused: %d\n%s", r.Status, r.Body)
	}
	wantIntro := "2 of 2 members answered LP-12."
	wantSection := "2 oppose here; 0 answered LP-13; 2 in all."
	check := func(stage string) {
		t.Helper()
		texts := map[string]string{
			"screen":   policy.get("/consultations/1/collective").Body,
			"print":    policy.get("/consultations/1/collective/print").Body,
			"markdown": markdownText(t, policy.get("/consultations/1/collective.md").Body),
			"docx":     xmlText(docxText(t, policy.get("/consultations/1/collective.docx").Body)),
		}
		for name, text := range texts {
			// The workspace shows the text as written in its forms; the
			// documents must show none of it.
			if name != "screen" && strings.Contains(text, "{{") {
				t.Errorf("%s, %s: a figure token is left as written", stage, name)
			}
			for _, want := range []string{wantIntro, wantSection} {
				if !strings.Contains(text, want) {
					t.Errorf("%s, %s: %q missing", stage, name, want)
				}
			}
		}
	}
	check("draft")
	if r := policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"2"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send for review: %d\n%s", r.Status, r.Body)
	}
	admin := e.signIn("admin@body.example")
	if r := admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"3"}, "confirm": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.Status, r.Body)
	}
	check("approved")
}

// Issue 12, defect 3: the introduction refuses figures that do not exist,
// as sections do, keeps what was typed, and shows it with today's figures.
func TestTheIntroductionRefusesUnknownFiguresAndKeepsTheText(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	for _, bad := range []string{"{{bogus}}", "{{LP-99.opposing}}", "{{responses}}"} {
		text := "Our members said: " + bad + " and {{LP-12.opposing}} oppose."
		r := policy.postForm("/consultations/1/collective/introduction", url.Values{"introduction": {text}, "version": {"0"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", bad, r.Status)
			continue
		}
		for _, want := range []string{"These figures do not exist: " + bad, "Our members said: " + bad, "Preview with today", "2 oppose."} {
			if !strings.Contains(r.Body, htmlEscape(want)) {
				t.Errorf("%s: the page lacks %q", bad, want)
			}
		}
	}
	if page := policy.get("/consultations/1/collective"); strings.Contains(page.Body, "Our members said") {
		t.Error("a refused introduction was saved")
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// Issue 12, defect 8 (in part): a version shows its quotes as the words
// quoted and who said them, never as internal ids.
func TestVersionsShowQuotesAsText(t *testing.T) {
	_, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this power.", "0"))
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this power.", "1", itoa(quoteID))); r.Status != http.StatusSeeOther {
		t.Fatalf("attach quote: %d", r.Status)
	}
	r := policy.get("/consultations/1/collective/versions/2")
	if strings.Contains(r.Body, "Quotes: [") {
		t.Error("the version shows quote ids")
	}
	for _, want := range []string{"Trust boards must stay accountable", "Alpha Hospitals NHS Trust"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the version lacks %q", want)
		}
	}
}

// Issue 12, defect 6: picking a quote from a member alone in its type and
// region says that it will be described more broadly, and how.
func TestPickingAQuoteFromAMemberAloneInItsSegmentWarnsThePolicyTeam(t *testing.T) {
	e, _ := newEnv(t)
	m := e.signIn("b@beta.example")
	v := validAnswer()
	v.Set("comment", "Local partners should decide.")
	v.Set("consent", "anonymised")
	if r := m.postForm("/proposals/LP-12/response", v); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	policy := e.signIn("policy@body.example")
	r := policy.get("/responses/1")
	for _, want := range []string{"it will be attributed to: A member trust.", "Fewer than 3 member organisations share this member"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the response page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "A mental health trust in the Midlands") {
		t.Error("the page offers a description that names the member")
	}
}
