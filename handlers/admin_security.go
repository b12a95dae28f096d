package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// securityForm is the sign-in settings as an admin chose them.
type securityForm struct {
	MembersSecondFactor string `form:"members_second_factor" validate:"text,required,oneof=optional required"`
}

var securityMessages = fieldMessages{
	"members_second_factor": {"": "Choose whether members must use two-factor sign-in"},
}

func (f securityForm) fields() []formField {
	return []formField{{Name: "members_second_factor", Label: "Two-factor sign-in for members", Kind: "radio",
		Value: f.MembersSecondFactor,
		Hint:  "Policy and admin accounts always use it. Members who turn it on are asked for a code at every sign-in either way.",
		Options: []option{
			{"optional", "Optional: each member chooses on their Two-factor sign-in page"},
			{"required", "Required: members without it set it up at their next click, before anything else"},
		}}}
}

func (h *Handler) securityFormPage(c *fiber.Ctx, status int, f securityForm, errs fieldErrors) error {
	return h.renderForm(c, status, "Sign-in security", formPage{Crumbs: []crumb{adminCrumb}, Heading: "Sign-in security",
		Intro:  "Two-factor sign-in asks for a code from an authenticator app as well as the password. Changes are recorded in the audit log.",
		Action: "/admin/security", Submit: "Save", Cancel: "/admin", Fields: f.fields(), Errors: errs})
}

func (h *Handler) adminSecurity(c *fiber.Ctx) error {
	on, err := h.store.MembersNeedSecondFactor(c.UserContext())
	if err != nil {
		return err
	}
	f := securityForm{MembersSecondFactor: "optional"}
	if on {
		f.MembersSecondFactor = "required"
	}
	return h.securityFormPage(c, fiber.StatusOK, f, fieldErrors{})
}

func (h *Handler) saveAdminSecurity(c *fiber.Ctx) error {
	var f securityForm
	readForm(c, &f)
	if errs := validateForm(f, securityMessages); errs.Any() {
		return h.securityFormPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	on := f.MembersSecondFactor == "required"
	if err := h.store.SetMembersNeedSecondFactor(c.UserContext(), currentAdmin(c).ID, on); err != nil {
		return err
	}
	return redirectDone(c, "/admin", "security-saved")
}

// adminIndexPage is the admin menu, with any sign-in attack alerts of the
// last day above it.
type adminIndexPage struct {
	Alerts int
}

// signInAlertPeriod is how far back the admin menu looks for alerts.
const signInAlertPeriod = 24 * time.Hour

func (h *Handler) signInAlerts(c *fiber.Ctx) (int, error) {
	entries, err := h.store.AuditLog(c.UserContext(), models.AuditFilter{Action: models.AuditSignInAttack,
		Since: h.store.Now().Add(-signInAlertPeriod), Limit: 100})
	return len(entries), err
}
