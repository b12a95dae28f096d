package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Issue 10, item 13: routing is case-sensitive, as every check on the path
// (the API's JSON answers, the second-factor exemptions, log redaction) reads
// it; a path the API would own in any case is still answered in JSON.
func TestRoutesAreCaseSensitiveAndAPILookingPathsAnswerInJSON(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	link := e.invite(admin, url.Values{"email": {"cas@body.example"}, "name": {"Cas Case"}, "role": {"policy"}, "organisation": {""}})
	member := e.signIn("a@alpha.example")
	cases := []struct {
		name         string
		who          *client
		method, path string
		status       int
		json         bool
		message      string
	}{
		{"a signed-out save to /API/ is told to sign in, in JSON", e.anon(), http.MethodPost, "/API/v1/proposals/LP-01/response", 401, true, "Sign in to use the API."},
		{"and to /Api/V1/", e.anon(), http.MethodPut, "/Api/V1/proposals/LP-01/response", 401, true, "Sign in to use the API."},
		{"a signed-out read of /API/ is not found, in JSON", e.anon(), http.MethodGet, "/API/v1/consultations", 404, true, "There is nothing here."},
		{"a member's read of /API/ is not found, in JSON", member, http.MethodGet, "/API/v1/consultations", 404, true, "There is nothing here."},
		{"the API in lower case still answers", member, http.MethodGet, "/api/v1/consultations", 200, true, ""},
		{"/Consultations is not the consultations page", member, http.MethodGet, "/Consultations", 404, false, "There is nothing here."},
		{"/ADMIN is not the admin page", member, http.MethodGet, "/ADMIN", 404, false, "There is nothing here."},
		{"/INVITE/… is not the invite form", e.anon(), http.MethodGet, strings.ToUpper(link[:8]) + link[8:], 404, false, "There is nothing here."},
		{"the invite form in lower case still answers", e.anon(), http.MethodGet, link, 200, false, "Set your password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			r := tc.who.do(req)
			isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
			if r.Status != tc.status || isJSON != tc.json || !strings.Contains(r.Body, tc.message) {
				t.Errorf("%s %s: %d (JSON %v), want %d (JSON %v) with %q\n%.300s",
					tc.method, tc.path, r.Status, isJSON, tc.status, tc.json, tc.message, r.Body)
			}
		})
	}
}
