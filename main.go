// Command tracker runs the consultation tracker: a web app in which member
// organisations answer the proposals of a consultation and the membership
// body's policy team reads per-proposal tallies.
//
//	tracker [serve] [-host 127.0.0.1] [-port 3000] [-db tracker.db|postgres://…] [-demo]
//	tracker user add -email a@b -role member|policy|admin [-org CODE] [-name N] [-password-stdin]
//	tracker user passwd -email a@b [-password-stdin]
//	tracker migrate | seed [-demo]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // dates are shown in UK time, also on images without tzdata

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers"
	"github.com/nhsproviders/consultation-tracker/handlers/logging"
	"github.com/nhsproviders/consultation-tracker/handlers/netguard"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tracker:", err)
		os.Exit(1)
	}
}

// run is main without the process: arguments, environment and streams are
// passed in so that tests can drive every command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "user":
		return userCommand(ctx, args, getenv, stdin, stdout)
	case "migrate", "seed":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		db := fs.String("db", envOr(getenv, "TRACKER_DB", "tracker.db"), dbFlagHelp)
		demo := fs.Bool("demo", envBool(getenv, "TRACKER_DEMO"), "also load demo organisations, accounts and responses")
		if err := fs.Parse(args); err != nil {
			return err
		}
		// migrate may set up an existing empty file: saying so is its purpose.
		store, err := storage.Open(ctx, storage.Options{Path: *db, AllowEmpty: cmd == "migrate"})
		if err != nil {
			return err
		}
		defer store.Close()
		if cmd == "migrate" {
			v, err := store.SchemaVersion(ctx)
			fmt.Fprintf(stdout, "database %s is at schema version %d\n", displayDB(*db), v)
			return err
		}
		return seed(ctx, store, *db, *demo, getenv, stdout)
	case "backup", "verify":
		return backupCommand(ctx, cmd, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  tracker [serve] [-host 127.0.0.1] [-port 3000] [-db tracker.db|postgres://user@host/db] [-demo]
  tracker user add -email EMAIL -role member|policy|admin [-org CODE] [-name NAME] [-password-stdin]
  tracker user passwd -email EMAIL [-password-stdin]
  tracker user code -email EMAIL                (the current two-factor code; for demos and operators)
  tracker migrate [-db tracker.db]
  tracker seed [-db tracker.db] [-demo]
  tracker backup [-db tracker.db] -out FILE     (online: safe while the server runs)
  tracker verify -db FILE                       (PRAGMA integrity_check)`

// dbFlagHelp describes the -db flag of every command.
const dbFlagHelp = "SQLite database file, or a PostgreSQL URL postgres://user@host:5432/dbname (env TRACKER_DB)"

// displayDB is the database setting as it may be printed: a PostgreSQL URL
// loses its password.
func displayDB(db string) string {
	if !storage.IsPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "(a PostgreSQL URL)"
	}
	return u.Redacted()
}

// demoLoginsFile is where the demo's generated sign-ins are kept: beside a
// SQLite file, or, on PostgreSQL, in tracker.demo-logins.txt in the working
// directory; TRACKER_DEMO_LOGINS overrides both.
func demoLoginsFile(db string, getenv func(string) string) string {
	if f := getenv("TRACKER_DEMO_LOGINS"); f != "" {
		return f
	}
	if storage.IsPostgresURL(db) {
		return "tracker.demo-logins.txt"
	}
	return db + ".demo-logins.txt"
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func envBool(getenv func(string) string, key string) bool {
	b, _ := strconv.ParseBool(getenv(key))
	return b
}

// seed loads reference data, and demo data when asked, then prints how to
// sign in to the demo.
func seed(ctx context.Context, store *storage.Store, dbPath string, demo bool, getenv func(string) string, stdout io.Writer) error {
	now := store.Now()
	if err := seeds.LoadReference(ctx, store, now); err != nil {
		return err
	}
	if !demo {
		return nil
	}
	logins := demoLoginsFile(dbPath, getenv)
	if _, err := seeds.LoadDemo(ctx, store, now, logins); err != nil {
		return err
	}
	b, err := os.ReadFile(logins)
	if err != nil {
		fmt.Fprintf(stdout, "Demo data loaded. The demo sign-ins were created earlier and their file %s is gone; set a new password with 'tracker user passwd -email policy@tracker.example'.\n", logins)
		return nil
	}
	fmt.Fprintf(stdout, "Demo sign-ins (kept in %s):\n%s", logins, b)
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	setMemoryLimit(cfg.memoryLimitMB, getenv)
	logger := newLogger(cfg.logFormat, stderr)

	start := time.Now()
	store, err := storage.Open(ctx, storage.Options{Path: cfg.db, Logger: logger, QuickCheck: cfg.startCheck})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CheckWritable(ctx); err != nil {
		return err
	}
	if err := seed(ctx, store, cfg.db, cfg.demo, getenv, stdout); err != nil {
		return err
	}
	app, err := handlers.New(handlers.Deps{Store: store, Logger: logger, SecureCookies: cfg.secureCookies,
		TrustedProxies: cfg.trustedProxies, PublicURL: cfg.publicURL, SavesPerMinute: cfg.savesPerMinute})
	if err != nil {
		return err
	}
	ln, err := listen(cfg, logger)
	if err != nil {
		return err
	}
	if n, err := store.CountUsers(ctx); err == nil && n == 0 {
		fmt.Fprintln(stdout, "No users yet: create one with 'tracker user add -email you@example.org -role admin', or start with -demo.")
	}
	fmt.Fprintf(stdout, "Consultation tracker listening on http://%s (database %s, ready in %s)\n", ln.Addr(), displayDB(cfg.db), time.Since(start).Round(time.Millisecond))

	go purgeSessions(ctx, store, logger)
	go watchDatabaseFile(ctx, store)
	return serveUntilDone(ctx, app, ln, logger)
}

// serveConfig is what serve is told by its flags and their environment
// variables.
type serveConfig struct {
	host, port, db       string
	demo, secureCookies  bool
	trustedProxies       []string
	publicURL, logFormat string
	connsPerAddress      int
	memoryLimitMB        int
	savesPerMinute       int // handlers.Deps: -1 for no limit
	startCheck           time.Duration
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.host, "host", envOr(getenv, "TRACKER_HOST", "127.0.0.1"), "address to listen on (env TRACKER_HOST); 0.0.0.0 for all interfaces")
	fs.StringVar(&cfg.port, "port", envOr(getenv, "PORT", "3000"), "port to listen on (env PORT)")
	fs.StringVar(&cfg.db, "db", envOr(getenv, "TRACKER_DB", "tracker.db"), dbFlagHelp)
	fs.BoolVar(&cfg.demo, "demo", envBool(getenv, "TRACKER_DEMO"), "also load demo organisations, accounts and responses (env TRACKER_DEMO=1)")
	fs.BoolVar(&cfg.secureCookies, "secure-cookies", envBool(getenv, "TRACKER_SECURE_COOKIES"), "mark cookies Secure and send HSTS; set when served over HTTPS (env TRACKER_SECURE_COOKIES=1)")
	proxies := fs.String("trusted-proxies", getenv("TRACKER_TRUSTED_PROXIES"), "comma-separated proxy addresses whose X-Real-IP is trusted (env TRACKER_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.publicURL, "public-url", getenv("TRACKER_PUBLIC_URL"), "the address people open, e.g. https://tracker.example.org; invite links start with it (env TRACKER_PUBLIC_URL)")
	fs.StringVar(&cfg.logFormat, "log", envOr(getenv, "TRACKER_LOG", "text"), "log format: text or json (env TRACKER_LOG)")
	fs.IntVar(&cfg.connsPerAddress, "max-conns-per-address", envInt(getenv, "TRACKER_MAX_CONNS_PER_ADDRESS", netguard.DefaultConnsPerAddress),
		"most connections one client address may hold open; trusted proxies are exempt (env TRACKER_MAX_CONNS_PER_ADDRESS)")
	fs.IntVar(&cfg.memoryLimitMB, "memory-limit-mb", envInt(getenv, "TRACKER_MEMORY_LIMIT_MB", 128), "soft limit on the Go heap in MiB, 0 for none (env TRACKER_MEMORY_LIMIT_MB; GOMEMLIMIT, if set, wins)")
	fs.IntVar(&cfg.savesPerMinute, "save-rate", envInt(getenv, "TRACKER_SAVE_RATE", handlers.DefaultSavesPerMinute), "saves of responses one member may make per minute, 0 for no limit (env TRACKER_SAVE_RATE)")
	fs.DurationVar(&cfg.startCheck, "start-check", envDuration(getenv, "TRACKER_START_CHECK", defaultStartCheck), "longest time PRAGMA quick_check of a SQLite file may take at start before the server starts without it; 0 to skip (env TRACKER_START_CHECK)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.trustedProxies = splitList(*proxies)
	if cfg.savesPerMinute == 0 {
		cfg.savesPerMinute = -1 // handlers.Deps: no limit
	}
	return cfg, nil
}

// splitList reads a comma-separated list, leaving out empty items.
func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// setMemoryLimit sets the Go heap's soft limit unless GOMEMLIMIT does.
// Sign-ins hash with argon2id (19 MiB each, a few at once): without a
// limit the collector lets that garbage pile up to twice the live heap
// and the process peaks far above what it uses. The limit makes it
// collect sooner; the live heap is a few tens of MiB.
func setMemoryLimit(mb int, getenv func(string) string) {
	if mb > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20)
	}
}

// newLogger is the logger for every package (the store's logs too), in
// text or JSON, with secrets redacted.
func newLogger(format string, stderr io.Writer) *slog.Logger {
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if format == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	return slog.New(logging.RedactSecrets(handler))
}

// listen opens the server's socket, with the per-address connection limit.
func listen(cfg serveConfig, logger *slog.Logger) (net.Listener, error) {
	raw, err := net.Listen("tcp", net.JoinHostPort(cfg.host, cfg.port))
	if err != nil {
		return nil, err
	}
	ln, err := netguard.LimitConnections(raw, netguard.ConnLimits{PerAddress: cfg.connsPerAddress, Exempt: cfg.trustedProxies, Logger: logger})
	if err != nil {
		raw.Close()
		return nil, err
	}
	return ln, nil
}

// serveUntilDone serves on ln until the server fails or ctx ends, then
// finishes the requests in flight.
func serveUntilDone(ctx context.Context, app *fiber.App, ln net.Listener, logger *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	// ShutdownWithTimeout waits for in-flight requests; the idle timeout
	// keeps idle keep-alive connections from holding it open.
	return app.ShutdownWithTimeout(20 * time.Second)
}

// every runs fn every period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// watchDatabaseFile checks every second that the database file is still the
// one the server opened; the store logs and acts on a change itself.
func watchDatabaseFile(ctx context.Context, store *storage.Store) {
	every(ctx, time.Second, func() { _ = store.CheckFile() })
}

func purgeSessions(ctx context.Context, store *storage.Store, logger *slog.Logger) {
	every(ctx, 10*time.Minute, func() {
		if n, err := store.PurgeSessions(ctx); err != nil {
			logger.Warn("purge sessions", "err", err)
		} else if n > 0 {
			logger.Info("purged expired sessions", "count", n)
		}
		if err := store.PurgeLoginFailures(ctx); err != nil {
			logger.Warn("purge sign-in failures", "err", err)
		}
	})
}

func userCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("user: say add or passwd\n" + usage)
	}
	sub, args := args[0], args[1:]
	if sub == "code" {
		return totpCodeCommand(ctx, args, getenv, stdout)
	}
	f, err := parseUserFlags(sub, args, getenv)
	if err != nil {
		return err
	}
	password, generated, err := newPassword(stdin, f.fromStdin)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Options{Path: f.db})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := seeds.LoadReference(ctx, store, store.Now()); err != nil {
		return err
	}
	if sub == "add" {
		u, err := store.CreateUser(ctx, models.NewUser{Email: f.email, Name: f.name, Role: models.Role(f.role),
			OrganisationCode: f.org, Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s user %s\n", u.Role, u.Email)
	} else {
		u, err := store.UserByEmail(ctx, f.email)
		if err != nil {
			return fmt.Errorf("user %s: %w", f.email, err)
		}
		if err := store.SetPassword(ctx, u.ID, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password changed for %s; their sessions were ended\n", u.Email)
	}
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}

// userFlags is what 'tracker user add' and 'tracker user passwd' are told.
type userFlags struct {
	db, email       string
	fromStdin       bool
	name, role, org string // add only
}

func parseUserFlags(sub string, args []string, getenv func(string) string) (userFlags, error) {
	var f userFlags
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.StringVar(&f.db, "db", envOr(getenv, "TRACKER_DB", "tracker.db"), dbFlagHelp)
	fs.StringVar(&f.email, "email", "", "the user's email address")
	fs.BoolVar(&f.fromStdin, "password-stdin", false, "read the password from the first line of standard input instead of generating one")
	switch sub {
	case "add":
		fs.StringVar(&f.name, "name", "", "the user's name")
		fs.StringVar(&f.role, "role", "", "member, policy or admin")
		fs.StringVar(&f.org, "org", "", "organisation code (members only)")
	case "passwd":
	default:
		return f, fmt.Errorf("user: unknown command %q\n%s", sub, usage)
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.email == "" {
		return f, errors.New("user " + sub + ": -email is required")
	}
	return f, nil
}

// newPassword reads the password from the first line of stdin when asked
// to, or generates one; generated says which.
func newPassword(stdin io.Reader, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return credential.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// backupCommand writes a verified online backup, or verifies a file.
func backupCommand(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "TRACKER_DB", "tracker.db"), dbFlagHelp)
	out := fs.String("out", "", "where to write the backup (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if storage.IsPostgresURL(*db) {
		return errors.New(cmd + " works on SQLite files; back up PostgreSQL with pg_dump (see README, \"Backups and restore\")")
	}
	if cmd == "verify" {
		if err := storage.VerifyDatabase(ctx, *db); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: integrity check ok\n", *db)
		return nil
	}
	if *out == "" {
		*out = fmt.Sprintf("%s.backup-%s", *db, time.Now().UTC().Format("20060102T150405Z"))
	}
	store, err := storage.Open(ctx, storage.Options{Path: *db})
	if err != nil {
		return err
	}
	defer store.Close()
	info, err := store.Backup(ctx, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written and verified: %s (%d bytes, %s)\n", info.Path, info.Bytes, info.Took.Round(time.Millisecond))
	return nil
}

// totpCodeCommand prints a user's current two-factor code from the secret in
// the database: whoever can read the database file can do this anyway, and
// it lets the demo's policy and admin accounts be tried without a phone.
func totpCodeCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user code", flag.ContinueOnError)
	db := fs.String("db", envOr(getenv, "TRACKER_DB", "tracker.db"), dbFlagHelp)
	email := fs.String("email", "", "the user's email address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Options{Path: *db})
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	code, err := store.CurrentTOTPCode(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, code)
	return nil
}

// defaultStartCheck bounds the start-up PRAGMA quick_check (see
// docs/reliability.md for how long it takes on a million responses).
const defaultStartCheck = 10 * time.Second

// envDuration reads a duration such as 30s from the environment, or def
// when unset or not a duration.
func envDuration(getenv func(string) string, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(key)); err == nil {
		return d
	}
	return def
}

// envInt reads a whole number from the environment, or def when unset or not a number.
func envInt(getenv func(string) string, key string, def int) int {
	if n, err := strconv.Atoi(getenv(key)); err == nil {
		return n
	}
	return def
}
