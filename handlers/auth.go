package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
)

type loginPage struct {
	Email  string
	Next   string
	Errors fieldErrors
}

func (h *Handler) home(c *fiber.Ctx) error {
	if _, ok := currentUser(c); ok {
		return c.Redirect("/consultations", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

func (h *Handler) loginForm(c *fiber.Ctx) error {
	if _, ok := currentUser(c); ok {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	if err := h.ensureFormToken(c); err != nil {
		return err
	}
	flash := map[string]string{
		"invited":    "Your password is set. Sign in with it now.",
		"signed_out": "You have signed out.",
	}
	var msg string
	for k, v := range flash {
		if c.Query(k) != "" {
			msg = v
		}
	}
	return h.render(c, "login", page{Title: "Sign in", Flash: msg, Data: loginPage{Next: safeNext(c.Query("next"))}})
}

// Sign-in fields longer than these are refused before anything is looked
// up, counted, logged or stored: no email address is longer (RFC 5321),
// and no password can be (credential.MaxPasswordChars).
const (
	maxEmailLength    = 254
	maxPasswordLength = credential.MaxPasswordChars
)

func (h *Handler) login(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	form := loginPage{Email: email, Next: next, Errors: fieldErrors{}}
	switch {
	case email == "":
		form.Errors.add("email", "Enter your email address")
	case len(email) > maxEmailLength:
		form.Email = ""
		form.Errors.add("email", "Enter an email address of 254 characters or fewer")
	}
	switch {
	case password == "":
		form.Errors.add("password", "Enter your password")
	case len(password) > 4*maxPasswordLength:
		// Longer than any password can be, even in four-byte characters:
		// it cannot be right, and hashing it would be work for nothing.
		form.Errors.add("password", "The password is not right: passwords here are at most 256 characters")
	}
	if len(form.Errors.List) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "login", page{Title: "Sign in", Data: form})
	}
	ctx := c.UserContext()
	// c.IP() is the peer address unless a trusted proxy is configured, so a
	// forged X-Forwarded-For cannot buy a fresh allowance.
	attempt, throttled, wait, err := h.store.BeginLoginAttempt(ctx, email, c.IP())
	if err != nil {
		return err
	}
	if throttled {
		h.log.Warn("sign-in throttled", "request_id", requestID(c), "ip", c.IP())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		form.Errors.add("email", fmt.Sprintf("Too many failed sign-ins for this account or from this network. Wait %s and try again.", waitInWords(wait)))
		c.Status(fiber.StatusTooManyRequests)
		return h.render(c, "login", page{Title: "Sign in", Data: form})
	}
	u, err := h.store.Authenticate(ctx, email, password)
	if errors.Is(err, models.ErrBusy) {
		// Not a guess: the password was never checked.
		if err := h.store.Succeeded(ctx, attempt); err != nil {
			return err
		}
		return fiber.NewError(fiber.StatusServiceUnavailable, "Many people are signing in at once. Wait a few seconds and try again.")
	}
	if errors.Is(err, models.ErrNotFound) {
		if err := h.store.Failed(ctx, attempt); err != nil {
			return err
		}
		h.log.Warn("sign-in failed", "request_id", requestID(c), "ip", c.IP())
		h.audit(c, 0, models.AuditSignInFailed, email, "from "+c.IP())
		form.Errors.add("email", "The email address or password is not right")
		c.Status(fiber.StatusUnauthorized)
		return h.render(c, "login", page{Title: "Sign in", Data: form})
	}
	if err != nil {
		return err
	}
	settle := h.store.SignInCompleted
	if u.TOTPEnabledAt != nil {
		settle = h.store.Succeeded // the pair's failures stay until the code is right
	}
	if err := settle(ctx, attempt); err != nil {
		return err
	}
	// A new session id at sign-in: whatever token the visitor had before is dropped.
	if old, ok := currentSession(c); ok {
		if err := h.store.DeleteSession(ctx, old.TokenHash); err != nil {
			return err
		}
	}
	if u.TOTPEnabledAt != nil {
		// Password right; the session stays signed out until the code,
		// whatever the role: members who turned it on are asked too.
		token, sess, err := h.store.CreatePendingSession(ctx, u.ID)
		if err != nil {
			return err
		}
		h.setCookie(c, token)
		c.Locals(localSession, sess)
		return c.Redirect("/login/2fa?next="+url.QueryEscape(next), fiber.StatusSeeOther)
	}
	token, sess, err := h.store.CreateSession(ctx, &u.ID)
	if err != nil {
		return err
	}
	h.setCookie(c, token)
	c.Locals(localSession, sess)
	h.log.Info("signed in", "user_id", u.ID, "role", u.Role, "request_id", requestID(c))
	h.audit(c, u.ID, models.AuditSignIn, u.Email, "from "+c.IP())
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (h *Handler) logout(c *fiber.Ctx) error {
	if s, ok := currentSession(c); ok {
		if err := h.store.DeleteSession(c.UserContext(), s.TokenHash); err != nil {
			return err
		}
	}
	if u, ok := currentUser(c); ok {
		h.audit(c, u.ID, models.AuditSignOut, u.Email, "")
	}
	h.clearCookie(c)
	return c.Redirect("/login?signed_out=1", fiber.StatusSeeOther)
}

// loginFormExpired answers a sign-in sent from a page open too long (or not
// from this site): the form again, email kept, with a fresh token.
func (h *Handler) loginFormExpired(c *fiber.Ctx) error {
	if err := h.ensureFormToken(c); err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	if len(email) > maxEmailLength {
		email = ""
	}
	form := loginPage{Email: email, Next: safeNext(c.FormValue("next")), Errors: fieldErrors{}}
	form.Errors.add("password", "This page had been open too long, so you were not signed in. Enter your password again.")
	c.Status(fiber.StatusForbidden)
	return h.render(c, "login", page{Title: "Sign in", Data: form})
}

// waitInWords says a throttle's wait the way a person reads it.
func waitInWords(wait time.Duration) string {
	s := int(wait.Seconds()) + 1
	if s <= 90 {
		return fmt.Sprintf("%d seconds", s)
	}
	return fmt.Sprintf("%d minutes", (s+59)/60)
}

// safeNext keeps a post-sign-in redirect on this site: a path that starts
// with a single slash, with no control characters (browsers drop tabs and
// newlines, which would turn "/\t/evil" into "//evil") and no scheme or host.
func safeNext(next string) string {
	const home = "/consultations"
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return home
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return home
	}
	return next
}

// audit records an action; a failure to record is logged, not shown, since
// the action itself has already happened.
func (h *Handler) audit(c *fiber.Ctx, userID int64, action, subject, detail string) {
	if err := h.store.Audit(c.UserContext(), userID, action, subject, detail); err != nil {
		h.log.Error("audit", "action", action, "err", err, "request_id", requestID(c))
	}
}
