package handlers

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// When the database cannot take a write (a full disk, a read-only file, a
// PostgreSQL server that cannot be reached) or a request runs out of time,
// people are told so in words and keep what they typed: the form they sent
// is shown again with the reason above it, or, when even the form cannot be
// built, the error page shows their text.

// failure is why a request failed when it is neither the visitor's doing
// nor a missing page.
type failure int

const (
	noFailure   failure = iota
	unavailable         // the database could not take the request
	outOfTime           // the request's deadline passed
	clientGone          // the client closed the connection
)

// errClientGone is the cause of a request's context when its client closed
// the connection before the answer.
var errClientGone = errors.New("the client closed the connection")

func failureOf(c *fiber.Ctx, err error) failure {
	switch {
	case storage.IsUnavailable(err):
		return unavailable
	case errors.Is(context.Cause(c.UserContext()), errClientGone):
		return clientGone
	case errors.Is(err, context.DeadlineExceeded), errors.Is(c.UserContext().Err(), context.DeadlineExceeded):
		return outOfTime
	}
	return noFailure
}

func (f failure) status() int {
	if f == outOfTime {
		return fiber.StatusGatewayTimeout
	}
	return fiber.StatusServiceUnavailable
}

// message says what happened, for a save (write) or a page, and whether the
// visitor's text is on the page.
func (f failure) message(write, textShown bool) string {
	switch {
	case f == clientGone:
		return "The request was stopped because the connection closed."
	case f == unavailable && !write:
		return "The server cannot show this right now. Try again in a few minutes. If it keeps happening, tell the policy team."
	case f == unavailable && textShown:
		return "The server cannot save right now, so nothing was saved. Your text is below: keep a copy, and try again in a few minutes. If it keeps happening, tell the policy team."
	case f == unavailable:
		return "The server cannot save right now, so nothing was saved. Try again in a few minutes. If it keeps happening, tell the policy team."
	case !write:
		return "The server took too long to answer, so it stopped. Try again in a moment. If it keeps happening, tell the policy team."
	case textShown:
		return "The server took too long to answer, so it stopped. Your change was most likely not saved; your text is below. Check the page, then try again."
	}
	return "The server took too long to answer, so it stopped. Your change was most likely not saved: check the page, then try again."
}

// apiMessage is the message for a script, which keeps what it sent.
func (f failure) apiMessage(write bool) string {
	switch {
	case f == unavailable && write:
		return "The server cannot save right now; nothing was saved. Send it again in a few minutes."
	case f == unavailable:
		return "The server cannot answer right now. Try again in a few minutes."
	case write:
		return "The server took too long and stopped; the change was most likely not saved. Read it back before sending it again."
	}
	return "The server took too long and stopped. Try again in a moment."
}

func isWrite(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// refusedSave says whether a save failed because the database could not
// take it or the request ran out of time, and if so with what status and
// words to show the form again, the typed text in it. A request out of time
// is given a few seconds more to build that page.
func (h *Handler) refusedSave(c *fiber.Ctx, err error) (status int, message string, ok bool) {
	f := failureOf(c, err)
	if f == noFailure {
		return 0, "", false
	}
	h.logFailure(c, f, err)
	moreTimeToAnswer(c)
	return f.status(), f.message(true, true), true
}

// formProblem is the key of a problem with a whole form rather than one of
// its fields.
const formProblem = "_form"

// logFailure logs a failed request: the database's failure as an error
// (the operator must act), a deadline as a warning, a client gone as
// information.
func (h *Handler) logFailure(c *fiber.Ctx, f failure, err error) {
	attrs := []any{"method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", storage.RedactError(err)}
	switch f {
	case unavailable:
		h.log.Error("database unavailable", attrs...)
	case outOfTime:
		h.log.Warn("request deadline passed", attrs...)
	default:
		h.log.Info("client went away", attrs...)
	}
}

// typedText is what someone typed into the long text fields of the form they
// posted, for the error page to show when the form itself cannot be shown
// again. Only fields of free text are listed (never a password, a code or a
// token), by their label, in the order of freeTextFields.
func typedText(c *fiber.Ctx) []typedField {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut:
	default:
		return nil
	}
	var out []typedField
	for _, f := range freeTextFields {
		if v := c.FormValue(f.Name); v != "" {
			out = append(out, typedField{Label: f.Label, Value: v})
		}
	}
	return out
}

// freeTextFields are the product's fields of free text, as the forms name
// them (typedField is in staleform.go).
var freeTextFields = []typedField{
	{Name: "comment", Label: "Comment"},
	{Name: "amendments", Label: "Suggested amendments"},
	{Name: "introduction", Label: "Introduction"},
	{Name: "statement", Label: "Statement"},
	{Name: "body", Label: "Note"},
	{Name: "excerpt", Label: "Quote"},
	{Name: "title", Label: "Title"},
	{Name: "background", Label: "Background"},
	{Name: "summary", Label: "Summary"},
	{Name: "change", Label: "What it would change"},
	{Name: "description", Label: "Description"},
}
