package netguard

import (
	"context"
	"net"
	"sync"
	"time"
)

// WatchClient looks every interval, while a request runs (and its context
// is live), whether the client has closed its connection (the socket is at
// end of file, or reset), and calls gone once if it has. It only peeks at the socket, never reading what
// fasthttp would read next; if the client has sent more bytes (a pipelined
// request), it cannot tell and stops looking. It returns a function that
// stops the looking and waits for a look in progress. A connection that is
// not a socket of this system (a test's, or on an OS without MSG_PEEK
// support here) is not watched: the deadline still bounds the request.
func WatchClient(ctx context.Context, conn net.Conn, interval time.Duration, gone func()) (stop func()) {
	peek := socketPeeker(conn)
	if peek == nil {
		return func() {}
	}
	var (
		mu      sync.Mutex
		stopped bool
		timer   *time.Timer
	)
	look := func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped || ctx.Err() != nil {
			return // ended, or past its deadline: nothing more to stop
		}
		switch peek() {
		case peerClosed:
			gone()
		case peerOpen:
			timer.Reset(interval)
		}
	}
	mu.Lock()
	timer = time.AfterFunc(interval, look)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}

// peerState is what a peek at a socket tells about the client.
type peerState int

const (
	peerOpen     peerState = iota // nothing to read: still waiting for the answer
	peerSentMore                  // bytes waiting: the client is there, and more cannot be told
	peerClosed                    // end of file or an error: the client is gone
)

// netConner is a connection wrapping another (crypto/tls, or a listener's
// own wrapper), which the watcher unwraps to reach the socket.
type netConner interface{ NetConn() net.Conn }

func innermostConn(conn net.Conn) net.Conn {
	for {
		w, ok := conn.(netConner)
		if !ok {
			return conn
		}
		conn = w.NetConn()
	}
}
