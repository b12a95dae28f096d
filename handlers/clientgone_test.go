package handlers

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// serveWatching serves one route that waits, at most wait, for the client
// to go away, and reports on seen whether it noticed.
// With limited set, the listener is wrapped as the server wraps it.
func serveWatching(t *testing.T, wait time.Duration, limited bool) (addr string, seen chan bool) {
	t.Helper()
	seen = make(chan bool, 4)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/work", func(c *fiber.Ctx) error {
		ctx, stop := untilClientLeaves(c)
		defer stop()
		select {
		case <-ctx.Done():
			seen <- true
		case <-time.After(wait):
			seen <- false
		}
		return c.SendString("done\n")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	if limited {
		if ln, err = LimitConnections(ln, ConnLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return addr, seen
}

func TestWorkStopsWhenTheClientGoesAway(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limited bool
	}{{"plain listener", false}, {"behind the per-address connection limit", true}} {
		t.Run(tc.name, func(t *testing.T) { workStopsWhenTheClientGoesAway(t, tc.limited) })
	}
}

func workStopsWhenTheClientGoesAway(t *testing.T, limited bool) {
	addr, seen := serveWatching(t, 30*time.Second, limited) // the wait only bounds a failing run
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("GET /work HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the request reach the handler
	conn.Close()
	if noticed := <-seen; !noticed {
		t.Fatal("the handler worked on after its client closed the connection")
	}
}

// A client that is still there keeps its work, and a request it sent
// behind the first (pipelined) is read whole: watching never takes a byte.
func TestWatchingAConnectionLeavesTheNextRequestWhole(t *testing.T) {
	addr, seen := serveWatching(t, 4*clientGonePoll, true)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET /work HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := conn.Write([]byte(req + req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for i := range 2 {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i+1, err)
		}
		body := make([]byte, resp.ContentLength)
		_, _ = br.Read(body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "done") {
			t.Errorf("answer %d: status %d, body %q", i+1, resp.StatusCode, body)
		}
		if noticed := <-seen; noticed {
			t.Errorf("request %d was stopped though its client was still there", i+1)
		}
	}
}
