//go:build reliability

package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadStats is everything the fifty members saw.
type loadStats struct {
	mu           sync.Mutex
	getStatus    map[int]int
	postStatus   map[int]int
	postLatency  []time.Duration
	getLatency   []time.Duration
	signIn       []time.Duration
	conflicts    map[string]int // by organisation
	acks         []crashSave    // every save answered 303 to ?saved=…
	locked       []string       // answers mentioning "database is locked"
	failures     []string       // transport errors and unexpected answers
	requests     int
	firstRequest time.Time
	lastAnswer   time.Time
}

func (s *loadStats) record(method string, p page, took time.Duration, err error, who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.lastAnswer = time.Now()
	if err != nil {
		s.failures = append(s.failures, fmt.Sprintf("%s %s: %v", who, method, err))
		return
	}
	if method == http.MethodPost {
		s.postStatus[p.Status]++
		s.postLatency = append(s.postLatency, took)
	} else {
		s.getStatus[p.Status]++
		s.getLatency = append(s.getLatency, took)
	}
	if strings.Contains(strings.ToLower(p.Body), "database is locked") {
		s.locked = append(s.locked, fmt.Sprintf("%s %s: status %d", who, method, p.Status))
	}
}

// TestFiftyMembersSubmittingConcurrently has fifty members (five colleagues
// in each of eight organisations, and ten organisations with one member)
// save drafts and submissions of four proposals through the forms for 20 s.
// No answer may be a 5xx or mention "database is locked"; a 409 may only
// happen between colleagues; and afterwards every response in the database
// is, field by field, the last save the server acknowledged for it.
func TestFiftyMembersSubmittingConcurrently(t *testing.T) {
	const run = 20 * time.Second
	db := seedDemoDB(t)
	teams := []string{"FLB", "HVH", "SUH", "IVH", "DHF", "TVU", "WRH", "KAH"}
	solos := []string{"HCH", "EHM", "TGC", "CAS", "AHL", "DHC", "NCH", "MWH", "WMH", "CCH"}
	var specs []memberSpec
	for _, org := range teams {
		for i := 1; i <= 5; i++ {
			specs = append(specs, memberSpec{Email: fmt.Sprintf("load-%s-%d@reliability.example", strings.ToLower(org), i), Org: org})
		}
	}
	solo := map[string]bool{}
	for _, org := range solos {
		solo[org] = true
		specs = append(specs, memberSpec{Email: fmt.Sprintf("load-%s@reliability.example", strings.ToLower(org)), Org: org})
	}
	setup := time.Now()
	addMembers(t, db, specs)
	t.Logf("created %d members with 'tracker user add' in %s", len(specs), time.Since(setup).Round(time.Millisecond))
	refs := []string{"LP-01", "LP-02", "LP-03", "LP-04"}

	// Members here save as fast as the machine lets them, far beyond the
	// per-member save rate a person never meets: measure the writer instead.
	t.Setenv("TRACKER_SAVE_RATE", "0")
	srv := startServer(t, db)
	tr := newTransport()
	defer tr.CloseIdleConnections()
	hard, cancel := context.WithTimeout(context.Background(), run+60*time.Second)
	defer cancel()
	stats := &loadStats{getStatus: map[int]int{}, postStatus: map[int]int{}, conflicts: map[string]int{}}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)

	// Everyone signs in at once, as at the start of a working day.
	browsers := make([]*browser, len(specs))
	var wg sync.WaitGroup
	signInStart := time.Now()
	for i, s := range specs {
		browsers[i] = newBrowser(s, tr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := browsers[i].signIn(hard, srv.Base)
			stats.mu.Lock()
			defer stats.mu.Unlock()
			if err != nil {
				stats.failures = append(stats.failures, err.Error())
				return
			}
			stats.signIn = append(stats.signIn, time.Since(start))
		}()
	}
	wg.Wait()
	signInAll := time.Since(signInStart)
	memAfterSignIn := vmHWM(srv.Pid())
	if len(stats.failures) > 0 {
		t.Fatalf("sign-in failed: %v", stats.failures)
	}

	stopAt := time.Now().Add(run)
	stats.firstRequest = time.Now()
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for seq := 1; time.Now().Before(stopAt) && hard.Err() == nil; seq++ {
				ref := refs[rng.IntN(len(refs))]
				start := time.Now()
				version, p, err := b.openForm(hard, srv.Base, ref)
				if err != nil && !errors.Is(err, errConnection) {
					stats.record(http.MethodGet, p, time.Since(start), nil, b.Email)
					stats.mu.Lock()
					stats.failures = append(stats.failures, fmt.Sprintf("%s GET %s: %v", b.Email, ref, err))
					stats.mu.Unlock()
					continue
				}
				stats.record(http.MethodGet, p, time.Since(start), err, b.Email)
				if err != nil {
					continue
				}
				a := randomAnswer(rng, fmt.Sprintf("load-m%02d-%05d", i, seq), rng.IntN(10) < 7)
				start = time.Now()
				outcome, p, err := b.save(hard, srv.Base, ref, a, version)
				stats.record(http.MethodPost, p, time.Since(start), err, b.Email)
				if err != nil {
					continue
				}
				stats.mu.Lock()
				switch outcome {
				case savedAck:
					stats.acks = append(stats.acks, crashSave{Key: responseKey{b.Org, ref}, Version: version + 1, Answer: a})
				case saveConflict:
					stats.conflicts[b.Org]++
					if !strings.Contains(p.Body, "not</strong> replaced it") {
						stats.failures = append(stats.failures, fmt.Sprintf("%s: a 409 without the colleague's version", b.Email))
					}
				default:
					stats.failures = append(stats.failures, fmt.Sprintf("%s POST %s: status %d location %q", b.Email, ref, p.Status, p.Location))
				}
				stats.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := stats.lastAnswer.Sub(stats.firstRequest)
	peakMem := vmHWM(srv.Pid())
	srv.stop(t, 25*time.Second)

	for status, n := range stats.getStatus {
		if status >= 500 {
			t.Errorf("%d GETs answered %d", n, status)
		}
	}
	for status, n := range stats.postStatus {
		if status >= 500 {
			t.Errorf("%d POSTs answered %d", n, status)
		}
	}
	for _, l := range stats.locked {
		t.Errorf("an answer mentions \"database is locked\": %s", l)
	}
	if n := strings.Count(strings.ToLower(srv.stderr.String()), "database is locked"); n > 0 {
		t.Errorf("the server log mentions \"database is locked\" %d times", n)
	}
	if n := strings.Count(srv.stderr.String(), "level=ERROR"); n > 0 {
		t.Errorf("the server logged %d errors", n)
	}
	for _, f := range stats.failures {
		t.Errorf("failure: %s", f)
	}
	conflicts := 0
	for org, n := range stats.conflicts {
		conflicts += n
		if solo[org] {
			t.Errorf("%s, which has a single member, got %d conflicts", org, n)
		}
	}
	if len(stats.acks) == 0 {
		t.Fatal("no save was acknowledged")
	}

	// The database afterwards: every acknowledged save is a revision with
	// exactly its fields, and every response is its last acknowledged save.
	ro := openReadOnly(t, db)
	if got, err := integrityCheck(ro); err != nil || got != "ok" {
		t.Fatalf("integrity_check = %q, %v", got, err)
	}
	saved := savedByVersion(readRevisions(t, ro))
	latest := map[responseKey]crashSave{}
	for _, a := range stats.acks {
		rev, ok := saved[revKey{a.Key, a.Version}]
		if !ok {
			t.Errorf("acknowledged %s: no saved revision %d of %s %s", a.Answer.Comment, a.Version, a.Key.Org, a.Key.Ref)
		} else if d := sameAnswer(a.Answer, rev.answer); d != "" {
			t.Errorf("acknowledged %s: revision %d differs: %s", a.Answer.Comment, a.Version, d)
		}
		if cur, ok := latest[a.Key]; ok && cur.Version == a.Version {
			t.Errorf("%s %s: version %d acknowledged twice (%s and %s)", a.Key.Org, a.Key.Ref, a.Version, cur.Answer.Comment, a.Answer.Comment)
		}
		if cur, ok := latest[a.Key]; !ok || a.Version > cur.Version {
			latest[a.Key] = a
		}
	}
	current := readResponses(t, ro)
	for k, want := range latest {
		got := current[k]
		if got.Version != want.Version {
			t.Errorf("%s %s: stored version %d, last acknowledged %d", k.Org, k.Ref, got.Version, want.Version)
		}
		if d := sameAnswer(want.Answer, got.answer); d != "" {
			t.Errorf("%s %s: the response is not the last acknowledged save %s: %s", k.Org, k.Ref, want.Answer.Comment, d)
		}
	}

	sort.Slice(stats.postLatency, func(i, j int) bool { return stats.postLatency[i] < stats.postLatency[j] })
	sort.Slice(stats.getLatency, func(i, j int) bool { return stats.getLatency[i] < stats.getLatency[j] })
	sort.Slice(stats.signIn, func(i, j int) bool { return stats.signIn[i] < stats.signIn[j] })
	posts := len(stats.postLatency)
	ms := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	t.Logf("RESULT sign-in: %d members at once in %s (p50 %s, max %s); server peak RSS %d MiB after sign-in",
		len(specs), ms(signInAll), ms(percentile(stats.signIn, 50)), ms(percentile(stats.signIn, 100)), memAfterSignIn/1024)
	t.Logf("RESULT load: %s, %d requests (%.0f req/s), %d POSTs (%.0f/s): POST p50 %s p99 %s max %s; GET p50 %s p99 %s",
		elapsed.Round(time.Millisecond), stats.requests, float64(stats.requests)/elapsed.Seconds(), posts,
		float64(posts)/elapsed.Seconds(), ms(percentile(stats.postLatency, 50)), ms(percentile(stats.postLatency, 99)),
		ms(percentile(stats.postLatency, 100)), ms(percentile(stats.getLatency, 50)), ms(percentile(stats.getLatency, 99)))
	t.Logf("RESULT load: acknowledged %d saves over %d responses; 409 conflicts %d (all between colleagues: %v); GET statuses %v; POST statuses %v; server peak RSS %d MiB",
		len(stats.acks), len(latest), conflicts, stats.conflicts, stats.getStatus, stats.postStatus, peakMem/1024)
}
