package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Signed-out visitors get no row in the database: the forms they can send
// (sign in, set a password from an invite) carry a signed double-submit
// token instead. The cookie holds
//
//	anon.<issued>.<nonce>.<MAC of both>
//
// and the form the MAC of the nonce under another label, both under a key
// derived from the database's secret, so that every instance agrees. A post
// is let through when the cookie's MAC is right, the cookie is younger than
// anonymousFormTimeout, and the form carries the token of the cookie's nonce.
// Signing in replaces the cookie with a session's.
const (
	anonymousPrefix      = "anon."
	anonymousFormTimeout = models.SessionAbsoluteTimeout
	localFormToken       = "form_token"
)

func (h *Handler) anonymousKey(c *fiber.Ctx) ([]byte, error) {
	return h.store.SigningKey(c.UserContext(), "anonymous forms")
}

func anonymousMAC(key []byte, label string, parts ...string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(label))
	for _, p := range parts {
		mac.Write([]byte{0})
		mac.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// readAnonymousCookie accepts a signed-out visitor's cookie and keeps the
// token its forms must carry; a forged, damaged or stale one is dropped.
func (h *Handler) readAnonymousCookie(c *fiber.Ctx, value string) error {
	key, err := h.anonymousKey(c)
	if err != nil {
		return err
	}
	parts := strings.Split(strings.TrimPrefix(value, anonymousPrefix), ".")
	if len(parts) != 3 {
		h.clearCookie(c)
		return nil
	}
	issued, nonce, mac := parts[0], parts[1], parts[2]
	at, err := strconv.ParseInt(issued, 36, 64)
	age := h.store.Now().Sub(time.Unix(at, 0))
	if err != nil || age < -time.Minute || age > anonymousFormTimeout ||
		subtle.ConstantTimeCompare([]byte(mac), []byte(anonymousMAC(key, "cookie", issued, nonce))) != 1 {
		h.clearCookie(c)
		return nil
	}
	c.Locals(localFormToken, anonymousMAC(key, "form", nonce))
	return nil
}

// ensureFormToken gives a signed-out visitor who has none a signed cookie,
// so that the page about to be shown can carry a form; nothing is stored.
func (h *Handler) ensureFormToken(c *fiber.Ctx) error {
	if formToken(c) != "" {
		return nil
	}
	key, err := h.anonymousKey(c)
	if err != nil {
		return err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	nonce := base64.RawURLEncoding.EncodeToString(b)
	issued := strconv.FormatInt(h.store.Now().Unix(), 36)
	h.setCookie(c, anonymousPrefix+issued+"."+nonce+"."+anonymousMAC(key, "cookie", issued, nonce))
	c.Locals(localFormToken, anonymousMAC(key, "form", nonce))
	return nil
}

// formToken is the token a form posted on this request must carry: the
// session's, or a signed-out visitor's; "" when there is neither.
func formToken(c *fiber.Ctx) string {
	if s, ok := currentSession(c); ok {
		return s.CSRFToken
	}
	t, _ := c.Locals(localFormToken).(string)
	return t
}
