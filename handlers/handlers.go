// Package handlers turns HTTP requests into calls on the store and renders
// the answers as HTML pages or JSON. It never touches the ORM.
package handlers

import (
	"cmp"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/nhsproviders/consultation-tracker/handlers/logging"
	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/views"
)

// Deps are what the web layer needs.
type Deps struct {
	Store  *models.Store
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure and names it with the
	// __Host- prefix; set it whenever the product is served over HTTPS.
	SecureCookies bool
	// TrustedProxies are the addresses whose X-Real-IP header is believed.
	TrustedProxies []string
	// PublicURL is the address people open (https://tracker.example.org);
	// invite links start with it. Empty: see Handler.siteURL.
	PublicURL string
	// WriteTimeout bounds writing a response, and for a streamed export
	// each of its chunks; 0 means 30 seconds.
	WriteTimeout time.Duration
	// SavesPerMinute is how often one member may save a response; 0 means
	// DefaultSavesPerMinute, a negative number no limit (for load tests).
	SavesPerMinute int
	// Timeouts bound each request's work (see Timeouts); zero fields take
	// the defaults.
	Timeouts Timeouts
}

// Handler holds the dependencies every handler method uses.
type Handler struct {
	store    *models.Store
	log      *slog.Logger
	views    *views.Templates
	validate *validator.Validate
	cookie   string
	secure   bool
	// publicURL and behindProxy decide where links sent off-site point.
	publicURL   string
	behindProxy bool
	// writeTimeout is how long one write to a client may take.
	writeTimeout time.Duration
	timeouts     Timeouts

	bodies *netguard.BodyBudget // memory held for bodies still arriving

	summaryJSON *models.VersionedCache[summaryRequest, []byte]
	sharedPages *models.VersionedCache[sharedPageKey, sharedPage]
	navigation  sync.Map // navKey → template.HTML, see siteNavigation

	saves *saveRate // saves per member, see saverate.go
}

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.Logger = slog.New(logging.RedactSecrets(d.Logger.Handler()))
	if d.WriteTimeout <= 0 {
		d.WriteTimeout = 30 * time.Second
	}
	tpl, err := views.New(templateFuncs())
	if err != nil {
		return nil, err
	}
	publicURL := ""
	if d.PublicURL != "" {
		if publicURL, err = parsePublicURL(d.PublicURL); err != nil {
			return nil, err
		}
	}
	h := &Handler{
		store:    d.Store,
		log:      d.Logger,
		views:    tpl,
		validate: newValidator(),
		cookie:   "tracker_session",
		secure:   d.SecureCookies,

		publicURL:   publicURL,
		behindProxy: len(d.TrustedProxies) > 0,

		writeTimeout: d.WriteTimeout,
		bodies:       netguard.NewBodyBudget(time.Now),
		saves:        newSaveRate(cmp.Or(d.SavesPerMinute, DefaultSavesPerMinute)),
		timeouts:     d.Timeouts.withDefaults(),

		summaryJSON: models.NewVersionedCache[summaryRequest, []byte](256),
		sharedPages: models.NewVersionedCache[sharedPageKey, sharedPage](256),
	}
	if d.SecureCookies {
		h.cookie = "__Host-tracker_session"
	}
	cfg := fiber.Config{
		AppName:               "consultation-tracker",
		Immutable:             true, // request strings outlive the handler in logs and errors
		CaseSensitive:         true, // /INVITE/… or /API/… must not reach a route that path checks read otherwise
		ErrorHandler:          h.handleError,
		BodyLimit:             netguard.BodyLimit,
		ReadTimeout:           netguard.HeaderReadTimeout, // the body's own timeout is set when its headers arrive
		Concurrency:           1024,                       // open connections; beyond it fasthttp answers 503
		WriteTimeout:          d.WriteTimeout,
		IdleTimeout:           30 * time.Second,
		DisableStartupMessage: true,
	}
	if len(d.TrustedProxies) > 0 {
		cfg.ProxyHeader = "X-Real-IP"
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.TrustedProxies
	}
	app := fiber.New(cfg)
	h.bodies.Install(app.Server())
	app.Use(recover.New())
	h.routes(app)
	return app, nil
}

