package handlers

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes every /api/v1 route. A test checks it against
// the routes served: add a route, document it in openapi.json.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the document. It is public: it says only what DESIGN.md
// already promises, and tools can fetch it without a session.
func (h *Handler) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDocument)
}
