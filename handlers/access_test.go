package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// apiErr is the JSON error shape of DESIGN.md.
type apiErr struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// apiResp is the JSON shape of one response.
type apiResp struct {
	OrganisationCode string `json:"organisation_code"`
	ProposalRef      string `json:"proposal_ref"`
	Stance           string `json:"stance"`
	Autonomy         *int   `json:"autonomy"`
	Concerns         string `json:"concerns"`
	Comment          string `json:"comment"`
	Amendments       string `json:"amendments"`
	Consent          string `json:"consent"`
	Status           string `json:"status"`
	Version          int    `json:"version"`
}

func (e *env) lp2019ID() int64 {
	e.t.Helper()
	c, err := e.store.ConsultationBySlug(context.Background(), "lp-2019")
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// goErrorText is what must never reach a visitor: framework and driver text.
var goErrorText = []string{"Cannot GET", "record not found", "sql:", "gorm", "sqlite", "runtime error", "goroutine", ".go:"}

func TestMemberCannotReadAnotherOrganisationsResponse(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	answer := withValues(validAnswer(), map[string][]string{
		"comment": {"Alpha confidential: our board is split on this."}, "amendments": {"Alpha amendment wording."},
	})
	wantStatus(t, a.postForm("/proposals/LP-01/response", answer), http.StatusSeeOther)

	b := e.signIn("b@beta.example")
	secrets := []string{"Alpha confidential", "Alpha amendment wording"}

	t.Run("proposal page shows B's own empty form", func(t *testing.T) {
		r := b.get("/proposals/LP-01")
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, "Not started", formAction)
		wantTextarea(t, r.Body, "comment", "")
		if v := formVersion(t, r.Body); v != "0" {
			t.Errorf("B's form has version %s, want 0 (A's version leaked)", v)
		}
		if got := checkedValues(r.Body, "stance"); len(got) != 0 {
			t.Errorf("B's empty form shows stance %v checked", got)
		}
		wantNotContains(t, r.Body, secrets...)
	})

	for _, path := range []string{"/proposals/LP-01/history", "/consultations", fmt.Sprintf("/consultations/%d", e.lp2019ID())} {
		t.Run("page "+path, func(t *testing.T) {
			r := b.get(path)
			wantStatus(t, r, http.StatusOK)
			wantNotContains(t, r.Body, secrets...)
		})
	}

	t.Run("history says B has not answered", func(t *testing.T) {
		r := b.get("/proposals/LP-01/history")
		wantContains(t, r.Body, "has not saved a response to this proposal yet")
	})

	t.Run("API GET is 404 for B", func(t *testing.T) {
		r := b.get("/api/v1/proposals/LP-01/response")
		wantStatus(t, r, http.StatusNotFound)
		var body apiErr
		decodeJSON(t, r, &body)
		if body.Error == "" {
			t.Error("404 without an error message")
		}
		wantNotContains(t, r.Body, secrets...)
	})
}

