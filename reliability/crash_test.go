//go:build reliability

package reliability

import (
	"context"
	"database/sql"
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

// crashLedger is what the members sent and what the server acknowledged.
type crashLedger struct {
	mu        sync.Mutex
	attempts  map[string]crashSave // by token (the comment), every POST sent
	acks      []crashSave          // POSTs answered 303 to ?saved=submitted
	conflicts int
	signIns   int
	lost      []string // members signed out although their sign-in was acknowledged
	problems  []string // answers that are neither an ack, a 409 nor a dropped connection
}

// crashSave is one POST of the response form: the version it creates if it
// is saved is the version the form was opened at plus one.
type crashSave struct {
	Key     responseKey
	Version int
	Answer  answer
}

func (l *crashLedger) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// crashMember is one member's browser and what it knows about its session.
type crashMember struct {
	*browser
	name     string
	rng      *rand.Rand
	seq      int
	signedIn bool // a sign-in was acknowledged with 303
}

func TestAcknowledgedSubmissionsSurviveKill9(t *testing.T) {
	kills := envInt("RELIABILITY_KILLS", 10)
	budget := max(60*time.Second, time.Duration(kills)*6*time.Second)
	deadline := time.Now().Add(budget)

	db := seedDemoDB(t)
	// Two members in each of eight organisations, so colleagues also collide.
	var specs []memberSpec
	for _, org := range []string{"FLB", "HVH", "SUH", "IVH", "DHF", "TVU", "WRH", "KAH"} {
		for i := 1; i <= 2; i++ {
			specs = append(specs, memberSpec{Email: fmt.Sprintf("crash-%s-%d@reliability.example", strings.ToLower(org), i), Org: org})
		}
	}
	addMembers(t, db, specs)
	refs := []string{"LP-01", "LP-02", "LP-03", "LP-04", "LP-05", "LP-06"}

	tr := newTransport()
	defer tr.CloseIdleConnections()
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	members := make([]*crashMember, len(specs))
	for i, s := range specs {
		members[i] = &crashMember{browser: newBrowser(s, tr), name: fmt.Sprintf("m%02d", i),
			rng: rand.New(rand.NewPCG(seed, uint64(i)))}
	}
	ledger := &crashLedger{attempts: map[string]crashSave{}}
	pause := rand.New(rand.NewPCG(seed, 1000))

	// Everyone signs in once, before the first kill: argon2id makes sixteen
	// sign-ins take about two seconds on two cores, longer than a kill cycle.
	// Members here save as fast as the machine lets them, far beyond the
	// per-member save rate a person never meets: measure the writer instead.
	t.Setenv("TRACKER_SAVE_RATE", "0")
	srv := startServer(t, db)
	signInAll(t, srv.Base, members)
	ledger.signIns = len(members)

	done := 0
	for done < kills && time.Now().Before(deadline) {
		if srv == nil {
			srv = startServer(t, db)
		}
		ctx, cancel := context.WithCancel(context.Background())
		base := srv.Base
		var wg sync.WaitGroup
		for _, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.run(ctx, base, refs, ledger)
			}()
		}
		time.Sleep(300*time.Millisecond + time.Duration(pause.IntN(1200))*time.Millisecond)
		srv.kill9(t)
		srv = nil
		done++
		cancel()
		wg.Wait()
		// The file as the crash left it, before any server touches it again.
		ro := openReadOnly(t, db)
		if got, err := integrityCheck(ro); err != nil || got != "ok" {
			t.Fatalf("after kill %d: integrity_check = %q, %v", done, got, err)
		}
		ro.Close()
		ledger.mu.Lock()
		t.Logf("kill %d: %d acknowledged so far", done, len(ledger.acks))
		ledger.mu.Unlock()
	}
	if done < kills {
		t.Logf("time budget %s ran out after %d of %d kills", budget, done, kills)
		if done < min(kills, 5) {
			t.Fatalf("only %d kills within %s", done, budget)
		}
	}

	// One more start on the crashed file: it must recover and answer, then
	// stop cleanly so that the WAL is checkpointed.
	srv = startServer(t, db)
	resp, err := http.Get(srv.Base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the last restart: %v %v", resp, err)
	}
	resp.Body.Close()
	srv.stop(t, 25*time.Second)

	for _, p := range ledger.problems {
		t.Errorf("unexpected answer: %s", p)
	}
	for _, l := range ledger.lost {
		t.Errorf("session lost: %s was signed out after a kill although the server had acknowledged the sign-in", l)
	}
	if len(ledger.acks) == 0 {
		t.Fatal("no submission was acknowledged: the load never reached the server")
	}
	missing, unacked := verifyAcknowledged(t, openReadOnly(t, db), ledger)
	t.Logf("RESULT kill9: kills=%d acknowledged=%d attempts=%d conflicts409=%d sign-ins=%d missing=%d stored-but-unacknowledged=%d",
		done, len(ledger.acks), len(ledger.attempts), ledger.conflicts, ledger.signIns, missing, unacked)
}

