package models

import (
	"errors"
	"time"
)

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
