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
	"github.com/nhsproviders/consultation-tracker/models/storage"
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
	form, password := readLoginForm(c)
	if form.Errors.Any() {
		return h.showLogin(c, fiber.StatusUnprocessableEntity, form)
	}
	ctx := c.UserContext()
	// c.IP() is the peer address unless a trusted proxy is configured, so a
	// forged X-Forwarded-For cannot buy a fresh allowance.
	attempt, throttled, wait, err := h.store.BeginLoginAttempt(ctx, form.Email, c.IP())
	if err != nil {
		return err
	}
	if throttled {
		h.log.Warn("sign-in throttled", "request_id", requestID(c), "ip", c.IP())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		form.Errors.add("email", fmt.Sprintf("Too many failed sign-ins for this account or from this network. Wait %s and try again.", waitInWords(wait)))
		return h.showLogin(c, fiber.StatusTooManyRequests, form)
	}
	u, err := h.store.Authenticate(ctx, form.Email, password)
	switch {
	case errors.Is(err, models.ErrBusy):
		// Not a guess: the password was never checked.
		if err := h.store.Succeeded(ctx, attempt); err != nil {
			return err
		}
		return fiber.NewError(fiber.StatusServiceUnavailable, "Many people are signing in at once. Wait a few seconds and try again.")
	case errors.Is(err, models.ErrNotFound):
		if err := h.store.Failed(ctx, attempt); err != nil {
			return err
		}
		h.log.Warn("sign-in failed", "request_id", requestID(c), "ip", c.IP())
		h.audit(c, 0, models.AuditSignInFailed, form.Email, "from "+c.IP())
		form.Errors.add("email", "The email address or password is not right")
		return h.showLogin(c, fiber.StatusUnauthorized, form)
	case err != nil:
		return err
	}
	return h.passwordAccepted(c, attempt, u, form.Next)
}

// readLoginForm reads the sign-in form and the password typed, and checks
// them before anything is looked up.
func readLoginForm(c *fiber.Ctx) (loginPage, string) {
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	form := loginPage{Email: email, Next: safeNext(c.FormValue("next")), Errors: fieldErrors{}}
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
	return form, password
}

// passwordAccepted settles the sign-in attempt and starts a new session: a
// signed-out one that waits for the second factor when the user has one
// (whatever the role), or else a signed-in one.
func (h *Handler) passwordAccepted(c *fiber.Ctx, attempt storage.LoginAttempt, u models.User, next string) error {
	ctx := c.UserContext()
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
		token, sess, err := h.store.CreatePendingSession(ctx, u.ID)
		if err != nil {
			return err
		}
		h.setSession(c, token, sess)
		return c.Redirect("/login/2fa?next="+url.QueryEscape(next), fiber.StatusSeeOther)
	}
	token, sess, err := h.store.CreateSession(ctx, &u.ID)
	if err != nil {
		return err
	}
	h.setSession(c, token, sess)
	h.log.Info("signed in", "user_id", u.ID, "role", u.Role, "request_id", requestID(c))
	h.audit(c, u.ID, models.AuditSignIn, u.Email, "from "+c.IP())
	return c.Redirect(next, fiber.StatusSeeOther)
}

// setSession makes the session of token the visitor's, on this request and
// from the next.
func (h *Handler) setSession(c *fiber.Ctx, token string, sess models.Session) {
	h.setCookie(c, token)
	c.Locals(localSession, sess)
}

// showLogin shows the sign-in page again with the form's problems.
func (h *Handler) showLogin(c *fiber.Ctx, status int, form loginPage) error {
	c.Status(status)
	return h.render(c, "login", page{Title: "Sign in", Data: form})
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
	return h.showLogin(c, fiber.StatusForbidden, form)
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
