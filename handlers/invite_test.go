package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Issue 10, item 7: an invite link dies with the account it was made for,
// and with the role it was made for.

func TestAnInviteDiesWhenItsUserIsDisabledAndStaysDeadWhenEnabled(t *testing.T) {
	e, _ := newEnv(t)
	admin := e.signIn("admin@body.example")
	link := e.invite(admin, url.Values{"email": {"dee@alpha.example"}, "name": {"Dee Disabled"}, "role": {"member"},
		"organisation": {strconv.FormatInt(e.orgA.ID, 10)}})
	wantStatus(t, e.anon().get(link), http.StatusOK)
	id := e.user("dee@alpha.example").ID

	wantStatus(t, admin.postForm(fmt.Sprintf("/admin/users/%d/disable", id), url.Values{}), http.StatusSeeOther)
	t.Run("disabled, the link no longer works", func(t *testing.T) {
		r := e.anon().get(link)
		wantStatus(t, r, http.StatusNotFound)
		wantContains(t, r.Body, "This invite link has expired or has already been used.")
	})

	wantStatus(t, admin.postForm(fmt.Sprintf("/admin/users/%d/enable", id), url.Values{}), http.StatusSeeOther)
	t.Run("enabled again, the old link still does not work", func(t *testing.T) {
		c := e.anon()
		wantStatus(t, c.get(link), http.StatusNotFound)
		c.get("/login")
		r := c.postForm(link, url.Values{"password": {"a long enough passphrase"}, "confirm": {"a long enough passphrase"}})
		wantStatus(t, r, http.StatusNotFound)
	})
	t.Run("the admin sees it expired and can make a new one", func(t *testing.T) {
		page := admin.get(fmt.Sprintf("/admin/users/%d", id))
		wantContains(t, page.Body, "expired", "Make a new invite link")
		r := admin.postForm(fmt.Sprintf("/admin/users/%d/invite", id), url.Values{})
		wantStatus(t, r, http.StatusOK)
		wantStatus(t, e.anon().get(inviteLink.FindStringSubmatch(r.Body)[1]), http.StatusOK)
	})
	entries := e.auditAbout(t, models.AuditUserChanged, "dee@alpha.example")
	if len(entries) < 3 || entries[2].Detail != "disabled the account; ended 0 sessions; withdrew the unused invite link" {
		t.Errorf("audit = %+v", entries)
	}
}

func TestARoleChangeWithdrawsAnUnusedInvite(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   func(e *env) url.Values
	}{
		{"member to policy", func(*env) url.Values { return url.Values{"role": {"policy"}, "organisation": {""}} }},
		{"member of one organisation to another", func(e *env) url.Values {
			return url.Values{"role": {"member"}, "organisation": {strconv.FormatInt(e.orgB.ID, 10)}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newEnv(t)
			admin := e.signIn("admin@body.example")
			link := e.invite(admin, url.Values{"email": {"rui@alpha.example"}, "name": {"Rui Role"}, "role": {"member"},
				"organisation": {strconv.FormatInt(e.orgA.ID, 10)}})
			id := e.user("rui@alpha.example").ID
			r := admin.postForm(fmt.Sprintf("/admin/users/%d/role", id), tc.to(e))
			wantStatus(t, r, http.StatusSeeOther)
			c := e.anon()
			wantStatus(t, c.get(link), http.StatusNotFound)
			c.get("/login")
			r = c.postForm(link, url.Values{"password": {"a long enough passphrase"}, "confirm": {"a long enough passphrase"}})
			wantStatus(t, r, http.StatusNotFound)
			entries := e.auditAbout(t, models.AuditUserChanged, "rui@alpha.example")
			wantContains(t, entries[0].Detail, "; withdrew the unused invite link")
		})
	}
}
