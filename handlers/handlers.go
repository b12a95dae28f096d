// Package handlers turns HTTP requests into calls on the store and renders
// the answers as HTML pages or JSON. It never touches the ORM.
package handlers

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

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
	// WriteTimeout bounds writing a response, and for a streamed export
	// each of its chunks; 0 means 30 seconds.
	WriteTimeout time.Duration
}

// Handler holds the dependencies every handler method uses.
type Handler struct {
	store    *models.Store
	log      *slog.Logger
	views    *views.Templates
	validate *validator.Validate
	cookie   string
	secure   bool
	// writeTimeout is how long one write to a client may take.
	writeTimeout time.Duration

	summaryJSON *models.VersionedCache[summaryRequest, []byte]
	sharedPages *models.VersionedCache[sharedPageKey, sharedPage]
	navigation  sync.Map // navKey → template.HTML, see siteNavigation
}

// Request limits.
const (
	bodyLimit = 1 << 20 // 1 MiB: a response form is at most a few tens of KiB
)

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.WriteTimeout <= 0 {
		d.WriteTimeout = 30 * time.Second
	}
	tpl, err := views.New(templateFuncs())
	if err != nil {
		return nil, err
	}
	h := &Handler{
		store:    d.Store,
		log:      d.Logger,
		views:    tpl,
		validate: newValidator(),
		cookie:   "tracker_session",
		secure:   d.SecureCookies,

		writeTimeout: d.WriteTimeout,

		summaryJSON: models.NewVersionedCache[summaryRequest, []byte](256),
		sharedPages: models.NewVersionedCache[sharedPageKey, sharedPage](256),
	}
	if d.SecureCookies {
		h.cookie = "__Host-tracker_session"
	}
	cfg := fiber.Config{
		AppName:               "consultation-tracker",
		Immutable:             true, // request strings outlive the handler in logs and errors
		ErrorHandler:          h.handleError,
		BodyLimit:             bodyLimit,
		ReadTimeout:           15 * time.Second,
		Concurrency:           1024, // open connections; beyond it fasthttp answers 503
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
	app.Use(recover.New())
	h.routes(app)
	return app, nil
}

// handleError is the one place errors become pages: known errors get their
// status and a plain message; anything else is logged and shown as a generic
// 500 without details.
func (h *Handler) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	message := ""
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		message = fe.Message
	case errors.Is(err, models.ErrNotFound):
		status = fiber.StatusNotFound
	case errors.Is(err, models.ErrUnavailable):
		status = fiber.StatusServiceUnavailable
	}
	if status >= 500 {
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
	return h.render(c, "error", page{Title: errorTitles[status], Data: errorPage{Status: status, Message: message}})
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
	503: "The server cannot save anything right now, so nothing was saved. Keep a copy of what you typed, try again later, and tell the policy team.",
}

var errorTitles = map[int]string{
	400: "Bad request", 401: "Sign in", 403: "Not allowed", 404: "Page not found", 405: "Not allowed",
	409: "Conflict", 413: "Too large", 415: "Not accepted", 422: "Check your answers", 429: "Too many attempts",
	500: "Something went wrong", 503: "Cannot save right now",
}

type errorPage struct {
	Status  int
	Message string
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
