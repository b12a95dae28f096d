package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Locals keys.
const (
	localRequestID = "request_id"
	localSession   = "session"
	localUser      = "user"
)

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// withRequestID gives every request an id for the logs and the error page.
func (h *Handler) withRequestID(c *fiber.Ctx) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	c.Locals(localRequestID, hex.EncodeToString(b))
	return c.Next()
}

// logRequests writes one structured line per request.
func (h *Handler) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status, _ = statusOf(c, err) // what the error handler, which runs after this, will send
	}
	// The log handler redacts an invite link's token (logging.RedactSecrets).
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", time.Since(start).Milliseconds(), "request_id", requestID(c)}
	if u, ok := currentUser(c); ok {
		attrs = append(attrs, "user_id", u.ID)
	}
	h.log.Info("request", attrs...)
	return err
}

// contentSecurityPolicy allows only our own scripts, styles and images.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries. Referrer-Policy
// is same-origin, not no-referrer, so that a same-site Referer survives.
func (h *Handler) securityHeaders(c *fiber.Ctx) error {
	h.setSecurityHeaders(c)
	return c.Next()
}

func (h *Handler) setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if h.secure {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	if !strings.HasPrefix(c.Path(), "/static/") {
		c.Set("Cache-Control", "no-store")
	}
}

// refuseTrace answers 405 to TRACE and CONNECT, which nothing here serves.
func (h *Handler) refuseTrace(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodTrace, fiber.MethodConnect:
		return fiber.NewError(fiber.StatusMethodNotAllowed, "That method is not allowed.")
	}
	return c.Next()
}

// refuseEncodedBodies answers 415 to compressed request bodies: browsers never
// send them, and fasthttp would inflate a gzip bomb in memory.
func (h *Handler) refuseEncodedBodies(c *fiber.Ctx) error {
	if len(c.Request().Header.Peek(fiber.HeaderContentEncoding)) > 0 {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Compressed request bodies are not accepted; send the body uncompressed.")
	}
	return c.Next()
}

// refuseMalformedMultipart answers 400 for a body that says it is a
// multipart form but cannot be read as one. fasthttp parses such bodies only
// when asked (DisablePreParseMultipartForm), and a handler reading a field
// of a broken form would otherwise see it as empty. The parsed form is kept
// for the handler.
func (h *Handler) refuseMalformedMultipart(c *fiber.Ctx) error {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		return c.Next()
	}
	if _, err := c.MultipartForm(); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, defaultMessages[fiber.StatusBadRequest])
	}
	return c.Next()
}

// loadSession finds the visitor's session and user, if any.
func (h *Handler) loadSession(c *fiber.Ctx) error {
	token := c.Cookies(h.cookie)
	if token == "" {
		return c.Next()
	}
	if strings.HasPrefix(token, anonymousPrefix) {
		if err := h.readAnonymousCookie(c, token); err != nil {
			return err
		}
		return c.Next()
	}
	ctx := c.UserContext()
	sess, u, err := h.store.SignedIn(ctx, token)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.clearCookie(c)
		return c.Next()
	case errors.Is(err, models.ErrSessionUserGone):
		_ = h.store.DeleteSession(ctx, sess.TokenHash)
		h.clearCookie(c)
		return c.Next()
	case err != nil:
		return err
	}
	c.Locals(localSession, sess)
	if u != nil {
		c.Locals(localUser, *u)
		if err := h.store.TouchSession(ctx, sess); err != nil {
			h.log.Warn("touch session", "err", err)
		}
	}
	return c.Next()
}

func currentSession(c *fiber.Ctx) (models.Session, bool) {
	s, ok := c.Locals(localSession).(models.Session)
	return s, ok
}

func currentUser(c *fiber.Ctx) (models.User, bool) {
	u, ok := c.Locals(localUser).(models.User)
	return u, ok
}

func (h *Handler) setCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: h.cookie, Value: token, Path: "/", HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode,
		Expires: time.Now().Add(models.SessionAbsoluteTimeout),
	})
}

func (h *Handler) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: h.cookie, Value: "", Path: "/", HTTPOnly: true, Secure: h.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

// checkCSRF refuses a state change without the session's token (or a
// signed-out visitor's, see csrf.go), sent as the form field _csrf or, from
// scripts, the X-CSRF-Token header.
func (h *Handler) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if _, signedIn := currentUser(c); !signedIn && isAPI(c) {
		return fiber.NewError(fiber.StatusUnauthorized, "Sign in to use the API.")
	}
	want := formToken(c)
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if want == "" || sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		h.log.Warn("csrf refused", "path", c.Path(), "request_id", requestID(c))
		return h.refuseForm(c)
	}
	return c.Next()
}

// requireUser sends signed-out visitors to the sign-in page (401 for the API).
func (h *Handler) requireUser(c *fiber.Ctx) error {
	if _, ok := currentUser(c); ok {
		return c.Next()
	}
	if isAPI(c) {
		return fiber.NewError(fiber.StatusUnauthorized, "Sign in to use the API.")
	}
	next := c.OriginalURL()
	if c.Method() != fiber.MethodGet || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/"
	}
	return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
}

// requireRole lets through only the given roles; others get 403.
func (h *Handler) requireRole(roles ...models.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok := currentUser(c)
		if !ok {
			return h.requireUser(c)
		}
		if !slices.Contains(roles, u.Role) {
			h.log.Warn("forbidden", "path", c.Path(), "user_id", u.ID, "role", u.Role, "request_id", requestID(c))
			msg := "This page is for the policy team and admins."
			switch {
			case slices.Equal(roles, []models.Role{models.RoleMember}):
				msg = "Only member organisations answer proposals; the policy team reads responses on the summary pages."
			case slices.Equal(roles, []models.Role{models.RoleAdmin}):
				msg = "This page is for admins."
			}
			return fiber.NewError(fiber.StatusForbidden, msg)
		}
		if u.Role == models.RoleMember && u.OrgID() == 0 {
			return fiber.NewError(fiber.StatusForbidden, "Your account is not linked to a member organisation. Ask an admin to fix it.")
		}
		return c.Next()
	}
}
