package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
)

// postLoginFrom posts the sign-in form with a forged forwarding header, as
// an attacker rotating addresses would.
func (c *client) postLoginFrom(email, password, forgedIP string) result {
	v := url.Values{"email": {email}, "password": {password}, "_csrf": {c.csrf}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", forgedIP)
	req.Header.Set("X-Real-IP", forgedIP)
	return c.do(req)
}

func TestSixthWrongPasswordInAMinuteIsRefusedEvenWithForgedAddresses(t *testing.T) {
	e, clk := newEnv(t)
	c := e.anon()
	c.get("/login")
	for i := 1; i <= 5; i++ {
		if r := c.postLoginFrom("a@alpha.example", "wrong password "+string(rune('a'+i)), "203.0.113."+string(rune('0'+i))); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i, r.Status)
		}
	}
	r := c.postLoginFrom("a@alpha.example", "wrong password z", "198.51.100.7")
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many failed sign-ins") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d, want 429 with a message and Retry-After", r.Status)
	}
	// Even the right password waits out the minute.
	if r := c.postLoginFrom("a@alpha.example", testPassword, "198.51.100.8"); r.Status != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: %d, want 429", r.Status)
	}
	// Another account from the same address is not held up: the wait is
	// for this account from this address (the address's own limit is far
	// higher, see TestAnAddressOverItsLimitIsRefusedAndReported).
	if r := c.postLoginFrom("b@beta.example", testPassword, "198.51.100.9"); r.Status != http.StatusSeeOther {
		t.Errorf("another account from the same address: %d, want 303", r.Status)
	}
	c = e.anon()
	c.get("/login")
	clk.t = clk.t.Add(61 * 1e9)
	if r := c.postLoginFrom("a@alpha.example", testPassword, "198.51.100.10"); r.Status != http.StatusSeeOther {
		t.Errorf("after the minute: %d, want 303", r.Status)
	}
}

func TestCommonPasswordsAreRefused(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	_ = admin
	for _, pw := range []string{"password1234", "QWERTYUIOPASDFG"} {
		if err := checkPassword(pw); err == nil || !strings.Contains(err.Error(), "most common") {
			t.Errorf("%q: %v, want refused as common", pw, err)
		}
	}
	if err := checkPassword("a much less guessable phrase"); err != nil {
		t.Errorf("a good password was refused: %v", err)
	}
}

func checkPassword(pw string) error { return credential.CheckPasswordRules(pw) }

// TestConcurrentGuessesCannotSlipUnderTheLimit sends twelve wrong passwords
// at once: each is counted before its password is checked, so at most five
// are checked at all.
func TestConcurrentGuessesCannotSlipUnderTheLimit(t *testing.T) {
	e, _ := newEnv(t)
	forms := make([]url.Values, 12)
	for i := range forms {
		forms[i] = url.Values{"email": {"a@alpha.example"}, "password": {fmt.Sprintf("wrong guess %d", i)}}
	}
	checked := 0
	for s, n := range postLoginsAtOnce(e, forms) {
		switch s {
		case http.StatusUnauthorized:
			checked += n
		case http.StatusTooManyRequests:
		default:
			t.Errorf("%d answers with status %d", n, s)
		}
	}
	if checked > 5 {
		t.Errorf("%d of 12 concurrent wrong passwords were checked, want at most 5", checked)
	}
}

// TestColleaguesSigningInAtOnceFromOneNetworkAreLetThrough: a trust's staff
// share one address; twenty of them signing in at the same moment are all
// signed in, because only settled failures count against an address.
func TestColleaguesSigningInAtOnceFromOneNetworkAreLetThrough(t *testing.T) {
	e, _ := newEnv(t)
	const n = 20
	for i := 0; i < n; i++ {
		if _, err := e.store.CreateUser(context.Background(), models.NewUser{Email: fmt.Sprintf("colleague%d@alpha.example", i),
			Name: fmt.Sprintf("Colleague %d", i), Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
	}
	forms := make([]url.Values, n)
	for i := range forms {
		forms[i] = url.Values{"email": {fmt.Sprintf("colleague%d@alpha.example", i)}, "password": {testPassword}}
	}
	got := postLoginsAtOnce(e, forms)
	// 503 is the honest answer when the password hashers are all busy; it
	// must never be 429.
	if got[http.StatusTooManyRequests] > 0 || got[http.StatusSeeOther]+got[http.StatusServiceUnavailable] != n {
		t.Errorf("statuses %v, want all %d signed in (303) and none refused as throttled", got, n)
	}
}

// postLoginsAtOnce posts every sign-in form at the same moment from one
// address, each from its own browser (its own session and CSRF token: a
// sign-in ends the session it came from), and counts the answers by status.
func postLoginsAtOnce(e *env, forms []url.Values) map[int]int {
	statuses := make(chan int, len(forms))
	for _, v := range forms {
		c := e.anon()
		c.get("/login")
		go func() {
			v.Set("_csrf", c.csrf)
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", "tracker_session="+c.cookie)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	got := map[int]int{}
	for range forms {
		got[<-statuses]++
	}
	return got
}
