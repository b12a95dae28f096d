package handlers

import "github.com/gofiber/fiber/v2"

// accessibility shows the accessibility statement. It is public: people
// should be able to read it, and find how to report a problem, before they
// can sign in.
func (h *Handler) accessibility(c *fiber.Ctx) error {
	return h.render(c, "accessibility", page{Title: "Accessibility statement", Nav: "accessibility"})
}
