//go:build reliability

package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fileSave is one POST of the response form sent while the database file
// was pulled from under the server.
type fileSave struct {
	Token  string
	SentAt time.Time
	Status int
	Acked  bool
}

// TestNoSaveIsAcknowledgedAfterTheDatabaseFileIsDeletedOrReplaced pulls the
// SQLite file from under a running server while members save: deleted, or
// replaced by a backup moved over it (as a careless restore would). Every
// save sent after that must be refused (503), none acknowledged, and
// /healthz must answer 503; the server must say so in its log.
func TestNoSaveIsAcknowledgedAfterTheDatabaseFileIsDeletedOrReplaced(t *testing.T) {
	replace := func(t *testing.T, db string) {
		backup := filepath.Join(filepath.Dir(db), "restore.db")
		cli(t, "", "backup", "-db", db, "-out", backup)
		if err := os.Rename(backup, db); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, logged string
		pull         func(t *testing.T, db string)
		kill         bool // stop with kill -9 rather than SIGTERM
	}{
		{"deleted", "was deleted", func(t *testing.T, db string) {
			if err := os.Remove(db); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"replaced", "was replaced by another file", replace, false},
		{"replaced then killed", "was replaced by another file", replace, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Members here save as fast as the machine allows, to count
			// every save sent after the file went: no per-member save rate.
			t.Setenv("TRACKER_SAVE_RATE", "0")
			db := seedDemoDB(t)
			var specs []memberSpec
			for _, org := range []string{"FLB", "HVH", "SUH", "IVH"} {
				specs = append(specs, memberSpec{Email: "file-" + strings.ToLower(org) + "@reliability.example", Org: org})
			}
			addMembers(t, db, specs)
			srv := startServer(t, db)
			tr := newTransport()
			defer tr.CloseIdleConnections()
			browsers := make([]*browser, len(specs))
			for i, s := range specs {
				browsers[i] = newBrowser(s, tr)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := browsers[i].signIn(ctx, srv.Base)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
			}

			var mu sync.Mutex
			var saves []fileSave
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i, b := range browsers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(i), 7))
					version := 0
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						ref := fmt.Sprintf("LP-%02d", 1+n%6)
						// The form is read for its version; once writes fail the
						// page may still be read, and the save is sent anyway.
						if v, _, err := b.openForm(ctx, srv.Base, ref); err == nil {
							version = v
						}
						token := fmt.Sprintf("file-%s-%d-%d", c.name, i, n)
						sent := time.Now()
						outcome, p, err := b.save(ctx, srv.Base, ref, randomAnswer(rng, token, true), version)
						if err != nil {
							continue
						}
						mu.Lock()
						saves = append(saves, fileSave{Token: token, SentAt: sent, Status: p.Status, Acked: outcome == savedAck})
						mu.Unlock()
					}
				}()
			}

			time.Sleep(1500 * time.Millisecond)
			c.pull(t, db)
			pulled := time.Now()
			time.Sleep(1500 * time.Millisecond)
			close(stop)
			wg.Wait()

			resp, err := http.Get(srv.Base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("/healthz after the file was %s: %d, want 503", c.name, resp.StatusCode)
			}

			var before, after, ackedAfter, other int
			for _, s := range saves {
				if s.SentAt.Before(pulled) {
					if s.Acked {
						before++
					}
					continue
				}
				after++
				switch {
				case s.Acked:
					ackedAfter++
					t.Errorf("save %s sent %s after the file was %s was acknowledged", s.Token, s.SentAt.Sub(pulled), c.name)
				case s.Status != http.StatusServiceUnavailable:
					other++
					t.Errorf("save %s sent after the file was %s answered %d, want 503", s.Token, c.name, s.Status)
				}
			}
			if other > 0 {
				var failed []string
				for _, l := range strings.Split(srv.stderr.String(), "\n") {
					if strings.Contains(l, "request failed") {
						failed = append(failed, l)
					}
				}
				t.Logf("the server's failed requests:\n%s", tail(strings.Join(failed, "\n"), 3000))
			}
			if before == 0 || after == 0 {
				t.Fatalf("%d saves acknowledged before and %d sent after: the test proves nothing", before, after)
			}
			if !strings.Contains(srv.stderr.String(), "database file "+c.logged+" while the server was running") {
				t.Errorf("the server's log does not say the file %s:\n%s", c.logged, tail(srv.stderr.String(), 2000))
			}
			rescued := "none (killed)"
			if c.kill {
				srv.kill9(t)
			} else {
				srv.stop(t, 25*time.Second)
				rescued = checkRescuedCopy(t, db, saves, pulled)
			}

			if c.name != "deleted" {
				// The file in place is the backup, untouched by the refused
				// saves, and the server starts on it.
				ro := openReadOnly(t, db)
				if got, err := integrityCheck(ro); err != nil || got != "ok" {
					t.Errorf("integrity_check of the file in place = %q, %v", got, err)
				}
				var n int
				if err := ro.QueryRow("SELECT COUNT(*) FROM response_revisions WHERE comment LIKE 'file-%'").Scan(&n); err != nil {
					t.Fatal(err)
				}
				ro.Close()
				restarted := startServer(t, db)
				resp, err := http.Get(restarted.Base + "/healthz")
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Errorf("/healthz after a restart on the file in place: %v %v", resp, err)
				} else {
					resp.Body.Close()
				}
				restarted.stop(t, 25*time.Second)
				t.Logf("RESULT file-%s: acknowledged-before=%d sent-after=%d acknowledged-after=%d not-503=%d revisions-in-file-put-in-place=%d rescued-copy: %s",
					c.name, before, after, ackedAfter, other, n, rescued)
				return
			}
			if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file was created again at the deleted path (stat: %v)", err)
			}
			t.Logf("RESULT file-%s: acknowledged-before=%d sent-after=%d acknowledged-after=%d not-503=%d rescued-copy: %s",
				c.name, before, after, ackedAfter, other, rescued)
		})
	}
}

