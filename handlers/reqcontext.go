package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
)

// Timeouts bound how long a request may take, from its first handler to its
// answer; past it, its store calls stop and the visitor is told so in words
// (504). Imports and exports move whole files and get longer. A zero field
// takes its default.
type Timeouts struct {
	Request time.Duration // pages, saves and the API: 30 seconds
	Import  time.Duration // POST /imports and /api/v1/imports/responses: 5 minutes
	Export  time.Duration // CSV, Markdown and Word exports, written to the end: 30 minutes
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Request <= 0 {
		t.Request = 30 * time.Second
	}
	if t.Import <= 0 {
		t.Import = 5 * time.Minute
	}
	if t.Export <= 0 {
		t.Export = 30 * time.Minute
	}
	return t
}

// clientCheckInterval is how often a running request looks whether its
// client has gone.
const clientCheckInterval = 250 * time.Millisecond

// localRequestContext holds the request's *requestContext.
const localRequestContext = "request_context"

// requestContext is what a request's context is made of: cancelled when the
// request ends, when its client goes, or at its deadline.
type requestContext struct {
	cancel    context.CancelCauseFunc
	cancels   []context.CancelFunc // the deadlines set on it
	stopWatch func()
	once      sync.Once
	// handedOver is set when a streamed body, written after the handler
	// returns, owns the context and releases it when written.
	handedOver bool
}

func (rc *requestContext) release() {
	rc.once.Do(func() {
		rc.stopWatch()
		for _, cancel := range rc.cancels {
			cancel()
		}
		rc.cancel(context.Canceled)
	})
}

// withRequestContext gives the request a context for its store calls (what
// c.UserContext() returns) with a deadline, cancelled when the client closes
// the connection. fasthttp's own context is never cancelled per request (it
// ends only at shutdown), so the connection is looked at while the request
// runs: see netguard.WatchClient.
func (h *Handler) withRequestContext(c *fiber.Ctx) error {
	base, cancel := context.WithCancelCause(context.Background())
	rc := &requestContext{cancel: cancel}
	ctx, cancelDeadline := context.WithTimeout(base, h.timeoutFor(c))
	rc.cancels = append(rc.cancels, cancelDeadline)
	rc.stopWatch = netguard.WatchClient(ctx, c.Context().Conn(), clientCheckInterval, func() { cancel(errClientGone) })
	c.SetUserContext(ctx)
	c.Locals(localRequestContext, rc)
	defer func() {
		// Deferred, so that a panic (turned into an error by recover) ends
		// it too. The error handler runs after this, on the ended context:
		// it reads why it ended, and makes no store calls.
		if !rc.handedOver {
			rc.release()
		}
	}()
	return c.Next()
}

// timeoutFor is how long a request may take: imports and exports get longer
// than pages and saves.
func (h *Handler) timeoutFor(c *fiber.Ctx) time.Duration {
	path := strings.ToLower(c.Path())
	switch c.Method() {
	case fiber.MethodPost:
		if path == "/imports" || path == "/api/v1/imports/responses" {
			return h.timeouts.Import
		}
	case fiber.MethodGet, fiber.MethodHead:
		if path == "/exports/responses.csv" || strings.HasSuffix(path, "/summary.csv") ||
			strings.HasSuffix(path, "/collective.md") || strings.HasSuffix(path, "/collective.docx") {
			return h.timeouts.Export
		}
	}
	return h.timeouts.Request
}

// streamContext hands the request's context to a body streamed after the
// handler returns: the context lives on (to its deadline) until release is
// called, when the body has been written or dropped.
func streamContext(c *fiber.Ctx) (ctx context.Context, release func()) {
	rc, ok := c.Locals(localRequestContext).(*requestContext)
	if !ok {
		return c.UserContext(), func() {}
	}
	rc.handedOver = true
	return c.UserContext(), rc.release
}

// moreTimeToAnswer gives a request whose deadline has passed a few seconds
// more, so that the page saying so, with the visitor's form, can be built.
func moreTimeToAnswer(c *fiber.Ctx) {
	rc, ok := c.Locals(localRequestContext).(*requestContext)
	if !ok || c.UserContext().Err() == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
	rc.cancels = append(rc.cancels, cancel)
	c.SetUserContext(ctx)
}
