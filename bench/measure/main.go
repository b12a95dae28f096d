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
//	    whether every refused text is kept in the history (colleagues.go)
//
// Every result is one line "name: value" for the load script's table.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"

	"github.com/nhsproviders/consultation-tracker/bench/dataset"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
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

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// member is one signed-in member with its CSRF token.
type member struct {
	client *http.Client
	csrf   string
}

func signIn(base, email, password string) (member, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := func(path string) (string, error) {
		resp, err := c.Get(base + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := csrfField.FindSubmatch(b)
		if m == nil {
			return "", fmt.Errorf("GET %s: status %d, no CSRF token", path, resp.StatusCode)
		}
		return string(m[1]), nil
	}
	tok, err := token("/login")
	if err != nil {
		return member{}, err
	}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {tok}})
	if err != nil {
		return member{}, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return member{}, fmt.Errorf("sign in as %s: status %d", email, resp.StatusCode)
	}
	tok, err = token("/consultations/1")
	if err != nil {
		return member{}, err
	}
	return member{client: c, csrf: tok}, nil
}

func submit(args []string) error {
	fs := flag.NewFlagSet("submit", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:3917", "the running server")
	dbPath := fs.String("db", "", "the server's database, to create the member accounts in")
	members := fs.Int("members", 16, "concurrent members")
	seconds := fs.Int("seconds", 15, "how long to run")
	fs.Parse(args)
	ctx := context.Background()
	const password = "bench password for members"
	store, err := storage.Open(ctx, storage.Options{Path: *dbPath})
	if err != nil {
		return err
	}
	for i := 0; i < *members; i++ {
		_, err := store.CreateUser(ctx, models.NewUser{Email: fmt.Sprintf("bench%02d@g%05d.example", i, i), Name: "Bench Member",
			Role: models.RoleMember, OrganisationCode: fmt.Sprintf("G%05d", i), Password: password})
		if err != nil && !errors.Is(err, models.ErrDuplicate) {
			store.Close()
			return err
		}
	}
	store.Close()
	ms := make([]member, *members)
	for i := range ms {
		if ms[i], err = signIn(*base, fmt.Sprintf("bench%02d@g%05d.example", i, i), password); err != nil {
			return err
		}
	}
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	deadline := time.Now().Add(time.Duration(*seconds) * time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Add(1)
		go func(i int, m member) {
			defer wg.Done()
			var mine []time.Duration
			for j := 0; time.Now().Before(deadline); j++ {
				ref := fmt.Sprintf("LP-%02d", 1+(i+j)%20)
				body := fmt.Sprintf(`{"stance": "oppose", "autonomy": -1, "concerns": "timescale;new_central_powers", "comment": "Load test save %d by member %d: the board is concerned about accountability.", "amendments": "", "consent": "anonymised"}`, j, i)
				req, _ := http.NewRequest(http.MethodPut, *base+"/api/v1/proposals/"+ref+"/response", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", m.csrf)
				t0 := time.Now()
				resp, err := m.client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(i, m)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	fmt.Printf("submissions_per_s: %.0f\n", float64(ok.Load())/elapsed)
	fmt.Printf("submissions_failed: %d\n", failed.Load())
	fmt.Printf("submission_p50_ms: %.1f\n", float64(pct(0.5).Microseconds())/1000)
	fmt.Printf("submission_p99_ms: %.1f\n", float64(pct(0.99).Microseconds())/1000)
	return nil
}

func importBench(args []string) error {
	fs := flag.NewFlagSet("import", flag.ExitOnError)
	csvPath := fs.String("csv", "", "a response export of the generated dataset")
	dir := fs.String("dir", os.TempDir(), "where to build the target databases")
	orgs := fs.Int("orgs", 50000, "organisations of the generated dataset")
	fs.Parse(args)
	ctx := context.Background()

	// Only the generated organisations' rows: the targets hold only those.
	rowsPath := filepath.Join(*dir, "import.csv")
	rows, err := filterGenerated(*csvPath, rowsPath)
	if err != nil {
		return err
	}
	fmt.Printf("import_rows: %d\n", rows)

	target := func(name string) (string, error) {
		path := filepath.Join(*dir, name)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		return path, dataset.Generate(ctx, path, dataset.Config{Organisations: *orgs, Proposals: 0, Seed: 1})
	}

	// The bare loop: the same rows into the same tables, one transaction,
	// prepared statements, no checks, no history, no tallies.
	barePath, err := target("import-bare.db")
	if err != nil {
		return err
	}
	cpu0 := cpuTime()
	bare, err := bareInsert(ctx, barePath, rowsPath)
	if err != nil {
		return err
	}
	bareCPU := cpuTime() - cpu0
	fmt.Printf("bare_insert_s: %.1f\n", bare.Seconds())
	fmt.Printf("bare_insert_cpu_s: %.1f\n", bareCPU.Seconds())
	fmt.Printf("bare_peak_rss_mb: %d\n", peakRSSMiB())

	storePath, err := target("import-store.db")
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Options{Path: storePath})
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := os.Open(rowsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	// The import's own peak: give back what generating the target and the
	// bare loop held, then restart the kernel's high-water mark from here.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	fmt.Printf("rss_before_import_mb: %d\n", rssMiB())
	cpu0 = cpuTime()
	start := time.Now()
	res, err := store.ImportResponses(ctx, f, "bench.csv", 0)
	if err != nil {
		var ie models.ImportErrors
		if errors.As(err, &ie) && len(ie.Problems) > 0 {
			return fmt.Errorf("%w: line %d: %s", err, ie.Problems[0].Line, ie.Problems[0].Message)
		}
		return err
	}
	took := time.Since(start)
	importCPU := cpuTime() - cpu0
	fmt.Printf("import_s: %.1f\n", took.Seconds())
	fmt.Printf("import_created: %d\n", res.Created)
	fmt.Printf("import_vs_bare: %.2f\n", took.Seconds()/bare.Seconds())
	// CPU time (user + system, every thread of the process) varies less
	// than wall time when other work shares the machine.
	fmt.Printf("import_cpu_s: %.1f\n", importCPU.Seconds())
	fmt.Printf("import_vs_bare_cpu: %.2f\n", importCPU.Seconds()/bareCPU.Seconds())
	if resetPeakRSS {
		fmt.Printf("import_peak_rss_mb: %d\n", peakRSSMiB())
	} else {
		fmt.Printf("process_peak_rss_mb: %d\n", peakRSSMiB()) // the kernel cannot restart VmHWM: the whole run's peak
	}
	return nil
}

// filterGenerated copies the header and the rows of organisations G… .
func filterGenerated(from, to string) (int, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	w := csv.NewWriter(bufio.NewWriterSize(out, 1<<20))
	n := 0
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		if i > 0 && !strings.HasPrefix(rec[0], "G") {
			continue
		}
		if i > 0 {
			n++
		}
		if err := w.Write(rec); err != nil {
			return n, err
		}
	}
	w.Flush()
	return n, w.Error()
}

func bareInsert(ctx context.Context, dbPath, csvPath string) (time.Duration, error) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ids := func(q string) (map[string]int64, error) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				return nil, err
			}
			out[code] = id
		}
		return out, rows.Err()
	}
	orgs, err := ids("SELECT id, code FROM organisations")
	if err != nil {
		return 0, err
	}
	proposals, err := ids("SELECT id, ref FROM proposals")
	if err != nil {
		return 0, err
	}
	concerns, err := ids("SELECT id, code FROM concerns")
	if err != nil {
		return 0, err
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// The search index is filled the fastest way there is, as the import
	// does: its row trigger set aside, then one INSERT … SELECT at the end.
	var searchTrigger string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'responses_fts_insert'").
		Scan(&searchTrigger); err != nil {
		return 0, fmt.Errorf("the schema has no search trigger: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DROP TRIGGER responses_fts_insert"); err != nil {
		return 0, err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO responses (organisation_id, proposal_id, stance, autonomy, comment,
		amendments, consent, status, version, submitted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', 1, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	link, err := tx.PrepareContext(ctx, "INSERT INTO response_concerns (response_id, concern_id) VALUES (?, ?)")
	if err != nil {
		return 0, err
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	if _, err := r.Read(); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		autonomy, _ := strconv.Atoi(rec[3])
		res, err := ins.ExecContext(ctx, orgs[rec[0]], proposals[rec[1]], rec[2], autonomy, rec[5], rec[6], rec[7], now, now, now)
		if err != nil {
			return 0, err
		}
		id, _ := res.LastInsertId()
		for _, code := range strings.Split(rec[4], ";") {
			if code == "" {
				continue
			}
			if _, err := link.ExecContext(ctx, id, concerns[code]); err != nil {
				return 0, err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO responses_fts (rowid, comment, amendments) SELECT id, comment, amendments FROM responses"); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, searchTrigger); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
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
