// Package handlers turns HTTP requests into calls on the store and renders
// the answers as HTML pages or JSON. It never touches the ORM.
package handlers

import (
	"cmp"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/nhsproviders/consultation-tracker/handlers/logging"
	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
	"github.com/nhsproviders/consultation-tracker/handlers/ratelimit"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/versioned"
	"github.com/nhsproviders/consultation-tracker/views"
)

// Deps are what the web layer needs.
type Deps struct {
	Store  *storage.Store
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
	store  *storage.Store
	log    *slog.Logger
	views  *views.Templates
	cookie string
	secure bool
	// publicURL and behindProxy decide where links sent off-site point.
	publicURL   string
	behindProxy bool
	// writeTimeout is how long one write to a client may take.
	writeTimeout time.Duration
	timeouts     Timeouts

	bodies *netguard.BodyBudget // memory held for bodies still arriving

	summaryJSON *versioned.Cache[summaryRequest, []byte]
	sharedPages *versioned.Cache[sharedPageKey, sharedPage]
	navigation  sync.Map // navKey → template.HTML, see siteNavigation

	saves *ratelimit.Limiter // saves per member, by user id
}

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	h, err := newHandler(d)
	if err != nil {
		return nil, err
	}
	app := fiber.New(h.config(d))
	h.bodies.Install(app.Server())
	app.Use(recover.New())
	h.routes(app)
	return app, nil
}

// newHandler fills in the defaults of d and parses the templates.
func newHandler(d Deps) (*Handler, error) {
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
	publicURL := ""
	if d.PublicURL != "" {
		if publicURL, err = parsePublicURL(d.PublicURL); err != nil {
			return nil, err
		}
	}
	h := &Handler{
		store:  d.Store,
		log:    slog.New(logging.RedactSecrets(d.Logger.Handler())),
		views:  tpl,
		cookie: "tracker_session",
		secure: d.SecureCookies,

		publicURL:   publicURL,
		behindProxy: len(d.TrustedProxies) > 0,

		writeTimeout: d.WriteTimeout,
		bodies:       netguard.NewBodyBudget(time.Now),
		saves:        ratelimit.New(cmp.Or(d.SavesPerMinute, DefaultSavesPerMinute)),
		timeouts:     d.Timeouts.withDefaults(),

		summaryJSON: versioned.NewCache[summaryRequest, []byte](256),
		sharedPages: versioned.NewCache[sharedPageKey, sharedPage](256),
	}
	if d.SecureCookies {
		h.cookie = "__Host-tracker_session"
	}
	return h, nil
}

// config is the Fiber configuration: limits, the error handler, and the
// proxies whose X-Real-IP header is believed.
func (h *Handler) config(d Deps) fiber.Config {
	cfg := fiber.Config{
		AppName:               "consultation-tracker",
		Immutable:             true, // request strings outlive the handler in logs and errors
		CaseSensitive:         true, // /INVITE/… or /API/… must not reach a route that path checks read otherwise
		ErrorHandler:          h.handleError,
		BodyLimit:             netguard.BodyLimit,
		ReadTimeout:           netguard.HeaderReadTimeout, // the body's own timeout is set when its headers arrive
		Concurrency:           1024,                       // open connections; beyond it fasthttp answers 503
		WriteTimeout:          h.writeTimeout,
		IdleTimeout:           30 * time.Second,
		DisableStartupMessage: true,
		// fasthttp would parse a multipart body while it arrives and, on a
		// malformed one, answer and close with the rest unread: the client,
		// still sending, sees "connection reset" rather than the answer.
		// Read whole, the body is parsed when a handler asks for it.
		DisablePreParseMultipartForm: true,
	}
	if len(d.TrustedProxies) > 0 {
		cfg.ProxyHeader = "X-Real-IP"
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.TrustedProxies
	}
	return cfg
}

// isAPI says whether to answer in JSON. Routing is case-sensitive, so only
// /api/ reaches the API, but any case of it is answered as the API would.
func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= len("/api/") && strings.EqualFold(p[:len("/api/")], "/api/")
}
