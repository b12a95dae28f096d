package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers"
)

// Issue 10, item 1: connection slots and memory for unfinished bodies, over
// real sockets (app.Test has no listener and no slow clients).

// serve runs the env's app on a loopback listener, wrapped as wrap says,
// and returns its address.
func (e *env) serve(wrap func(net.Listener) (net.Listener, error)) string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	served := ln
	if wrap != nil {
		if served, err = wrap(ln); err != nil {
			e.t.Fatal(err)
		}
	}
	go e.app.Listener(served)
	e.t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String()
}

func dialFrom(t *testing.T, addr, source string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// answer reads the response on c, or says why there is none.
func answer(c net.Conn, wait time.Duration) (*http.Response, string, error) {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// getFrom sends one GET from the source address on a new connection.
func getFrom(t *testing.T, addr, source, path string) (int, string) {
	t.Helper()
	c := dialFrom(t, addr, source)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, body, err := answer(c, 10*time.Second)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, body
}

func TestOneAddressCannotHoldMoreThanItsShareOfConnections(t *testing.T) {
	e, _ := newEnv(t)
	addr := e.serve(func(ln net.Listener) (net.Listener, error) {
		return handlers.LimitConnections(ln, handlers.ConnLimits{PerAddress: 8})
	})
	var held []net.Conn
	for range 8 { // half-open: a request line and no end to the headers
		c := dialFrom(t, addr, "127.0.0.1")
		fmt.Fprintf(c, "GET /login HTTP/1.1\r\nHost: %s\r\n", addr)
		held = append(held, c)
	}

	t.Run("the ninth from the same address is told in words and closed", func(t *testing.T) {
		status, body := getFrom(t, addr, "127.0.0.1", "/login")
		if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many connections from your network") {
			t.Errorf("status %d %q, want 429 in words", status, body)
		}
	})
	t.Run("another address is served", func(t *testing.T) {
		if status, body := getFrom(t, addr, "127.0.0.2", "/login"); status != http.StatusOK {
			t.Errorf("status %d, want 200\n%.300s", status, body)
		}
	})
	t.Run("a closed connection gives its place back", func(t *testing.T) {
		for _, c := range held {
			c.Close()
		}
		status := 0
		for range 50 { // the server sees the close a moment later
			if status, _ = getFrom(t, addr, "127.0.0.1", "/login"); status == http.StatusOK {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if status != http.StatusOK {
			t.Errorf("status %d after closing every connection, want 200", status)
		}
	})
}

func TestTrustedProxiesAreNotLimitedPerAddress(t *testing.T) {
	for _, exempt := range []string{"127.0.0.1", "127.0.0.0/8", "::ffff:127.0.0.1"} {
		t.Run(exempt, func(t *testing.T) {
			e, _ := newEnv(t)
			addr := e.serve(func(ln net.Listener) (net.Listener, error) {
				return handlers.LimitConnections(ln, handlers.ConnLimits{PerAddress: 2, Exempt: []string{exempt}})
			})
			for range 4 {
				c := dialFrom(t, addr, "127.0.0.1")
				fmt.Fprintf(c, "GET /login HTTP/1.1\r\nHost: %s\r\n", addr)
			}
			if status, body := getFrom(t, addr, "127.0.0.1", "/login"); status != http.StatusOK {
				t.Errorf("status %d through the proxy's address, want 200\n%.300s", status, body)
			}
		})
	}
}

func TestATrustedProxyThatIsNotAnAddressIsRefusedAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = handlers.LimitConnections(ln, handlers.ConnLimits{Exempt: []string{"proxy.internal"}})
	if err == nil || !strings.Contains(err.Error(), `trusted proxy "proxy.internal" is not an address or a CIDR range`) {
		t.Errorf("err = %v", err)
	}
}

// startBody sends the headers of a sign-in post announcing size bytes and
// waits briefly for an answer: a body the server will not hold is refused
// at once, before any of it is sent. A body it holds is then sent all but
// its last byte, and left waiting.
func startBody(t *testing.T, addr string, size int) (net.Conn, *http.Response, string) {
	t.Helper()
	c := dialFrom(t, addr, "127.0.0.1")
	fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, size)
	if resp, body, err := answer(c, 250*time.Millisecond); err == nil {
		c.Close()
		return nil, resp, body
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(c, strings.Repeat("x", size-1))
	return c, nil, ""
}

func TestStalledUploadsAreRefusedBeyondTheBudgetAndFormsStillGetThrough(t *testing.T) {
	e, _ := newEnv(t)
	addr := e.serve(nil)
	const size = 1_000_000
	var stalled []net.Conn
	var refusal *http.Response
	var refusalBody string
	for range 60 { // the budget holds 24 such bodies; before it, all 60 were held
		c, resp, body := startBody(t, addr, size)
		if resp != nil {
			refusal, refusalBody = resp, body
			break
		}
		stalled = append(stalled, c)
	}
	if refusal == nil || refusal.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("60 stalled 1 MB bodies were all held; want a 503 once the budget for unfinished bodies is full")
	}
	if !strings.Contains(refusalBody, "The server is busy receiving other uploads") || refusal.Header.Get("Retry-After") == "" ||
		refusal.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the refusal does not say what happened, or lacks Retry-After or the security headers: %v\n%.600s", refusal.Header, refusalBody)
	}

	t.Run("a sign-in form still gets through", func(t *testing.T) {
		c := dialFrom(t, addr, "127.0.0.2")
		form := url.Values{"email": {"a@alpha.example"}, "password": {"not the password"}}.Encode()
		fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			addr, len(form), form)
		resp, _, err := answer(c, 10*time.Second)
		if err != nil || resp.StatusCode == http.StatusServiceUnavailable {
			t.Errorf("a small form while the budget is full: %v %v", resp, err)
		}
	})
	t.Run("the budget comes back when the stalled clients go", func(t *testing.T) {
		for _, c := range stalled {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for ctx.Err() == nil {
			c, resp, _ := startBody(t, addr, size)
			if c != nil {
				return // held
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want the body held", resp.StatusCode)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Error("a 1 MB body is still refused after every stalled client left")
	})
}
