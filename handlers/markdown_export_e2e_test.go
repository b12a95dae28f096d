package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	goldhtml "github.com/yuin/goldmark/renderer/html"

	"github.com/nhsproviders/consultation-tracker/models"
)

// hostileMarkdown is text a user may put into the title of a consultation,
// a proposal, an organisation's name, a member's comment or a statement,
// holding the spellings the old link filter missed.
const hostileMarkdown = `Click [here](java&#115;cript:alert(1)) or [there][r] <img src=x onerror=alert(1)> ` +
	`<https://evil.example> www.evil.example someone@evil.example ![i](https://evil.example/i.png) <script>alert(1)</script>`

const hostileReference = "\n\n[r]: javascript:alert(1)\n"

// exportTags are the only elements the export's own Markdown makes.
var exportTags = regexp.MustCompile(`^</?(p|h[1-6]|em|strong|blockquote|ul|ol|li|hr|br|pre|code|table|thead|tbody|tr|th|td)>$`)

// TestMarkdownExportLetsNothingFromAUserBecomeALinkOrHTML renders the
// export with goldmark, raw HTML allowed and GFM's autolinks on, and finds
// no element but the export's own: no link, image, script or raw HTML from
// titles, organisation names, quotations, attributions or statements.
func TestMarkdownExportLetsNothingFromAUserBecomeALinkOrHTML(t *testing.T) {
	e, policy, _ := collectiveFixture(t)
	ctx := context.Background()
	cons, err := e.store.ConsultationByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpdateConsultation(ctx, 0, cons.ID, models.ConsultationInput{Slug: cons.Slug, Title: "Consultation " + hostileMarkdown,
		Issuer: cons.Issuer, Background: cons.Background, Status: cons.Status, PublishedAt: cons.PublishedAt,
		ClosesAt: cons.ClosesAt, MemberDeadline: cons.MemberDeadline}); err != nil {
		t.Fatal(err)
	}
	p, _, _ := e.store.ProposalByRef(ctx, "LP-12")
	if _, err := e.store.UpdateProposal(ctx, 0, p.ID, models.ProposalInput{Ref: p.Ref, GroupTitle: p.GroupTitle,
		Title: "Proposal " + hostileMarkdown, Summary: p.Summary, Change: p.Change, PowerDirection: p.PowerDirection}); err != nil {
		t.Fatal(err)
	}
	o := e.orgA
	if _, err := e.store.UpdateOrganisation(ctx, 0, o.ID, models.OrganisationInput{Code: o.Code, Name: "Trust " + hostileMarkdown,
		Type: o.Type, Region: o.Region, System: o.System, SystemStatus: o.SystemStatus}); err != nil {
		t.Fatal(err)
	}
	comment := "We say: " + hostileMarkdown + hostileReference
	e.saveAnswer(storedAnswer{org: e.orgA, email: "a@alpha.example", ref: "LP-12", comment: comment, consent: models.ConsentAttributed})
	r, _ := e.store.ResponseFor(ctx, e.orgA.ID, p.ID)
	q, err := e.store.AddQuote(ctx, r.ID, 0, comment)
	if err != nil {
		t.Fatal(err)
	}
	policy.get("/consultations/1/collective")
	if r := policy.postForm("/consultations/1/collective/introduction", url.Values{
		"introduction": {"Our **view**. " + hostileMarkdown + hostileReference}, "version": {"0"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("introduction: %d", r.Status)
	}
	if r := policy.postForm("/consultations/1/collective/sections/LP-12", sectionForm("oppose",
		"We **oppose** it.\n\n> "+hostileMarkdown+hostileReference+"\n- [a](JaVaScRiPt:alert(1))", "0", itoa(q.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("section: %d", r.Status)
	}

	md := policy.get("/consultations/1/collective.md")
	wantStatus(t, md, http.StatusOK)
	for _, want := range []string{"**Our position:** Oppose", "We **oppose** it.", "Trust Click \\[here\\]"} {
		if !strings.Contains(md.Body, want) {
			t.Errorf("the export lacks %q:\n%s", want, md.Body)
		}
	}
	renderer := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
	var out bytes.Buffer
	if err := renderer.Convert([]byte(md.Body), &out); err != nil {
		t.Fatal(err)
	}
	for _, tag := range regexp.MustCompile(`<[^>]*>?`).FindAllString(out.String(), -1) {
		if !exportTags.MatchString(tag) {
			t.Errorf("the export renders %s; rendered:\n%s", tag, out.String())
			break
		}
	}
	for _, name := range []string{"Consultation Click", "Proposal Click", "— Trust Click", "We say: Click"} {
		if !strings.Contains(strings.ReplaceAll(out.String(), "\u200b", ""), name) {
			t.Errorf("the rendered export lacks %q", name)
		}
	}
}
