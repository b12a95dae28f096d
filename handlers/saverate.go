package handlers

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// DefaultSavesPerMinute is how often one member may save, unless configured:
// a bucket of as many saves, refilled evenly over a minute. Someone working
// through a consultation saves a proposal every few seconds at the most, and
// a script answering every proposal at once fits in the bucket; 400 saves in
// under three seconds from one member (which made a 4 MB history page) do
// not. Each server process keeps its own buckets.
const DefaultSavesPerMinute = 60

// saveRate is a token bucket per member; a zero burst means no limit.
type saveRate struct {
	burst  float64
	refill time.Duration // one save back every refill

	mu      sync.Mutex
	buckets map[int64]saveBucket
}

func newSaveRate(perMinute int) *saveRate {
	if perMinute <= 0 {
		return &saveRate{}
	}
	return &saveRate{burst: float64(perMinute), refill: time.Minute / time.Duration(perMinute)}
}

type saveBucket struct {
	tokens float64
	at     time.Time
}

// take spends one save of userID's bucket at now; when it is empty it
// says how long until the next save is allowed.
func (r *saveRate) take(userID int64, now time.Time) (ok bool, wait time.Duration) {
	if r.burst == 0 {
		return true, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = map[int64]saveBucket{}
	}
	b, seen := r.buckets[userID]
	if !seen {
		b = saveBucket{tokens: r.burst, at: now}
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(r.burst, b.tokens+float64(elapsed)/float64(r.refill))
		b.at = now
	}
	if b.tokens < 1 {
		r.buckets[userID] = b
		return false, time.Duration((1 - b.tokens) * float64(r.refill))
	}
	b.tokens--
	r.buckets[userID] = b
	if len(r.buckets) > 10_000 {
		r.forgetFull(now)
	}
	return true, 0
}

// forgetFull drops the buckets that have filled up again, which hold nothing
// a new bucket would not.
func (r *saveRate) forgetFull(now time.Time) {
	for id, b := range r.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(r.refill) >= r.burst {
			delete(r.buckets, id)
		}
	}
}

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
