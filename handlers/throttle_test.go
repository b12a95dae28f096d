package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
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
	// Another account from the same address is throttled too (per-address limit).
	if r := c.postLoginFrom("b@beta.example", testPassword, "198.51.100.9"); r.Status != http.StatusTooManyRequests {
		t.Errorf("another account from the same address: %d, want 429", r.Status)
	}
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

func checkPassword(pw string) error { return models.CheckPasswordRules(pw) }

// TestConcurrentGuessesCannotSlipUnderTheLimit sends twelve wrong passwords
// at once: each is counted before its password is checked, so at most five
// are checked at all.
func TestConcurrentGuessesCannotSlipUnderTheLimit(t *testing.T) {
	e, _ := newEnv(t)
	c := e.anon()
	c.get("/login")
	statuses := make(chan int, 12)
	for i := 0; i < 12; i++ {
		go func(i int) {
			v := url.Values{"email": {"a@alpha.example"}, "password": {fmt.Sprintf("wrong guess %d", i)}, "_csrf": {c.csrf}}
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
		}(i)
	}
	checked := 0
	for i := 0; i < 12; i++ {
		switch s := <-statuses; s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("status %d", s)
		}
	}
	if checked > 5 {
		t.Errorf("%d of 12 concurrent wrong passwords were checked, want at most 5", checked)
	}
}
