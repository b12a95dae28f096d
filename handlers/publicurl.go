package handlers

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Links that leave the site (an invite link, pasted into an email by an
// admin) must name the site's real address. Fiber's BaseURL believes
// X-Forwarded-Host and -Proto from anyone unless proxies are configured, so
// a forged header could make an admin hand out a link to another site.

// parsePublicURL checks the configured public address of the site and returns
// it without a trailing slash, so that paths can be appended to it.
func parsePublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return "", fmt.Errorf("public URL %q: give the address people open, like https://tracker.example.org", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// siteURL is what links sent outside the site start with: the configured
// public URL; else, behind trusted proxies, the address they forwarded
// (Fiber then believes X-Forwarded-Host and -Proto only from them); else the
// request's own Host header and scheme, never an X-Forwarded header.
func (h *Handler) siteURL(c *fiber.Ctx) string {
	switch {
	case h.publicURL != "":
		return h.publicURL
	case h.behindProxy:
		return c.BaseURL()
	}
	scheme := "http"
	if h.secure || c.Context().IsTLS() {
		scheme = "https"
	}
	return scheme + "://" + string(c.Request().URI().Host())
}
