package models

import (
	"fmt"
)

// UnknownConcernError names a concern code that is not in the codebook.
type UnknownConcernError struct{ Code string }

func (e UnknownConcernError) Error() string { return "unknown concern code " + e.Code }

// TooManyConcernsError refuses a list of more than MaxConcernCodes concern
// codes before it reaches the database.
type TooManyConcernsError struct{ Count int }

func (e TooManyConcernsError) Error() string {
	return fmt.Sprintf("%d concern codes; at most %d", e.Count, MaxConcernCodes)
}
