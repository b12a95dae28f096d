//go:build reliability

package reliability

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackupUnderLoadHoldsEveryEarlierAcknowledgedSave is the restore drill
// of security.md §6.4: 'tracker backup' runs while ten members submit; the
// backup verifies, holds every save acknowledged before it began, is one
// consistent snapshot (row counts between those at its start and end, no
// dangling keys), and a server started on a restored copy serves it.
func TestBackupUnderLoadHoldsEveryEarlierAcknowledgedSave(t *testing.T) {
	db := seedDemoDB(t)
	var specs []memberSpec
	for _, org := range []string{"FLB", "HVH", "SUH", "IVH", "DHF"} {
		for i := 1; i <= 2; i++ {
			specs = append(specs, memberSpec{Email: fmt.Sprintf("backup-%s-%d@reliability.example", strings.ToLower(org), i), Org: org})
		}
	}
	addMembers(t, db, specs)
	// Members here save as fast as the machine lets them, far beyond the
	// per-member save rate a person never meets: measure the writer instead.
	t.Setenv("TRACKER_SAVE_RATE", "0")
	srv := startServer(t, db)
	tr := newTransport()
	defer tr.CloseIdleConnections()
	seed := uint64(time.Now().UnixNano())
	members := make([]*crashMember, len(specs))
	for i, s := range specs {
		members[i] = &crashMember{browser: newBrowser(s, tr), name: fmt.Sprintf("b%02d", i), rng: rand.New(rand.NewPCG(seed, uint64(i)))}
	}
	signInAll(t, srv.Base, members)
	ledger := &crashLedger{attempts: map[string]crashSave{}}
	refs := []string{"LP-01", "LP-02", "LP-03", "LP-04", "LP-05", "LP-06", "LP-07", "LP-08"}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.run(ctx, srv.Base, refs, ledger)
		}()
	}
	live := openReadOnly(t, db)
	counts := func(d *sql.DB) map[string]int {
		out := map[string]int{}
		for _, table := range []string{"responses", "response_revisions", "audit_log"} {
			var n int
			if err := d.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
				t.Fatalf("count %s: %v", table, err)
			}
			out[table] = n
		}
		return out
	}

	time.Sleep(3 * time.Second)
	ledger.mu.Lock()
	before := append([]crashSave(nil), ledger.acks...)
	ledger.mu.Unlock()
	atStart := counts(live)
	backup := filepath.Join(t.TempDir(), "backup.db")
	started := time.Now()
	out := cli(t, "", "backup", "-db", db, "-out", backup)
	took := time.Since(started)
	atEnd := counts(live)
	time.Sleep(2 * time.Second)
	cancel()
	wg.Wait()
	ledger.mu.Lock()
	total := len(ledger.acks)
	ledger.mu.Unlock()
	srv.stop(t, 25*time.Second)
	for _, p := range ledger.problems {
		t.Errorf("unexpected answer: %s", p)
	}
	if len(before) == 0 || total == len(before) {
		t.Fatalf("the backup did not run under load: %d saves acknowledged before it, %d in all", len(before), total)
	}

	if got := cli(t, "", "verify", "-db", backup); !strings.Contains(got, "integrity check ok") {
		t.Errorf("verify: %s", got)
	}
	bk := openReadOnly(t, backup)
	if got, err := integrityCheck(bk); err != nil || got != "ok" {
		t.Fatalf("backup integrity_check = %q, %v", got, err)
	}
	rows, err := bk.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("the backup has rows whose foreign keys point nowhere")
	}
	rows.Close()
	inBackup := counts(bk)
	for table, n := range inBackup {
		if n < atStart[table] || n > atEnd[table] {
			t.Errorf("%s: %d rows in the backup, outside %d (when it started) … %d (when it ended)", table, n, atStart[table], atEnd[table])
		}
	}
	saved := savedByVersion(readRevisions(t, bk))
	missing := 0
	for _, a := range before {
		rev, ok := saved[revKey{a.Key, a.Version}]
		if !ok || sameAnswer(a.Answer, rev.answer) != "" {
			missing++
			t.Errorf("acknowledged before the backup but not in it: %s (%s %s version %d)", a.Answer.Comment, a.Key.Org, a.Key.Ref, a.Version)
		}
	}

	// The drill: a restored copy in a fresh directory serves a member.
	restored := filepath.Join(t.TempDir(), "tracker.db")
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	srv2 := startServer(t, restored)
	b := newBrowser(specs[0], tr)
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	if err := b.signIn(rctx, srv2.Base); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := bk.QueryRow(`SELECT r.version FROM responses r JOIN organisations o ON o.id = r.organisation_id
		JOIN proposals p ON p.id = r.proposal_id WHERE o.code = ? AND p.ref = 'LP-01'`, specs[0].Org).Scan(&want); err != nil {
		want = 0 // not answered in the backup: the form opens at version 0
	}
	if v, _, err := b.openForm(rctx, srv2.Base, "LP-01"); err != nil || v != want {
		t.Errorf("restored copy: LP-01 form at version %d, %v; want %d", v, err, want)
	}
	if p, err := b.do(rctx, http.MethodGet, srv2.Base+"/proposals/LP-01/history", nil); err != nil || p.Status != http.StatusOK {
		t.Errorf("restored copy: history %d %v", p.Status, err)
	}
	srv2.stop(t, 25*time.Second)
	t.Logf("RESULT backup: %s under load took %s; %d saves acknowledged before it began, %d in all; missing from the backup %d; rows at start %v, in backup %v, at end %v; restored copy served",
		strings.TrimSpace(out), took.Round(time.Millisecond), len(before), total, missing, atStart, inBackup, atEnd)
}