func TestMemberChangesOnlyTheirOwnOrganisationsResponse(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	wantStatus(t, a.postForm("/proposals/LP-01/response", validAnswer()), http.StatusSeeOther)
	wantA := func(t *testing.T) {
		t.Helper()
		got, err := e.stored(e.orgA, "LP-01")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.Comment != "Our board is against this." || got.Stance != "oppose" {
			t.Errorf("AAA's response changed: %+v", got.Response)
		}
	}

	b := e.signIn("b@beta.example")

	t.Run("form post saves BBB's response only", func(t *testing.T) {
		v := withValues(validAnswer(), map[string][]string{"stance": {"support"}, "comment": {"Beta supports it."}})
		wantStatus(t, b.postForm("/proposals/LP-01/response", v), http.StatusSeeOther)
		wantA(t)
		got, err := e.stored(e.orgB, "LP-01")
		if err != nil {
			t.Fatal(err)
		}
		if got.Comment != "Beta supports it." || got.Stance != "support" || got.Version != 1 {
			t.Errorf("BBB's response = %+v, want B's answer as version 1", got.Response)
		}
	})

	cases := []struct {
		name, body, field string
	}{
		{"organisation code of another member", `{"organisation_code":"AAA","stance":"strongly_support","autonomy":2,"concerns":"","comment":"Overwritten by Beta","amendments":"","consent":"attributed"}`, "organisation_code"},
		{"organisation code in another case", `{"organisation_code":"aaa","stance":"strongly_support","autonomy":2,"concerns":"","comment":"Overwritten by Beta","amendments":"","consent":"attributed"}`, "organisation_code"},
		{"proposal that is not the one in the address", `{"proposal_ref":"LP-02","stance":"strongly_support","autonomy":2,"concerns":"","comment":"Overwritten by Beta","amendments":"","consent":"attributed"}`, "proposal_ref"},
	}
	for _, tc := range cases {
		t.Run("API PUT with "+tc.name, func(t *testing.T) {
			r := b.putJSON("/api/v1/proposals/LP-01/response", tc.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			var body apiErr
			decodeJSON(t, r, &body)
			if body.Fields[tc.field] == "" {
				t.Errorf("fields = %v, want a message for %s", body.Fields, tc.field)
			}
			wantA(t)
			got, err := e.stored(e.orgB, "LP-01")
			if err != nil {
				t.Fatal(err)
			}
			if got.Comment == "Overwritten by Beta" || got.Version != 1 {
				t.Errorf("a refused PUT changed BBB's response: %+v", got.Response)
			}
		})
	}
}

func TestPolicyPagesAreOnlyForThePolicyTeamAndAdmins(t *testing.T) {
	e, _ := newEnv(t)
	overview := fmt.Sprintf("/consultations/%d/overview", e.lp2019ID())
	clients := map[string]*client{
		"member": e.signIn("a@alpha.example"),
		"policy": e.signIn("policy@body.example"),
		"admin":  e.signIn("admin@body.example"),
		"anon":   e.anon(),
	}
	routes := []struct {
		path string
		api  bool
	}{
		{overview, false},
		{"/proposals/LP-01/summary", false},
		{"/api/v1/proposals/LP-01/summary", true},
	}
	for _, rt := range routes {
		for _, who := range []string{"member", "anon", "policy", "admin"} {
			t.Run(who+" "+rt.path, func(t *testing.T) {
				r := clients[who].get(rt.path)
				switch who {
				case "member":
					wantStatus(t, r, http.StatusForbidden)
					if rt.api {
						var body apiErr
						decodeJSON(t, r, &body)
						if body.Error == "" {
							t.Error("403 without an error message")
						}
					} else {
						wantContains(t, r.Body, "for the policy team and admins")
					}
				case "anon":
					if rt.api {
						wantStatus(t, r, http.StatusUnauthorized)
						var body apiErr
						decodeJSON(t, r, &body)
						if body.Error == "" {
							t.Error("401 without an error message")
						}
					} else {
						wantStatus(t, r, http.StatusSeeOther)
						if want := "/login?next=" + url.QueryEscape(rt.path); r.Location != want {
							t.Errorf("Location = %q, want %q", r.Location, want)
						}
					}
				default:
					wantStatus(t, r, http.StatusOK)
				}
			})
		}
	}
}

func TestMemberOnlyRoutesAreClosedToPolicyAndAdmin(t *testing.T) {
	e, _ := newEnv(t)
	body := `{"stance":"support","autonomy":1,"concerns":"timescale","comment":"policy","amendments":"","consent":"attributed"}`
	for _, email := range []string{"policy@body.example", "admin@body.example"} {
		c := e.signIn(email)
		cases := []struct {
			name string
			do   func() result
			api  bool
		}{
			{"GET history", func() result { return c.get("/proposals/LP-01/history") }, false},
			{"POST response form", func() result { return c.postForm("/proposals/LP-01/response", validAnswer()) }, false},
			{"GET API response", func() result { return c.get("/api/v1/proposals/LP-01/response") }, true},
			{"PUT API response", func() result { return c.putJSON("/api/v1/proposals/LP-01/response", body) }, true},
		}
		for _, tc := range cases {
			t.Run(email+" "+tc.name, func(t *testing.T) {
				r := tc.do()
				wantStatus(t, r, http.StatusForbidden)
				if tc.api {
					var b apiErr
					decodeJSON(t, r, &b)
					if b.Error == "" {
						t.Error("403 without an error message")
					}
				} else {
					wantContains(t, r.Body, "Only member organisations answer proposals")
				}
			})
		}
	}
	e.wantNothingStored(t, e.orgA, "LP-01")
	e.wantNothingStored(t, e.orgB, "LP-01")
}

func TestUnknownPagesShowTheNotFoundPage(t *testing.T) {
	e, _ := newEnv(t)
	policy := e.signIn("policy@body.example")
	member := e.signIn("a@alpha.example")
	cases := []struct {
		name string
		c    *client
		path string
		api  bool
	}{
		{"unknown path, signed out", e.anon(), "/no-such-page", false},
		{"unknown path, signed in", member, "/no-such-page", false},
		{"unknown proposal", member, "/proposals/LP-99", false},
		{"unknown consultation", member, "/consultations/999", false},
		{"consultation id that is not a number", member, "/consultations/abc", false},
		{"unknown proposal's summary", policy, "/proposals/LP-99/summary", false},
		{"unknown consultation's overview", policy, "/consultations/999/overview", false},
		{"proposal reference in the wrong case", member, "/proposals/lp-01", false},
		{"unknown API path", policy, "/api/v1/nothing", true},
		{"unknown proposal in the API", policy, "/api/v1/proposals/LP-99/summary", true},
		{"unknown proposal's response in the API", member, "/api/v1/proposals/LP-99/response", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.c.get(tc.path)
			wantStatus(t, r, http.StatusNotFound)
			if tc.api {
				var body apiErr
				decodeJSON(t, r, &body)
				if !strings.Contains(body.Error, "There is nothing here") {
					t.Errorf("error = %q, want the readable not-found message", body.Error)
				}
			} else {
				wantContains(t, r.Body, "Page not found", "There is nothing here", "<html")
			}
			wantNotContains(t, r.Body, goErrorText...)
		})
	}
}

