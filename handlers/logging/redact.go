// Package logging keeps secrets out of the server's log.
package logging

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Secrets are kept out of the log here, once, for every log call of every
// package: the path of an invite link is its one-time token, and a path is
// logged by the request line, the CSRF and role refusals and the error
// handler, in whatever case the visitor typed it.

// RedactSecrets wraps a log handler so that no record it passes on carries
// an invite token (in the message or in any attribute, however nested) or
// the value of an attribute whose name says it is a secret (password,
// token, cookie, …). Wrapping twice changes nothing.
func RedactSecrets(next slog.Handler) slog.Handler {
	if _, ok := next.(*redactingHandler); ok {
		return next
	}
	return &redactingHandler{next: next}
}

// redacted stands in for what was removed.
const redacted = "[redacted]"

// invitePath matches "/invite/" in any case, with the slash escaped or
// not, and all that follows it that could be part of a token (base64url,
// escaped or not, and further path segments), but not the punctuation that
// ends a path in an error message.
var invitePath = regexp.MustCompile(`(?i)/invite(?:/|%2f)[\w\-%./~+=]*`)

// secretKeys are parts of attribute names whose values are never logged.
var secretKeys = []string{"password", "passwd", "secret", "token", "csrf", "cookie", "authorization", "recovery"}

type redactingHandler struct{ next slog.Handler }

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redactText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return &redactingHandler{next: h.next.WithAttrs(clean)}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{next: h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	if secretKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redactText(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		// Errors, Stringers and anything else print as text: if that text
		// holds a secret, the text without it is logged instead.
		text := fmt.Sprint(v.Any())
		if clean := redactText(text); clean != text {
			return slog.String(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func secretKey(key string) bool {
	key = strings.ToLower(key)
	return slices.ContainsFunc(secretKeys, func(s string) bool { return strings.Contains(key, s) })
}

func redactText(s string) string {
	if !strings.Contains(strings.ToLower(s), "/invite") {
		return s
	}
	return invitePath.ReplaceAllString(s, "/invite/"+redacted)
}
