package handlers

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// inviteForm is a new user as the admin typed them.
type inviteForm struct {
	Email        string `form:"email" validate:"text,required,max=254,email"`
	Name         string `form:"name" validate:"text,required,max=200"`
	Role         string `form:"role" validate:"text,required,role"`
	Organisation string `form:"organisation" validate:"text"`
}

// roleForm is a change of role.
type roleForm struct {
	Role         string `form:"role" validate:"text,required,role"`
	Organisation string `form:"organisation" validate:"text"`
}

var userMessages = fieldMessages{
	"email": {"required": "Enter the person's email address", "max": "Keep the email address to 254 characters or fewer",
		"email": "Enter an email address in the form name@example.org"},
	"name": {"required": "Enter the person's name", "max": "Keep the name to 200 characters or fewer"},
	"role": {"": "Choose a role: member, policy or admin"},
}

// checkOrganisation applies the rule the database also enforces: members
// belong to an organisation of the list, policy and admin users to none.
func checkOrganisation(role, org string, orgs []models.Organisation, errs *fieldErrors) int64 {
	if org == "" {
		if role == string(models.RoleMember) {
			errs.add("organisation", "Choose the member organisation this person belongs to")
		}
		return 0
	}
	if role == string(models.RolePolicy) || role == string(models.RoleAdmin) {
		errs.add("organisation", "Only members belong to an organisation: choose “No organisation” for policy and admin accounts")
		return 0
	}
	id, _ := strconv.ParseInt(org, 10, 64)
	if slices.ContainsFunc(orgs, func(o models.Organisation) bool { return o.ID == id }) {
		return id
	}
	errs.add("organisation", "Choose an organisation from the list")
	return 0
}

func roleOptions() []option {
	return []option{
		{string(models.RoleMember), "Member: answers for their own organisation only"},
		{string(models.RolePolicy), "Policy team: reads every response, summaries and exports"},
		{string(models.RoleAdmin), "Admin: everything the policy team can, and these admin pages"},
	}
}

func organisationOptions(orgs []models.Organisation) []option {
	out := []option{{"", "No organisation (policy and admin accounts)"}}
	for _, o := range orgs {
		out = append(out, option{strconv.FormatInt(o.ID, 10), o.Name + " (" + o.Code + ")"})
	}
	return out
}

const organisationHint = "Members only: the organisation they answer for."

func (f inviteForm) fields(orgs []models.Organisation) []formField {
	return []formField{
		{Name: "email", Label: "Email address", Kind: "email", Value: f.Email, Autocomplete: "off"},
		{Name: "name", Label: "Full name", Kind: "text", Value: f.Name, Autocomplete: "off"},
		{Name: "role", Label: "Role", Kind: "radio", Value: f.Role, Options: roleOptions()},
		{Name: "organisation", Label: "Organisation", Hint: organisationHint, Kind: "select", Value: f.Organisation,
			Options: organisationOptions(orgs)},
	}
}

var usersCrumbs = []crumb{adminCrumb, {"/admin/users", "Users"}}

func (h *Handler) inviteFormPage(c *fiber.Ctx, status int, f inviteForm, orgs []models.Organisation, errs fieldErrors) error {
	return h.renderForm(c, status, "Invite a user", formPage{Crumbs: usersCrumbs, Heading: "Invite a user",
		Intro:  "The next page shows a link for them to set their password. Send it to them yourself: it works once, for 7 days.",
		Action: "/admin/users", Submit: "Create account and invite link", Cancel: "/admin/users",
		Fields: f.fields(orgs), Errors: errs})
}

func (h *Handler) adminUsers(c *fiber.Ctx) error {
	rows, err := h.store.UserRows(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, "admin/users", page{Title: "Users", Nav: "admin", Flash: adminFlash(c), Data: rows})
}

