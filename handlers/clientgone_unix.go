//go:build unix

package handlers

import (
	"errors"
	"syscall"
)

// peerClosed says whether the other end has closed the connection (or it is
// broken), without taking any byte off it.
func peerClosed(raw syscall.RawConn) bool {
	closed := false
	var buf [1]byte
	err := raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			closed = n == 0 // end of stream; n > 0 is a request waiting its turn
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		default:
			closed = true
		}
		return true // never wait for data
	})
	return closed || err != nil
}
