package netguard

import (
	"errors"
	"io"
	"net"
	"time"
)

// StreamedBody is a response body that writes itself. fasthttp frames each
// Write as one HTTP chunk straight onto the connection (it asks for
// SupportsBodyWriteTo), so the export's segments go out as they are.
// SetBodyStreamWriter instead passes the body through a pipe in 4 KiB
// copies between two goroutines, which held an export of a million rows
// to about 60,000 rows a second.
//
// fasthttp's write timeout is one deadline for the whole response: a
// gigabyte export to someone on a slow line, or simply longer than the
// timeout, was cut off mid-file. Each chunk instead gets the timeout of its
// own, so a client that keeps reading gets the whole file and one that
// stops reading for longer than the timeout is still let go.
type StreamedBody struct {
	Write   func(io.Writer) error // writes the body
	Conn    net.Conn              // the connection whose write deadline moves; nil for none
	Timeout time.Duration         // how long one chunk may take
	Release func()                // called once, when the body is written or dropped
}

// Close is called by fasthttp once the body is written, or dropped.
func (b StreamedBody) Close() error {
	b.Release()
	return nil
}

// WriteTo writes the body to w, chunk by chunk.
func (b StreamedBody) WriteTo(w io.Writer) (int64, error) {
	cw := &chunkWriter{w: w, conn: b.Conn, timeout: b.Timeout}
	err := b.Write(cw)
	return cw.n, err
}

// SupportsBodyWriteTo tells fasthttp to write the body with WriteTo.
func (StreamedBody) SupportsBodyWriteTo() bool { return true }

// Read is never used: fasthttp writes a body that supports WriteTo with it.
func (StreamedBody) Read([]byte) (int, error) {
	return 0, errors.New("a streamed body is written with WriteTo, not read")
}

// chunkWriter moves the connection's write deadline on before each chunk
// and counts what it wrote.
type chunkWriter struct {
	w       io.Writer
	conn    net.Conn
	timeout time.Duration
	n       int64
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if c.conn != nil {
		if err := c.conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
			return 0, err
		}
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
