//go:build reliability

// Package reliability proves, against the real tracker binary, what the
// product promises about durability, shutdown and load (security.md §6):
// acknowledged submissions survive kill -9, SIGTERM finishes requests in
// flight, and fifty members saving at once never see a 5xx or "database is
// locked". The tests start processes and take about two minutes, so they
// carry a build tag:
//
//	go test -tags sqlite_fts5,reliability -count=1 -v ./reliability/
//
// Results and what they do not prove are in docs/reliability.md.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// memberPassword is every test member's password (12+ characters, not a
// common one).
const memberPassword = "reliability harness passphrase 7391"

// trackerBin is the binary TestMain builds from the module root.
var trackerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tracker-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	trackerBin = filepath.Join(dir, "tracker")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	build := exec.CommandContext(ctx, "go", "build", "-tags", "sqlite_fts5", "-o", trackerBin, ".")
	build.Dir = ".." // the module root, where main.go is
	out, err := build.CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the tracker: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs one tracker command to completion (at most a minute).
func cli(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, trackerBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tracker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// memberSpec is one member account the test creates.
type memberSpec struct {
	Email string
	Org   string
}

// seedDemoDB creates a database with the demo organisations and consultations.
func seedDemoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "tracker.db")
	cli(t, "", "seed", "-db", db, "-demo")
	return db
}

// addMembers creates the accounts with 'tracker user add', four at a time.
func addMembers(t *testing.T, db string, specs []memberSpec) {
	t.Helper()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, s := range specs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, trackerBin, "user", "add", "-db", db, "-email", s.Email,
				"-name", "Reliability "+s.Email, "-role", "member", "-org", s.Org, "-password-stdin")
			cmd.Stdin = strings.NewReader(memberPassword + "\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%s: %v: %s", s.Email, err, out))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("user add failed:\n%s", strings.Join(failures, "\n"))
	}
}

// lockedBuffer collects a process's stderr for diagnostics.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is one running 'tracker serve' process.
type server struct {
	cmd    *exec.Cmd
	Addr   string // host:port it listens on
	Base   string // http://host:port
	exited chan struct{}
	err    error // from Wait, once exited is closed
	stderr *lockedBuffer
	stdout *lockedBuffer
}

var listeningLine = regexp.MustCompile(`listening on http://(\S+)`)

// startServer starts the binary on db with a port the kernel picks, and
// returns once it prints the address it listens on.
func startServer(t *testing.T, db string) *server {
	t.Helper()
	s := &server{exited: make(chan struct{}), stderr: &lockedBuffer{}, stdout: &lockedBuffer{}}
	s.cmd = exec.Command(trackerBin, "serve", "-db", db, "-port", "0", "-host", "127.0.0.1")
	pr, pw := io.Pipe()
	s.cmd.Stdout = pw
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.stdout.Write(append(sc.Bytes(), '\n'))
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		s.err = s.cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	})
	select {
	case a := <-addr:
		s.Addr, s.Base = a, "http://"+a
		return s
	case <-s.exited:
		t.Fatalf("server exited before listening: %v\nstdout: %s\nstderr: %s", s.err, s.stdout, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start within 30 s\nstderr: %s", s.stderr)
	}
	return nil
}

func (s *server) Pid() int { return s.cmd.Process.Pid }

// kill9 kills the server with SIGKILL and waits until it is gone.
func (s *server) kill9(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(s.Pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("server still running 10 s after SIGKILL")
	}
}

// stop sends SIGTERM and waits at most limit for the process to exit; it
// returns how long the exit took.
func (s *server) stop(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := syscall.Kill(s.Pid(), syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(limit):
		t.Fatalf("server still running %s after SIGTERM\nstderr: %s", limit, s.stderr)
	}
	if s.err != nil {
		t.Errorf("server exited with %v after SIGTERM\nstderr: %s", s.err, s.stderr)
	}
	return time.Since(start)
}

// vmHWM is the process's peak resident memory in KiB, read from /proc.
func vmHWM(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

// newTransport is one HTTP transport for a test's members: loopback only,
// short timeouts, enough idle connections for every member.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     20 * time.Second,
	}
}

// browser is one member signed in through the forms, with its own cookie jar.
type browser struct {
	Email  string
	Org    string
	client *http.Client
	csrf   string
}

