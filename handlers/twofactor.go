package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"

	"github.com/nhsproviders/consultation-tracker/models"
)

// maxCodeLength bounds a typed code: a recovery code is 11 characters, a
// TOTP code 6, spaces allowed.
const maxCodeLength = 32

type secondFactorPage struct {
	Next   string
	Errors fieldErrors
}

// pendingUser is the user a half-signed-in session belongs to.
func (h *Handler) pendingUser(c *fiber.Ctx) (models.User, models.Session, bool) {
	sess, ok := currentSession(c)
	if !ok || sess.PendingUserID == nil {
		return models.User{}, sess, false
	}
	u, err := h.store.UserByID(c.UserContext(), *sess.PendingUserID)
	if err != nil || u.DisabledAt != nil {
		return models.User{}, sess, false
	}
	return u, sess, true
}

func (h *Handler) secondFactorForm(c *fiber.Ctx) error {
	if _, _, ok := h.pendingUser(c); !ok {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return h.showSecondFactor(c, fiber.StatusOK, secondFactorPage{Next: safeNext(c.Query("next"))})
}

// showSecondFactor shows the page asking for the code, at status.
func (h *Handler) showSecondFactor(c *fiber.Ctx, status int, form secondFactorPage) error {
	c.Status(status)
	return h.render(c, "login/2fa", page{Title: "Two-factor sign-in", Data: form})
}

// secondFactor completes a sign-in with a code from the authenticator app or
// a recovery code, then starts a fresh session.
func (h *Handler) secondFactor(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, pending, ok := h.pendingUser(c)
	if !ok {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	form := secondFactorPage{Next: safeNext(c.FormValue("next"))}
	code := strings.TrimSpace(c.FormValue("code"))
	switch {
	case code == "":
		form.Errors.add("code", "Enter the 6-digit code from your authenticator app, or a recovery code")
	case len(code) > maxCodeLength:
		form.Errors.add("code", "That is longer than any code: enter the 6 digits the app shows, or a recovery code like abcde-fghij")
	}
	if form.Errors.Any() {
		return h.showSecondFactor(c, fiber.StatusUnprocessableEntity, form)
	}
	attempt, throttled, wait, err := h.store.BeginLoginAttempt(ctx, u.Email, c.IP())
	if err != nil {
		return err
	}
	if throttled {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		form.Errors.add("code", fmt.Sprintf("Too many wrong codes. Wait %s and try again.", waitInWords(wait)))
		return h.showSecondFactor(c, fiber.StatusTooManyRequests, form)
	}
	usedRecovery, err := h.store.VerifySecondFactor(ctx, u.ID, code)
	if errors.Is(err, models.ErrBadCode) {
		if err := h.store.Failed(ctx, attempt); err != nil {
			return err
		}
		h.audit(c, u.ID, models.AuditSignInFailed, u.Email, "wrong second factor from "+c.IP())
		form.Errors.add("code", "That code is not right or has already been used. Codes change every 30 seconds.")
		return h.showSecondFactor(c, fiber.StatusUnauthorized, form)
	}
	if err != nil {
		return err
	}
	if err := h.store.SignInCompleted(ctx, attempt); err != nil {
		return err
	}
	if err := h.store.DeleteSession(ctx, pending.TokenHash); err != nil {
		return err
	}
	token, sess, err := h.store.CreateSession(ctx, &u.ID)
	if err != nil {
		return err
	}
	h.setSession(c, token, sess)
	how := "with an authenticator code"
	if usedRecovery {
		left, _ := h.store.RemainingRecoveryCodes(ctx, u.ID)
		how = fmt.Sprintf("with a recovery code (%d left)", left)
	}
	h.audit(c, u.ID, models.AuditSignIn, u.Email, how+" from "+c.IP())
	return c.Redirect(form.Next, fiber.StatusSeeOther)
}

type setupPage struct {
	Member        bool // a member: two-factor sign-in is theirs to choose, unless Required
	Required      bool // admins require it of every member
	Enabled       bool
	Secret        string
	QR            template.URL
	Errors        fieldErrors
	RecoveryCodes []string
	Remaining     int64
}

// twoFactorSetup shows a policy or admin user how to set up their app.
func (h *Handler) twoFactorSetup(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	p, err := h.setupData(c, u)
	if err != nil {
		return err
	}
	return h.render(c, "account/2fa", page{Title: "Two-factor sign-in", Nav: "account", Data: p})
}

func (h *Handler) setupData(c *fiber.Ctx, u models.User) (setupPage, error) {
	ctx := c.UserContext()
	sess, _ := currentSession(c)
	member := u.Role == models.RoleMember
	if u.TOTPEnabledAt != nil {
		left, err := h.store.RemainingRecoveryCodes(ctx, u.ID)
		return setupPage{Member: member, Enabled: true, Remaining: left}, err
	}
	secret, url, err := h.store.StartTOTP(ctx, u)
	if err != nil {
		return setupPage{}, err
	}
	p := setupPage{Member: member, Required: member && sess.SecondFactorRequired, Secret: secret}
	if key, err := otp.NewKeyFromURL(url); err == nil {
		if img, err := key.Image(220, 220); err == nil {
			var buf bytes.Buffer
			if png.Encode(&buf, img) == nil {
				// A data: URL is allowed by the CSP (img-src 'self' data:).
				p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
			}
		}
	}
	return p, nil
}

func (h *Handler) enableTwoFactor(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	codes, err := h.store.EnableTOTP(c.UserContext(), u.ID, c.FormValue("code"))
	if errors.Is(err, models.ErrBadCode) {
		p, err := h.setupData(c, u)
		if err != nil {
			return err
		}
		p.Errors.add("code", "That code is not right. Check the time on your phone, and enter the code the app shows now.")
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "account/2fa", page{Title: "Two-factor sign-in", Nav: "account", Data: p})
	}
	if err != nil {
		return err
	}
	return h.render(c, "account/2fa", page{Title: "Two-factor sign-in", Nav: "account", Data: setupPage{Enabled: true, RecoveryCodes: codes}})
}

// requireSecondFactor sends users who must use two-factor sign-in (policy
// and admin users, and members when admins require it) and have not set it
// up to do so before anything else.
func (h *Handler) requireSecondFactor(c *fiber.Ctx) error {
	u, ok := currentUser(c)
	sess, _ := currentSession(c)
	if !ok || !sess.SecondFactorRequired || u.TOTPEnabledAt != nil {
		return c.Next()
	}
	switch c.Path() {
	case "/account/2fa", "/logout", "/login", "/login/2fa":
		return c.Next()
	}
	if isAPI(c) {
		return fiber.NewError(fiber.StatusForbidden, "Set up two-factor sign-in on the website before using the API.")
	}
	return c.Redirect("/account/2fa", fiber.StatusSeeOther)
}
