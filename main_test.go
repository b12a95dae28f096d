package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

func TestUserAddCreatesAccountsThatCanSignIn(t *testing.T) {
	ctx := context.Background()
	db := testdb.Path(t, filepath.Join(t.TempDir(), "cli.db"))
	logins := filepath.Join(t.TempDir(), "logins.txt")
	env := func(k string) string {
		if k == "TRACKER_DEMO_LOGINS" {
			return logins
		}
		return ""
	}
	if err := run(ctx, []string{"seed", "-db", db, "-demo"}, env, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		stdin    string
		wantErr  string
		password string // "" means: read the generated one from the output
		email    string
	}{
		{name: "member with a password from stdin", args: []string{"-email", "New@Member.example", "-role", "member", "-org", "FLB", "-password-stdin"},
			stdin: "a long enough passphrase\n", password: "a long enough passphrase", email: "new@member.example"},
		{name: "policy with a generated password", args: []string{"-email", "p2@tracker.example", "-role", "policy"}, email: "p2@tracker.example"},
		{name: "member of an unknown organisation", args: []string{"-email", "x@y.example", "-role", "member", "-org", "NOPE"}, wantErr: "organisation"},
		{name: "policy tied to an organisation", args: []string{"-email", "x@y.example", "-role", "policy", "-org", "FLB"}, wantErr: "only members"},
		{name: "unknown role", args: []string{"-email", "x@y.example", "-role", "boss"}, wantErr: "role must be"},
		{name: "short password", args: []string{"-email", "x@y.example", "-role", "admin", "-password-stdin"}, stdin: "short\n", wantErr: "at least 12"},
		{name: "email already used", args: []string{"-email", "policy@tracker.example", "-role", "policy"}, wantErr: "already exists"},
	}
	generated := regexp.MustCompile(`password \(shown once\): (\S+)`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, append([]string{"user", "add", "-db", db}, tc.args...), env, strings.NewReader(tc.stdin), &out, &bytes.Buffer{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pw := tc.password
			if pw == "" {
				m := generated.FindStringSubmatch(out.String())
				if m == nil {
					t.Fatalf("no generated password printed: %q", out.String())
				}
				pw = m[1]
			} else if strings.Contains(out.String(), pw) {
				t.Error("a password given on stdin was echoed")
			}
			store, err := storage.Open(ctx, storage.Options{Path: db})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if _, err := store.Authenticate(ctx, tc.email, pw); err != nil {
				t.Errorf("cannot sign in as %s with the new password: %v", tc.email, err)
			}
		})
	}
}