// signInAll signs every member in, four at a time.
func signInAll(t *testing.T, base string, members []*crashMember) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sem := make(chan struct{}, 4)
	errs := make(chan error, len(members))
	for _, m := range members {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			err := m.signIn(ctx, base)
			m.signedIn = err == nil
			errs <- err
		}()
	}
	for range members {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// run submits responses until ctx ends or the server goes away.
func (m *crashMember) run(ctx context.Context, base string, refs []string, l *crashLedger) {
	for ctx.Err() == nil {
		ref := refs[m.rng.IntN(len(refs))]
		version, p, err := m.openForm(ctx, base, ref)
		if errors.Is(err, errSignedOut) {
			if m.signedIn {
				l.mu.Lock()
				l.lost = append(l.lost, m.Email)
				l.mu.Unlock()
			}
			if err := m.signIn(ctx, base); err != nil {
				m.report(l, "sign in", err)
				return
			}
			m.signedIn = true
			l.mu.Lock()
			l.signIns++
			l.mu.Unlock()
			continue
		}
		if err != nil {
			m.report(l, "GET /proposals/"+ref+fmt.Sprintf(" (status %d)", p.Status), err)
			return
		}
		m.seq++
		token := fmt.Sprintf("ack-%s-%05d", m.name, m.seq)
		save := crashSave{Key: responseKey{m.Org, ref}, Version: version + 1, Answer: randomAnswer(m.rng, token, true)}
		l.mu.Lock()
		l.attempts[token] = save
		l.mu.Unlock()
		outcome, p, err := m.save(ctx, base, ref, save.Answer, version)
		if err != nil {
			m.report(l, "POST /proposals/"+ref+"/response", err)
			return // the answer was lost with the server: unknown, so not acknowledged
		}
		l.mu.Lock()
		switch outcome {
		case savedAck:
			l.acks = append(l.acks, save)
		case saveConflict:
			l.conflicts++ // a colleague saved first: read the page again
		default:
			l.problems = append(l.problems, fmt.Sprintf("%s POST %s: status %d location %q", m.Email, ref, p.Status, p.Location))
		}
		l.mu.Unlock()
	}
}

// report records an error unless it is the server going away (a dropped
// connection or the epoch ending), which is what the test causes.
func (m *crashMember) report(l *crashLedger, what string, err error) {
	if errors.Is(err, errConnection) || errors.Is(err, context.Canceled) {
		return
	}
	l.problem("%s %s: %v", m.Email, what, err)
}

// verifyAcknowledged checks the stopped database against the ledger: every
// acknowledged save is a 'saved' revision with exactly the fields sent, and
// each response is its latest acknowledged save, or a later save that was
// sent but whose answer the kill cut off. It returns how many acknowledged
// saves are missing and how many stored saves were never acknowledged.
func verifyAcknowledged(t *testing.T, db *sql.DB, l *crashLedger) (missing, unacked int) {
	t.Helper()
	if got, err := integrityCheck(db); err != nil || got != "ok" {
		t.Fatalf("integrity_check = %q, %v", got, err)
	}
	revisions := readRevisions(t, db)
	saved := savedByVersion(revisions)
	comments := map[string]bool{}
	for _, r := range revisions {
		comments[r.Comment] = true
	}
	acked := map[string]bool{}
	latest := map[responseKey]crashSave{}
	for _, a := range l.acks {
		acked[a.Answer.Comment] = true
		if !comments[a.Answer.Comment] {
			t.Errorf("acknowledged %s (%s %s) is in no revision", a.Answer.Comment, a.Key.Org, a.Key.Ref)
			missing++
			continue
		}
		rev, ok := saved[revKey{a.Key, a.Version}]
		if !ok {
			t.Errorf("acknowledged %s: no saved revision %d of %s %s", a.Answer.Comment, a.Version, a.Key.Org, a.Key.Ref)
			missing++
			continue
		}
		if d := sameAnswer(a.Answer, rev.answer); d != "" {
			t.Errorf("acknowledged %s: revision %d of %s %s differs: %s", a.Answer.Comment, a.Version, a.Key.Org, a.Key.Ref, d)
			missing++
		}
		if cur, ok := latest[a.Key]; !ok || a.Version > cur.Version {
			latest[a.Key] = a
		}
	}
	current := readResponses(t, db)
	keys := make([]responseKey, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Org+keys[i].Ref < keys[j].Org+keys[j].Ref })
	for _, k := range keys {
		want := latest[k]
		got, ok := current[k]
		switch {
		case !ok:
			t.Errorf("%s %s: no response, but %s was acknowledged", k.Org, k.Ref, want.Answer.Comment)
			continue
		case got.Version < want.Version:
			t.Errorf("%s %s: stored version %d is older than the acknowledged version %d (%s)", k.Org, k.Ref, got.Version, want.Version, want.Answer.Comment)
			continue
		case got.Version == want.Version:
			if d := sameAnswer(want.Answer, got.answer); d != "" {
				t.Errorf("%s %s: the response is not the last acknowledged save %s: %s", k.Org, k.Ref, want.Answer.Comment, d)
			}
			continue
		}
		// Later versions exist: each must be a save that was sent while the
		// server was killed, whose answer never arrived.
		for v := want.Version + 1; v <= got.Version; v++ {
			rev, ok := saved[revKey{k, v}]
			if !ok {
				t.Errorf("%s %s: version %d has no saved revision", k.Org, k.Ref, v)
				continue
			}
			sent, known := l.attempts[rev.Comment]
			switch {
			case !known:
				t.Errorf("%s %s: version %d holds %q, which no member sent", k.Org, k.Ref, v, rev.Comment)
			case acked[rev.Comment]:
				t.Errorf("%s %s: version %d holds acknowledged %s out of order", k.Org, k.Ref, v, rev.Comment)
			case sent.Version != v || sent.Key != k:
				t.Errorf("%s %s: version %d holds %s, sent as version %d of %s %s", k.Org, k.Ref, v, rev.Comment, sent.Version, sent.Key.Org, sent.Key.Ref)
			default:
				unacked++
			}
		}
		if d := sameAnswer(saved[revKey{k, got.Version}].answer, got.answer); d != "" {
			t.Errorf("%s %s: the response differs from its own latest revision: %s", k.Org, k.Ref, d)
		}
	}
	return missing, unacked
}
