package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/models"
)

// behindProxy rebuilds the app so that it believes X-Real-IP from the test
// connection (whose address is 0.0.0.0), as it does behind a configured
// proxy: a test can then sign in from as many addresses as it likes.
func (e *env) behindProxy() {
	e.t.Helper()
	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TrustedProxies: []string{"0.0.0.0"}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.app = app
}

// signInFrom posts the sign-in form from a fresh browser at address.
func (e *env) signInFrom(address, email, password string) result {
	e.t.Helper()
	c := e.anon()
	c.get("/login")
	v := url.Values{"email": {email}, "password": {password}, "_csrf": {c.csrf}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Real-IP", address)
	return c.do(req)
}

func (e *env) addMembers(n int, prefix string) []string {
	e.t.Helper()
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("%s%d@alpha.example", prefix, i)
		if _, err := e.store.CreateUser(context.Background(), models.NewUser{Email: emails[i], Name: fmt.Sprintf("Colleague %d", i),
			Role: models.RoleMember, OrganisationCode: "AAA", Password: testPassword}); err != nil {
			e.t.Fatal(err)
		}
	}
	return emails
}

// TestWrongGuessesFromOneAddressDoNotLockTheOwnerOut: eight wrong guesses at
// an account from one address (the last ones refused) leave its owner, admins
// included, able to sign in with the right password from another address.
func TestWrongGuessesFromOneAddressDoNotLockTheOwnerOut(t *testing.T) {
	for _, email := range []string{"a@alpha.example", "admin@body.example"} {
		t.Run(email, func(t *testing.T) {
			e, _ := newEnv(t)
			e.behindProxy()
			for i := 1; i <= 8; i++ {
				r := e.signInFrom("203.0.113.66", email, fmt.Sprintf("wrong guess %d", i))
				if r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests {
					t.Fatalf("guess %d: %d, want 401 or 429", i, r.Status)
				}
			}
			r := e.signInFrom("198.51.100.20", email, testPassword)
			if r.Status != http.StatusSeeOther {
				t.Fatalf("the owner's right password from another address: %d, want 303\n%s", r.Status, snippet(r.Body))
			}
		})
	}
}

// TestColleaguesBehindOneAddressWhoMistypeDoNotLockOutTheNext: ten people of
// one trust, all behind its one public address, each mistype their password;
// the eleventh signs in.
func TestColleaguesBehindOneAddressWhoMistypeDoNotLockOutTheNext(t *testing.T) {
	e, _ := newEnv(t)
	e.behindProxy()
	staff := e.addMembers(11, "staff")
	for i, email := range staff[:10] {
		if r := e.signInFrom("192.0.2.10", email, "my old password"); r.Status != http.StatusUnauthorized {
			t.Fatalf("person %d's mistyped password: %d, want 401", i+1, r.Status)
		}
	}
	if r := e.signInFrom("192.0.2.10", staff[10], testPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("the 11th person's right password: %d, want 303\n%s", r.Status, snippet(r.Body))
	}
}

// TestGuessingFromOneAddressBacksOffAndRefusedAttemptsDoNotCount: after five
// wrong passwords for one account from one address, that address waits
// before trying that account again, longer after each further failure; trying
// during the wait is refused and does not make the wait longer.
func TestGuessingFromOneAddressBacksOffAndRefusedAttemptsDoNotCount(t *testing.T) {
	e, clk := newEnv(t)
	e.behindProxy()
	const from, email = "203.0.113.7", "a@alpha.example"
	for i := 1; i <= 5; i++ {
		if r := e.signInFrom(from, email, fmt.Sprintf("wrong %d", i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i, r.Status)
		}
	}
	r := e.signInFrom(from, email, testPassword)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Wait") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("right password after five wrong ones: %d, want 429 with a message and Retry-After\n%s", r.Status, snippet(r.Body))
	}
	wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if wait < 30 || wait > 120 {
		t.Errorf("Retry-After %d s after five failures, want about a minute", wait)
	}
	// Hammering during the wait is refused, and does not count.
	clk.t = clk.t.Add(time.Duration(wait/2) * time.Second)
	for i := 0; i < 6; i++ {
		if r := e.signInFrom(from, email, "still guessing"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("guess during the wait: %d, want 429", r.Status)
		}
	}
	// Other accounts from the same address are not held up.
	if r := e.signInFrom(from, "a2@alpha.example", testPassword); r.Status != http.StatusSeeOther {
		t.Errorf("another account from the same address: %d, want 303", r.Status)
	}
	clk.t = clk.t.Add(time.Duration(wait-wait/2) * time.Second)
	// The sixth failure doubles the wait.
	if r := e.signInFrom(from, email, "wrong 6"); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password after the wait: %d, want 401", r.Status)
	}
	r = e.signInFrom(from, email, testPassword)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("right password just after the sixth failure: %d, want 429", r.Status)
	}
	if again, _ := strconv.Atoi(r.Header.Get("Retry-After")); again < 2*wait-5 {
		t.Errorf("Retry-After after the sixth failure %d s, want about twice %d", again, wait)
	}
	clk.t = clk.t.Add(2*time.Duration(wait)*time.Second + time.Second)
	if r := e.signInFrom(from, email, testPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("right password after the longer wait: %d, want 303", r.Status)
	}
}

// TestASustainedAttackOnAnAccountAlertsTheAdmins: wrong passwords for one
// account from many addresses are recorded once, as an alert in the audit
// log, and its owner still signs in.
func TestASustainedAttackOnAnAccountAlertsTheAdmins(t *testing.T) {
	e, _ := newEnv(t)
	e.behindProxy()
	for i := 0; i < 25; i++ {
		if r := e.signInFrom(fmt.Sprintf("203.0.113.%d", i+1), "policy@body.example", "spray "+strconv.Itoa(i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, r.Status)
		}
	}
	if r := e.signInFrom("198.51.100.1", "policy@body.example", testPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("the owner during the attack: %d, want 303", r.Status)
	}
	alerts, err := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditSignInAttack})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Subject != "policy@body.example" || !strings.Contains(alerts[0].Detail, "failed sign-ins") {
		t.Fatalf("alerts %+v, want one naming the account", alerts)
	}
	admin := e.signIn("admin@body.example")
	wantContains(t, admin.get("/admin").Body, "sign-in attack")
}
