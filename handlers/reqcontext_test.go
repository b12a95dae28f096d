package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
)

// withTimeouts replaces the env's app with one whose requests have the
// given timeouts; sessions live in the database, so signed-in clients stay
// signed in.
func (e *env) withTimeouts(t handlers.Timeouts, log io.Writer) *fiber.App {
	e.t.Helper()
	if log == nil {
		log = io.Discard
	}
	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(log, nil)), Timeouts: t})
	if err != nil {
		e.t.Fatal(err)
	}
	e.app = app
	return app
}

// TestARequestPastItsDeadlineAnswers504InWords: with a deadline that has
// passed before the first store call, a page, a form and the API each
// answer 504 in words, not 500, and the form's text is shown back. Imports
// and exports have deadlines of their own, longer, and still work.
func TestARequestPastItsDeadlineAnswers504InWords(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	policy := e.signIn("policy@body.example")
	member.get("/proposals/LP-01")
	policy.get("/imports")
	e.withTimeouts(handlers.Timeouts{Request: time.Nanosecond}, nil)

	page := member.get("/consultations")
	wantStatus(t, page, http.StatusGatewayTimeout)
	wantContains(t, page.Body, "The server took too long to answer, so it stopped. Try again in a moment.")

	comment := "Our board met on Tuesday and agreed to oppose."
	r := member.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"comment": {comment}}))
	wantStatus(t, r, http.StatusGatewayTimeout)
	wantContains(t, r.Body, "Your change was most likely not saved; your text is below.", comment)
	e.wantNothingStored(t, e.orgA, "LP-01")

	api := member.get("/api/v1/consultations")
	wantStatus(t, api, http.StatusGatewayTimeout)
	var body struct{ Error string }
	decodeJSON(t, api, &body)
	if !strings.Contains(body.Error, "took too long") {
		t.Errorf("API error = %q, want it to say the server took too long", body.Error)
	}

	export := policy.get("/exports/responses.csv")
	wantStatus(t, export, http.StatusOK)
	imported := policy.postFile("/imports", "one.csv", dioHeader+"AAA,LP-02,support,1,,Imported.,,private\n")
	if imported.Status == http.StatusGatewayTimeout || imported.Status >= 500 {
		t.Errorf("import: status %d, want it inside the import deadline", imported.Status)
	}
	if _, err := e.stored(e.orgA, "LP-02"); err != nil {
		t.Errorf("the import stored nothing: %v", err)
	}
}

// TestASaveHeldUpPastItsDeadlineShowsTheFormAgainWith504: a save that waits
// behind another write for longer than the request's deadline stops at the
// deadline; the member sees the form again with their text and the reason.
func TestASaveHeldUpPastItsDeadlineShowsTheFormAgainWith504(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	member.get("/proposals/LP-01")
	e.withTimeouts(handlers.Timeouts{Request: 2 * time.Second}, nil)
	release, err := e.store.HoldWritesForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer time.AfterFunc(30*time.Second, release).Stop() // without a deadline the save would wait for ever
	comment := "Written while another write held the database."
	r := member.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"comment": {comment}}))
	release()
	wantStatus(t, r, http.StatusGatewayTimeout)
	wantContains(t, r.Body, "The server took too long to answer, so it stopped.", formAction)
	wantTextarea(t, r.Body, "comment", comment)
	e.wantNothingStored(t, e.orgA, "LP-01")
}

// TestAClientThatGoesAwayCancelsItsSave: a member's save waits behind
// another write; the member's browser closes the connection. The server
// notices within moments (not at the one-minute deadline), stops the save
// and says so in its log; nothing is stored once the other write ends.
func TestAClientThatGoesAwayCancelsItsSave(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	member.get("/proposals/LP-01")
	var log lockedBuffer
	app := e.withTimeouts(handlers.Timeouts{Request: time.Minute}, &log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	// Wrapped as the server wraps it, so the watch must see through the wrapper.
	if ln, err = netguard.LimitConnections(ln, netguard.ConnLimits{}); err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)  //nolint:errcheck // ends with Shutdown
	defer app.Shutdown() //nolint:errcheck

	release, err := e.store.HoldWritesForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	form := withValues(validAnswer(), map[string][]string{"_csrf": {member.csrf}})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /proposals/LP-01/response HTTP/1.1\r\nHost: tracker\r\nCookie: tracker_session=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		member.cookie, len(form.Encode()), form.Encode())
	conn.Close()

	// Bounded: the deadline is a minute away; the check runs every 250 ms.
	for i := 0; i < 100 && !strings.Contains(log.String(), `msg="client went away"`); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(log.String(), `msg="client went away" method=POST path=/proposals/LP-01/response`) {
		t.Fatalf("the server did not notice the client had gone; log:\n%s", log.String())
	}
	release()
	e.wantNothingStored(t, e.orgA, "LP-01")
}

// TestAClientThatStaysIsServedWhileItsSaveWaits: the watch on the
// connection does not mistake a client waiting for its answer for one gone.
func TestAClientThatStaysIsServedWhileItsSaveWaits(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	member.get("/proposals/LP-01")
	app := e.withTimeouts(handlers.Timeouts{Request: time.Minute}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)  //nolint:errcheck // ends with Shutdown
	defer app.Shutdown() //nolint:errcheck

	release, err := e.store.HoldWritesForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	form := withValues(validAnswer(), map[string][]string{"_csrf": {member.csrf}})
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /proposals/LP-01/response HTTP/1.1\r\nHost: tracker\r\nCookie: tracker_session=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		member.cookie, len(form.Encode()), form.Encode())
	time.AfterFunc(time.Second, release) // the other write ends after several looks at the connection
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: the save goes through once the other write ends", resp.StatusCode)
	}
	if _, err := e.stored(e.orgA, "LP-01"); err != nil {
		t.Errorf("the save was not stored: %v", err)
	}
}
