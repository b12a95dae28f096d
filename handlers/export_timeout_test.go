package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers"
)

// TestAnExportLongerThanTheWriteTimeoutArrivesWhole: the write timeout is
// meant for clients that stop reading, not for a large file sent to one that
// keeps reading slowly. A server with a 500 ms write timeout sends a 3 MB
// export to a client that takes one and a half seconds to read it; every response
// arrives, to the end of the chunked body. Small socket buffers on both
// sides keep the kernel from taking the whole file at once, as it would
// not for a real gigabyte export to a slow line.
func TestAnExportLongerThanTheWriteTimeoutArrivesWhole(t *testing.T) {
	e, _ := newEnv(t)
	ctx := context.Background()
	// 120 organisations × 21 proposals with 1,200-character comments.
	var file strings.Builder
	file.WriteString(dioHeader)
	comment := strings.Repeat("The board would keep this decision local. ", 30)[:1200]
	for i := range 120 {
		org := e.addOrg(fmt.Sprintf("X%03d", i), fmt.Sprintf("Export Trust %03d", i), "acute", "London", "ics")
		for p := 1; p <= 21; p++ {
			fmt.Fprintf(&file, "%s,LP-%02d,support,1,,%s,,private\n", org.Code, p, comment)
		}
	}
	admin := e.user("admin@body.example")
	res, err := e.store.ImportResponses(ctx, strings.NewReader(file.String()), "big.csv", admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := res.Rows

	app, err := handlers.New(handlers.Deps{Store: e.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := smallSendBuffers{tcp}
	go app.Listener(ln)  //nolint:errcheck // ends with Shutdown
	defer app.Shutdown() //nolint:errcheck

	policy := e.signIn("policy@body.example") // sessions live in the database: any instance serves them
	dialer := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	client := http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableCompression: true}}
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/exports/responses.csv", nil)
	req.Header.Set("Cookie", "tracker_session="+policy.cookie)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d", resp.StatusCode)
	}
	// Read slowly: 8 KiB every 4 ms (about 2 MB/s), never pausing anywhere
	// near 500 ms; a segment (about 160 KB) drains in under 100 ms.
	var body strings.Builder
	r := bufio.NewReaderSize(resp.Body, 8<<10)
	buf := make([]byte, 8<<10)
	for {
		n, err := r.Read(buf)
		body.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes in %s: %v (the server gave up on the connection)", body.Len(), time.Since(start), err)
		}
		time.Sleep(4 * time.Millisecond)
	}
	took := time.Since(start)
	records, err := csv.NewReader(strings.NewReader(body.String())).ReadAll()
	if err != nil {
		t.Fatalf("the file does not parse (%d bytes): %v", body.Len(), err)
	}
	if got := len(records) - 1; got < want {
		t.Fatalf("%d responses arrived in %s; the file holds at least the %d imported", got, took, want)
	}
	if took < 2*500*time.Millisecond {
		t.Fatalf("the export took %s, not longer than the write timeout: the test proves nothing", took)
	}
}

// smallSendBuffers gives each accepted connection a 16 KiB send buffer, so
// the server's writes wait for the client as they would on a slow line.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetWriteBuffer(16 << 10); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}
