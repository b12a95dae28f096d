package handlers

import (
	"errors"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// statusOf is the status a request that failed with err is answered with,
// and, when the database or the time ran out, which failure it was. It is
// the one place errors become statuses: the error handler sends what it
// says and the request log logs it.
func statusOf(c *fiber.Ctx, err error) (int, failure) {
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		return fe.Code, noFailure
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound, noFailure
	case errors.Is(err, models.ErrConflict), errors.Is(err, models.ErrDuplicate):
		return fiber.StatusConflict, noFailure
	case invalid(err):
		return fiber.StatusUnprocessableEntity, noFailure
	}
	if f := failureOf(c, err); f != noFailure {
		return f.status(), f
	}
	return fiber.StatusInternalServerError, noFailure
}

// invalid says whether err refuses what was sent as not one of the values
// accepted. Handlers answer these in words beside the form; one that
// reaches the error handler is still the sender's to correct.
func invalid(err error) bool {
	return errors.As(err, new(validator.ValidationErrors)) ||
		errors.As(err, new(models.FilterError)) ||
		errors.As(err, new(models.UnknownConcernError)) ||
		errors.As(err, new(models.TooManyConcernsError)) ||
		errors.As(err, new(models.UnknownQuoteError))
}

// handleError is the one place errors become pages: known errors get their
// status and a plain message; anything else is logged and shown as a generic
// 500 without details.
func (h *Handler) handleError(c *fiber.Ctx, err error) error {
	if refused, err := h.refusedForBudget(c); refused {
		return err
	}
	status, failed := statusOf(c, err)
	message := ""
	var typed []typedField
	var fe *fiber.Error
	switch {
	case failed != noFailure:
		h.logFailure(c, failed, err)
		message, typed = failureMessage(c, failed)
		if status == fiber.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, "60")
		}
	case status >= 500:
		h.log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", storage.RedactError(err))
	case errors.As(err, &fe):
		message = fe.Message
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

// failureMessage says in words why the database or the time failed the
// request; a page also shows what was typed, when the form itself could
// not be shown again.
func failureMessage(c *fiber.Ctx, f failure) (string, []typedField) {
	if isAPI(c) {
		return f.apiMessage(isWrite(c)), nil
	}
	typed := typedText(c)
	return f.message(isWrite(c), len(typed) > 0), typed
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
