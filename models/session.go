package models

import (
	"errors"
	"time"
)

// Session timeouts. A member drafting a long answer may pause for a while,
// so the idle timeout is generous; the absolute one bounds a stolen cookie.
const (
	SessionIdleTimeout      = 2 * time.Hour
	SessionAbsoluteTimeout  = 12 * time.Hour
	AnonymousSessionTimeout = 1 * time.Hour
)

// Session is a server-side session; the cookie holds a random token whose
// SHA-256 is TokenHash, so a copy of the database does not sign anyone in.
type Session struct {
	TokenHash     string `gorm:"primaryKey"`
	UserID        *int64
	PendingUserID *int64 // passed the password, waiting for the second factor
	CSRFToken     string `gorm:"column:csrf_token"`
	CreatedAt     time.Time
	SeenAt        time.Time
	ExpiresAt     time.Time
	// SecondFactorRequired is set by SignedIn: the signed-in user must use
	// two-factor sign-in (their role, admins' setting for members, or
	// because they turned it on).
	SecondFactorRequired bool `gorm:"-"`
}

// ErrSessionUserGone says a signed-in session's user has been deleted or
// disabled since: the session must end.
var ErrSessionUserGone = errors.New("the session's user is gone or disabled")
