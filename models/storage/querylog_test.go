package storage_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// logBuffer collects a logger's output; the store logs from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The values a query may carry that must never reach the log.
const (
	privateEmail = "dora.private@trust.example"
	privateWord  = "zanzibarsecret"
)

func TestSlowAndFailedQueriesAreLoggedWithoutTheirValuesOnEveryPath(t *testing.T) {
	ctx := context.Background()
	var log logBuffer
	// Every query counts as slow, so every one is logged.
	s, err := storage.Open(ctx, storage.Options{Path: testdb.Path(t, filepath.Join(t.TempDir(), "t.db")),
		Logger: slog.New(slog.NewTextHandler(&log, nil)), SlowQuery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A query whose error message repeats the value it was given.
	echoingQuery, echoedValue := "SELECT rowid FROM responses_fts WHERE responses_fts MATCH ?", privateWord+":x"
	if testdb.Postgres() {
		echoingQuery, echoedValue = "SELECT CAST(? AS integer)", privateEmail
	}
	cases := []struct {
		name  string
		run   func(marker string) error
		fails bool
	}{
		{"builder, slow", func(m string) error {
			return s.QueryByBuilder(ctx, "users", "email = ? /* "+m+" */", privateEmail)
		}, false},
		{"builder, failing", func(m string) error {
			return s.QueryByBuilder(ctx, "no_such_table", "email = ? /* "+m+" */", privateEmail)
		}, true},
		{"raw scan, slow", func(m string) error {
			return s.QueryByRawScan(ctx, "SELECT id FROM users WHERE email = ? OR name = ? /* "+m+" */", privateEmail, privateWord)
		}, false},
		{"raw scan, failing", func(m string) error {
			return s.QueryByRawScan(ctx, "SELECT id FROM no_such_table WHERE email = ? /* "+m+" */", privateEmail)
		}, true},
		{"raw scan, failing with the value in the error", func(m string) error {
			return s.QueryByRawScan(ctx, echoingQuery+" /* "+m+" */", echoedValue)
		}, true},
		{"exec, slow", func(m string) error {
			return s.ExecOnWriter(ctx, "UPDATE users SET name = name WHERE email = ? /* "+m+" */", privateEmail)
		}, false},
		{"exec, failing", func(m string) error {
			return s.ExecOnWriter(ctx, "UPDATE no_such_table SET name = ? WHERE email = ? /* "+m+" */", privateWord, privateEmail)
		}, true},
		{"prepared, slow", func(m string) error {
			return s.QueryPrepared(ctx, "SELECT COUNT(*) FROM users WHERE email = ? /* "+m+" */", privateEmail)
		}, false},
		{"prepared, failing with the value in the error", func(m string) error {
			return s.QueryPrepared(ctx, echoingQuery+" /* "+m+" */", echoedValue)
		}, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			marker := "probe-" + string(rune('a'+i))
			err := c.run(marker)
			if c.fails != (err != nil) {
				t.Fatalf("error = %v, want failure %v", err, c.fails)
			}
			if err != nil && (strings.Contains(err.Error(), privateEmail) || strings.Contains(err.Error(), privateWord)) {
				t.Errorf("the returned error, which the server logs, holds the value: %v", err)
			}
			var line string
			for _, l := range strings.Split(log.String(), "\n") {
				if strings.Contains(l, marker) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no log line for the query; log:\n%s", log.String())
			}
			if strings.Contains(line, privateEmail) || strings.Contains(line, privateWord) {
				t.Errorf("the log holds the query's value:\n%s", line)
			}
			if want := map[bool]string{true: "level=ERROR", false: "level=WARN"}[c.fails]; !strings.Contains(line, want) {
				t.Errorf("log line is not %s:\n%s", want, line)
			}
		})
	}
}