func (h *Handler) newUser(c *fiber.Ctx) error {
	orgs, err := h.store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	return h.inviteFormPage(c, fiber.StatusOK, inviteForm{}, orgs, fieldErrors{})
}

// invitedPage shows a new invite link, once: only its hash is stored, so it
// is rendered in answer to the POST rather than after a redirect.
type invitedPage struct {
	User      models.User
	Link      string
	ExpiresAt time.Time
	Renewed   bool
}

func (h *Handler) inviteUser(c *fiber.Ctx) error {
	ctx := c.UserContext()
	orgs, err := h.store.Organisations(ctx)
	if err != nil {
		return err
	}
	var f inviteForm
	readForm(c, &f)
	errs := validateForm(f, userMessages)
	orgID := checkOrganisation(f.Role, f.Organisation, orgs, &errs)
	errs.sortBy(formOrder(f))
	var u models.User
	var token string
	duplicate := duplicateIn("email", "An account with this email address already exists; find it in the list of users")
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() (err error) {
			u, token, err = h.store.InviteUser(ctx, currentAdmin(c).ID, models.NewInvite{Email: f.Email, Name: f.Name,
				Role: models.Role(f.Role), OrganisationID: orgID})
			return err
		},
		field: func(err error, errs *fieldErrors) bool { return duplicate(err, errs) || unknownOrganisation(err, errs) },
		show:  func(status int, errs fieldErrors) error { return h.inviteFormPage(c, status, f, orgs, errs) },
		done:  func() error { return h.showInviteLink(c, u, token, false) },
	})
}

// unknownOrganisation says beside the field that the organisation chosen
// is gone from the list.
func unknownOrganisation(err error, errs *fieldErrors) bool {
	if !errors.Is(err, models.ErrUnknownOrganisation) {
		return false
	}
	errs.add("organisation", "Choose an organisation from the list")
	return true
}

func (h *Handler) showInviteLink(c *fiber.Ctx, u models.User, token string, renewed bool) error {
	h.log.Info("invite link made", "user_id", u.ID, "request_id", requestID(c))
	return h.render(c, "admin/invited", page{Title: "Invite link for " + u.Name, Nav: "admin",
		Data: invitedPage{User: u, Link: h.siteURL(c) + "/invite/" + token, ExpiresAt: h.store.Now().Add(models.InviteTTL), Renewed: renewed}})
}

// ---- one user ----

type adminUserPage struct {
	User    models.UserRow
	Invite  *models.Invite
	Self    bool
	Expired bool // an invited user's link has expired
}

func (h *Handler) adminUserParam(c *fiber.Ctx) (models.UserRow, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.UserRow{}, err
	}
	return h.store.UserRowByID(c.UserContext(), id)
}