func newBrowser(spec memberSpec, tr *http.Transport) *browser {
	jar, _ := cookiejar.New(nil) // keyed by host, not port: a restarted server on a new port keeps the cookie
	return &browser{Email: spec.Email, Org: spec.Org, client: &http.Client{
		Jar: jar, Transport: tr, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one answer as the browser saw it.
type page struct {
	Status   int
	Location string
	Body     string
}

var (
	csrfInput    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	versionInput = regexp.MustCompile(`name="version" value="(\d+)"`)
)

func (b *browser) do(ctx context.Context, method, u string, form url.Values) (page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("%w: %w", errConnection, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return page{Status: resp.StatusCode}, fmt.Errorf("%w: reading the answer: %w", errConnection, err)
	}
	p := page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(raw)}
	if m := csrfInput.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p, nil
}

// signIn goes through the sign-in form once.
func (b *browser) signIn(ctx context.Context, base string) error {
	if _, err := b.do(ctx, http.MethodGet, base+"/login", nil); err != nil {
		return err
	}
	p, err := b.do(ctx, http.MethodPost, base+"/login", url.Values{
		"email": {b.Email}, "password": {memberPassword}, "_csrf": {b.csrf}})
	if err != nil {
		return err
	}
	if p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/login") {
		return fmt.Errorf("sign in as %s: status %d, location %q", b.Email, p.Status, p.Location)
	}
	return nil
}

// errConnection marks a request that got no complete answer: the connection
// failed or dropped, as it does when the server is killed.
var errConnection = errors.New("no complete answer")

// errSignedOut says the server sent the browser to the sign-in page.
var errSignedOut = errors.New("signed out")

// openForm reads a proposal page and returns the version its form holds.
func (b *browser) openForm(ctx context.Context, base, ref string) (int, page, error) {
	p, err := b.do(ctx, http.MethodGet, base+"/proposals/"+ref, nil)
	if err != nil {
		return 0, p, err
	}
	if p.Status == http.StatusSeeOther && strings.HasPrefix(p.Location, "/login") {
		return 0, p, errSignedOut
	}
	m := versionInput.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		return 0, p, fmt.Errorf("GET /proposals/%s: status %d without a response form", ref, p.Status)
	}
	v, _ := strconv.Atoi(m[1])
	return v, p, nil
}

// answer is what a member sends in the response form.
type answer struct {
	Stance, Consent, Comment, Amendments string
	Autonomy                             int
	Concerns                             []string // sorted
	Submit                               bool
}

var (
	stanceCodes  = []string{"strongly_support", "support", "neutral", "oppose", "strongly_oppose"}
	consentCodes = []string{"attributed", "anonymised", "private"}
	concernCodes = []string{"new_central_powers", "powers_without_accountability", "cuts_across_board_accountability",
		"decisions_away_from_care", "extra_oversight_layer", "loss_of_local_autonomy", "one_size_fits_all",
		"local_relationships_not_ready", "local_government_role", "timescale", "funding_and_capital", "workforce",
		"unclear_ics_governance", "unintended_legal_consequences"}
)

// randomAnswer is a complete, valid answer whose comment is token.
func randomAnswer(r *rand.Rand, token string, submit bool) answer {
	a := answer{
		Stance: stanceCodes[r.IntN(len(stanceCodes))], Consent: consentCodes[r.IntN(len(consentCodes))],
		Autonomy: r.IntN(5) - 2, Comment: token, Amendments: "amendment for " + token, Submit: submit,
	}
	for _, c := range concernCodes {
		if r.IntN(4) == 0 {
			a.Concerns = append(a.Concerns, c)
		}
	}
	sort.Strings(a.Concerns)
	return a
}

func (a answer) form(version int, csrf string) url.Values {
	v := url.Values{
		"stance": {a.Stance}, "autonomy": {strconv.Itoa(a.Autonomy)}, "concerns": a.Concerns,
		"comment": {a.Comment}, "amendments": {a.Amendments}, "consent": {a.Consent},
		"action": {"draft"}, "version": {strconv.Itoa(version)}, "_csrf": {csrf},
	}
	if a.Submit {
		v.Set("action", "submit")
	}
	return v
}

// saveOutcome classifies the answer to a POST of the response form.
type saveOutcome int

const (
	savedAck saveOutcome = iota // 303 to ?saved=submitted or ?saved=draft
	saveConflict
	saveOther
)

func (b *browser) save(ctx context.Context, base, ref string, a answer, version int) (saveOutcome, page, error) {
	p, err := b.do(ctx, http.MethodPost, base+"/proposals/"+ref+"/response", a.form(version, b.csrf))
	if err != nil {
		return saveOther, p, err
	}
	want := "/proposals/" + ref + "?saved=draft"
	if a.Submit {
		want = "/proposals/" + ref + "?saved=submitted"
	}
	switch {
	case p.Status == http.StatusSeeOther && p.Location == want:
		return savedAck, p, nil
	case p.Status == http.StatusConflict:
		return saveConflict, p, nil
	}
	return saveOther, p, nil
}

// openReadOnly opens the database file read-only for checking.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// integrityCheck runs PRAGMA integrity_check and returns its rows joined.
func integrityCheck(db *sql.DB) (string, error) {
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, "; "), rows.Err()
}

// storedRevision is one row of response_revisions, with its keys.
type storedRevision struct {
	Org, Ref, Kind, Status string
	Version                int
	answer
}

