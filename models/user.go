package models

import (
	"errors"
	"strings"
)

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