func TestUnknownFilterValueIsABadRequestWithAReadableMessage(t *testing.T) {
	e, _ := newEnv(t)
	policy := e.signIn("policy@body.example")
	overview := fmt.Sprintf("/consultations/%d/overview", e.lp2019ID())
	cases := []struct {
		path, name string
		api        bool
	}{
		{"/proposals/LP-01/summary?type=hospital", "organisation type", false},
		{"/proposals/LP-01/summary?region=Atlantis", "region", false},
		{"/proposals/LP-01/summary?system_status=ccg", "system status", false},
		{"/proposals/LP-01/summary?region=london", "region", false}, // region names are case-sensitive
		{overview + "?type=hospital", "organisation type", false},
		{"/api/v1/proposals/LP-01/summary?type=hospital", "organisation type", true},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := policy.get(tc.path)
			wantStatus(t, r, http.StatusBadRequest)
			text := r.Body
			if tc.api {
				var body apiErr
				decodeJSON(t, r, &body)
				text = body.Error
			}
			wantContains(t, text, tc.name, "is not one of the choices")
			wantNotContains(t, r.Body, goErrorText...)
		})
	}
}

func TestSignInWithWrongDetailsKeepsTheEmail(t *testing.T) {
	e, _ := newEnv(t)
	cases := []struct {
		name, email, password string
		status                int
		message               string
	}{
		{"wrong password", "a@alpha.example", "not the password", http.StatusUnauthorized, "The email address or password is not right"},
		{"unknown email", "nobody@alpha.example", testPassword, http.StatusUnauthorized, "The email address or password is not right"},
		{"no password", "a@alpha.example", "", http.StatusUnprocessableEntity, "Enter your password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.anon()
			c.get("/login")
			r := c.postForm("/login", url.Values{"email": {tc.email}, "password": {tc.password}})
			wantStatus(t, r, tc.status)
			wantContains(t, r.Body, "There is a problem", tc.message, `value="`+tc.email+`"`)
			if tc.password != "" {
				wantNotContains(t, r.Body, tc.password)
			}
			if got := c.get("/consultations"); got.Status != http.StatusSeeOther {
				t.Errorf("after a failed sign-in /consultations gave %d, want a redirect to sign in", got.Status)
			}
		})
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	oldCookie, oldCSRF := a.cookie, a.csrf

	t.Run("without the CSRF token it is refused", func(t *testing.T) {
		r := a.postForm("/logout", url.Values{"_csrf": {"forged"}})
		wantStatus(t, r, http.StatusForbidden)
		wantStatus(t, a.get("/consultations"), http.StatusOK)
	})

	r := a.postForm("/logout", url.Values{})
	wantStatus(t, r, http.StatusSeeOther)
	if !strings.HasPrefix(r.Location, "/login") {
		t.Errorf("after sign-out Location = %q, want the sign-in page", r.Location)
	}

	stale := &client{e: e, cookie: oldCookie, csrf: oldCSRF}
	t.Run("the old cookie no longer opens pages", func(t *testing.T) {
		r := stale.get("/consultations")
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("Location = %q, want /login…", r.Location)
		}
	})
	stale.cookie = oldCookie
	t.Run("the old cookie no longer opens the API", func(t *testing.T) {
		wantStatus(t, stale.get("/api/v1/consultations"), http.StatusUnauthorized)
	})
	stale.cookie = oldCookie
	t.Run("the old cookie and token no longer save", func(t *testing.T) {
		r := stale.postForm("/proposals/LP-01/response", validAnswer())
		if r.Status != http.StatusForbidden && r.Status != http.StatusSeeOther {
			t.Errorf("status = %d, want 403 or a redirect to sign in", r.Status)
		}
		e.wantNothingStored(t, e.orgA, "LP-01")
	})
}