// responseKey names one organisation's response to one proposal.
type responseKey struct{ Org, Ref string }

// readRevisions loads every revision of every response.
// revKey names one version of a response.
type revKey struct {
	responseKey
	Version int
}

// savedByVersion indexes the revisions a save made (not refused
// conflicts, not imports) by response and version.
func savedByVersion(revisions []storedRevision) map[revKey]storedRevision {
	saved := map[revKey]storedRevision{}
	for _, r := range revisions {
		if r.Kind == "saved" {
			saved[revKey{responseKey{r.Org, r.Ref}, r.Version}] = r
		}
	}
	return saved
}

func readRevisions(t *testing.T, db *sql.DB) []storedRevision {
	t.Helper()
	rows, err := db.Query(`SELECT o.code, p.ref, rr.kind, rr.status, rr.version, rr.stance,
			COALESCE(rr.autonomy, -99), rr.concerns, rr.comment, rr.amendments, rr.consent
		FROM response_revisions rr
		JOIN responses r ON r.id = rr.response_id
		JOIN organisations o ON o.id = r.organisation_id
		JOIN proposals p ON p.id = r.proposal_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedRevision
	for rows.Next() {
		var r storedRevision
		var concerns string
		if err := rows.Scan(&r.Org, &r.Ref, &r.Kind, &r.Status, &r.Version, &r.Stance, &r.Autonomy, &concerns,
			&r.Comment, &r.Amendments, &r.Consent); err != nil {
			t.Fatal(err)
		}
		r.Concerns = splitCodes(concerns)
		r.Submit = r.Status == "submitted"
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readResponses loads every current response with its concern codes.
func readResponses(t *testing.T, db *sql.DB) map[responseKey]storedRevision {
	t.Helper()
	rows, err := db.Query(`SELECT o.code, p.ref, r.status, r.version, r.stance, COALESCE(r.autonomy, -99),
			COALESCE((SELECT GROUP_CONCAT(code, ';') FROM (SELECT c.code FROM response_concerns rc
				JOIN concerns c ON c.id = rc.concern_id WHERE rc.response_id = r.id ORDER BY c.code)), ''),
			r.comment, r.amendments, r.consent
		FROM responses r
		JOIN organisations o ON o.id = r.organisation_id
		JOIN proposals p ON p.id = r.proposal_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[responseKey]storedRevision{}
	for rows.Next() {
		var r storedRevision
		var concerns string
		if err := rows.Scan(&r.Org, &r.Ref, &r.Status, &r.Version, &r.Stance, &r.Autonomy, &concerns,
			&r.Comment, &r.Amendments, &r.Consent); err != nil {
			t.Fatal(err)
		}
		r.Concerns = splitCodes(concerns)
		r.Submit = r.Status == "submitted"
		out[responseKey{r.Org, r.Ref}] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func splitCodes(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, ";")
	sort.Strings(out)
	return out
}

// sameAnswer compares the fields a member sets, and says which differ.
func sameAnswer(want, got answer) string {
	var diff []string
	if want.Stance != got.Stance {
		diff = append(diff, fmt.Sprintf("stance %q≠%q", want.Stance, got.Stance))
	}
	if want.Autonomy != got.Autonomy {
		diff = append(diff, fmt.Sprintf("autonomy %d≠%d", want.Autonomy, got.Autonomy))
	}
	if strings.Join(want.Concerns, ";") != strings.Join(got.Concerns, ";") {
		diff = append(diff, fmt.Sprintf("concerns %v≠%v", want.Concerns, got.Concerns))
	}
	if want.Comment != got.Comment {
		diff = append(diff, fmt.Sprintf("comment %q≠%q", want.Comment, got.Comment))
	}
	if want.Amendments != got.Amendments {
		diff = append(diff, fmt.Sprintf("amendments %q≠%q", want.Amendments, got.Amendments))
	}
	if want.Consent != got.Consent {
		diff = append(diff, fmt.Sprintf("consent %q≠%q", want.Consent, got.Consent))
	}
	if want.Submit != got.Submit {
		diff = append(diff, fmt.Sprintf("submitted %v≠%v", want.Submit, got.Submit))
	}
	return strings.Join(diff, ", ")
}

// percentile returns the p-th percentile (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// oneSignedInMember seeds a demo database, adds one member of FLB, starts the
// server and signs the member in; the transport's idle connections close
// when the test ends.
func oneSignedInMember(t *testing.T, email string) (string, *server, *browser, *http.Transport) {
	t.Helper()
	db := seedDemoDB(t)
	spec := memberSpec{Email: email, Org: "FLB"}
	addMembers(t, db, []memberSpec{spec})
	srv := startServer(t, db)
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	b := newBrowser(spec, tr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.signIn(ctx, srv.Base); err != nil {
		t.Fatal(err)
	}
	return db, srv, b, tr
}
