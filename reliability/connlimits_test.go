//go:build reliability

package reliability

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 10, item 1, against the real binary: one address cannot take every
// connection slot, and bodies that stall part-way cannot lift the server's
// memory without bound, whether they come from one address or from many.

// TestOneAddressHoldingElevenHundredConnectionsLeavesRoomForOthers opens
// 1,100 connections from 127.0.0.1 that send half a request and stop, then
// asks for the sign-in page from 127.0.0.2: it must be served.
func TestOneAddressHoldingElevenHundredConnectionsLeavesRoomForOthers(t *testing.T) {
	srv := startServer(t, seedDemoDB(t))
	const flood = 1100
	conns := openHalfRequests(t, srv.Addr, "127.0.0.1", flood)
	defer closeAll(conns)

	status, body, err := getFrom(srv.Addr, "127.0.0.2", "/login")
	if err != nil || status != http.StatusOK || !strings.Contains(body, "Sign in") {
		t.Fatalf("GET /login from 127.0.0.2 during the flood: status %d, err %v\n%.300s", status, err, body)
	}
	// The flooding address is itself told why, in words.
	floodStatus, floodBody, _ := getFrom(srv.Addr, "127.0.0.1", "/login")
	t.Logf("RESULT connection slots: %d half-open connections from 127.0.0.1 (%d held by the server, the rest answered and closed); "+
		"GET /login from 127.0.0.2 → %d; a further request from 127.0.0.1 → %d %q",
		len(conns), stillOpen(conns), status, floodStatus, firstLine(floodBody))
	closeAll(conns)
	srv.stop(t, 25*time.Second)
}

// TestFiveHundredStalledBodiesKeepMemoryUnder200MB sends 500 sign-in posts
// that announce 1,000,000 bytes, send all but the last byte and stall:
// first all from one address, then 50 from each of ten. The server's peak
// resident memory must stay under 200 MiB, and a visitor from another
// address must still get the sign-in page.
func TestFiveHundredStalledBodiesKeepMemoryUnder200MB(t *testing.T) {
	db := seedDemoDB(t)
	for _, sc := range []struct {
		name    string
		sources []string
	}{
		{"one address", []string{"127.0.0.1"}},
		{"ten addresses", []string{"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5",
			"127.0.1.6", "127.0.1.7", "127.0.1.8", "127.0.1.9", "127.0.1.10"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			srv := startServer(t, db)
			for range 5 { // warm up: templates, the database pool
				if status, _, err := getFrom(srv.Addr, "127.0.0.3", "/login"); err != nil || status != http.StatusOK {
					t.Fatalf("warm-up GET /login: %d %v", status, err)
				}
			}
			before := vmRSS(srv.Pid())
			outcomes, conns := stallBodies(srv.Addr, sc.sources, 500, 1_000_000)
			defer closeAll(conns)
			peak := vmHWM(srv.Pid())
			status, _, err := getFrom(srv.Addr, "127.0.0.3", "/login")
			if err != nil || status != http.StatusOK {
				t.Errorf("GET /login from 127.0.0.3 while 500 bodies stall: status %d, err %v", status, err)
			}
			if peak > 200<<10 {
				t.Errorf("peak RSS %d MiB with 500 stalled 1 MB bodies, want under 200 MiB", peak>>10)
			}
			t.Logf("RESULT stalled bodies, %s: RSS %d MiB before, peak %d MiB; outcomes %s; GET /login from elsewhere → %d",
				sc.name, before>>10, peak>>10, outcomes, status)
			closeAll(conns)
			srv.stop(t, 25*time.Second)
		})
	}
}

// openHalfRequests opens n connections from the source address, 64 at a
// time, each sending a request line and one header but never the blank line
// that ends the headers. Connections the server refuses are not kept.
func openHalfRequests(t *testing.T, addr, source string, n int) []net.Conn {
	t.Helper()
	var mu sync.Mutex
	var conns []net.Conn
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dialFrom(addr, source)
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(c, "GET /login HTTP/1.1\r\nHost: %s\r\n", addr); err != nil {
				c.Close()
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return conns
}

// stallBodies sends n requests, spread over the sources, each announcing
// size bytes and sending all but one, and reports what became of them:
// "waiting" (the server is still reading), or the status it answered, or
// "dropped". The waiting connections are returned open.
func stallBodies(addr string, sources []string, n, size int) (string, []net.Conn) {
	body := strings.Repeat("x", size-1)
	var mu sync.Mutex
	seen := map[string]int{}
	var open []net.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outcome, c := stallOne(addr, sources[i%len(sources)], body, size)
			mu.Lock()
			defer mu.Unlock()
			seen[outcome]++
			if c != nil {
				open = append(open, c)
			}
		}()
	}
	wg.Wait()
	var parts []string
	for k, v := range seen {
		parts = append(parts, fmt.Sprintf("%s × %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", "), open
}

func stallOne(addr, source, body string, size int) (string, net.Conn) {
	c, err := dialFrom(addr, source)
	if err != nil {
		return "not connected", nil
	}
	_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\n\r\n%s", addr, size, body); err != nil {
		// The server may answer and close before the body is all sent.
		return readOutcome(c), nil
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		_ = c.SetDeadline(time.Time{})
		return "waiting", c
	}
	c.Close()
	if err != nil {
		return "dropped", nil
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode), nil
}

// readOutcome reads whatever answer came before a failed write.
func readOutcome(c net.Conn) string {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "dropped"
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

func dialFrom(addr, source string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	return d.Dial("tcp", addr)
}

// getFrom makes one GET from the source address on a new connection.
func getFrom(addr, source, path string) (int, string, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: nil, DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) { return d.DialContext(ctx, network, a) },
	}}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// stillOpen counts the connections the server neither answered nor closed.
func stillOpen(conns []net.Conn) int {
	var n int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, err := c.Read(make([]byte, 1))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return n
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// vmRSS is the process's current resident memory in KiB.
func vmRSS(pid int) int { return procStatus(pid, "VmRSS:") }

// procStatus reads one KiB figure from /proc/<pid>/status, 0 if unreadable.
func procStatus(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}
