package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Who may use a route.
type access int

const (
	public     access = iota // anyone, signed in or not
	entry                    // the ways in: may send anyone to sign in, never forbids
	anyUser                  // any signed-in user; anonymous visitors are sent to sign in
	members                  // members only: policy and admin get 403
	policyUp                 // policy and admin: members get 403
	adminsOnly               // admins: members and policy get 403
)

// routeAccess is the authorisation matrix: every route the app serves must
// be listed here, and every entry must be served, so a new route cannot
// arrive without a decision about who may use it.
var routeAccess = map[string]access{
	"GET /healthz": public, "GET /": entry, "GET /login": public, "POST /login": public,
	"GET /login/2fa": entry, "POST /login/2fa": entry, "POST /logout": public,
	"GET /invite/:token": public, "POST /invite/:token": public, "GET /api/v1/openapi.json": public,
	"GET /accessibility": public,

	"GET /account/2fa": anyUser, "POST /account/2fa": anyUser,
	"GET /consultations": anyUser, "GET /consultations/:id": anyUser, "GET /proposals/:ref": anyUser,
	"GET /api/v1/consultations": anyUser, "GET /api/v1/consultations/:id/proposals": anyUser,

	"POST /proposals/:ref/response": members, "GET /proposals/:ref/history": members,
	"GET /api/v1/proposals/:ref/response": members, "PUT /api/v1/proposals/:ref/response": members,

	"GET /consultations/:id/overview": policyUp, "GET /proposals/:ref/summary": policyUp,
	"GET /api/v1/proposals/:ref/summary": policyUp, "GET /imports": policyUp, "POST /imports": policyUp,
	"GET /exports/responses.csv": policyUp, "GET /proposals/:ref/summary.csv": policyUp,
	"GET /proposals/:ref/responses":  policyUp,
	"POST /api/v1/imports/responses": policyUp, "GET /consultations/:id/nonresponders": policyUp,
	"GET /consultations/:id/responses": policyUp, "GET /consultations/:id/search": policyUp,
	"GET /responses/:id": policyUp, "POST /responses/:id/coding": policyUp, "POST /responses/:id/notes": policyUp,
	"POST /responses/:id/quotes": policyUp, "POST /quotes/:id/delete": policyUp,
	"GET /consultations/:id/collective": policyUp, "POST /consultations/:id/collective/introduction": policyUp,
	"GET /consultations/:id/collective/sections/:ref": policyUp, "POST /consultations/:id/collective/sections/:ref": policyUp,
	"POST /consultations/:id/collective/status": policyUp, "GET /consultations/:id/collective/versions": policyUp,
	"GET /consultations/:id/collective/versions/:version": policyUp, "GET /consultations/:id/collective/print": policyUp,
	"GET /consultations/:id/collective.md": policyUp, "GET /consultations/:id/collective.docx": policyUp,
	"POST /consultations/:id/collective/quotes/:quote/remove": policyUp,
	"POST /consultations/:id/collective/template":             policyUp,
	"GET /consultations/:id/collective/approve":               adminsOnly, "POST /consultations/:id/collective/versions/:version/restore": policyUp,

	"GET /admin": adminsOnly, "GET /admin/security": adminsOnly, "POST /admin/security": adminsOnly, "GET /admin/consultations": adminsOnly, "GET /admin/consultations/new": adminsOnly,
	"POST /admin/consultations": adminsOnly, "GET /admin/consultations/:id/edit": adminsOnly,
	"POST /admin/consultations/:id": adminsOnly, "GET /admin/consultations/:id/proposals": adminsOnly,
	"GET /admin/consultations/:id/proposals/new": adminsOnly, "POST /admin/consultations/:id/proposals": adminsOnly,
	"GET /admin/proposals/:id/edit": adminsOnly, "POST /admin/proposals/:id": adminsOnly,
	"POST /admin/proposals/:id/move": adminsOnly, "GET /admin/concerns": adminsOnly, "GET /admin/concerns/new": adminsOnly,
	"POST /admin/concerns": adminsOnly, "GET /admin/concerns/:id/edit": adminsOnly, "POST /admin/concerns/:id": adminsOnly,
	"GET /admin/organisations": adminsOnly, "GET /admin/organisations/new": adminsOnly, "POST /admin/organisations": adminsOnly,
	"GET /admin/organisations/:id/edit": adminsOnly, "POST /admin/organisations/:id": adminsOnly,
	"GET /admin/users": adminsOnly, "GET /admin/users/new": adminsOnly, "POST /admin/users": adminsOnly,
	"GET /admin/users/:id": adminsOnly, "GET /admin/users/:id/role": adminsOnly, "POST /admin/users/:id/role": adminsOnly,
	"POST /admin/users/:id/disable": adminsOnly, "POST /admin/users/:id/enable": adminsOnly,
	"POST /admin/users/:id/end-sessions": adminsOnly, "POST /admin/users/:id/reset-2fa": adminsOnly, "POST /admin/users/:id/invite": adminsOnly,
	"GET /admin/audit": adminsOnly,

	"GET /admin/body": adminsOnly, "POST /admin/body": adminsOnly, "GET /body/logo": anyUser,
}

