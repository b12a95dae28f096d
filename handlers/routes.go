package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/static"
)

// routes lists every route of the product.
func (h *Handler) routes(app *fiber.App) {
	app.Use(h.withRequestID, h.logRequests, h.securityHeaders, h.refuseEncodedBodies)

	app.Get("/healthz", h.healthz)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.Files), MaxAge: 3600}))

	app.Use(h.loadSession, h.checkCSRF)

	app.Get("/", h.home)
	app.Get("/login", h.loginForm)
	app.Post("/login", h.login)
	app.Post("/logout", h.logout)

	// Guards are listed per route: a Fiber group with an empty prefix would
	// apply its middleware to every route registered after it.
	user := h.requireUser
	member := h.requireRole(models.RoleMember)
	policy := h.requireRole(models.RolePolicy, models.RoleAdmin)
	admin := h.requireRole(models.RoleAdmin)
	_ = admin // used by the administration routes

	app.Get("/consultations", user, h.consultations)
	app.Get("/consultations/:id", user, h.consultation)
	app.Get("/consultations/:id/overview", policy, h.overview)
	app.Get("/proposals/:ref", user, h.proposal)
	app.Post("/proposals/:ref/response", member, h.saveResponse)
	app.Get("/proposals/:ref/history", member, h.history)
	app.Get("/proposals/:ref/summary", policy, h.summary)

	app.Get("/api/v1/consultations", user, h.apiConsultations)
	app.Get("/api/v1/consultations/:id/proposals", user, h.apiProposals)
	app.Get("/api/v1/proposals/:ref/response", member, h.apiGetResponse)
	app.Put("/api/v1/proposals/:ref/response", member, h.apiPutResponse)
	app.Get("/api/v1/proposals/:ref/summary", policy, h.apiSummary)

	// Data in and out: CSV imports and exports, OpenAPI.
	// (end of data in and out)

	// Administration: consultations, proposals, codebook, organisations, users, audit.
	// (end of administration)

	// Analysis: coding, notes, quotes, search.
	// (end of analysis)

	// The collective response.
	// (end of collective response)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

func (h *Handler) healthz(c *fiber.Ctx) error {
	if err := h.store.Ping(c.UserContext()); err != nil {
		h.log.Error("health check", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable\n")
	}
	return c.SendString("ok\n")
}
