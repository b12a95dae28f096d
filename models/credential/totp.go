package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Two-factor sign-in (TOTP, RFC 6238): the issuer an authenticator app
// shows, the code's period, and how many recovery codes a user is given.
const (
	TOTPIssuer        = "Consultation tracker"
	TOTPPeriod        = 30 // seconds
	RecoveryCodeCount = 10
)

// NewTOTPSecret makes a new TOTP secret for the account (an email).
func NewTOTPSecret(account string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: TOTPPeriod})
	if err != nil {
		return "", err
	}
	return key.Secret(), nil
}

// TOTPURL is the otpauth:// URL an authenticator app reads (from a QR code)
// to add the account with secret.
func TOTPURL(account, secret string) (string, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d",
		urlEscape(TOTPIssuer), urlEscape(account), secret, urlEscape(TOTPIssuer), TOTPPeriod))
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}

func urlEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, " ", "%20"), ":", "%3A")
}

// TOTPCode is the code for secret at now, as the user's app shows it.
func TOTPCode(secret string, now time.Time) (string, error) {
	return totp.GenerateCode(secret, now)
}

// CheckTOTPCode validates a TOTP code at now, one step either side,
// refusing a step at or before the last one used; it returns the step
// matched.
func CheckTOTPCode(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / TOTPPeriod
	for _, d := range []int64{0, -1, 1} {
		st := step + d
		if st <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*TOTPPeriod, 0), totp.ValidateOpts{
			Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// NewRecoveryCode makes a one-time recovery code such as "k3m9q-2xw7z".
func NewRecoveryCode() string {
	raw := strings.ToLower(rand.Text()[:10]) // base32: no look-alike punctuation
	return raw[:5] + "-" + raw[5:]
}

// HashRecoveryCode is how a recovery code is stored: case and surrounding
// space do not matter.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}
