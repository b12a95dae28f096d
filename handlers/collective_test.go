package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// collectiveFixture: AAA and BBB submit LP-12 (both oppose, AAA raising
// new_central_powers); the policy team quotes AAA.
func collectiveFixture(t *testing.T) (*env, *client, int64) {
	t.Helper()
	e, _ := newEnv(t)
	for _, email := range []string{"a@alpha.example", "b@beta.example"} {
		m := e.signIn(email)
		v := validAnswer()
		v.Set("comment", "Trust boards must stay accountable for their own organisation.")
		v.Set("consent", "attributed")
		if email == "b@beta.example" {
			v["concerns"] = []string{"timescale"}
		}
		if r := m.postForm("/proposals/LP-12/response", v); r.Status != http.StatusSeeOther {
			t.Fatalf("%s submit: %d", email, r.Status)
		}
	}
	p, _, _ := e.store.ProposalByRef(context.Background(), "LP-12")
	r, err := e.store.ResponseFor(context.Background(), e.orgA.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.store.AddQuote(context.Background(), r.ID, 0, "Trust boards must stay accountable")
	if err != nil {
		t.Fatal(err)
	}
	return e, e.signIn("policy@body.example"), q.ID
}

func sectionForm(position, statement, version string, quotes ...string) url.Values {
	return url.Values{"position": {position}, "statement": {statement}, "version": {version}, "quotes": quotes}
}

func TestSectionFiguresAreFilledFromTheDataAndStayLiveUntilApproval(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	r := policy.postForm("/consultations/1/collective/sections/LP-12",
		sectionForm("oppose", "{{opposing}} of {{responses}} responding trusts oppose.", "0"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save section: %d\n%s", r.Status, r.Body)
	}
	if page := policy.get("/consultations/1/collective"); !strings.Contains(page.Body, "2 of 2 responding trusts oppose.") {
		t.Fatalf("figures not filled in:\n%s", page.Body)
	}
	// A third member answers: the draft's figures follow.
	e.addOrg("CCC", "Gamma Community NHS Trust", "community", "London", "ics")
	e.store.CreateUser(context.Background(), models.NewUser{Email: "c@gamma.example", Name: "C", Role: models.RoleMember, OrganisationCode: "CCC", Password: testPassword})
	c := e.signIn("c@gamma.example")
	v := validAnswer()
	v.Set("stance", "support")
	c.postForm("/proposals/LP-12/response", v)
	if page := policy.get("/consultations/1/collective"); !strings.Contains(page.Body, "2 of 3 responding trusts oppose.") {
		t.Fatal("draft figures did not update after a new submission")
	}
}

func TestApprovalFreezesTextFiguresAndQuotes(t *testing.T) {
	e, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12",
		sectionForm("oppose", "{{opposing}} of {{responses}} oppose.", "0", itoa(quoteID)))
	if r := policy.postForm("/consultations/1/collective/status", url.Values{"to": {"in_review"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("send for review: %d %s", r.Status, r.Body)
	}
	if r := policy.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"2"}}); r.Status != http.StatusForbidden {
		t.Fatalf("policy approving: %d, want 403", r.Status)
	}
	admin := e.signIn("admin@body.example")
	if r := admin.postForm("/consultations/1/collective/status", url.Values{"to": {"approved"}, "version": {"2"}, "confirm": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("admin approving: %d %s", r.Status, r.Body)
	}
	// After approval a member changes their answer; the document must not.
	b := e.signIn("b@beta.example")
	v := validAnswer()
	v.Set("stance", "support")
	v.Set("version", "1")
	if r := b.postForm("/proposals/LP-12/response", v); r.Status != http.StatusSeeOther {
		t.Fatalf("member edit: %d", r.Status)
	}
	for _, path := range []string{"/consultations/1/collective", "/consultations/1/collective/print", "/consultations/1/collective.md"} {
		body := policy.get(path).Body
		if !strings.Contains(body, "2 of 2 oppose.") || !strings.Contains(body, "Trust boards must stay accountable") {
			t.Errorf("%s: frozen figures or quote missing after approval", path)
		}
	}
	r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "changed", "3"))
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "approved") || !strings.Contains(r.Body, "changed") {
		t.Errorf("editing an approved response: %d, want 409 with the text kept", r.Status)
	}
}

