package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// TestEachKindOfErrorIsSentAndLoggedWithOneStatus: whatever a handler
// returns, the status the visitor gets and the status the request log
// records are the same, and are the one statusOf gives.
func TestEachKindOfErrorIsSentAndLoggedWithOneStatus(t *testing.T) {
	var log bytes.Buffer
	h, err := newHandler(Deps{Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{ErrorHandler: h.handleError})
	app.Use(h.withRequestID, h.logRequests, h.withRequestContext)
	var returned error
	app.Get("/", func(*fiber.Ctx) error { return returned })

	for _, tc := range []struct {
		kind string
		err  error
		want int
	}{
		{"models.ErrNotFound", fmt.Errorf("load proposal LP-01: %w", models.ErrNotFound), 404},
		{"models.ErrConflict", fmt.Errorf("save: %w", models.ErrConflict), 409},
		{"a colleague's save (ConflictError)", models.ConflictError{}, 409},
		{"a duplicate (DuplicateError)", models.DuplicateError{Field: "slug"}, 409},
		{"validation (validator)", validator.ValidationErrors{}, 422},
		{"validation (UnknownConcernError)", models.UnknownConcernError{Code: "nope"}, 422},
		{"models.ErrUnavailable", fmt.Errorf("save response: %w", models.ErrUnavailable), 503},
		{"context deadline", fmt.Errorf("summary: %w", context.DeadlineExceeded), 504},
		{"a fiber error keeps its code", fiber.NewError(fiber.StatusForbidden, "This page is for admins."), 403},
		{"a fiber 5xx keeps its code", fiber.NewError(fiber.StatusServiceUnavailable, "Many people are signing in at once."), 503},
		{"anything else", errors.New("the disk is on fire"), 500},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			log.Reset()
			returned = tc.err
			resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/", nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			logged := loggedStatus(t, log.Bytes())
			if resp.StatusCode != tc.want || logged != tc.want {
				t.Errorf("sent %d and logged %d, want %d for both", resp.StatusCode, logged, tc.want)
			}
		})
	}
}

// loggedStatus is the status of the request line in a JSON log.
func loggedStatus(t *testing.T, log []byte) int {
	t.Helper()
	lines := bufio.NewScanner(bytes.NewReader(log))
	for lines.Scan() {
		var rec struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
		}
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "request" {
			return rec.Status
		}
	}
	t.Fatalf("no request line in the log:\n%s", log)
	return 0
}
