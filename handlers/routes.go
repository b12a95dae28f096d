package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/static"
)

// routes lists every route of the product.
func (h *Handler) routes(app *fiber.App) {
	app.Use(h.withRequestID, h.logRequests, h.securityHeaders, h.refuseTrace, h.refuseEncodedBodies)
	app.Use(h.withRequestContext) // c.UserContext(): a deadline, and cancelled when the client goes

	app.Get("/healthz", h.healthz)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.Files), MaxAge: 3600}))

	app.Use(h.loadSession, h.checkCSRF, h.requireSecondFactor)

	app.Get("/", h.home)
	app.Get("/login", h.loginForm)
	app.Post("/login", h.login)
	app.Get("/login/2fa", h.secondFactorForm)
	app.Post("/login/2fa", h.secondFactor)
	app.Post("/logout", h.logout)
	app.Get("/accessibility", h.accessibility)

	// Guards are listed per route: a Fiber group with an empty prefix would
	// apply its middleware to every route registered after it.
	user := h.requireUser
	member := h.requireRole(models.RoleMember)
	policy := h.requireRole(models.RolePolicy, models.RoleAdmin)
	admin := h.requireRole(models.RoleAdmin)

	app.Get("/account/2fa", user, h.twoFactorSetup)
	app.Post("/account/2fa", user, h.enableTwoFactor)
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
	app.Get("/imports", policy, h.imports)
	app.Post("/imports", policy, h.postImport)
	app.Get("/exports/responses.csv", policy, h.exportResponses)
	app.Get("/proposals/:ref/summary.csv", policy, h.summaryCSV)
	app.Post("/api/v1/imports/responses", policy, h.apiImport)
	app.Get("/api/v1/openapi.json", h.openAPI)
	// (end of data in and out)

	// Administration: consultations, proposals, codebook, organisations, users, audit.
	app.Get("/admin", admin, h.adminIndex)
	app.Get("/admin/consultations", admin, h.adminConsultations)
	app.Get("/admin/consultations/new", admin, h.newConsultation)
	app.Post("/admin/consultations", admin, h.createConsultation)
	app.Get("/admin/consultations/:id/edit", admin, h.editConsultation)
	app.Post("/admin/consultations/:id", admin, h.updateConsultation)
	app.Get("/admin/consultations/:id/proposals", admin, h.adminProposals)
	app.Get("/admin/consultations/:id/proposals/new", admin, h.newProposal)
	app.Post("/admin/consultations/:id/proposals", admin, h.createProposal)
	app.Get("/admin/proposals/:id/edit", admin, h.editProposal)
	app.Post("/admin/proposals/:id", admin, h.updateProposal)
	app.Post("/admin/proposals/:id/move", admin, h.moveProposal)
	app.Get("/admin/concerns", admin, h.adminConcerns)
	app.Get("/admin/concerns/new", admin, h.newConcern)
	app.Post("/admin/concerns", admin, h.createConcern)
	app.Get("/admin/concerns/:id/edit", admin, h.editConcern)
	app.Post("/admin/concerns/:id", admin, h.updateConcern)
	app.Get("/admin/organisations", admin, h.adminOrganisations)
	app.Get("/admin/organisations/new", admin, h.newOrganisation)
	app.Post("/admin/organisations", admin, h.createOrganisation)
	app.Get("/admin/organisations/:id/edit", admin, h.editOrganisation)
	app.Post("/admin/organisations/:id", admin, h.updateOrganisation)
	app.Get("/admin/users", admin, h.adminUsers)
	app.Get("/admin/users/new", admin, h.newUser)
	app.Post("/admin/users", admin, h.inviteUser)
	app.Get("/admin/users/:id", admin, h.adminUser)
	app.Get("/admin/users/:id/role", admin, h.editUserRole)
	app.Post("/admin/users/:id/role", admin, h.changeUserRole)
	app.Post("/admin/users/:id/disable", admin, h.disableUser)
	app.Post("/admin/users/:id/enable", admin, h.enableUser)
	app.Post("/admin/users/:id/end-sessions", admin, h.endUserSessions)
	app.Post("/admin/users/:id/reset-2fa", admin, h.resetUserTwoFactor)
	app.Post("/admin/users/:id/invite", admin, h.renewInvite)
	app.Get("/admin/audit", admin, h.adminAudit)
	app.Get("/admin/security", admin, h.adminSecurity)
	app.Post("/admin/security", admin, h.saveAdminSecurity)
	app.Get("/consultations/:id/nonresponders", policy, h.nonResponders)
	app.Get("/invite/:token", h.inviteForm)
	app.Post("/invite/:token", h.acceptInvite)
	// (end of administration)

	// Analysis: coding, notes, quotes, search.
	app.Get("/consultations/:id/responses", policy, h.responses)
	app.Get("/consultations/:id/search", policy, h.search)
	app.Get("/responses/:id", policy, h.response)
	app.Post("/responses/:id/coding", policy, h.codeResponse)
	app.Post("/responses/:id/notes", policy, h.addNote)
	app.Post("/responses/:id/quotes", policy, h.addQuote)
	app.Post("/quotes/:id/delete", policy, h.removeQuote)
	// (end of analysis)

	// The collective response.
	app.Get("/consultations/:id/collective", policy, h.collective)
	app.Post("/consultations/:id/collective/introduction", policy, h.saveIntroduction)
	app.Get("/consultations/:id/collective/sections/:ref", policy, h.sectionForm)
	app.Post("/consultations/:id/collective/sections/:ref", policy, h.saveSection)
	app.Post("/consultations/:id/collective/status", policy, h.setCollectiveStatus)
	app.Post("/consultations/:id/collective/quotes/:quote/remove", policy, h.removeWithdrawnQuote)
	app.Get("/consultations/:id/collective/versions", policy, h.collectiveVersions)
	app.Get("/consultations/:id/collective/versions/:version", policy, h.collectiveVersions)
	app.Get("/consultations/:id/collective/print", policy, h.collectivePrint)
	app.Get("/consultations/:id/collective.md", policy, h.collectiveMarkdown)
	app.Get("/consultations/:id/collective.docx", policy, h.collectiveDocx)
	// (end of collective response)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// healthz answers 200 only while the database can be read and written and,
// on SQLite, is still the file the server opened (see Store.Health).
func (h *Handler) healthz(c *fiber.Ctx) error {
	if err := h.store.Health(c.UserContext()); err != nil {
		h.log.Error("health check", "err", storage.RedactError(err))
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable\n")
	}
	return c.SendString("ok\n")
}
