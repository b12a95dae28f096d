package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// ---- helpers for the admin tests ----

// follow gets the page a redirect points to.
func (c *client) follow(r result) result {
	c.e.t.Helper()
	if r.Status != http.StatusSeeOther {
		c.e.t.Fatalf("status = %d, want a 303 redirect\n%s", r.Status, snippet(r.Body))
	}
	return c.get(r.Location)
}

// wantInput fails unless the page has an input name with the value shown.
func wantInput(t *testing.T, body, name, value string) {
	t.Helper()
	for _, tag := range inputTag.FindAllString(body, -1) {
		if strings.Contains(tag, `name="`+name+`"`) && strings.Contains(tag, `value="`+html.EscapeString(value)+`"`) {
			return
		}
	}
	t.Errorf("no input %s with value %q on the page\n%s", name, value, snippet(body))
}

// wantSelected fails unless the select name has value selected.
func wantSelected(t *testing.T, body, name, value string) {
	t.Helper()
	re := regexp.MustCompile(`(?s)<select[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</select>`)
	m := re.FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], `value="`+html.EscapeString(value)+`" selected`) {
		t.Errorf("select %s does not have %q selected\n%s", name, value, snippet(body))
	}
}

// wantFieldError fails unless the page has the message both in the error
// summary (linking to the field) and beside the field.
func wantFieldError(t *testing.T, body, field, msg string) {
	t.Helper()
	esc := html.EscapeString(msg)
	if !strings.Contains(body, `<a href="#field-`+field+`">`+esc+`</a>`) {
		t.Errorf("error summary has no link to %s saying %q\n%s", field, msg, snippet(body))
	}
	if !strings.Contains(body, `id="`+field+`-error"><span class="visually-hidden">Error:</span> `+esc) {
		t.Errorf("no message %q beside %s", msg, field)
	}
}