func TestSessionCookieIsRenewedAtSignInAndProtected(t *testing.T) {
	e, _ := newEnv(t)
	c := e.anon()
	first := c.get("/login")
	wantStatus(t, first, http.StatusOK)
	anonCookie := c.cookie
	if anonCookie == "" {
		t.Fatal("GET /login set no session cookie")
	}
	r := c.postForm("/login", url.Values{"email": {"a@alpha.example"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusSeeOther)
	if c.cookie == "" || c.cookie == anonCookie {
		t.Errorf("the session cookie was not replaced at sign-in (before %q, after %q)", anonCookie, c.cookie)
	}

	for _, res := range []struct {
		name string
		r    result
	}{{"anonymous cookie", first}, {"signed-in cookie", r}} {
		t.Run(res.name, func(t *testing.T) {
			var found bool
			for _, ck := range (&http.Response{Header: res.r.Header}).Cookies() {
				if ck.Name != "tracker_session" {
					continue
				}
				found = true
				if !ck.HttpOnly {
					t.Error("session cookie is not HttpOnly")
				}
				if ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("session cookie SameSite = %v, want Lax", ck.SameSite)
				}
				if ck.Path != "/" {
					t.Errorf("session cookie Path = %q, want /", ck.Path)
				}
			}
			if !found {
				t.Error("no session cookie set")
			}
		})
	}

	t.Run("the pre-sign-in cookie does not carry the sign-in", func(t *testing.T) {
		fixed := &client{e: e, cookie: anonCookie}
		r := fixed.get("/consultations")
		wantStatus(t, r, http.StatusSeeOther)
	})
	t.Run("the new cookie is signed in", func(t *testing.T) {
		wantStatus(t, c.get("/consultations"), http.StatusOK)
	})
}

func TestGetLogoutDoesNotSignOut(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	r := a.get("/logout")
	if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout = %d, want 404 or 405", r.Status)
	}
	wantStatus(t, a.get("/consultations"), http.StatusOK)
}

