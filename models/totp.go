package models

import (
	"errors"
	"time"
)

// Two-factor sign-in (TOTP, RFC 6238; its codes are in models/credential):
// required of the policy team and admins, who see every organisation's
// answers; open to members, and required of them too when admins say so.
// A sign-in waits PendingTimeout for its second factor.
const PendingTimeout = 10 * time.Minute

// ErrBadCode refuses a wrong, expired or reused code.
var ErrBadCode = errors.New("that code is not right")

// NeedsSecondFactor says whether a role must use two-factor sign-in whatever
// the settings. Members may turn it on for themselves, and admins may
// require it of every member (MembersNeedSecondFactor).
func NeedsSecondFactor(r Role) bool { return r == RolePolicy || r == RoleAdmin }

// TOTPState is a user's two-factor set-up.
type TOTPState struct {
	Secret    string
	EnabledAt *time.Time
	LastStep  int64
}