func TestSectionFormRejectsBadInputAndKeepsIt(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	cases := []struct {
		name, position, statement, version string
		quotes                             []string
		status                             int
		message                            string
	}{
		{"no position", "", "Keep this text", "0", nil, 422, "Choose the body"},
		{"unknown figure", "oppose", "We count {{nonsense}} trusts. Keep this text", "0", nil, 422, "do not exist"},
		{"quote from another proposal", "oppose", "Keep this text", "0", []string{"999"}, 422, "not a quote on this proposal"},
		{"too long", "oppose", "Keep this text" + strings.Repeat("x", 20001), "0", nil, 422, "characters or fewer"},
		{"stale version", "oppose", "Keep this text", "7", nil, 409, "after you opened"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm(tc.position, tc.statement, tc.version, tc.quotes...))
			if r.Status != tc.status || !strings.Contains(r.Body, tc.message) || !strings.Contains(r.Body, "Keep this text") {
				t.Errorf("status %d (want %d), message %q present: %v, text kept: %v", r.Status, tc.status, tc.message,
					strings.Contains(r.Body, tc.message), strings.Contains(r.Body, "Keep this text"))
			}
		})
	}
	if vs := policy.get("/consultations/1/collective/versions"); strings.Contains(vs.Body, "/collective/versions/1\"") {
		t.Error("a refused save created a version")
	}
}

func TestEverySaveIsAVersionThatCanBeCompared(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "We oppose this power.", "0"))
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support_with_amendments", "We accept this power with safeguards.", "1"))
	r := policy.get("/consultations/1/collective/versions/2")
	if r.Status != 200 {
		t.Fatalf("version page: %d", r.Status)
	}
	for _, want := range []string{"<del>", "<ins>", "Support with amendments", "safeguards"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("comparison lacks %q\n%s", want, r.Body[strings.Index(r.Body, "<h1"):])
		}
	}
	if r := policy.get("/consultations/1/collective/versions/99"); r.Status != 404 {
		t.Errorf("unknown version: %d, want 404", r.Status)
	}
}

func TestCoverageFlagsUnmentionedConcernsDissentAndMissingSections(t *testing.T) {
	_, policy, _ := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("support", "We support this.", "0"))
	page := policy.get("/consultations/1/collective?threshold=50").Body
	// Both respondents oppose; AAA raised new_central_powers (1 of 2 = 50%), BBB timescale (50%).
	for _, want := range []string{"new_central_powers", "timescale", "Acute trusts: most opposing", "Proposals with no section yet (20)"} {
		if !strings.Contains(page, want) {
			t.Errorf("coverage check lacks %q", want)
		}
	}
	// Mentioning a concern's label covers it.
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "The timescale is our worry.", "1"))
	page = policy.get("/consultations/1/collective?threshold=50").Body
	if strings.Contains(page, "<code>timescale</code>: 1 members") {
		t.Error("a mentioned concern is still flagged")
	}
	if strings.Contains(page, "most opposing") {
		t.Error("segments agreeing with the position are flagged")
	}
}

func TestCollectiveExportsCarryTheTextSafely(t *testing.T) {
	_, policy, quoteID := collectiveFixture(t)
	policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose",
		"**Opposed** by {{opposing}}. <script>alert(1)</script> [click](javascript:alert(1))", "0", itoa(quoteID)))

	page := policy.get("/consultations/1/collective")
	if strings.Contains(page.Body, "<script>alert") || strings.Contains(page.Body, "javascript:alert") {
		t.Error("the workspace renders hostile Markdown")
	}
	md := policy.get("/consultations/1/collective.md")
	if md.Status != 200 || !strings.Contains(md.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(md.Body, "## LP-12") || !strings.Contains(md.Body, "**Opposed** by 2.") ||
		strings.Contains(md.Body, "<script>") || strings.Contains(md.Body, "](javascript:") {
		t.Errorf("markdown export: %d\n%s", md.Status, md.Body)
	}
	doc := policy.get("/consultations/1/collective.docx")
	zr, err := zip.NewReader(bytes.NewReader([]byte(doc.Body)), int64(len(doc.Body)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	var xml string
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			xml = string(b)
		}
	}
	for _, want := range []string{"LP-12 Power to direct", "Opposed", "Trust boards must stay accountable", "Our position"} {
		if !strings.Contains(xml, want) {
			t.Errorf("docx lacks %q", want)
		}
	}
	if print := policy.get("/consultations/1/collective/print"); !strings.Contains(print.Body, "print-section") {
		t.Error("print view lacks per-proposal sections")
	}
}

func TestCollectiveResponseIsForThePolicyTeamOnly(t *testing.T) {
	e, _, _ := collectiveFixture(t)
	member := e.signIn("a@alpha.example")
	anon := e.anon()
	for _, path := range []string{"/consultations/1/collective", "/consultations/1/collective/sections/LP-12",
		"/consultations/1/collective/versions", "/consultations/1/collective/print", "/consultations/1/collective.md",
		"/consultations/1/collective.docx"} {
		if r := member.get(path); r.Status != http.StatusForbidden {
			t.Errorf("member GET %s: %d, want 403", path, r.Status)
		}
		if r := anon.get(path); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("anonymous GET %s: %d %s, want a redirect to sign in", path, r.Status, r.Location)
		}
	}
	if r := member.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose", "x", "0")); r.Status != http.StatusForbidden {
		t.Errorf("member POST section: %d, want 403", r.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
