package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// TestServeRefusesSettingsThatAreNotAddresses: a public URL (issue 10,
// item 8) or trusted proxy (item 1) that is not an address stops start-up
// with a message that names it, whether given as a flag or in the environment.
func TestServeRefusesSettingsThatAreNotAddresses(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"a public URL without a scheme", []string{"-public-url", "tracker.example.org"}, nil,
			`public URL "tracker.example.org": give the address people open, like https://tracker.example.org`},
		{"a public URL from the environment", nil, map[string]string{"TRACKER_PUBLIC_URL": "ftp://tracker.example.org"},
			`public URL "ftp://tracker.example.org"`},
		{"a trusted proxy that is a name", []string{"-trusted-proxies", "proxy.internal"}, nil,
			`trusted proxy "proxy.internal" is not an address or a CIDR range`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testdb.Path(t, filepath.Join(t.TempDir(), "serve.db"))
			args := append([]string{"serve", "-db", db, "-host", "127.0.0.1", "-port", "0"}, tc.args...)
			getenv := func(k string) string { return tc.env[k] }
			var stdout, stderr bytes.Buffer
			// Were the setting accepted, the server would run until this ends.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, args, getenv, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}
