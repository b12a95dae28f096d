package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// TestBackupUnderLoadRestoresToAConsistentCopy writes responses from several
// goroutines while a backup is taken, then opens the backup in a fresh
// directory as the product would after a restore and checks it.
func TestBackupUnderLoadRestoresToAConsistentCopy(t *testing.T) {
	testdb.SkipOnPostgres(t, "Backup copies the SQLite file with VACUUM INTO; PostgreSQL is backed up with pg_dump")
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Now()
	s := demoStore(t, filepath.Join(dir, "live.db"), now)
	defer s.Close()
	orgs, _ := s.Organisations(ctx)
	lp, _ := s.ConsultationBySlug(ctx, "lp-2019")
	ps, _ := s.Proposals(ctx, lp.ID)

	var wg sync.WaitGroup
	var saves atomic.Int64
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				org, p := orgs[(w*11+i)%len(orgs)], ps[i%len(ps)]
				cur, err := s.ResponseFor(ctx, org.ID, p.ID)
				base := 0
				if err == nil {
					base = cur.Version
				}
				a := 1
				if _, err := s.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID,
					Input:  models.ResponseInput{Stance: "oppose", Autonomy: &a, Consent: "private", Comment: "load"},
					Submit: true, BaseVersion: base}); err == nil {
					saves.Add(1)
				} else if i == 0 {
					t.Log(err)
				}
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond)
	backupPath := filepath.Join(dir, "backups", "b1.db")
	os.MkdirAll(filepath.Dir(backupPath), 0o755)
	info, err := s.Backup(ctx, backupPath)
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if saves.Load() == 0 {
		t.Fatal("the load wrote nothing; the test proves nothing")
	}
	if _, err := s.Backup(ctx, backupPath); err == nil {
		t.Error("a second backup over an existing file was allowed")
	}

	// Restore: copy the backup into a fresh directory and open it.
	restored := filepath.Join(t.TempDir(), "restored.db")
	b, _ := os.ReadFile(info.Path)
	os.WriteFile(restored, b, 0o600)
	if err := storage.VerifyDatabase(ctx, restored); err != nil {
		t.Fatal(err)
	}
	r := openStore(t, restored, now)
	defer r.Close()
	for _, table := range []string{"organisations", "proposals", "users", "responses", "response_revisions"} {
		got, _ := r.CountRows(ctx, table)
		live, _ := s.CountRows(ctx, table)
		if got == 0 || got > live {
			t.Errorf("%s: %d rows in the restored copy, %d live", table, got, live)
		}
	}
	// Every response in the copy has the revision that wrote its version.
	resp, _ := r.CountRows(ctx, "responses")
	revs, _ := r.CountRows(ctx, "response_revisions")
	if revs < resp {
		t.Errorf("restored copy has %d responses but only %d revisions", resp, revs)
	}
	if _, err := r.ProposalSummary(ctx, "LP-12", models.Filter{}); err != nil {
		t.Errorf("summary on the restored copy: %v", err)
	}
}
