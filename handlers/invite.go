package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
)

// The invite link: a new user sets their password at /invite/<token>. The
// token lives only in the path; the form posts back to the same path with
// the signed-out visitor's form token (csrf.go), which the GET gives.

type invitePage struct {
	User     models.User
	Action   string
	Errors   fieldErrors
	Gone     bool   // the link is unknown, used or expired
	SignedIn string // the name of whoever is signed in on this browser
}

func (h *Handler) inviteForm(c *fiber.Ctx) error {
	if err := h.ensureFormToken(c); err != nil {
		return err
	}
	return h.renderInvite(c, fiber.StatusOK, fieldErrors{})
}

func (h *Handler) acceptInvite(c *fiber.Ctx) error {
	if _, ok := currentUser(c); ok {
		return h.renderInvite(c, fiber.StatusConflict, fieldErrors{})
	}
	password, confirm := c.FormValue("password"), c.FormValue("confirm")
	var errs fieldErrors
	var weak credential.ErrWeakPassword
	if err := credential.CheckPasswordRules(password); errors.As(err, &weak) {
		errs.add("password", weak.Reason)
	} else if password != confirm {
		errs.add("confirm", "The two passwords are not the same; type the password again in both fields")
	}
	if errs.Any() {
		return h.renderInvite(c, fiber.StatusUnprocessableEntity, errs)
	}
	u, err := h.store.AcceptInvite(c.UserContext(), c.Params("token"), password)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return h.renderInvite(c, fiber.StatusNotFound, fieldErrors{})
	case errors.As(err, &weak):
		errs.add("password", weak.Reason)
		return h.renderInvite(c, fiber.StatusUnprocessableEntity, errs)
	case err != nil:
		return err
	}
	h.log.Info("invite accepted", "user_id", u.ID, "request_id", requestID(c))
	return c.Redirect("/login?invited=1", fiber.StatusSeeOther)
}

// renderInvite shows the set-password form, or says plainly that the link
// no longer works (404), or that someone is signed in on this browser.
func (h *Handler) renderInvite(c *fiber.Ctx, status int, errs fieldErrors) error {
	data := invitePage{Action: c.Path(), Errors: errs}
	if signedIn, ok := currentUser(c); ok {
		data.SignedIn = signedIn.Name
	}
	u, err := h.store.InvitedUser(c.UserContext(), c.Params("token"))
	switch {
	case errors.Is(err, models.ErrNotFound) || status == fiber.StatusNotFound:
		data.Gone, status = true, fiber.StatusNotFound
	case err != nil:
		return err
	default:
		data.User = u
	}
	title := "Set your password"
	switch {
	case data.Gone:
		title = "Invite link not valid"
	case status == fiber.StatusUnprocessableEntity:
		title = "Error: " + title
	}
	c.Status(status)
	return h.render(c, "invite", page{Title: title, Data: data})
}
