package netguard

import (
	"math/bits"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The body budget bounds the memory held by request bodies still arriving.
// fasthttp reads a body whole before any handler runs, allocating its full
// announced length when the headers arrive; 500 clients each sending most of
// 1 MB and stalling held 500 MB. So every body is admitted against one budget
// when its headers arrive, and given back when the handler starts or the read
// fails. A body the budget cannot hold is refused before a byte of it is read.

// Read limits. A request's headers must arrive within HeaderReadTimeout of
// the connection opening (or of its first byte, on a kept-alive connection);
// its body within bodyReadTimeout of the headers: 1 MiB in 20 s is 420 kbit/s.
// A body may be at most BodyLimit bytes.
const (
	HeaderReadTimeout = 10 * time.Second
	bodyReadTimeout   = 20 * time.Second
	BodyLimit         = 1 << 20 // 1 MiB: a response form is at most a few tens of KiB
)

// Budget sizes. Bodies over smallBody (CSV imports, nothing a person types)
// share at most largeBodies, so that a flood of them leaves the rest for the
// forms people send: 16 MiB is 256 forms of 64 KiB at once, twice what one
// address may hold open (DefaultConnsPerAddress).
const (
	bodyBudgetBytes = 40 << 20
	largeBodies     = 24 << 20
	smallBody       = 64 << 10
)

// BodyBudget is the account of bytes held for bodies being read. Each
// admission is keyed by the request header fasthttp reads it into, which is
// the same one the Fiber context sees later.
type BodyBudget struct {
	mu    sync.Mutex
	total int64 // most that all bodies may hold
	large int64 // most that bodies over smallBody may hold
	now   func() time.Time

	inUse, largeInUse int64
	held              map[*fasthttp.RequestHeader]admission
}

// admission is one body's share. A refused body holds nothing and is kept
// only so that the error handler can tell why fasthttp refused it.
type admission struct {
	bytes   int64
	large   bool
	refused bool
	// until is when the share is certainly free: fasthttp gives up reading
	// at bodyReadTimeout, so a share still held later was never given back.
	until time.Time
}

// NewBodyBudget is the budget of the sizes above, telling the time by now.
func NewBodyBudget(now func() time.Time) *BodyBudget {
	return newBodyBudget(bodyBudgetBytes, largeBodies, now)
}

func newBodyBudget(total, large int64, now func() time.Time) *BodyBudget {
	return &BodyBudget{total: total, large: large, now: now, held: map[*fasthttp.RequestHeader]admission{}}
}

// Install hooks the budget into fasthttp: admission when headers arrive,
// the share given back when the handler starts.
func (b *BodyBudget) Install(srv *fasthttp.Server) {
	srv.HeaderReceived = b.headerReceived
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		b.Release(&ctx.Request.Header)
		next(ctx)
	}
}

// headerReceived admits the body the headers announce, and sets how long
// it may take to arrive. A refused body is given a limit below its length,
// so that fasthttp refuses it without reading it.
func (b *BodyBudget) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	b.Release(h) // a share left by this connection's previous request
	length := int64(h.ContentLength())
	switch {
	case length == -1: // chunked: it may grow to the limit
		length = BodyLimit
	case length <= 1 || length > BodyLimit: // nothing to hold, or refused as too large anyway
		return fasthttp.RequestConfig{}
	}
	if !b.admit(h, length) {
		return fasthttp.RequestConfig{MaxRequestBodySize: 1}
	}
	return fasthttp.RequestConfig{ReadTimeout: bodyReadTimeout}
}

// admit takes a share for a body of length bytes: fasthttp allocates the
// length rounded up to a power of two.
func (b *BodyBudget) admit(h *fasthttp.RequestHeader, length int64) bool {
	size := int64(1) << bits.Len64(uint64(length-1))
	large := length > smallBody
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(size, large) {
		b.reclaimExpired()
	}
	if !b.fits(size, large) {
		b.held[h] = admission{refused: true, until: b.now().Add(bodyReadTimeout + 5*time.Second)}
		return false
	}
	b.inUse += size
	if large {
		b.largeInUse += size
	}
	b.held[h] = admission{bytes: size, large: large, until: b.now().Add(bodyReadTimeout + 5*time.Second)}
	return true
}

func (b *BodyBudget) fits(size int64, large bool) bool {
	return b.inUse+size <= b.total && (!large || b.largeInUse+size <= b.large)
}

// reclaimExpired frees shares whose reads have certainly ended; the handler
// or the error handler frees them sooner, so this is only a safety net.
func (b *BodyBudget) reclaimExpired() {
	now := b.now()
	for h, a := range b.held {
		if now.After(a.until) {
			b.free(h, a)
		}
	}
}

// Release gives back the share of the body read into h and says whether
// the budget refused it: fasthttp has then failed the request before any
// handler ran, and its own answer would wrongly say the body is too large.
func (b *BodyBudget) Release(h *fasthttp.RequestHeader) (refused bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.held[h]
	if ok {
		b.free(h, a)
	}
	return a.refused
}

func (b *BodyBudget) free(h *fasthttp.RequestHeader, a admission) {
	b.inUse -= a.bytes
	if a.large {
		b.largeInUse -= a.bytes
	}
	delete(b.held, h)
}
