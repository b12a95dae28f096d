package models

import (
	"fmt"
	"strings"
)

// TallyMismatchError lists where the kept tallies differ from a recount.
type TallyMismatchError struct{ Differences []string }

func (e TallyMismatchError) Error() string {
	shown := e.Differences
	if len(shown) > 20 {
		shown = shown[:20]
	}
	return fmt.Sprintf("%d tallies differ from a recount: %s", len(e.Differences), strings.Join(shown, "; "))
}
