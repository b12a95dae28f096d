// Command measure takes the measurements bench/load.sh cannot take with wrk:
//
//	measure commit-rate -dir DIR -seconds 10
//	    the raw SQLite commit rate: one connection, WAL, synchronous=FULL,
//	    one INSERT per transaction, as fast as it goes
//	measure commit-rate -url postgres://… -seconds 10
//	    the same on PostgreSQL with the server's own settings, in a scratch
//	    table dropped afterwards
//	measure submit -url http://127.0.0.1:3917 -db DB -members 16 -seconds 15
//	    16 member accounts sign in and PUT responses through the JSON API
//	    concurrently; prints saves per second and latency percentiles
//	measure import -csv EXPORT.csv -dir DIR
//	    imports the export's rows (organisations G…) into a database holding
//	    the same organisations, through Store.ImportResponses and through a
//	    bare INSERT loop into the same schema; prints both times (wall and
//	    CPU), the process's peak memory after the bare loop, and the
//	    import's own peak (VmHWM restarted just before it)
//	measure colleagues -url http://127.0.0.1:3918 -db DB -colleagues 6 -seconds 20
//	    six members of one organisation save the same response through the
//	    form at once, over and over; prints the answers (303, 409, 5xx) and
//	    whether every refused text is kept in the history
//	measure reading-cursor -db DB -ref LP-01 -query 'region=London&sort=organisation' -pages 1000
//	    walks the reading view's pages to the 1,000th (or the last) and
//	    prints its cursor, for the load script's late-page measurement
//
// Every result is one line "name: value" for the load script's table. Each
// command has its own file; crowd.go signs in the members that submit and
// colleagues set saving.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: measure commit-rate|submit|import [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "commit-rate":
		err = commitRate(os.Args[2:])
	case "submit":
		err = submit(os.Args[2:])
	case "import":
		err = importBench(os.Args[2:])
	case "colleagues":
		err = colleagues(os.Args[2:])
	case "reading-cursor":
		err = readingCursor(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func commitRate(args []string) error {
	fs := flag.NewFlagSet("commit-rate", flag.ExitOnError)
	dir := fs.String("dir", os.TempDir(), "where to put the scratch database")
	seconds := fs.Int("seconds", 10, "how long to run")
	pgURL := fs.String("url", "", "measure this PostgreSQL database instead of a SQLite file")
	fs.Parse(args)
	if *pgURL != "" {
		return postgresCommitRate(*pgURL, time.Duration(*seconds)*time.Second)
	}
	path := filepath.Join(*dir, "commit-rate.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	// The same settings as storage.Open's writer.
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		return err
	}
	body := strings.Repeat("x", 600)
	n := 0
	deadline := time.Now().Add(time.Duration(*seconds) * time.Second)
	start := time.Now()
	for time.Now().Before(deadline) {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO t (body) VALUES (?)", body); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		n++
	}
	fmt.Printf("raw_commits_per_s: %.0f\n", float64(n)/time.Since(start).Seconds())
	return nil
}

// postgresCommitRate is commit-rate's loop on PostgreSQL: one connection,
// one INSERT of the same 600 bytes per transaction.
func postgresCommitRate(url string, d time.Duration) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS bench_commit_rate; CREATE TABLE bench_commit_rate (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		return err
	}
	defer conn.Exec(ctx, "DROP TABLE bench_commit_rate") //nolint:errcheck // a scratch table
	body := strings.Repeat("x", 600)
	n := 0
	deadline := time.Now().Add(d)
	start := time.Now()
	for time.Now().Before(deadline) {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO bench_commit_rate (body) VALUES ($1)", body); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		n++
	}
	fmt.Printf("raw_commits_per_s: %.0f\n", float64(n)/time.Since(start).Seconds())
	return nil
}

// peakRSSMiB is the process's peak resident memory (VmHWM) since it started
// or since the last write of "5" to /proc/self/clear_refs.
func peakRSSMiB() int { return procStatusMiB("VmHWM:") }

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMiB is the process's resident memory now (VmRSS).
func rssMiB() int { return procStatusMiB("VmRSS:") }

func procStatusMiB(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return kb / 1024
		}
	}
	return -1
}
