package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/static"
)

// routes lists every route of the product: the middleware every request
// passes, then the routes area by area, each with its guard.
func (h *Handler) routes(app *fiber.App) {
	app.Use(h.withRequestID, h.logRequests, h.securityHeaders, h.refuseTrace, h.refuseEncodedBodies, h.refuseMalformedMultipart)
	app.Use(h.withRequestContext) // c.UserContext(): a deadline, and cancelled when the client goes

	app.Get("/healthz", h.healthz)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.Files), MaxAge: 3600}))

	app.Use(h.loadSession, h.checkCSRF, h.requireSecondFactor)

	// Guards are listed per route: a Fiber group with an empty prefix would
	// apply its middleware to every route registered after it.
	g := guards{
		user:   h.requireUser,
		member: h.requireRole(models.RoleMember),
		policy: h.requireRole(models.RolePolicy, models.RoleAdmin),
		admin:  h.requireRole(models.RoleAdmin),
	}
	h.signInRoutes(app)
	h.memberRoutes(app, g)
	h.apiRoutes(app, g)
	h.policyRoutes(app, g)
	h.adminRoutes(app, g)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// guards let a route through to the signed-in user, members, the policy
// team (and admins), or admins only.
type guards struct {
	user, member, policy, admin fiber.Handler
}

// signInRoutes are the ways in and out, open to anyone.
func (h *Handler) signInRoutes(app *fiber.App) {
	app.Get("/", h.home)
	app.Get("/login", h.loginForm)
	app.Post("/login", h.login)
	app.Get("/login/2fa", h.secondFactorForm)
	app.Post("/login/2fa", h.secondFactor)
	app.Post("/logout", h.logout)
	app.Get("/invite/:token", h.inviteForm)
	app.Post("/invite/:token", h.acceptInvite)
	app.Get("/accessibility", h.accessibility)
}

// memberRoutes are the pages every signed-in user reads, and a member's
// answers.
func (h *Handler) memberRoutes(app *fiber.App, g guards) {
	app.Get("/account/2fa", g.user, h.twoFactorSetup)
	app.Post("/account/2fa", g.user, h.enableTwoFactor)
	app.Get("/consultations", g.user, h.consultations)
	app.Get("/consultations/:id", g.user, h.consultation)
	app.Get("/proposals/:ref", g.user, h.proposal)
	app.Post("/proposals/:ref/response", g.member, h.saveResponse)
	app.Get("/proposals/:ref/history", g.member, h.history)
}

// apiRoutes are the JSON API of DESIGN's contract.
func (h *Handler) apiRoutes(app *fiber.App, g guards) {
	app.Get("/api/v1/openapi.json", h.openAPI)
	app.Get("/api/v1/consultations", g.user, h.apiConsultations)
	app.Get("/api/v1/consultations/:id/proposals", g.user, h.apiProposals)
	app.Get("/api/v1/proposals/:ref/response", g.member, h.apiGetResponse)
	app.Put("/api/v1/proposals/:ref/response", g.member, h.apiPutResponse)
	app.Get("/api/v1/proposals/:ref/summary", g.policy, h.apiSummary)
	app.Post("/api/v1/imports/responses", g.policy, h.apiImport)
}

// policyRoutes are the policy team's: summaries, data in and out, analysis
// and the collective response.
func (h *Handler) policyRoutes(app *fiber.App, g guards) {
	app.Get("/consultations/:id/overview", g.policy, h.overview)
	app.Get("/consultations/:id/nonresponders", g.policy, h.nonResponders)
	app.Get("/proposals/:ref/summary", g.policy, h.summary)
	app.Get("/proposals/:ref/summary.csv", g.policy, h.summaryCSV)
	app.Get("/proposals/:ref/responses", g.policy, h.reading) // the reading view (reading.go)

	// Data in and out: CSV imports and exports.
	app.Get("/imports", g.policy, h.imports)
	app.Post("/imports", g.policy, h.postImport)
	app.Get("/exports/responses.csv", g.policy, h.exportResponses)

	// Analysis: coding, notes, quotes, search.
	app.Get("/consultations/:id/responses", g.policy, h.responses)
	app.Get("/consultations/:id/search", g.policy, h.search)
	app.Get("/responses/:id", g.policy, h.response)
	app.Post("/responses/:id/coding", g.policy, h.codeResponse)
	app.Post("/responses/:id/notes", g.policy, h.addNote)
	app.Post("/responses/:id/quotes", g.policy, h.addQuote)
	app.Post("/quotes/:id/delete", g.policy, h.removeQuote)

	// The collective response.
	app.Get("/consultations/:id/collective", g.policy, h.collective)
	app.Post("/consultations/:id/collective/introduction", g.policy, h.saveIntroduction)
	app.Get("/consultations/:id/collective/sections/:ref", g.policy, h.sectionForm)
	app.Post("/consultations/:id/collective/sections/:ref", g.policy, h.saveSection)
	app.Post("/consultations/:id/collective/status", g.policy, h.setCollectiveStatus)
	app.Post("/consultations/:id/collective/quotes/:quote/remove", g.policy, h.removeWithdrawnQuote)
	app.Get("/consultations/:id/collective/versions", g.policy, h.collectiveVersions)
	app.Get("/consultations/:id/collective/versions/:version", g.policy, h.collectiveVersions)
	// Issue 12: approval asks for confirmation; an earlier version can be restored.
	app.Get("/consultations/:id/collective/approve", g.admin, h.approveForm)
	app.Post("/consultations/:id/collective/versions/:version/restore", g.policy, h.restoreCollectiveVersion)
	app.Get("/consultations/:id/collective/print", g.policy, h.collectivePrint)
	app.Get("/consultations/:id/collective.md", g.policy, h.collectiveMarkdown)
	app.Get("/consultations/:id/collective.docx", g.policy, h.collectiveDocx)
	app.Post("/consultations/:id/collective/template", g.policy, h.fillCollectiveTemplate)
}

