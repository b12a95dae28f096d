package handlers

import (
	"math"
	"strconv"
	"time"
)

// DefaultSavesPerMinute is how often one member may save, unless configured:
// a bucket of as many saves, refilled evenly over a minute. Someone working
// through a consultation saves a proposal every few seconds at the most, and
// a script answering every proposal at once fits in the bucket; 400 saves in
// under three seconds from one member (which made a 4 MB history page) do
// not. Each server process keeps its own buckets (see ratelimit).
const DefaultSavesPerMinute = 60

// waitSeconds is a wait in whole seconds, at least one, for Retry-After
// and for people.
func waitSeconds(wait time.Duration) int { return max(1, int(math.Ceil(wait.Seconds()))) }

// saveWaitMessage tells a member that a save was refused and how long to
// wait; then says what to do next ("save again").
func saveWaitMessage(wait time.Duration, then string) string {
	unit := "seconds"
	if waitSeconds(wait) == 1 {
		unit = "second"
	}
	return "You have saved very many times in a short while, so this save was not made. Nothing was saved. Wait " +
		strconv.Itoa(waitSeconds(wait)) + " " + unit + ", then " + then + "."
}
