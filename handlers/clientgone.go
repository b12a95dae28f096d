package handlers

import (
	"context"
	"net"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// clientGonePoll is how often untilClientLeaves looks at the connection.
const clientGonePoll = 100 * time.Millisecond

// untilClientLeaves returns the request's context, cancelled as well once
// the client has closed its connection, for work long enough to be worth
// stopping (an import): fasthttp does not notice a closed connection while
// a handler runs. Call stop when the work is done. The connection is only
// peeked at, never read, so the next request on it is untouched.
func untilClientLeaves(c *fiber.Ctx) (ctx context.Context, stop context.CancelFunc) {
	ctx, stop = context.WithCancel(c.UserContext())
	raw, ok := rawConn(c.Context().Conn())
	if !ok {
		return ctx, stop // not a socket (app.Test): nothing to watch
	}
	go func() {
		t := time.NewTicker(clientGonePoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if peerClosed(raw) {
					stop()
					return
				}
			}
		}
	}()
	return ctx, stop
}

// rawConn finds the socket under a connection, through wrappers that say
// what they wrap (as crypto/tls does).
func rawConn(conn net.Conn) (syscall.RawConn, bool) {
	for range 8 {
		if sc, ok := conn.(syscall.Conn); ok {
			raw, err := sc.SyscallConn()
			return raw, err == nil
		}
		w, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			return nil, false
		}
		conn = w.NetConn()
	}
	return nil, false
}
