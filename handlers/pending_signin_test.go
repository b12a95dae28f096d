package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestASignInWaitingForItsSecondFactorEndsWhereSessionsEnd: someone who has
// the password and is at the code page is stopped by everything that ends
// sessions: "End sessions", a change of role, a new password set with
// 'tracker user passwd', disabling the account.
func TestASignInWaitingForItsSecondFactorEndsWhereSessionsEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(e *env, admin *client, userID int64)
	}{
		{"end sessions", func(e *env, admin *client, id int64) {
			wantStatus(e.t, admin.postForm("/admin/users/"+strconv.FormatInt(id, 10)+"/end-sessions", url.Values{}), http.StatusSeeOther)
		}},
		{"role change", func(e *env, admin *client, id int64) {
			wantStatus(e.t, admin.postForm("/admin/users/"+strconv.FormatInt(id, 10)+"/role", url.Values{"role": {"admin"}, "organisation": {""}}), http.StatusSeeOther)
		}},
		{"user passwd", func(e *env, _ *client, id int64) {
			if err := e.store.SetPassword(context.Background(), id, "a brand new password 7"); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"disable", func(e *env, admin *client, id int64) {
			wantStatus(e.t, admin.postForm("/admin/users/"+strconv.FormatInt(id, 10)+"/disable", url.Values{}), http.StatusSeeOther)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newEnv(t)
			e.signIn("policy@body.example") // sets up two-factor sign-in; keeps recovery codes
			admin := e.signIn("admin@body.example")
			u, err := e.store.UserByEmail(context.Background(), "policy@body.example")
			if err != nil {
				t.Fatal(err)
			}
			before, _ := e.store.CountRows(context.Background(), "sessions")

			thief := e.anon()
			thief.get("/login")
			r := thief.postForm("/login", url.Values{"email": {"policy@body.example"}, "password": {testPassword}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login/2fa") {
				t.Fatalf("password: %d %q, want the code page", r.Status, r.Location)
			}
			thief.get(r.Location)

			tc.end(e, admin, u.ID)

			r = thief.postForm("/login/2fa", url.Values{"code": {e.recovery["policy@body.example"][0]}})
			if refused := r.Status == http.StatusForbidden || (r.Status == http.StatusSeeOther && r.Location == "/login"); !refused {
				t.Errorf("the code after the sessions ended: %d %q, want it refused (403, or back to /login)", r.Status, r.Location)
			}
			if r := thief.get("/consultations"); r.Status != http.StatusSeeOther {
				t.Errorf("after the code, /consultations gave %d: the half-finished sign-in went through", r.Status)
			}
			if n, _ := e.store.CountRows(context.Background(), "sessions"); n > before-1 {
				t.Errorf("%d sessions after the policy user's ended, want at most %d (the waiting one gone too)", n, before-1)
			}
		})
	}
}
