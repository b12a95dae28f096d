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
)

// Issue 10, item 1: memory for unfinished bodies, over real sockets
// (app.Test has no listener and no slow clients). The connection slots are
// tested in netguard.

// serve runs the env's app on a loopback listener and returns its address.
func (e *env) serve() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go e.app.Listener(ln)
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
	addr := e.serve()
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

// A body that says it is multipart but is not was refused by fasthttp while
// it was still arriving: the server answered and closed, and a client still
// sending got "connection reset" instead of the answer (found by
// FuzzResponseForm in CI). The whole body is read first and then refused.
func TestAMalformedMultipartFormIsReadWholeAndAnsweredInWords(t *testing.T) {
	e, _ := newEnv(t)
	member := e.signIn("a@alpha.example")
	addr := e.serve()
	for _, size := range []int{70 << 10, 900 << 10} {
		t.Run(fmt.Sprintf("%d KiB", size>>10), func(t *testing.T) {
			body := "amendments=" + strings.Repeat("x", size) + "&stance=oppose&action=submit"
			c := dialFrom(t, addr, "127.0.0.1")
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			_, err := fmt.Fprintf(c, "POST /proposals/LP-01/response HTTP/1.1\r\nHost: %s\r\nCookie: tracker_session=%s\r\n"+
				"X-CSRF-Token: %s\r\nContent-Type: multipart/form-data; boundary=fuzzboundary\r\nContent-Length: %d\r\n\r\n%s",
				addr, member.cookie, member.csrf, len(body), body)
			if err != nil {
				t.Fatalf("the server stopped reading the body: %v", err)
			}
			resp, page, err := answer(c, 10*time.Second)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d, want a 4xx", resp.StatusCode)
			}
			if !strings.Contains(page, "<h1") {
				t.Errorf("the refusal is not a page:\n%.300s", page)
			}
		})
	}
}
