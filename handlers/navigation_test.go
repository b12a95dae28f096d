package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
)

// navLink is one item of the main navigation as a person sees it; Current
// marks the item announced as the current page.
var navLink = regexp.MustCompile(`<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>`)

var mainNav = regexp.MustCompile(`(?s)<nav aria-label="Main">.*?</nav>`)

// TestMainNavigationShowsWhatEachRoleMayOpen checks the navigation kept per
// role and section: each role sees only the sections it may open, the
// section of the page is marked current, and pages whose content is shared
// between readers (summary, overview) still get the reader's own navigation.
func TestMainNavigationShowsWhatEachRoleMayOpen(t *testing.T) {
	e, _ := newEnv(t)
	overview := fmt.Sprintf("/consultations/%d/overview", e.lp2019ID())
	cases := []struct {
		name, email, path string
		want              []string // labels in order; "*" marks the current one
	}{
		{"member on consultations", "a@alpha.example", "/consultations", []string{"*Consultations", "Two-factor sign-in"}},
		{"policy on a summary", "policy@body.example", "/proposals/LP-01/summary", []string{"*Consultations", "Import and export", "Two-factor sign-in"}},
		{"policy on imports", "policy@body.example", "/imports", []string{"Consultations", "*Import and export", "Two-factor sign-in"}},
		{"admin on the overview", "admin@body.example", overview, []string{"*Consultations", "Import and export", "Admin", "Two-factor sign-in"}},
		{"admin on admin", "admin@body.example", "/admin", []string{"Consultations", "Import and export", "*Admin", "Two-factor sign-in"}},
		{"admin on two-factor", "admin@body.example", "/account/2fa", []string{"Consultations", "Import and export", "Admin", "*Two-factor sign-in"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.signIn(tc.email).get(tc.path)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d", tc.path, r.Status)
			}
			nav := mainNav.FindString(r.Body)
			if nav == "" {
				t.Fatalf("GET %s: no main navigation", tc.path)
			}
			var got []string
			for _, m := range navLink.FindAllStringSubmatch(nav, -1) {
				label := m[3]
				if m[2] != "" {
					label = "*" + label
				}
				got = append(got, label)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("GET %s: navigation %q, want %q", tc.path, got, tc.want)
			}
		})
	}
	// Signed out, there is no main navigation at all.
	if nav := mainNav.FindString(e.anon().get("/login").Body); nav != "" {
		t.Errorf("signed-out page shows navigation: %s", nav)
	}
}