// adminRoutes are the admins': consultations, proposals, the codebook,
// organisations, users, sign-in security and the audit log. A /new route
// comes before the /:id it would otherwise match.
func (h *Handler) adminRoutes(app *fiber.App, g guards) {
	app.Get("/admin", g.admin, h.adminIndex)
	app.Get("/admin/consultations", g.admin, h.adminConsultations)
	app.Get("/admin/consultations/new", g.admin, h.newConsultation)
	app.Post("/admin/consultations", g.admin, h.createConsultation)
	app.Get("/admin/consultations/:id/edit", g.admin, h.editConsultation)
	app.Post("/admin/consultations/:id", g.admin, h.updateConsultation)
	app.Get("/admin/consultations/:id/proposals", g.admin, h.adminProposals)
	app.Get("/admin/consultations/:id/proposals/new", g.admin, h.newProposal)
	app.Post("/admin/consultations/:id/proposals", g.admin, h.createProposal)
	app.Get("/admin/proposals/:id/edit", g.admin, h.editProposal)
	app.Post("/admin/proposals/:id", g.admin, h.updateProposal)
	app.Post("/admin/proposals/:id/move", g.admin, h.moveProposal)
	app.Get("/admin/concerns", g.admin, h.adminConcerns)
	app.Get("/admin/concerns/new", g.admin, h.newConcern)
	app.Post("/admin/concerns", g.admin, h.createConcern)
	app.Get("/admin/concerns/:id/edit", g.admin, h.editConcern)
	app.Post("/admin/concerns/:id", g.admin, h.updateConcern)
	app.Get("/admin/organisations", g.admin, h.adminOrganisations)
	app.Get("/admin/organisations/new", g.admin, h.newOrganisation)
	app.Post("/admin/organisations", g.admin, h.createOrganisation)
	app.Get("/admin/organisations/:id/edit", g.admin, h.editOrganisation)
	app.Post("/admin/organisations/:id", g.admin, h.updateOrganisation)
	app.Get("/admin/users", g.admin, h.adminUsers)
	app.Get("/admin/users/new", g.admin, h.newUser)
	app.Post("/admin/users", g.admin, h.inviteUser)
	app.Get("/admin/users/:id", g.admin, h.adminUser)
	app.Get("/admin/users/:id/role", g.admin, h.editUserRole)
	app.Post("/admin/users/:id/role", g.admin, h.changeUserRole)
	app.Post("/admin/users/:id/disable", g.admin, h.disableUser)
	app.Post("/admin/users/:id/enable", g.admin, h.enableUser)
	app.Post("/admin/users/:id/end-sessions", g.admin, h.endUserSessions)
	app.Post("/admin/users/:id/reset-2fa", g.admin, h.resetUserTwoFactor)
	app.Post("/admin/users/:id/invite", g.admin, h.renewInvite)
	app.Get("/admin/security", g.admin, h.adminSecurity)
	app.Post("/admin/security", g.admin, h.saveAdminSecurity)
	app.Get("/admin/audit", g.admin, h.adminAudit)

	// The body's identity, printed on every export.
	app.Get("/admin/body", g.admin, h.adminBody)
	app.Post("/admin/body", g.admin, h.saveAdminBody)
	app.Get("/body/logo", g.user, h.bodyLogo)
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