// TestStartRefusesADatabaseFileItCannotWrite starts the server on a file it
// may read but not write (owned by another user), and in a directory where
// it cannot create the -wal and -shm files. Started, it would say healthy
// and fail on every sign-in; it must refuse at once, saying why.
func TestStartRefusesADatabaseFileItCannotWrite(t *testing.T) {
	for _, c := range []struct {
		name        string
		dirWritable bool
	}{
		{"read-only file", true},
		{"read-only directory", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := seedDemoDB(t)
			// A directory every user can reach (t.TempDir's parent is private).
			dir, err := os.MkdirTemp("", "tracker-readonly-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			db := filepath.Join(dir, "tracker.db")
			copyFile(t, src, db)
			bin := filepath.Join(dir, "tracker")
			copyFile(t, trackerBin, bin)
			if err := os.Chmod(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "serve", "-db", db, "-port", "0", "-host", "127.0.0.1")
			if os.Geteuid() == 0 {
				// root writes any file: run as nobody, for whom the root-owned
				// file is read-only.
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
				if c.dirWritable {
					if err := os.Chown(dir, 65534, 65534); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chmod(db, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Chmod(db, 0o444); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, map[bool]os.FileMode{true: 0o755, false: 0o555}[c.dirWritable]); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(dir, 0o755)
			cmd.Dir = dir
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err == nil {
					t.Fatalf("server exited with status 0:\n%s", out.String())
				}
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("server still running 30 s after start on a database it cannot write:\n%s", out.String())
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("server listened before refusing:\n%s", out.String())
			}
			if !strings.Contains(out.String(), "cannot be opened for writing") {
				t.Errorf("refusal does not say the file cannot be written:\n%s", out.String())
			}
			t.Logf("RESULT readonly %s: %s", c.name, strings.TrimSpace(out.String()))
		})
	}
}

// checkRescuedCopy checks the copy the server writes of the pulled file when
// it stops: every save acknowledged before the file was pulled is in it.
func checkRescuedCopy(t *testing.T, db string, saves []fileSave, pulled time.Time) string {
	t.Helper()
	copies, _ := filepath.Glob(db + ".rescued-*")
	if len(copies) != 1 {
		t.Errorf("copies of the pulled file: %v, want one", copies)
		return "missing"
	}
	ro := openReadOnly(t, copies[0])
	defer ro.Close()
	if got, err := integrityCheck(ro); err != nil || got != "ok" {
		t.Errorf("integrity_check of the rescued copy = %q, %v", got, err)
	}
	missing := 0
	for _, s := range saves {
		if !s.Acked || !s.SentAt.Before(pulled) {
			continue
		}
		var n int
		if err := ro.QueryRow("SELECT COUNT(*) FROM response_revisions WHERE comment = ?", s.Token).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			missing++
			t.Errorf("save %s, acknowledged before the file was pulled, is not in the rescued copy", s.Token)
		}
	}
	return fmt.Sprintf("%s, %d acknowledged saves missing", filepath.Base(copies[0]), missing)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
