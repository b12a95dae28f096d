package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// postFormFrom posts a form the way a browser does from the page at
// referer: with the page's token and a same-site Referer.
func (c *client) postFormFrom(referer, path string, v url.Values) result {
	if _, ok := v["_csrf"]; !ok {
		v.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com"+referer)
	return c.do(req)
}

// TestAFormPostedAfterTheSessionEndedShowsWhatWasTyped: a form sent after
// two idle hours (or after signing in again elsewhere, which makes the
// page's token stale) saves nothing, and the page that answers shows every
// text typed, escaped, with a way to sign in again that keeps this page open.
func TestAFormPostedAfterTheSessionEndedShowsWhatWasTyped(t *testing.T) {
	const comment = "Typed over two hours: the board opposes clause 4 <b>strongly</b>"
	for _, tc := range []struct {
		name      string
		who       string
		page      string
		path      string
		form      url.Values
		typed     []string
		signedOut bool
	}{
		{name: "a member's answer after two idle hours", who: "a@alpha.example", page: "/proposals/LP-01", path: "/proposals/LP-01/response",
			form:  withValues(validAnswer(), map[string][]string{"comment": {comment}, "amendments": {"Drop clause 4 entirely."}}),
			typed: []string{"Typed over two hours: the board opposes clause 4 &lt;b&gt;strongly&lt;/b&gt;", "Drop clause 4 entirely."}, signedOut: true},
		{name: "an admin's new consultation after two idle hours", who: "admin@body.example", page: "/admin/consultations/new", path: "/admin/consultations",
			form:  url.Values{"slug": {"long-one"}, "title": {"A consultation typed at length"}, "issuer": {"DHSC"}, "background": {"Three paragraphs of background."}},
			typed: []string{"A consultation typed at length", "Three paragraphs of background."}, signedOut: true},
		{name: "a member's answer after signing in again elsewhere", who: "a@alpha.example", page: "/proposals/LP-01", path: "/proposals/LP-01/response",
			form:  withValues(validAnswer(), map[string][]string{"comment": {comment}}),
			typed: []string{"Typed over two hours: the board opposes clause 4 &lt;b&gt;strongly&lt;/b&gt;"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, clk := newEnv(t)
			c := e.signIn(tc.who)
			wantStatus(t, c.get(tc.page), http.StatusOK)
			clk.t = clk.t.Add(2*time.Hour + time.Minute)
			if !tc.signedOut {
				again := e.signIn(tc.who)
				c.cookie = again.cookie // the same browser, signed in again in another tab
			}
			r := c.postFormFrom(tc.page, tc.path, tc.form)
			wantStatus(t, r, http.StatusForbidden)
			wantContains(t, r.Body, "was not saved")
			wantContains(t, r.Body, tc.typed...)
			wantNotContains(t, r.Body, "<b>strongly</b>")
			if tc.signedOut {
				wantContains(t, r.Body, `href="/login?next=`+url.QueryEscape(tc.page)+`"`, "opens in a new tab")
			} else {
				wantContains(t, r.Body, `href="`+tc.page+`"`)
			}
			e.wantNothingStored(t, e.orgA, "LP-01")
		})
	}
}
