package models

import (
	"errors"
	"fmt"
	"strings"
)

// The errors the store returns that callers act on: sentinels to match
// with errors.Is, and typed errors that carry what a person needs to fix.

// Sentinel errors the handlers map to status codes.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("changed since it was opened")
	ErrClosed          = errors.New("member deadline has passed")
	ErrDuplicate       = errors.New("already exists")
	ErrInvalidOrgScope = errors.New("no organisation to scope to")
)

// ErrUnavailable says the database could not do what was asked, for a reason
// that is not the request's: the disk is full, the file cannot be written,
// the server cannot be reached or is shutting down. Whatever the failed call
// was writing was not stored (its transaction is rolled back); the same
// request may succeed later.
var ErrUnavailable = errors.New("database unavailable")

// TallyMismatchError lists where the kept tallies differ from a recount.
type TallyMismatchError struct{ Differences []string }

func (e TallyMismatchError) Error() string {
	shown := e.Differences
	if len(shown) > 20 {
		shown = shown[:20]
	}
	return fmt.Sprintf("%d tallies differ from a recount: %s", len(e.Differences), strings.Join(shown, "; "))
}

// UnknownConcernError names a concern code that is not in the codebook.
type UnknownConcernError struct{ Code string }

func (e UnknownConcernError) Error() string { return "unknown concern code " + e.Code }

// TooManyConcernsError refuses a list of more than MaxConcernCodes concern
// codes before it reaches the database.
type TooManyConcernsError struct{ Count int }

func (e TooManyConcernsError) Error() string {
	return fmt.Sprintf("%d concern codes; at most %d", e.Count, MaxConcernCodes)
}
