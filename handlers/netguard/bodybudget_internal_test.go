package netguard

import (
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestBodyBudgetAdmitsWithinItsLimitsAndTakesBackForgottenShares checks the
// account itself: large bodies have their own ceiling inside the total,
// refusals are remembered for the error handler, and a share nobody gave back
// is reclaimed once fasthttp must have stopped reading it.
func TestBodyBudgetAdmitsWithinItsLimitsAndTakesBackForgottenShares(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	b := newBodyBudget(2<<20+128<<10, 2<<20, func() time.Time { return now })
	headers := make([]fasthttp.RequestHeader, 8)
	admit := func(i int, length int64) func() bool { return func() bool { return b.admit(&headers[i], length) } }
	release := func(i int) func() bool { return func() bool { return b.Release(&headers[i]) } }

	steps := []struct {
		name  string
		do    func() bool
		want  bool
		inUse int64
	}{
		{"a 1 MB body takes 1 MiB, as fasthttp allocates", admit(0, 1_000_000), true, 1 << 20},
		{"a second fills the share of large bodies", admit(1, 1_000_000), true, 2 << 20},
		{"a third is refused", admit(2, 600_000), false, 2 << 20},
		{"the refusal is remembered for the error handler", release(2), true, 2 << 20},
		{"once", release(2), false, 2 << 20},
		{"a form still fits beside them", admit(3, 60_000), true, 2<<20 + 64<<10},
		{"and another", admit(4, 50_000), true, 2<<20 + 128<<10},
		{"but nothing beyond the total", admit(5, 1000), false, 2<<20 + 128<<10},
		{"giving back a held body is not a refusal", release(0), false, 1<<20 + 128<<10},
		{"its room can be taken again", admit(6, 1_000_000), true, 2<<20 + 128<<10},
		{"shares never given back are reclaimed once the read has surely ended", func() bool {
			now = now.Add(bodyReadTimeout + 6*time.Second)
			return b.admit(&headers[7], 1_000_000)
		}, true, 1 << 20},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want || b.inUse != s.inUse {
			t.Fatalf("%s: got %v with %d bytes held, want %v with %d", s.name, got, b.inUse, s.want, s.inUse)
		}
	}
}
