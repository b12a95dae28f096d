package netguard_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
)

// Issue 10, item 1: connection slots, over real sockets.

// serve runs a server that answers every request 200 on a loopback
// listener limited as l says, and returns its address.
func serve(t *testing.T, l netguard.ConnLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited, err := netguard.LimitConnections(ln, l)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })}
	go func() { _ = srv.Serve(limited) }()
	t.Cleanup(func() { _ = srv.Close() })
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
	addr := serve(t, netguard.ConnLimits{PerAddress: 8})
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
			addr := serve(t, netguard.ConnLimits{PerAddress: 2, Exempt: []string{exempt}})
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
	_, err = netguard.LimitConnections(ln, netguard.ConnLimits{Exempt: []string{"proxy.internal"}})
	if err == nil || !strings.Contains(err.Error(), `trusted proxy "proxy.internal" is not an address or a CIDR range`) {
		t.Errorf("err = %v", err)
	}
}