func (e *env) consultation(slug string) models.Consultation {
	e.t.Helper()
	c, err := e.store.ConsultationBySlug(context.Background(), slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) user(email string) models.User {
	e.t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func validConsultation() url.Values {
	return url.Values{"title": {"Draft NHS Bill 2027"}, "slug": {"bill-2027"}, "issuer": {"DHSC"},
		"background": {"About the bill."}, "status": {"open"}, "published_on": {"2026-10-01"},
		"closes_on": {"2027-01-31"}, "member_deadline": {"2027-01-15T17:00"}}
}

func validProposal() url.Values {
	return url.Values{"ref": {"NB-01"}, "group_title": {"Duties"}, "title": {"A duty to collaborate"},
		"summary": {"Trusts would have to work together."}, "change": {"A new statutory duty."},
		"power_direction": {"centralising"}, "position": {""}}
}

func validConcern() url.Values {
	return url.Values{"code": {"legal_risk"}, "label": {"Legal risk"}, "description": {"It could be challenged in court."},
		"side": {"delivery"}, "position": {""}}
}

func validOrganisation() url.Values {
	return url.Values{"name": {"Gamma Community NHS Trust"}, "code": {"CCC"}, "type": {"community"}, "region": {"North West"},
		"system": {"Cheshire and Merseyside"}, "system_status": {"ics"}, "contact_name": {"Cat Gamma"},
		"contact_email": {"cat@gamma.example"}}
}

// ---- access ----

func TestEveryAdminRouteIsForAdminsOnly(t *testing.T) {
	e, _ := newEnv(t)
	cons := e.lp2019ID()
	prop := e.proposalID("LP-01")
	member := e.user("b@beta.example").ID
	gets := []string{
		"/admin", "/admin/consultations", "/admin/consultations/new", fmt.Sprintf("/admin/consultations/%d/edit", cons),
		fmt.Sprintf("/admin/consultations/%d/proposals", cons), fmt.Sprintf("/admin/consultations/%d/proposals/new", cons),
		fmt.Sprintf("/admin/proposals/%d/edit", prop), "/admin/concerns", "/admin/concerns/new", "/admin/concerns/1/edit",
		"/admin/organisations", "/admin/organisations/new", fmt.Sprintf("/admin/organisations/%d/edit", e.orgA.ID),
		"/admin/users", "/admin/users/new", fmt.Sprintf("/admin/users/%d", member), fmt.Sprintf("/admin/users/%d/role", member),
		"/admin/audit",
	}
	posts := []string{
		"/admin/consultations", fmt.Sprintf("/admin/consultations/%d", cons), fmt.Sprintf("/admin/consultations/%d/proposals", cons),
		fmt.Sprintf("/admin/proposals/%d", prop), fmt.Sprintf("/admin/proposals/%d/move", prop), "/admin/concerns", "/admin/concerns/1",
		"/admin/organisations", fmt.Sprintf("/admin/organisations/%d", e.orgA.ID), "/admin/users",
		fmt.Sprintf("/admin/users/%d/role", member), fmt.Sprintf("/admin/users/%d/disable", member),
		fmt.Sprintf("/admin/users/%d/enable", member), fmt.Sprintf("/admin/users/%d/end-sessions", member),
		fmt.Sprintf("/admin/users/%d/invite", member),
	}
	anon := e.anon()
	anon.get("/login") // an anonymous session with a CSRF token, so that the POSTs reach the guard
	clients := map[string]*client{"member": e.signIn("a@alpha.example"), "policy": e.signIn("policy@body.example"),
		"admin": e.signIn("admin@body.example"), "anon": anon}
	for _, who := range []string{"member", "policy", "anon", "admin"} {
		for _, path := range gets {
			t.Run(who+" GET "+path, func(t *testing.T) {
				r := clients[who].get(path)
				switch who {
				case "admin":
					wantStatus(t, r, http.StatusOK)
				case "anon":
					wantStatus(t, r, http.StatusSeeOther)
					if want := "/login?next=" + url.QueryEscape(path); r.Location != want {
						t.Errorf("Location = %q, want %q", r.Location, want)
					}
				default:
					wantStatus(t, r, http.StatusForbidden)
				}
			})
		}
		if who == "admin" {
			continue // the admin's POSTs are tested below, with real forms
		}
		for _, path := range posts {
			t.Run(who+" POST "+path, func(t *testing.T) {
				r := clients[who].postForm(path, url.Values{"direction": {"up"}, "role": {"admin"}})
				if who == "anon" {
					wantStatus(t, r, http.StatusSeeOther)
					if !strings.HasPrefix(r.Location, "/login") {
						t.Errorf("Location = %q, want the sign-in page", r.Location)
					}
					return
				}
				wantStatus(t, r, http.StatusForbidden)
			})
		}
	}
	if n := len(e.auditEntries(t, models.AuditFilter{Action: models.AuditAdminChange})) +
		len(e.auditAbout(t, models.AuditUserChanged, "b@beta.example")); n != 0 {
		t.Errorf("refused requests left %d admin audit entries", n)
	}
	if u := e.user("b@beta.example"); u.DisabledAt != nil || u.Role != models.RoleMember {
		t.Errorf("a refused request changed the member: %+v", u)
	}

	nonresp := fmt.Sprintf("/consultations/%d/nonresponders", cons)
	for who, want := range map[string]int{"member": 403, "policy": 200, "admin": 200, "anon": 303} {
		t.Run(who+" GET non-responders", func(t *testing.T) {
			wantStatus(t, clients[who].get(nonresp), want)
		})
	}
}

// auditAbout lists, newest first, the entries of one action about one subject.
func (e *env) auditAbout(t *testing.T, action, subject string) []models.AuditEntry {
	t.Helper()
	var out []models.AuditEntry
	for _, a := range e.auditEntries(t, models.AuditFilter{Action: action}) {
		if a.Subject == subject {
			out = append(out, a)
		}
	}
	return out
}

func (e *env) auditEntries(t *testing.T, f models.AuditFilter) []models.AuditEntry {
	t.Helper()
	entries, err := e.store.AuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// ---- validation ----

func TestAdminFormsRefuseMistakesWithMessagesAndKeepWhatWasTyped(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	ltp := e.consultation("ltp-governance").ID
	timescale := 0
	for _, c := range mustConcerns(t, e) {
		if c.Code == "timescale" {
			timescale = int(c.ID)
		}
	}
	consultations := "/admin/consultations"
	proposals := fmt.Sprintf("/admin/consultations/%d/proposals", ltp)
	cases := []struct {
		name   string
		path   string
		form   url.Values
		field  string
		msg    string
		inputs map[string]string // inputs whose typed value must come back
	}{
		{"duplicate consultation slug", consultations, withValues(validConsultation(), map[string][]string{"slug": {"lp-2019"}}),
			"slug", "Another consultation already uses this short name; choose a different one",
			map[string]string{"slug": "lp-2019", "title": "Draft NHS Bill 2027", "member_deadline": "2027-01-15T17:00"}},
		{"slug with capitals and spaces", consultations, withValues(validConsultation(), map[string][]string{"slug": {"Bill 2027"}}),
			"slug", "Use lower-case letters, digits and single hyphens only, for example lp-2019", map[string]string{"slug": "Bill 2027"}},
		{"published date not year-month-day", consultations, withValues(validConsultation(), map[string][]string{"published_on": {"01/11/2026"}}),
			"published_on", "Enter the published date as year-month-day, for example 2019-02-28", map[string]string{"published_on": "01/11/2026"}},
		{"member deadline without a time", consultations, withValues(validConsultation(), map[string][]string{"member_deadline": {"2027-01-15"}}),
			"member_deadline", "Enter the member deadline as a date and a 24-hour time, for example 2019-04-18 17:00",
			map[string]string{"member_deadline": "2027-01-15"}},
		{"member deadline after closing", consultations, withValues(validConsultation(), map[string][]string{"member_deadline": {"2027-02-01T09:00"}}),
			"member_deadline", "The member deadline must be on or before the closing date, so that there is time to collate a response",
			map[string]string{"member_deadline": "2027-02-01T09:00"}},
		{"closing before publishing", consultations, withValues(validConsultation(), map[string][]string{"closes_on": {"2026-09-01"}}),
			"closes_on", "The closing date must be on or after the published date", map[string]string{"closes_on": "2026-09-01"}},
		{"missing title", consultations, withValues(validConsultation(), map[string][]string{"title": {"  "}}),
			"title", "Enter the consultation's title", map[string]string{"issuer": "DHSC"}},
		{"unknown status", consultations, withValues(validConsultation(), map[string][]string{"status": {"published"}}),
			"status", "Choose draft, open or closed", nil},
		{"proposal ref used in another consultation", proposals, withValues(validProposal(), map[string][]string{"ref": {"LP-01"}}),
			"ref", "Another proposal already has this reference (references are unique across all consultations); choose a different one",
			map[string]string{"ref": "LP-01", "title": "A duty to collaborate"}},
		{"proposal ref with a space", proposals, withValues(validProposal(), map[string][]string{"ref": {"NB 01"}}),
			"ref", "Use up to 32 letters, digits, hyphens, dots or underscores, starting with a letter or digit, for example LP-12",
			map[string]string{"ref": "NB 01"}},
		{"proposal position not a number", proposals, withValues(validProposal(), map[string][]string{"position": {"first"}}),
			"position", "Enter the position as a whole number, 1 for first, or leave it empty to put the proposal last",
			map[string]string{"position": "first"}},
		{"unknown power direction", proposals, withValues(validProposal(), map[string][]string{"power_direction": {"sideways"}}),
			"power_direction", "Choose the proposal's power direction", nil},
		{"concern code with capitals and a hyphen", "/admin/concerns", withValues(validConcern(), map[string][]string{"code": {"Legal-Risk"}}),
			"code", "Use 2 to 63 lower-case letters, digits and underscores, starting with a letter, for example new_central_powers",
			map[string]string{"code": "Legal-Risk", "label": "Legal risk"}},
		{"concern code of one letter", "/admin/concerns", withValues(validConcern(), map[string][]string{"code": {"x"}}),
			"code", "Use 2 to 63 lower-case letters, digits and underscores, starting with a letter, for example new_central_powers",
			map[string]string{"code": "x"}},
		{"concern code already in the codebook", "/admin/concerns", withValues(validConcern(), map[string][]string{"code": {"timescale"}}),
			"code", "The codebook already has this code; choose a different one", map[string]string{"code": "timescale"}},
		{"concern side unknown", fmt.Sprintf("/admin/concerns/%d", timescale), withValues(validConcern(), map[string][]string{"code": {"timescale"}, "side": {"upside"}}),
			"side", "Choose the side of the codebook the code belongs to", map[string]string{"label": "Legal risk"}},
		{"organisation code in use", "/admin/organisations", withValues(validOrganisation(), map[string][]string{"code": {"AAA"}}),
			"code", "Another organisation already has this code; choose a different one",
			map[string]string{"code": "AAA", "name": "Gamma Community NHS Trust", "contact_email": "cat@gamma.example"}},
		{"organisation region unknown", "/admin/organisations", withValues(validOrganisation(), map[string][]string{"region": {"Wales"}}),
			"region", "Choose the NHS region", map[string]string{"code": "CCC"}},
		{"organisation contact email bad", "/admin/organisations", withValues(validOrganisation(), map[string][]string{"contact_email": {"cat at gamma"}}),
			"contact_email", "Enter the contact's email address in the form name@example.org", map[string]string{"contact_email": "cat at gamma"}},
		{"invite with a bad email", "/admin/users", url.Values{"email": {"not-an-email"}, "name": {"Nia New"}, "role": {"policy"}, "organisation": {""}},
			"email", "Enter an email address in the form name@example.org", map[string]string{"email": "not-an-email", "name": "Nia New"}},
		{"invite with an email in use", "/admin/users", url.Values{"email": {"A@Alpha.example"}, "name": {"Ann Again"}, "role": {"policy"}, "organisation": {""}},
			"email", "An account with this email address already exists; find it in the list of users", map[string]string{"email": "A@Alpha.example"}},
		{"member without an organisation", "/admin/users", url.Values{"email": {"m@new.example"}, "name": {"Mo Member"}, "role": {"member"}, "organisation": {""}},
			"organisation", "Choose the member organisation this person belongs to", map[string]string{"email": "m@new.example", "name": "Mo Member"}},
		{"policy with an organisation", "/admin/users", url.Values{"email": {"p@new.example"}, "name": {"Po Policy"}, "role": {"policy"}, "organisation": {strconv.FormatInt(e.orgA.ID, 10)}},
			"organisation", "Only members belong to an organisation: choose “No organisation” for policy and admin accounts",
			map[string]string{"email": "p@new.example"}},
		{"member of an organisation not in the list", "/admin/users", url.Values{"email": {"m@new.example"}, "name": {"Mo Member"}, "role": {"member"}, "organisation": {"99999"}},
			"organisation", "Choose an organisation from the list", nil},
		{"role change to member without organisation", fmt.Sprintf("/admin/users/%d/role", e.user("policy@body.example").ID),
			url.Values{"role": {"member"}, "organisation": {""}}, "organisation", "Choose the member organisation this person belongs to", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.auditEntries(t, models.AuditFilter{}))
			r := admin.postForm(tc.path, tc.form)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r.Body, tc.field, tc.msg)
			for name, v := range tc.inputs {
				wantInput(t, r.Body, name, v)
			}
			wantContains(t, r.Body, "<title>Error: ")
			wantNotContains(t, r.Body, goErrorText...)
			if after := len(e.auditEntries(t, models.AuditFilter{})); after != before {
				t.Errorf("a refused form left %d audit entries", after-before)
			}
		})
	}

	t.Run("textareas and choices are kept too", func(t *testing.T) {
		r := admin.postForm(consultations, withValues(validConsultation(), map[string][]string{
			"slug": {"lp-2019"}, "background": {"Line one\nLine <two>"}, "status": {"closed"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantTextarea(t, r.Body, "background", "Line one\nLine <two>")
		if !isChecked(r.Body, "status", "closed") {
			t.Error("the status chosen is not checked any more")
		}
		r = admin.postForm("/admin/users", url.Values{"email": {"m@new.example"}, "name": {"Mo"}, "role": {"policy"},
			"organisation": {strconv.FormatInt(e.orgB.ID, 10)}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantSelected(t, r.Body, "organisation", strconv.FormatInt(e.orgB.ID, 10))
		if !isChecked(r.Body, "role", "policy") {
			t.Error("the role chosen is not checked any more")
		}
	})
}

func mustConcerns(t *testing.T, e *env) []models.Concern {
	t.Helper()
	cs, err := e.store.Concerns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// ---- the admin's changes ----

func TestAdminCreatesAndEditsAConsultationAndItsProposals(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")

	r := admin.postForm("/admin/consultations", validConsultation())
	wantStatus(t, r, http.StatusSeeOther)
	cons := e.consultation("bill-2027")
	if want := fmt.Sprintf("/admin/consultations/%d/proposals?done=consultation-created", cons.ID); r.Location != want {
		t.Errorf("Location = %q, want %q", r.Location, want)
	}
	wantContains(t, admin.follow(r).Body, "The consultation was created.")
	if want := time.Date(2027, 1, 15, 17, 0, 0, 0, time.UTC); !cons.MemberDeadline.Equal(want) {
		t.Errorf("member deadline stored as %v, want %v (17:00 UK time in winter)", cons.MemberDeadline, want)
	}
	if want := time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC); !cons.PublishedAt.Equal(want) { // midnight BST
		t.Errorf("published stored as %v, want %v", cons.PublishedAt, want)
	}

	t.Run("the edit form shows the dates as stored", func(t *testing.T) {
		r := admin.get(fmt.Sprintf("/admin/consultations/%d/edit", cons.ID))
		wantStatus(t, r, http.StatusOK)
		wantInput(t, r.Body, "published_on", "2026-10-01")
		wantInput(t, r.Body, "member_deadline", "2027-01-15T17:00")
		wantContains(t, r.Body, `type="datetime-local"`, `type="date"`)
	})

	t.Run("an edit is saved and audited with what changed", func(t *testing.T) {
		r := admin.postForm(fmt.Sprintf("/admin/consultations/%d", cons.ID), withValues(validConsultation(), map[string][]string{
			"title": {"Draft Health Bill 2027"}, "status": {"draft"}}))
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, admin.follow(r).Body, "The consultation was saved.", "Draft Health Bill 2027")
		entries := e.auditEntries(t, models.AuditFilter{Action: models.AuditAdminChange})
		if len(entries) == 0 || entries[0].Subject != "consultation bill-2027" ||
			entries[0].Detail != "title “Draft NHS Bill 2027” → “Draft Health Bill 2027”; status “open” → “draft”" {
			t.Errorf("latest admin audit entry = %+v", entries)
		}
	})

	list := fmt.Sprintf("/admin/consultations/%d/proposals", cons.ID)
	for _, ref := range []string{"NB-01", "NB-02", "NB-03"} {
		r := admin.postForm(list, withValues(validProposal(), map[string][]string{"ref": {ref}, "title": {"Title of " + ref}}))
		wantStatus(t, r, http.StatusSeeOther)
	}
	order := func() string {
		ps, err := e.store.Proposals(context.Background(), cons.ID)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, p := range ps {
			refs = append(refs, fmt.Sprintf("%s@%d", p.Ref, p.Position))
		}
		return strings.Join(refs, " ")
	}
	if got := order(); got != "NB-01@1 NB-02@2 NB-03@3" {
		t.Fatalf("order after creating = %s", got)
	}

	t.Run("references are case-sensitive", func(t *testing.T) {
		r := admin.postForm(list, withValues(validProposal(), map[string][]string{"ref": {"lp-01"}, "position": {"1"}}))
		wantStatus(t, r, http.StatusSeeOther)
		if got := order(); got != "lp-01@1 NB-01@2 NB-02@3 NB-03@4" {
			t.Errorf("order = %s", got)
		}
	})
	t.Run("moving down and up changes the order", func(t *testing.T) {
		r := admin.postForm(fmt.Sprintf("/admin/proposals/%d/move", e.proposalID("lp-01")), url.Values{"direction": {"down"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, admin.follow(r).Body, "The order of the proposals was changed.")
		admin.postForm(fmt.Sprintf("/admin/proposals/%d/move", e.proposalID("NB-03")), url.Values{"direction": {"up"}})
		admin.postForm(fmt.Sprintf("/admin/proposals/%d/move", e.proposalID("NB-01")), url.Values{"direction": {"up"}}) // already first
		if got := order(); got != "NB-01@1 lp-01@2 NB-03@3 NB-02@4" {
			t.Errorf("order = %s", got)
		}
	})
	t.Run("editing the position moves a proposal", func(t *testing.T) {
		r := admin.postForm(fmt.Sprintf("/admin/proposals/%d", e.proposalID("NB-02")), withValues(validProposal(), map[string][]string{
			"ref": {"NB-02"}, "title": {"Title of NB-02"}, "position": {"1"}}))
		wantStatus(t, r, http.StatusSeeOther)
		if got := order(); got != "NB-02@1 NB-01@2 lp-01@3 NB-03@4" {
			t.Errorf("order = %s", got)
		}
		entries := e.auditEntries(t, models.AuditFilter{Action: models.AuditAdminChange, Limit: 1})
		if entries[0].Subject != "proposal NB-02" || entries[0].Detail != "position 4 → 1" {
			t.Errorf("audit entry = %+v", entries[0])
		}
	})
}

func TestConcernCodeCannotChangeOnceAResponseUsesIt(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	wantStatus(t, member.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther) // ticks timescale
	admin := e.signIn("admin@body.example")
	var used, unused models.Concern
	for _, c := range mustConcerns(t, e) {
		switch c.Code {
		case "timescale":
			used = c
		case "local_government_role":
			unused = c
		}
	}
	edit := fmt.Sprintf("/admin/concerns/%d", used.ID)

	r := admin.get(edit + "/edit")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "The code cannot change: it is used in 1 member response")
	if !regexp.MustCompile(`<input id="field-code" name="code"[^>]*readonly`).MatchString(r.Body) {
		t.Error("the code of a used concern is not read-only")
	}

	r = admin.postForm(edit, url.Values{"code": {"time_scale"}, "label": {"Timescale"}, "description": {"Too fast."}, "side": {"delivery"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r.Body, "code", "The code timescale is used by responses, so it cannot change; only its label, description, side and position can")
	wantTextarea(t, r.Body, "description", "Too fast.")

	r = admin.postForm(edit, url.Values{"code": {"timescale"}, "label": {"Unrealistic timescale"}, "description": {"Too fast."}, "side": {"delivery"}, "position": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	list := admin.follow(r)
	wantContains(t, list.Body, "The concern code was saved.", "Unrealistic timescale")

	r = admin.postForm(fmt.Sprintf("/admin/concerns/%d", unused.ID), url.Values{"code": {"councils_role"}, "label": {unused.Label},
		"description": {unused.Description}, "side": {"local"}, "position": {""}})
	wantStatus(t, r, http.StatusSeeOther)

	r = admin.postForm("/admin/concerns", validConcern())
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, admin.follow(r).Body, "The concern code was added to the codebook.", "<code>legal_risk</code>")
	codes := map[string]models.Concern{}
	for _, c := range mustConcerns(t, e) {
		codes[c.Code] = c
	}
	if codes["timescale"].Position != 1 || codes["councils_role"].ID != unused.ID || codes["legal_risk"].Side != "delivery" {
		t.Errorf("codebook after the edits: timescale %+v, councils_role %+v, legal_risk %+v", codes["timescale"], codes["councils_role"], codes["legal_risk"])
	}
	// The member's form offers the new code.
	wantContains(t, member.get("/proposals/LP-02").Body, `value="legal_risk"`)
}

func TestAdminAddsAndFiltersOrganisations(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	r := admin.postForm("/admin/organisations", validOrganisation())
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, admin.follow(r).Body, "The organisation was added.", "Gamma Community NHS Trust")

	r = admin.get("/admin/organisations?type=community")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "Gamma Community NHS Trust", "Member organisations in this selection: 1")
	wantNotContains(t, r.Body, "Alpha Hospitals")
	r = admin.get("/admin/organisations?region=Midlands")
	wantContains(t, r.Body, "Beta Mental Health")
	wantNotContains(t, r.Body, "Gamma Community", "Alpha Hospitals")

	r = admin.postForm(fmt.Sprintf("/admin/organisations/%d", e.orgB.ID), url.Values{"name": {e.orgB.Name}, "code": {"BBB"},
		"type": {"mental_health"}, "region": {"Midlands"}, "system": {"Midlands system"}, "system_status": {"ics"},
		"contact_name": {"Bob Beta"}, "contact_email": {"Bob@Beta.example"}})
	wantStatus(t, r, http.StatusSeeOther)
	o, _ := e.store.OrganisationByCode(context.Background(), "BBB")
	if o.SystemStatus != "ics" || o.ContactEmail != "bob@beta.example" {
		t.Errorf("organisation after edit = %+v", o)
	}
	entries := e.auditEntries(t, models.AuditFilter{Action: models.AuditAdminChange, Limit: 1})
	if want := "system status “stp” → “ics”; contact name (empty) → “Bob Beta”; contact email (empty) → “bob@beta.example”"; entries[0].Detail != want {
		t.Errorf("audit detail = %q, want %q", entries[0].Detail, want)
	}
}

// ---- invitations ----

var inviteLink = regexp.MustCompile(`https?://[^/"<\s]+(/invite/[A-Za-z0-9_-]{43})<`)

func (e *env) invite(admin *client, form url.Values) string {
	e.t.Helper()
	r := admin.postForm("/admin/users", form)
	if r.Status != http.StatusOK {
		e.t.Fatalf("invite: status %d\n%s", r.Status, snippet(r.Body))
	}
	m := inviteLink.FindStringSubmatch(r.Body)
	if m == nil {
		e.t.Fatalf("no invite link on the page\n%s", snippet(r.Body))
	}
	return m[1]
}

func TestInvitedUserSetsAPasswordOnceAndSignsIn(t *testing.T) {
	e, clk := newEnv(t)
	admin := e.signIn("admin@body.example")
	r := admin.postForm("/admin/users", url.Values{"email": {"Nia@Alpha.example"}, "name": {"Nia New"}, "role": {"member"},
		"organisation": {strconv.FormatInt(e.orgA.ID, 10)}})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "This link is shown only now.", "nia@alpha.example")
	link := inviteLink.FindStringSubmatch(r.Body)[1]
	token := strings.TrimPrefix(link, "/invite/")
	if strings.Contains(admin.get("/admin/users").Body, token) {
		t.Error("the users page shows the token again")
	}
	wantContains(t, admin.get("/admin/users").Body, "Nia New", `tag-user-invited">invited`)
	if n, _ := e.store.CountRows(context.Background(), "users"); n != 6 {
		t.Errorf("%d users, want 6", n)
	}

	nia := e.anon()
	t.Run("the account cannot be signed in to before the invite is used", func(t *testing.T) {
		nia.get("/login")
		wantStatus(t, nia.postForm("/login", url.Values{"email": {"nia@alpha.example"}, "password": {testPassword}}), http.StatusUnauthorized)
	})

	page := nia.get(link)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, "Welcome, Nia New", `action="`+link+`"`, `name="_csrf"`)

	t.Run("a weak password is refused and nothing typed is echoed", func(t *testing.T) {
		for _, tc := range []struct{ name, password, confirm, field, msg string }{
			{"too short", "short pw", "short pw", "password", "Use a password of at least 12 characters"},
			{"not the same twice", "a long enough passphrase", "a long enough passphrase!", "confirm", "The two passwords are not the same; type the password again in both fields"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := nia.postForm(link, url.Values{"password": {tc.password}, "confirm": {tc.confirm}})
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantFieldError(t, r.Body, tc.field, tc.msg)
				wantContains(t, r.Body, "nia@alpha.example")
				wantNotContains(t, r.Body, tc.password)
			})
		}
	})

	newPassword := "kettle marmalade lighthouse"
	r = nia.postForm(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location != "/login?invited=1" {
		t.Errorf("Location = %q", r.Location)
	}

	t.Run("the new password signs in, as a member of the organisation", func(t *testing.T) {
		c := e.anon()
		c.get("/login")
		wantStatus(t, c.postForm("/login", url.Values{"email": {"nia@alpha.example"}, "password": {newPassword}}), http.StatusSeeOther)
		wantStatus(t, c.get("/proposals/LP-01"), http.StatusOK)
		wantStatus(t, c.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)
		if _, err := e.stored(e.orgA, "LP-01"); err != nil {
			t.Errorf("Nia's answer was not stored for Alpha: %v", err)
		}
	})

	t.Run("the link cannot be used twice", func(t *testing.T) {
		c := e.anon()
		r := c.get(link)
		wantStatus(t, r, http.StatusNotFound)
		wantContains(t, r.Body, "This invite link has expired or has already been used.")
		wantNotContains(t, r.Body, `name="password"`)
		c.get("/login") // a CSRF token from elsewhere: the POST still meets a used link
		r = c.postForm(link, url.Values{"password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
		wantStatus(t, r, http.StatusNotFound)
		if _, err := e.store.Authenticate(context.Background(), "nia@alpha.example", newPassword); err != nil {
			t.Errorf("the second use changed the password: %v", err)
		}
	})

	t.Run("an unknown token is not found", func(t *testing.T) {
		r := e.anon().get("/invite/" + strings.Repeat("A", 43))
		wantStatus(t, r, http.StatusNotFound)
		wantContains(t, r.Body, "This invite link has expired or has already been used.")
	})

	wantContains(t, admin.get("/admin/users").Body, `tag-user-active">active`)
	entries := e.auditAbout(t, models.AuditUserChanged, "nia@alpha.example")
	if len(entries) != 2 || entries[1].Detail != "invited as member of AAA; the link works once, for 7 days" ||
		entries[0].Detail != "set a password with an invite link" || entries[0].Subject != "nia@alpha.example" {
		t.Errorf("user audit entries = %+v", entries)
	}

	t.Run("an expired link is not found", func(t *testing.T) {
		link := e.invite(admin, url.Values{"email": {"late@body.example"}, "name": {"Lee Late"}, "role": {"policy"}, "organisation": {""}})
		c := e.anon()
		wantStatus(t, c.get(link), http.StatusOK)
		clk.t = clk.t.Add(models.InviteTTL + time.Minute)
		c = e.anon()
		r := c.get(link)
		wantStatus(t, r, http.StatusNotFound)
		wantContains(t, r.Body, "This invite link has expired or has already been used.")
		c.get("/login")
		r = c.postForm(link, url.Values{"password": {"a long enough passphrase"}, "confirm": {"a long enough passphrase"}})
		wantStatus(t, r, http.StatusNotFound)
	})
}

func TestANewInviteLinkReplacesTheOldOne(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	first := e.invite(admin, url.Values{"email": {"r@body.example"}, "name": {"Rae Renew"}, "role": {"admin"}, "organisation": {""}})
	id := e.user("r@body.example").ID
	r := admin.postForm(fmt.Sprintf("/admin/users/%d/invite", id), url.Values{})
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "New invite link for Rae Renew")
	second := inviteLink.FindStringSubmatch(r.Body)[1]
	wantStatus(t, e.anon().get(first), http.StatusNotFound)
	wantStatus(t, e.anon().get(second), http.StatusOK)
}

// ---- disabling, sessions and roles ----

func TestDisablingAUserSignsThemOutAndKeepsThemOut(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	bea := e.signIn("b@beta.example")
	other := e.signIn("b@beta.example") // a second browser
	id := e.user("b@beta.example").ID

	r := admin.postForm(fmt.Sprintf("/admin/users/%d/disable", id), url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	page := admin.follow(r)
	wantContains(t, page.Body, "The account was disabled", `tag-user-disabled">disabled`, "Enable the account")

	for name, c := range map[string]*client{"first browser": bea, "second browser": other} {
		t.Run(name+" is sent to sign in on its next request", func(t *testing.T) {
			r := c.get("/consultations")
			wantStatus(t, r, http.StatusSeeOther)
			if !strings.HasPrefix(r.Location, "/login") {
				t.Errorf("Location = %q, want the sign-in page", r.Location)
			}
		})
	}
	t.Run("the disabled user cannot sign in", func(t *testing.T) {
		c := e.anon()
		c.get("/login")
		r := c.postForm("/login", url.Values{"email": {"b@beta.example"}, "password": {testPassword}})
		wantStatus(t, r, http.StatusUnauthorized)
	})
	t.Run("re-enabled, they can sign in again", func(t *testing.T) {
		r := admin.postForm(fmt.Sprintf("/admin/users/%d/enable", id), url.Values{})
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, admin.follow(r).Body, "The account was enabled again.")
		e.signIn("b@beta.example")
	})
	entries := e.auditAbout(t, models.AuditUserChanged, "b@beta.example")
	if len(entries) != 2 || entries[1].Detail != "disabled the account; ended 2 sessions" || entries[0].Detail != "re-enabled the account" {
		t.Errorf("audit = %+v", entries)
	}
}

func TestAdminCannotDisableOrDemoteThemselves(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	id := e.user("admin@body.example").ID
	for _, path := range []string{"/disable", "/role"} {
		r := admin.postForm(fmt.Sprintf("/admin/users/%d%s", id, path), url.Values{"role": {"policy"}, "organisation": {""}})
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, r.Body, "You cannot do that to your own account")
	}
	if u := e.user("admin@body.example"); u.DisabledAt != nil || u.Role != models.RoleAdmin {
		t.Errorf("admin changed themselves: %+v", u)
	}
}

func TestChangingARoleEndsTheirSessions(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	alan := e.signIn("a2@alpha.example")
	wantStatus(t, alan.get(fmt.Sprintf("/consultations/%d/overview", e.lp2019ID())), http.StatusForbidden)
	id := e.user("a2@alpha.example").ID

	form := admin.get(fmt.Sprintf("/admin/users/%d/role", id))
	wantStatus(t, form, http.StatusOK)
	if !isChecked(form.Body, "role", "member") {
		t.Error("the role form does not start at the current role")
	}
	wantSelected(t, form.Body, "organisation", strconv.FormatInt(e.orgA.ID, 10))

	r := admin.postForm(fmt.Sprintf("/admin/users/%d/role", id), url.Values{"role": {"policy"}, "organisation": {""}})
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, admin.follow(r).Body, "The role was changed")
	r = alan.get("/consultations")
	wantStatus(t, r, http.StatusSeeOther)
	if !strings.HasPrefix(r.Location, "/login") {
		t.Errorf("Location = %q, want the sign-in page", r.Location)
	}
	alan = e.signIn("a2@alpha.example")
	wantStatus(t, alan.get(fmt.Sprintf("/consultations/%d/overview", e.lp2019ID())), http.StatusOK)
	entries := e.auditAbout(t, models.AuditUserChanged, "a2@alpha.example")
	if want := "role “member” → “policy”; organisation “AAA” → (empty); ended 1 session"; entries[0].Detail != want {
		t.Errorf("audit detail = %q, want %q", entries[0].Detail, want)
	}
}

func TestEndingSessionsSignsTheUserOutEverywhere(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	pat := e.signIn("policy@body.example")
	id := e.user("policy@body.example").ID
	wantContains(t, admin.get(fmt.Sprintf("/admin/users/%d", id)).Body, "in 1 browser")
	r := admin.postForm(fmt.Sprintf("/admin/users/%d/end-sessions", id), url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	wantContains(t, admin.follow(r).Body, "Their sessions were ended", "not signed in anywhere")
	wantStatus(t, pat.get("/consultations"), http.StatusSeeOther)
	e.signIn("policy@body.example") // they may sign in again
}

// ---- the audit log page ----

func TestAuditLogShowsAdminChangesAndFilters(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	e.signIn("b@beta.example")
	wantStatus(t, admin.postForm("/admin/organisations", validOrganisation()), http.StatusSeeOther)
	wantStatus(t, admin.postForm(fmt.Sprintf("/admin/users/%d/end-sessions", e.user("b@beta.example").ID), url.Values{}), http.StatusSeeOther)

	r := admin.get("/admin/audit")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "Admin change", "organisation CCC", "added “Gamma Community NHS Trust” (community, North West, ics)",
		"User account changed", "b@beta.example", "ended 1 session", "<td>Ada Admin</td>", "<td>Bea Beta</td>", `<th scope="row">Signed in`)

	cases := []struct {
		name        string
		query       string
		want, avoid []string
	}{
		{"by action", "?action=admin_change", []string{"organisation CCC"}, []string{"ended 1 session", `<th scope="row">Signed in`}},
		{"by user", "?user=b@beta.example", []string{"<td>Bea Beta</td>", `<th scope="row">Signed in`}, []string{"organisation CCC", "<td>Ada Admin</td>"}},
		{"by a day with entries", "?from=2026-11-22&to=2026-11-22", []string{"organisation CCC"}, nil},
		{"by a day without", "?to=2026-11-21", []string{"No entries match these filters."}, []string{"organisation CCC"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.get("/admin/audit" + tc.query)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r.Body, tc.want...)
			wantNotContains(t, r.Body, tc.avoid...)
		})
	}
	t.Run("the filter keeps what was chosen", func(t *testing.T) {
		r := admin.get("/admin/audit?action=user_changed&user=admin@body.example")
		wantSelected(t, r.Body, "action", "user_changed")
		wantInput(t, r.Body, "user", "admin@body.example")
		wantContains(t, r.Body, "ended 1 session")
	})
	for _, tc := range []struct{ name, query, field, msg string }{
		{"a date that is not a date", "?from=22/11/2026", "from", "Enter the first day as year-month-day, for example 2026-11-01"},
		{"an unknown email", "?user=nobody@body.example", "user", "No account has this email address; check it, or clear the field to see everyone"},
		{"an unknown action", "?action=hack", "action", "Choose an action from the list"},
		{"the last day before the first", "?from=2026-11-22&to=2026-11-01", "to", "The last day must be on or after the first day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.get("/admin/audit" + tc.query)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r.Body, tc.field, tc.msg)
		})
	}
}

func TestAuditLogPagesBackWithOlderEntriesLinks(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example") // one sign-in entry
	for i := 1; i <= 60; i++ {
		if err := e.store.Audit(context.Background(), 0, models.AuditExport, fmt.Sprintf("export-%02d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	r := admin.get("/admin/audit?action=export")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, "export-60", "export-11")
	wantNotContains(t, r.Body, "export-10<")
	m := regexp.MustCompile(`href="(/admin/audit\?[^"]*before=\d+[^"]*)">Older entries`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link to older entries\n%s", snippet(r.Body))
	}
	older := admin.get(html.UnescapeString(m[1]))
	wantStatus(t, older, http.StatusOK)
	wantContains(t, older.Body, "export-10<", "export-01<", "Back to the newest entries")
	wantNotContains(t, older.Body, "export-11<", "Older entries</a>", `<th scope="row">Signed in`)
}

// ---- non-responders ----

func TestNonRespondersListsWhoHasNotSubmittedWhat(t *testing.T) {
	e, _ := newEnv(t)
	ctx := context.Background()
	// Gamma has no contact name, so its name, which has a comma, is quoted.
	if _, err := e.store.EnsureOrganisation(ctx, models.Organisation{Code: "CCC", Name: "Gamma, Community Trust", Type: "community",
		Region: "North West", System: "NW", SystemStatus: "ics", ContactEmail: "cat@gamma.example", CreatedAt: e.now, UpdatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	admin := e.signIn("admin@body.example")
	if r := admin.postForm(fmt.Sprintf("/admin/organisations/%d", e.orgB.ID), url.Values{"name": {e.orgB.Name}, "code": {"BBB"},
		"type": {"mental_health"}, "region": {"Midlands"}, "system": {"Midlands system"}, "system_status": {"stp"},
		"contact_name": {"Bob Beta"}, "contact_email": {"bob@beta.example"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("edit organisation: %d", r.Status)
	}
	// A small consultation of three proposals: Alpha submits all three;
	// Beta submits P-1, drafts P-2 and leaves P-3; Gamma does nothing.
	wantStatus(t, admin.postForm("/admin/consultations", validConsultation()), http.StatusSeeOther)
	cons := e.consultation("bill-2027")
	for _, ref := range []string{"P-1", "P-2", "P-3"} {
		wantStatus(t, admin.postForm(fmt.Sprintf("/admin/consultations/%d/proposals", cons.ID),
			withValues(validProposal(), map[string][]string{"ref": {ref}})), http.StatusSeeOther)
	}
	alpha, beta := e.signIn("a@alpha.example"), e.signIn("b@beta.example")
	for _, ref := range []string{"P-1", "P-2", "P-3"} {
		wantStatus(t, alpha.postForm("/proposals/"+ref+"/response", validAnswer()), http.StatusSeeOther)
	}
	wantStatus(t, beta.postForm("/proposals/P-1/response", validAnswer()), http.StatusSeeOther)
	wantStatus(t, beta.postForm("/proposals/P-2/response", withValues(validAnswer(), map[string][]string{"action": {"draft"}})), http.StatusSeeOther)

	policy := e.signIn("policy@body.example")
	path := fmt.Sprintf("/consultations/%d/nonresponders", cons.ID)
	r := policy.get(path)
	wantStatus(t, r, http.StatusOK)
	rows := outstandingRows(r.Body)
	want := map[string]string{
		"BBB": "P-2 (draft), P-3",
		"CCC": "P-1, P-2, P-3",
	}
	if len(rows) != len(want) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	for code, refs := range want {
		if rows[code] != refs {
			t.Errorf("%s not submitted = %q, want %q", code, rows[code], refs)
		}
	}
	wantContains(t, r.Body, "<strong>1 of 3</strong> organisations", "have submitted all 3 proposals; <strong>2</strong> have not")
	addresses, ok := textareaByID(r.Body, "contact-addresses")
	if !ok || addresses != `Bob Beta <bob@beta.example>; "Gamma, Community Trust" <cat@gamma.example>` {
		t.Errorf("addresses = %q", addresses)
	}
	plain, _ := textareaByID(r.Body, "contact-plain")
	if plain != "bob@beta.example\ncat@gamma.example" {
		t.Errorf("plain list = %q", plain)
	}

	t.Run("filtered by segment", func(t *testing.T) {
		r := policy.get(path + "?type=mental_health")
		wantStatus(t, r, http.StatusOK)
		rows := outstandingRows(r.Body)
		if len(rows) != 1 || rows["BBB"] != "P-2 (draft), P-3" {
			t.Errorf("rows = %v", rows)
		}
		r = policy.get(path + "?system_status=ics&region=London")
		if rows := outstandingRows(r.Body); len(rows) != 0 {
			t.Errorf("Alpha has submitted everything, rows = %v", rows)
		}
		wantContains(t, r.Body, "Every organisation in this selection has submitted every proposal.")
		wantStatus(t, policy.get(path+"?region=Atlantis"), http.StatusBadRequest)
	})
}

var (
	outstandingRow = regexp.MustCompile(`(?s)<span class="ref">([A-Z]{3})</span><br><span class="muted">.*?<ul class="ref-list">(.*?)</ul>`)
	refItem        = regexp.MustCompile(`<li><span class="ref">([^<]+)</span>( <span class="tag tag-draft">draft</span>)?</li>`)
)

// outstandingRows reads the non-responders table as code → "REF, REF (draft)".
func outstandingRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range outstandingRow.FindAllStringSubmatch(body, -1) {
		var refs []string
		for _, item := range refItem.FindAllStringSubmatch(m[2], -1) {
			ref := item[1]
			if item[2] != "" {
				ref += " (draft)"
			}
			refs = append(refs, ref)
		}
		out[m[1]] = strings.Join(refs, ", ")
	}
	return out
}

func textareaByID(body, id string) (string, bool) {
	re := regexp.MustCompile(`(?s)<textarea id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

func TestAnAdminResetsALostSecondFactor(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	pat := e.signIn("policy@body.example") // sets up two-factor sign-in on the way
	id := e.user("policy@body.example").ID
	path := fmt.Sprintf("/admin/users/%d", id)
	wantContains(t, admin.get(path).Body, "Reset two-factor sign-in")

	r := admin.postForm(path+"/reset-2fa", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	page := admin.follow(r).Body
	wantContains(t, page, "Their two-factor sign-in was reset", "not signed in anywhere")
	if strings.Contains(page, "Reset two-factor sign-in</button>") {
		t.Error("the page still offers a reset for an account without two-factor sign-in")
	}
	if e.user("policy@body.example").TOTPEnabledAt != nil {
		t.Error("two-factor sign-in is still on after the reset")
	}
	wantStatus(t, pat.get("/consultations"), http.StatusSeeOther) // signed out
	wantContains(t, admin.get("/admin/audit").Body, "two-factor sign-in reset")

	self := fmt.Sprintf("/admin/users/%d/reset-2fa", e.user("admin@body.example").ID)
	wantStatus(t, admin.postForm(self, url.Values{}), http.StatusConflict)
}