func TestAPIMemberPutsThenGetsTheirResponse(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	body := `{"stance":"support","autonomy":1,"concerns":"timescale;workforce","comment":"c","amendments":"","consent":"attributed"}`

	r := a.putJSON("/api/v1/proposals/LP-02/response", body)
	wantStatus(t, r, http.StatusCreated)
	var put apiResp
	decodeJSON(t, r, &put)

	g := a.get("/api/v1/proposals/LP-02/response")
	wantStatus(t, g, http.StatusOK)
	var got apiResp
	decodeJSON(t, g, &got)
	one := 1
	want := apiResp{OrganisationCode: "AAA", ProposalRef: "LP-02", Stance: "support", Autonomy: &one,
		Concerns: "timescale;workforce", Comment: "c", Amendments: "", Consent: "attributed", Status: "submitted", Version: 1}
	for name, v := range map[string]apiResp{"PUT answer": put, "GET answer": got} {
		if v.Autonomy == nil || *v.Autonomy != 1 {
			t.Errorf("%s autonomy = %v, want 1", name, v.Autonomy)
		}
		v.Autonomy = &one
		if fmt.Sprint(v.OrganisationCode, v.ProposalRef, v.Stance, v.Concerns, v.Comment, v.Amendments, v.Consent, v.Status, v.Version) !=
			fmt.Sprint(want.OrganisationCode, want.ProposalRef, want.Stance, want.Concerns, want.Comment, want.Amendments, want.Consent, want.Status, want.Version) {
			t.Errorf("%s = %+v, want %+v", name, v, want)
		}
	}

	t.Run("a second PUT replaces it with 200", func(t *testing.T) {
		r := a.putJSON("/api/v1/proposals/LP-02/response",
			`{"stance":"neutral","autonomy":0,"concerns":["workforce"],"comment":"c2","amendments":"","consent":"private","version":1}`)
		wantStatus(t, r, http.StatusOK)
		var v apiResp
		decodeJSON(t, r, &v)
		if v.Version != 2 || v.Stance != "neutral" || v.Concerns != "workforce" {
			t.Errorf("second PUT = %+v, want version 2, neutral, workforce", v)
		}
	})
}

