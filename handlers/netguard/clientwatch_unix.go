//go:build linux || darwin || freebsd

package netguard

import (
	"net"
	"syscall"
)

// socketPeeker returns a function that peeks at conn's socket without
// blocking and without taking any byte from it, or nil if conn is not a
// socket.
func socketPeeker(conn net.Conn) func() peerState {
	sc, ok := innermostConn(conn).(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	buf := make([]byte, 1)
	return func() peerState {
		state := peerOpen
		// Control, not Read: it takes no lock that fasthttp's own reads
		// (a streamed request body) would wait on.
		err := raw.Control(func(fd uintptr) {
			n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case n > 0:
				state = peerSentMore
			case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
				state = peerOpen
			default: // 0 bytes and no error is end of file; any other error, a reset
				state = peerClosed
			}
		})
		if err != nil {
			return peerClosed // the connection is closed
		}
		return state
	}
}
