package models

import (
	"errors"
	"strings"
	"time"
)

// Accounts: users, their invites, sessions, second factor and the limits on
// signing in.

// NewUser is what creating a user needs.
type NewUser struct {
	Email            string
	Name             string
	Role             Role
	OrganisationCode string // members only
	Password         string
}

// NormaliseEmail is the form emails are stored and looked up in.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ErrBusy says too many passwords are being checked at once.
var ErrBusy = errors.New("too many sign-ins at once")

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

// User statuses, as the admin list shows them.
const (
	UserActive   = "active"
	UserDisabled = "disabled"
	UserInvited  = "invited" // has an invite and has not yet used one
)

// Errors of user administration.
var (
	ErrOwnAccount          = errors.New("admins cannot do this to their own account")
	ErrUnknownOrganisation = errors.New("no such organisation")
	ErrRoleOrganisation    = errors.New("members belong to an organisation; policy and admin users do not")
)

// Invite is a one-time link to set a password; only the SHA-256 of its
// token is stored.
type Invite struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TableName names the invites table.
func (Invite) TableName() string { return "invites" }

// UserRow is a user as the admin pages list them.
type UserRow struct {
	User
	OrganisationCode string
	OrganisationName string
	Status           string
	Sessions         int // live sessions
}

// NewInvite is who an admin invites. OrganisationID is for members only.
type NewInvite struct {
	Email          string
	Name           string
	Role           Role
	OrganisationID int64
}

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

// Sign-in throttling (docs/security.md, "Sign-in throttling"). A failed
// sign-in (or second-factor code) is counted three ways, each under a keyed
// hash that names neither the account nor the address:
//
//   - the account and address together: five failures are free; after that
//     each attempt waits 1, 2, 4, 8 and then 15 minutes after the latest
//     failure. Forgotten after a day, or when the account signs in from
//     that address.
//   - the address: MaxAddressFailures failures within AddressWindow, over
//     any accounts, refuse the address until they age out. The limit is
//     high because a whole trust may share one address.
//   - the account, from anywhere: never refuses (that would let anyone lock
//     anyone out), but AccountAlertFailures within AccountAlertWindow write
//     an alert to the audit log for the admins.
//
// A refused attempt is not a failure: nothing of it is kept.
const (
	PairFreeFailures     = 5
	PairFirstWait        = time.Minute
	PairMaxWait          = 15 * time.Minute
	PairMemory           = 24 * time.Hour
	MaxAddressFailures   = 100
	AddressWindow        = 15 * time.Minute
	AccountAlertFailures = 20
	AccountAlertWindow   = time.Hour
)
