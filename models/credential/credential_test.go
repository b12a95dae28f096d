package credential

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordRulesSayWhyAPasswordIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, password, want string
	}{
		{"too short", "eleven char", "Use a password of at least 12 characters"},
		{"too long", strings.Repeat("x", MaxPasswordChars+1), "Use a password of at most 256 characters"},
		{"common, in any case", "1QAZ2WSX3EDC", "This password is one of the most common leaked passwords; choose another"},
		{"long enough and rare", "correct horse battery staple", ""},
		{"twelve letters of any script", "ééééééééééé1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasswordRules(tc.password)
			var weak ErrWeakPassword
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &weak) || weak.Reason != tc.want):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAHashVerifiesOnlyItsPassword(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the OWASP parameters", hash)
	}
	for pw, want := range map[string]bool{"correct horse battery staple": true, "correct horse battery stapl": false} {
		if ok, err := VerifyPassword(hash, pw); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := VerifyPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("a hash in another format was accepted")
	}
}

func TestATOTPCodeIsAcceptedOnceWithinOneStep(t *testing.T) {
	secret, err := NewTOTPSecret("policy@body.example")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)
	code := func(at time.Time) string {
		c, err := TOTPCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	step, ok := CheckTOTPCode(secret, code(now), now, 0)
	if !ok || step != now.Unix()/TOTPPeriod {
		t.Fatalf("current code: step %d, ok %v", step, ok)
	}
	if _, ok := CheckTOTPCode(secret, code(now), now, step); ok {
		t.Error("the same code was accepted twice")
	}
	if _, ok := CheckTOTPCode(secret, code(now.Add(-TOTPPeriod*time.Second)), now, 0); !ok {
		t.Error("the previous step's code was refused")
	}
	if _, ok := CheckTOTPCode(secret, code(now.Add(-2*TOTPPeriod*time.Second)), now, 0); ok {
		t.Error("a code two steps old was accepted")
	}
	spaced := code(now)[:3] + " " + code(now)[3:]
	if _, ok := CheckTOTPCode(secret, " "+spaced+" ", now, 0); !ok {
		t.Error("a code typed with spaces was refused")
	}
	if u, err := TOTPURL("policy@body.example", secret); err != nil || !strings.Contains(u, "issuer=Consultation%20tracker") {
		t.Errorf("TOTPURL = %q, %v", u, err)
	}
}

func TestARecoveryCodeHashIgnoresCaseAndSpace(t *testing.T) {
	c := NewRecoveryCode()
	if len(c) != 11 || c[5] != '-' || c != strings.ToLower(c) {
		t.Errorf("recovery code %q is not five, a dash, five, lower case", c)
	}
	if HashRecoveryCode(" "+strings.ToUpper(c)+"\n") != HashRecoveryCode(c) {
		t.Error("the same code typed in capitals hashes differently")
	}
}
