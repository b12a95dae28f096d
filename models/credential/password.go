// Package credential holds what proves who a user is, without a database:
// password rules, argon2id hashing and verification, generated passwords,
// and the second factor's codes (TOTP, RFC 6238) and recovery codes. The
// store keeps the hashes and secrets these make (models/storage).
package credential

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters from OWASP ASVS 5.0 appendix C (t=2, m=19 MiB, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length rules, in characters.
const (
	MinPasswordChars = 12
	MaxPasswordChars = 256
)

// ErrWeakPassword says why a new password was refused, in words for people.
type ErrWeakPassword struct{ Reason string }

func (e ErrWeakPassword) Error() string { return e.Reason }

// commonPasswordList is shipped with the product: the most common leaked
// passwords long enough to pass the length rule.
//
//go:embed common_passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line != "" && !strings.HasPrefix(line, "# ") {
			m[line] = true
		}
	}
	return m
}()

// CheckPasswordRules refuses passwords that are too short, too long, or
// among the most common leaked passwords.
func CheckPasswordRules(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordChars:
		return ErrWeakPassword{fmt.Sprintf("Use a password of at least %d characters", MinPasswordChars)}
	case n > MaxPasswordChars:
		return ErrWeakPassword{fmt.Sprintf("Use a password of at most %d characters", MaxPasswordChars)}
	case commonPasswords[strings.ToLower(pw)]:
		return ErrWeakPassword{"This password is one of the most common leaked passwords; choose another"}
	}
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("password hash is not in argon2id PHC format")

// VerifyPassword reports whether pw matches the stored hash.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password of 26 characters (128 bits).
func GeneratePassword() string { return rand.Text() }

// DummyHash is verified against when an email is unknown, so that a wrong
// email takes as long to refuse as a wrong password. It is made on first
// use, not at start: hashing costs a start-up (and every CLI command) tens
// of milliseconds of CPU, hundreds on a busy machine.
var DummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not-a-real-password-for-timing")
	return h
})
