package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/nhsproviders/consultation-tracker/models"
)

// turnOnTwoFactor sets up two-factor sign-in for a signed-in client from
// /account/2fa and returns its recovery codes.
func (e *env) turnOnTwoFactor(c *client) []string {
	e.t.Helper()
	setup := c.get("/account/2fa")
	m := totpSecret.FindStringSubmatch(setup.Body)
	if m == nil {
		e.t.Fatalf("the set-up page shows no key:\n%s", snippet(setup.Body))
	}
	code, err := totp.GenerateCode(m[1], e.clk.t)
	if err != nil {
		e.t.Fatal(err)
	}
	done := c.postForm("/account/2fa", url.Values{"code": {code}})
	codes := recoveryCode.FindAllString(done.Body, -1)
	if done.Status != http.StatusOK || len(codes) == 0 {
		e.t.Fatalf("set-up: %d\n%s", done.Status, snippet(done.Body))
	}
	return codes
}

// TestAMemberWhoTurnsOnTwoFactorIsAskedForItAtEverySignIn: a member who sets
// up an authenticator app is asked for a code at every later sign-in, and
// the password alone does not sign them in.
func TestAMemberWhoTurnsOnTwoFactorIsAskedForItAtEverySignIn(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	codes := e.turnOnTwoFactor(a)
	wantStatus(t, a.postForm("/logout", url.Values{}), http.StatusSeeOther)

	for i := 0; i < 2; i++ {
		c := e.anon()
		c.get("/login")
		r := c.postForm("/login", url.Values{"email": {"a@alpha.example"}, "password": {testPassword}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login/2fa") {
			t.Fatalf("sign-in %d with the password: %d %q, want the code page", i+1, r.Status, r.Location)
		}
		if got := c.get("/consultations"); got.Status != http.StatusSeeOther {
			t.Fatalf("before the code, /consultations gave %d, want a redirect to sign in", got.Status)
		}
		c.get(r.Location)
		wantStatus(t, c.postForm("/login/2fa", url.Values{"code": {codes[i]}}), http.StatusSeeOther)
		wantStatus(t, c.get("/consultations"), http.StatusOK)
	}
}

// TestAdminsCanRequireTwoFactorForEveryMember: with the setting on, a member
// without two-factor sign-in is sent to set it up before anything else; the
// change is in the audit log, and turning it off again lets them through.
func TestAdminsCanRequireTwoFactorForEveryMember(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	form := admin.get("/admin/security")
	wantStatus(t, form, http.StatusOK)
	wantContains(t, form.Body, "Two-factor sign-in for members")

	wantStatus(t, admin.postForm("/admin/security", url.Values{"members_second_factor": {"sometimes"}}), http.StatusUnprocessableEntity)
	r := admin.postForm("/admin/security", url.Values{"members_second_factor": {"required"}})
	wantStatus(t, r, http.StatusSeeOther)

	b := e.anon()
	b.get("/login")
	wantStatus(t, b.postForm("/login", url.Values{"email": {"b@beta.example"}, "password": {testPassword}}), http.StatusSeeOther)
	if r := b.get("/proposals/LP-01"); r.Status != http.StatusSeeOther || r.Location != "/account/2fa" {
		t.Fatalf("a member without two-factor sign-in: %d %q, want sent to /account/2fa", r.Status, r.Location)
	}
	wantContains(t, b.get("/account/2fa").Body, "asks every member")
	codes := e.turnOnTwoFactor(b)
	wantStatus(t, b.get("/proposals/LP-01"), http.StatusOK)
	if len(codes) == 0 {
		t.Fatal("no recovery codes")
	}

	entries, err := e.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditAdminChange})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || !strings.Contains(entries[0].Detail, "two-factor sign-in required for every member") {
		t.Errorf("audit entries %+v, want the change recorded", entries)
	}

	wantStatus(t, admin.postForm("/admin/security", url.Values{"members_second_factor": {"optional"}}), http.StatusSeeOther)
	a := e.signIn("a@alpha.example")
	wantStatus(t, a.get("/proposals/LP-01"), http.StatusOK)
}
