package models

import (
	"errors"
)

// ErrUnavailable says the database could not do what was asked, for a reason
// that is not the request's: the disk is full, the file cannot be written,
// the server cannot be reached or is shutting down. Whatever the failed call
// was writing was not stored (its transaction is rolled back); the same
// request may succeed later.
var ErrUnavailable = errors.New("database unavailable")
