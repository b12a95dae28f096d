package logging_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/handlers/logging"
)

// stringer is a value that logs as text through fmt.Stringer.
type stringer string

func (s stringer) String() string { return string(s) }

func TestRedactSecretsCoversEveryKindOfLogCall(t *testing.T) {
	const secret = "s3cr3t-Token-Value"
	cases := []struct {
		name string
		log  func(*slog.Logger)
		keep string // what must still be there
	}{
		{"in the message", func(l *slog.Logger) { l.Info("GET /Invite/" + secret + " failed") }, "GET /invite/[redacted] failed"},
		{"in a path", func(l *slog.Logger) { l.Warn("csrf refused", "path", "/INVITE/"+secret) }, "/invite/[redacted]"},
		{"with an escaped slash", func(l *slog.Logger) { l.Warn("x", "path", "/invite%2f"+secret) }, "/invite/[redacted]"},
		{"in an error", func(l *slog.Logger) { l.Error("request failed", "err", errors.New("read /invite/"+secret+": EOF")) }, ": EOF"},
		{"in a Stringer", func(l *slog.Logger) { l.Info("x", "url", stringer("https://t.example/invite/"+secret)) }, "https://t.example/invite/[redacted]"},
		{"in a URL", func(l *slog.Logger) { l.Info("x", "url", &url.URL{Path: "/invite/" + secret}) }, "/invite/[redacted]"},
		{"in a group", func(l *slog.Logger) { l.Info("x", slog.Group("req", "path", "/invite/"+secret, "status", 404)) }, "404"},
		{"in attributes given once", func(l *slog.Logger) { l.With("path", "/invite/"+secret).Info("x", "user_id", 7) }, "7"},
		{"in a group opened once", func(l *slog.Logger) { l.WithGroup("req").Info("x", "path", "/invite/"+secret) }, "/invite/[redacted]"},
		{"a password", func(l *slog.Logger) { l.Info("x", "password", secret, "user_id", 7) }, "7"},
		{"a token under any name", func(l *slog.Logger) { l.Info("x", "X-CSRF-Token", secret) }, "[redacted]"},
		{"a cookie", func(l *slog.Logger) { l.Info("x", "Cookie", "tracker_session="+secret) }, "[redacted]"},
		{"a nested secret", func(l *slog.Logger) { l.Info("x", slog.Group("form", "Recovery_Code", secret)) }, "[redacted]"},
	}
	for _, tc := range cases {
		for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			t.Run(tc.name+" ("+name+")", func(t *testing.T) {
				var buf bytes.Buffer
				tc.log(slog.New(logging.RedactSecrets(logging.RedactSecrets(newHandler(&buf)))))
				out := buf.String()
				if strings.Contains(out, secret) || !strings.Contains(out, tc.keep) {
					t.Errorf("logged %q, want it without the secret and with %q", out, tc.keep)
				}
			})
		}
	}
	t.Run("what is not a secret is left alone", func(t *testing.T) {
		var buf bytes.Buffer
		slog.New(logging.RedactSecrets(slog.NewTextHandler(&buf, nil))).Info("request",
			"path", "/admin/users/3/invite", "role", "member", "request_id", "ab12", "err", errors.New("no such row"))
		want := `msg=request path=/admin/users/3/invite role=member request_id=ab12 err="no such row"`
		if !strings.Contains(buf.String(), want) {
			t.Errorf("logged %q, want %q", buf.String(), want)
		}
	})
}
