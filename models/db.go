package models

import (
	"errors"
)

// Sentinel errors the handlers map to status codes.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("changed since it was opened")
	ErrClosed          = errors.New("member deadline has passed")
	ErrDuplicate       = errors.New("already exists")
	ErrInvalidOrgScope = errors.New("no organisation to scope to")
)
