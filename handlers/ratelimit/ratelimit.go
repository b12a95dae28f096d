// Package ratelimit keeps a token bucket per key, in memory: how often each
// member may save a response.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket per key; a zero burst means no limit.
type Limiter struct {
	burst  float64
	refill time.Duration // one token back every refill

	mu      sync.Mutex
	buckets map[int64]bucket
}

// New is a limiter whose buckets hold perMinute tokens and refill evenly
// over a minute; 0 or less is no limit.
func New(perMinute int) *Limiter {
	if perMinute <= 0 {
		return &Limiter{}
	}
	return &Limiter{burst: float64(perMinute), refill: time.Minute / time.Duration(perMinute)}
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Take spends one token of key's bucket at now; when it is empty it says
// how long until the next token.
func (r *Limiter) Take(key int64, now time.Time) (ok bool, wait time.Duration) {
	if r.burst == 0 {
		return true, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = map[int64]bucket{}
	}
	b, seen := r.buckets[key]
	if !seen {
		b = bucket{tokens: r.burst, at: now}
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(r.burst, b.tokens+float64(elapsed)/float64(r.refill))
		b.at = now
	}
	if b.tokens < 1 {
		r.buckets[key] = b
		return false, time.Duration((1 - b.tokens) * float64(r.refill))
	}
	b.tokens--
	r.buckets[key] = b
	if len(r.buckets) > 10_000 {
		r.forgetFull(now)
	}
	return true, 0
}

// forgetFull drops the buckets that have filled up again, which hold nothing
// a new bucket would not.
func (r *Limiter) forgetFull(now time.Time) {
	for id, b := range r.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(r.refill) >= r.burst {
			delete(r.buckets, id)
		}
	}
}