// servedRoutes lists "METHOD path" for every route the app serves.
func servedRoutes(e *env) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range e.app.GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == "USE" || r.Path == "/" && r.Method != http.MethodGet {
			continue
		}
		key := r.Method + " " + r.Path
		if !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

func TestEveryRouteHasAnEntryInTheAuthorisationMatrix(t *testing.T) {
	e, _ := newEnv(t)
	served := map[string]bool{}
	for _, key := range servedRoutes(e) {
		served[key] = true
		if _, ok := routeAccess[key]; !ok {
			t.Errorf("%s is served but has no entry in routeAccess: decide who may use it", key)
		}
	}
	for key := range routeAccess {
		if !served[key] {
			t.Errorf("%s is in routeAccess but not served", key)
		}
	}
}

// secret is a member's comment that no one outside their organisation and
// the policy team may ever see.
const secret = "SECRET-ALPHA-COMMENT-7f3a"

// concretePath fills a route's parameters with real objects: the owner's
// (AAA's) submitted response, a throwaway user, the first consultation.
func concretePath(path string, ids map[string]string) string {
	for param, v := range ids {
		path = strings.ReplaceAll(path, param, v)
	}
	return path
}

func TestAuthorisationMatrix(t *testing.T) {
	e, _ := newEnv(t)
	ctx := context.Background()
	owner := e.signIn("a@alpha.example")
	v := validAnswer()
	v.Set("comment", secret)
	if r := owner.postForm("/proposals/LP-01/response", v); r.Status != http.StatusSeeOther {
		t.Fatalf("owner submit: %d", r.Status)
	}
	p, _, _ := e.store.ProposalByRef(ctx, "LP-01")
	resp, _ := e.store.ResponseFor(ctx, e.orgA.ID, p.ID)
	victim, err := e.store.CreateUser(ctx, models.NewUser{Email: "victim@alpha.example", Name: "V", Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{
		":id/proposals": "1/proposals", ":token": "not-a-real-token", ":ref": "LP-01", ":version": "1", ":quote": "999999",
	}
	// :id means different objects on different routes.
	idFor := func(path string) string {
		switch {
		case strings.HasPrefix(path, "/responses/"):
			return fmt.Sprint(resp.ID)
		case strings.HasPrefix(path, "/admin/users/"):
			return fmt.Sprint(victim.ID)
		case strings.HasPrefix(path, "/quotes/"):
			return "999999"
		}
		return "1"
	}

	clients := map[string]*client{
		"anonymous":      e.anon(),
		"member (owner)": owner,
		"member (other)": e.signIn("b@beta.example"),
		"policy":         e.signIn("policy@body.example"),
		"admin":          e.signIn("admin@body.example"),
	}
	clients["anonymous"].get("/login") // a CSRF token for the anonymous visitor
	order := []string{"anonymous", "member (owner)", "member (other)", "policy", "admin"}

	for _, key := range servedRoutes(e) {
		method, route, _ := strings.Cut(key, " ")
		if key == "POST /logout" || key == "POST /account/2fa" {
			continue // ending or changing the test's own sessions; covered elsewhere
		}
		path := concretePath(strings.ReplaceAll(route, ":id", idFor(route)), ids)
		want := routeAccess[key]
		for _, who := range order {
			c := clients[who]
			t.Run(key+"/"+who, func(t *testing.T) {
				var r result
				switch method {
				case http.MethodGet:
					r = c.get(path)
				case http.MethodPost:
					r = c.postForm(path, url.Values{})
				case http.MethodPut:
					req := httptest.NewRequest(method, path, strings.NewReader("{}"))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-CSRF-Token", c.csrf)
					r = c.do(req)
				}
				if r.Status >= 500 {
					t.Fatalf("%s %s as %s: %d", method, path, who, r.Status)
				}
				outcome := classify(r)
				expected := expectedOutcome(want, who)
				if want == entry && outcome != "forbidden" {
					expected = outcome
				}
				if outcome != expected {
					t.Errorf("%s %s as %s: %s (status %d, location %q), want %s", method, path, who, outcome, r.Status, r.Location, expected)
				}
				if who == "member (other)" && strings.Contains(r.Body, secret) {
					t.Errorf("%s %s as a member of another organisation shows AAA's comment", method, path)
				}
				if who == "anonymous" && strings.Contains(r.Body, secret) {
					t.Errorf("%s %s shows AAA's comment to an anonymous visitor", method, path)
				}
			})
		}
	}
}

// classify says what a response means for access: refused to a signed-out
// visitor, forbidden, or let through (whatever the handler then said).
func classify(r result) string {
	switch {
	case r.Status == http.StatusUnauthorized, r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location, "/login"):
		return "sign-in required"
	case r.Status == http.StatusForbidden && !strings.Contains(r.Body, "This form has expired"):
		return "forbidden"
	}
	return "allowed"
}

func expectedOutcome(a access, who string) string {
	if a == public {
		return "allowed"
	}
	if who == "anonymous" {
		return "sign-in required"
	}
	member := strings.HasPrefix(who, "member")
	switch a {
	case members:
		if !member {
			return "forbidden"
		}
	case policyUp:
		if member {
			return "forbidden"
		}
	case adminsOnly:
		if who != "admin" {
			return "forbidden"
		}
	}
	return "allowed"
}