func TestAPIRefusesBadResponseBodiesNamingTheFields(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"stance outside the codes", `{"stance":"maybe","autonomy":1,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"stance"}},
		{"no stance", `{"autonomy":1,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"stance"}},
		{"autonomy 3", `{"stance":"support","autonomy":3,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"autonomy -3", `{"stance":"support","autonomy":-3,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"autonomy 1.5", `{"stance":"support","autonomy":1.5,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"autonomy as words", `{"stance":"support","autonomy":"abc","concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"autonomy true", `{"stance":"support","autonomy":true,"concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"no autonomy", `{"stance":"support","concerns":"timescale","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy"}},
		{"unknown concern code", `{"stance":"support","autonomy":1,"concerns":"timescale;not_a_code","comment":"c","amendments":"","consent":"attributed"}`, []string{"concerns"}},
		{"concerns as a number", `{"stance":"support","autonomy":1,"concerns":7,"comment":"c","amendments":"","consent":"attributed"}`, []string{"concerns"}},
		{"consent outside the codes", `{"stance":"support","autonomy":1,"concerns":"timescale","comment":"c","amendments":"","consent":"public"}`, []string{"consent"}},
		{"comment too long", `{"stance":"support","autonomy":1,"concerns":"timescale","comment":"` + strings.Repeat("x", 5001) + `","amendments":"","consent":"attributed"}`, []string{"comment"}},
		{"stance, autonomy and concerns all wrong", `{"stance":"maybe","autonomy":9,"concerns":"nope","comment":"c","amendments":"","consent":"attributed"}`, []string{"autonomy", "concerns", "stance"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.putJSON("/api/v1/proposals/LP-02/response", tc.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			var body apiErr
			decodeJSON(t, r, &body)
			if body.Error == "" {
				t.Error("no error message")
			}
			var got []string
			for k, msg := range body.Fields {
				got = append(got, k)
				if msg == "" {
					t.Errorf("field %s has an empty message", k)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields = %v, want exactly %v", body.Fields, tc.fields)
			}
			e.wantNothingStored(t, e.orgA, "LP-02")
		})
	}
}

func TestAPIRefusesBodiesThatAreNotJSONResponses(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	cases := []struct{ name, body string }{
		{"truncated JSON", `{"stance":"support",`},
		{"not JSON at all", `stance=support`},
		{"an array", `[1,2]`},
		{"an unknown field", `{"stanse":"support","autonomy":1,"consent":"attributed"}`},
		{"comment that is not a string", `{"stance":"support","autonomy":1,"consent":"attributed","comment":5}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.putJSON("/api/v1/proposals/LP-02/response", tc.body)
			wantStatus(t, r, http.StatusBadRequest)
			var body apiErr
			decodeJSON(t, r, &body)
			if !strings.Contains(body.Error, "not valid JSON") {
				t.Errorf("error = %q, want a readable JSON problem", body.Error)
			}
			e.wantNothingStored(t, e.orgA, "LP-02")
		})
	}
}

func TestAPIPutWithoutTheCSRFHeaderIsForbidden(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	b := e.signIn("b@beta.example")
	body := `{"stance":"support","autonomy":1,"concerns":"timescale;workforce","comment":"c","amendments":"","consent":"attributed"}`
	cases := []struct {
		name string
		do   func() result
	}{
		{"no header", func() result { return a.putJSONNoCSRF("/api/v1/proposals/LP-02/response", body) }},
		{"wrong token", func() result {
			saved := a.csrf
			a.csrf = "forged"
			defer func() { a.csrf = saved }()
			return a.putJSON("/api/v1/proposals/LP-02/response", body)
		}},
		{"another user's token", func() result {
			saved := a.csrf
			a.csrf = b.csrf
			defer func() { a.csrf = saved }()
			return a.putJSON("/api/v1/proposals/LP-02/response", body)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			wantStatus(t, r, http.StatusForbidden)
			var e2 apiErr
			decodeJSON(t, r, &e2)
			if e2.Error == "" {
				t.Error("403 without an error message")
			}
			e.wantNothingStored(t, e.orgA, "LP-02")
		})
	}
}

func TestSignInReturnsOnlyToPagesOnThisSite(t *testing.T) {
	e, _ := newEnv(t)
	cases := []struct {
		name, next, want string
	}{
		{"a page on this site", "/proposals/LP-01?saved=draft", "/proposals/LP-01?saved=draft"},
		{"nothing asked for", "", "/consultations"},
		{"another site", "https://evil.example/", "/consultations"},
		{"a scheme-relative address", "//evil.example/", "/consultations"},
		{"a backslash address", `/\evil.example`, "/consultations"},
		{"a header injection", "/consultations\r\nSet-Cookie: x=y", "/consultations"},
		// Browsers delete tabs and newlines from a URL before reading it, so
		// "/<TAB>/evil.example" is followed as "//evil.example": another site.
		{"a tab before a second slash", "/\t/evil.example", "/consultations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.anon()
			c.get("/login")
			r := c.postForm("/login", url.Values{"email": {"a@alpha.example"}, "password": {testPassword}, "next": {tc.next}})
			wantStatus(t, r, http.StatusSeeOther)
			if r.Location != tc.want {
				t.Errorf("after sign-in Location = %q, want %q", r.Location, tc.want)
			}
		})
	}
}