func (h *Handler) adminUser(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	data := adminUserPage{User: u, Self: u.ID == currentAdmin(c).ID}
	if inv, err := h.store.LatestInvite(c.UserContext(), u.ID); err == nil {
		data.Invite = &inv
		data.Expired = inv.UsedAt == nil && !h.store.Now().Before(inv.ExpiresAt)
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return h.render(c, "admin/user", page{Title: u.Name, Nav: "admin", Flash: adminFlash(c), Data: data})
}

func (h *Handler) roleFormPage(c *fiber.Ctx, status int, u models.UserRow, f roleForm, errs fieldErrors) error {
	orgs, err := h.store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	return h.renderForm(c, status, "Change role of "+u.Name, formPage{
		Crumbs:  append(usersCrumbs[:len(usersCrumbs):len(usersCrumbs)], crumb{userPath(u), u.Name}),
		Heading: "Change role of " + u.Name,
		Intro:   "Changing the role ends their sessions: they sign in again and then have the new role's pages.",
		Action:  userPath(u) + "/role", Submit: "Change role", Cancel: userPath(u), Errors: errs,
		Fields: []formField{
			{Name: "role", Label: "Role", Kind: "radio", Value: f.Role, Options: roleOptions()},
			{Name: "organisation", Label: "Organisation", Hint: organisationHint, Kind: "select", Value: f.Organisation,
				Options: organisationOptions(orgs)},
		}})
}

func (h *Handler) editUserRole(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	if u.ID == currentAdmin(c).ID {
		return ownAccount
	}
	f := roleForm{Role: string(u.Role)}
	if u.OrganisationID != nil {
		f.Organisation = strconv.FormatInt(*u.OrganisationID, 10)
	}
	return h.roleFormPage(c, fiber.StatusOK, u, f, fieldErrors{})
}

func userPath(u models.UserRow) string { return "/admin/users/" + strconv.FormatInt(u.ID, 10) }

// ownAccount refuses, in words, what an admin may not do to themselves.
var ownAccount = fiber.NewError(fiber.StatusConflict,
	"You cannot do that to your own account, so that there is always an admin who can sign in. Ask another admin.")

func (h *Handler) changeUserRole(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	orgs, err := h.store.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	var f roleForm
	readForm(c, &f)
	errs := validateForm(f, userMessages)
	orgID := checkOrganisation(f.Role, f.Organisation, orgs, &errs)
	errs.sortBy(formOrder(f))
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() error {
			err := h.store.ChangeUserRole(c.UserContext(), currentAdmin(c).ID, u.ID, models.Role(f.Role), orgID)
			if errors.Is(err, models.ErrOwnAccount) {
				return ownAccount
			}
			return err
		},
		field: unknownOrganisation,
		show:  func(status int, errs fieldErrors) error { return h.roleFormPage(c, status, u, f, errs) },
		done:  func() error { return redirectDone(c, userPath(u), "role-changed") },
	})
}

func (h *Handler) disableUser(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	if err := h.store.DisableUser(c.UserContext(), currentAdmin(c).ID, u.ID); err != nil {
		if errors.Is(err, models.ErrOwnAccount) {
			return ownAccount
		}
		return err
	}
	return redirectDone(c, userPath(u), "user-disabled")
}

func (h *Handler) enableUser(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	if err := h.store.EnableUser(c.UserContext(), currentAdmin(c).ID, u.ID); err != nil {
		return err
	}
	return redirectDone(c, userPath(u), "user-enabled")
}

func (h *Handler) endUserSessions(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	if _, err := h.store.EndUserSessions(c.UserContext(), currentAdmin(c).ID, u.ID); err != nil {
		return err
	}
	return redirectDone(c, userPath(u), "sessions-ended")
}

// resetUserTwoFactor turns off someone's second factor (a lost phone) and
// ends their sessions; they set it up again at their next sign-in where
// their role or the body's setting requires it.
func (h *Handler) resetUserTwoFactor(c *fiber.Ctx) error {
	u, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	if u.ID == currentAdmin(c).ID {
		return fiber.NewError(fiber.StatusConflict, "You cannot reset your own two-factor sign-in here. Ask another admin.")
	}
	if err := h.store.ResetTOTP(c.UserContext(), u.ID, currentAdmin(c).ID); err != nil {
		return err
	}
	return redirectDone(c, userPath(u), "two-factor-reset")
}

// renewInvite makes a new link for a user who has not used theirs.
func (h *Handler) renewInvite(c *fiber.Ctx) error {
	row, err := h.adminUserParam(c)
	if err != nil {
		return err
	}
	u, token, err := h.store.RenewInvite(c.UserContext(), currentAdmin(c).ID, row.ID)
	switch {
	case errors.Is(err, models.ErrConflict):
		return fiber.NewError(fiber.StatusConflict, "This person has already set their password with an invite, so there is no new link to make.")
	case errors.Is(err, models.ErrNotFound):
		return fiber.NewError(fiber.StatusConflict, "This account is disabled. Enable it before making a new invite link.")
	case err != nil:
		return err
	}
	return h.showInviteLink(c, u, token, true)
}