// handleError is the one place errors become pages: known errors get their
// status and a plain message; anything else is logged and shown as a generic
// 500 without details.
func (h *Handler) handleError(c *fiber.Ctx, err error) error {
	if refused, err := h.refusedForBudget(c); refused {
		return err
	}
	status := fiber.StatusInternalServerError
	message := ""
	var fe *fiber.Error
	var typed []typedField
	failed := noFailure
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		message = fe.Message
	case errors.Is(err, models.ErrNotFound):
		status = fiber.StatusNotFound
	default:
		failed = failureOf(c, err)
	}
	switch {
	case failed != noFailure:
		// Said in words, with what was typed when the form itself could
		// not be shown again.
		h.logFailure(c, failed, err)
		status = failed.status()
		if !isAPI(c) {
			typed = typedText(c)
		}
		message = failed.message(isWrite(c), len(typed) > 0)
		if isAPI(c) {
			message = failed.apiMessage(isWrite(c))
		}
		if status == fiber.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, "60")
		}
	case status >= 500:
		h.log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", models.RedactError(err))
		message = ""
	}
	if requestID(c) == "" {
		// fasthttp refused the request before any of our code ran (a body
		// over the limit, a broken multipart form); its message is its own
		// internal text, so say it in our words instead, and set the
		// headers our middleware would have set.
		message = ""
		h.setSecurityHeaders(c)
	}
	if message == "" || status == fiber.StatusNotFound {
		message = defaultMessages[status]
		if message == "" {
			message = defaultMessages[500]
		}
	}
	if isAPI(c) {
		return c.Status(status).JSON(apiError{Error: message})
	}
	c.Status(status)
	return h.render(c, "error", page{Title: errorTitles[status], Data: errorPage{Status: status, Message: message, Typed: typed}})
}

// refusedForBudget answers a request whose body the budget refused, or
// reports false. fasthttp has failed the request before any middleware ran;
// its own answer would wrongly say the body is too large.
func (h *Handler) refusedForBudget(c *fiber.Ctx) (bool, error) {
	if !h.bodies.Release(&c.Request().Header) {
		return false, nil
	}
	h.log.Warn("request body refused: the server is holding its most in unfinished bodies", "path", c.Path())
	h.setSecurityHeaders(c)
	c.Set(fiber.HeaderRetryAfter, "30")
	const message = "The server is busy receiving other uploads, so it did not read what you sent and nothing was saved. " +
		"Wait a minute, go back and send it again."
	c.Status(fiber.StatusServiceUnavailable)
	if isAPI(c) {
		return true, c.JSON(apiError{Error: message})
	}
	return true, h.render(c, "error", page{Title: "Server busy", Data: errorPage{Status: fiber.StatusServiceUnavailable, Message: message}})
}

var defaultMessages = map[int]string{
	400: "The request could not be understood. If you were sending a form or a file, go back and try again.",
	401: "Sign in to continue.",
	403: "You do not have permission to do that.",
	404: "There is nothing here. Check the address, or go back to the list of consultations.",
	405: "That action is not allowed here.",
	409: "That could not be done because something changed.",
	413: "What you sent is too large (the limit is 1 MB). If it is a CSV file, split it into smaller files and import them one by one.",
	415: "That kind of request is not accepted.",
	422: "Some of what you sent needs correcting.",
	429: "Too many attempts. Wait a minute and try again.",
	500: "Something went wrong on our side. Your last change may not have been saved; try again, and tell the policy team if it keeps happening.",
	503: "The server cannot do that right now. Try again in a few minutes, and tell the policy team if it keeps happening.",
	504: "The server took too long to answer, so it stopped. Try again, and tell the policy team if it keeps happening.",
}

var errorTitles = map[int]string{
	400: "Bad request", 401: "Sign in", 403: "Not allowed", 404: "Page not found", 405: "Not allowed",
	409: "Conflict", 413: "Too large", 415: "Not accepted", 422: "Check your answers", 429: "Too many attempts",
	500: "Something went wrong", 503: "Cannot do that right now", 504: "Took too long",
}

type errorPage struct {
	Status  int
	Message string
	Typed   []typedField // what the visitor typed, when their form could not be shown again
}

// isAPI says whether to answer in JSON. Routing is case-sensitive, so only
// /api/ reaches the API, but any case of it is answered as the API would.
func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= len("/api/") && strings.EqualFold(p[:len("/api/")], "/api/")
}
