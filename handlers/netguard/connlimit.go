// Package netguard protects the server below the level of requests: it caps
// the connections one address may hold (LimitConnections), bounds the memory
// held by request bodies still arriving (BodyBudget), notices a client that
// has closed its connection while its request runs (WatchClient), and lets
// go of one that stops reading a long answer (StreamedBody).
package netguard

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// fasthttp serves at most fiber.Config.Concurrency connections and answers
// 503 to everyone beyond them, so one address holding them all shut every
// other visitor out. LimitConnections caps the connections one address may
// hold; the header read timeout frees those that never send a request.

// DefaultConnsPerAddress is how many connections one address may hold at
// once. A browser keeps at most six open to a site and this product's pages
// need one or two, so 128 is room for some forty people behind one NAT
// working at the same moment; it is an eighth of the server's 1,024.
const DefaultConnsPerAddress = 128

// ConnLimits configures LimitConnections.
type ConnLimits struct {
	// PerAddress is the most connections one address may hold open; an
	// IPv6 address counts with the rest of its /64. 0 means DefaultConnsPerAddress.
	PerAddress int
	// Exempt are trusted proxies (addresses or CIDR ranges), which carry
	// everyone's connections: they must limit connections themselves.
	Exempt []string
	Logger *slog.Logger
}

// LimitConnections wraps a listener so that an address over its limit has
// further connections answered 429 and closed at once.
func LimitConnections(ln net.Listener, l ConnLimits) (net.Listener, error) {
	if l.PerAddress <= 0 {
		l.PerAddress = DefaultConnsPerAddress
	}
	if l.Logger == nil {
		l.Logger = slog.Default()
	}
	exempt := make([]netip.Prefix, 0, len(l.Exempt))
	for _, s := range l.Exempt {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, err
		}
		exempt = append(exempt, p)
	}
	return &limitedListener{Listener: ln, perAddress: l.PerAddress, exempt: exempt, log: l.Logger,
		open: map[netip.Addr]int{}}, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q is not an address or a CIDR range", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q is not an address or a CIDR range", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

type limitedListener struct {
	net.Listener
	perAddress int
	exempt     []netip.Prefix
	log        *slog.Logger

	mu      sync.Mutex
	open    map[netip.Addr]int // by address, or the /64 of an IPv6 address
	refused int                // since the last log line
	logged  time.Time
}

// Accept returns the next connection within its address's limit; those over
// it are refused here and never reach fasthttp.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := l.key(c)
		if !ok {
			return c, nil
		}
		if l.take(key) {
			return &countedConn{Conn: c, done: func() { l.give(key) }}, nil
		}
		l.refuse(c, key)
	}
}

// key is what the connection counts against, or false for an exempt or
// non-TCP peer.
func (l *limitedListener) key(c net.Conn) (netip.Addr, bool) {
	tcp, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	a := tcp.AddrPort().Addr().Unmap()
	for _, p := range l.exempt {
		if p.Contains(a) {
			return netip.Addr{}, false
		}
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr(), true
	}
	return a, true
}

func (l *limitedListener) take(key netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.perAddress {
		return false
	}
	l.open[key]++
	return true
}

func (l *limitedListener) give(key netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// tooManyConnections is the whole answer to a refused connection: written to
// a socket that has just opened, it fits in the kernel's buffer at once.
var tooManyConnections = func() string {
	body := "Too many connections from your network are open to this site. Wait a minute and try again.\n"
	return fmt.Sprintf("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Retry-After: 60\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// refuse answers 429 and closes, logging at most one line a minute.
func (l *limitedListener) refuse(c net.Conn, key netip.Addr) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte(tooManyConnections))
	_ = c.Close()
	l.mu.Lock()
	l.refused++
	n, logNow := l.refused, time.Since(l.logged) >= time.Minute
	if logNow {
		l.refused, l.logged = 0, time.Now()
	}
	l.mu.Unlock()
	if logNow {
		l.log.Warn("connections refused: too many open from one address", "ip", key.String(),
			"limit", l.perAddress, "refused", n)
	}
}

// countedConn gives its place back once, when fasthttp closes it.
type countedConn struct {
	net.Conn
	once sync.Once
	done func()
}

// NetConn is the connection it wraps, so that code watching for a client
// that went away (WatchClient) can reach the socket underneath.
func (c *countedConn) NetConn() net.Conn { return c.Conn }

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}
