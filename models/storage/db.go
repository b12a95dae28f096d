package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/migrations"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqlitefile"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// Store is the only way the rest of the product reaches the database. On
// SQLite, writes go through one connection (SQLite allows one writer at a
// time, and queuing in Go is kinder than "database is locked") and reads use
// a small pool. On PostgreSQL both are pools, the reader's connections
// read-only, and several instances may share the database.
type Store struct {
	w    *gorm.DB
	r    *gorm.DB
	now  func() time.Time
	path string // the SQLite file; "" on PostgreSQL

	rsql   *sql.DB  // the reader pool without GORM, for the queries every request runs
	stmts  sync.Map // query → *sql.Stmt prepared on rsql
	caches summaryCaches
	keys   serverKeys // the database's secret, once read (settings.go)

	qlog  queryLogger       // slow and failed queries, without their values
	guard *sqlitefile.Guard // the SQLite file's identity; nil on PostgreSQL
	probe probeState        // the last write probe of Health
	// startCheck is a start-up quick_check that may still be running.
	startCheck *sqlitefile.QuickCheck
}

// numberParameters turns ? placeholders into PostgreSQL's $1, $2, … for
// statements sent without GORM. The statements it is given hold no '?'
// inside strings.
func numberParameters(q string) string {
	var b strings.Builder
	k := 0
	for _, c := range q {
		if c != '?' {
			b.WriteRune(c)
			continue
		}
		k++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(k))
	}
	return b.String()
}

// prepared is the reader pool's prepared statement for query (with ?
// placeholders on either engine), prepared on
// first use: the few queries every request runs (its session, the summary
// version) are parsed once, not on every request.
func (s *Store) prepared(ctx context.Context, query string) (loggedStmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return loggedStmt{st: st.(*sql.Stmt), query: query, log: s.qlog}, nil
	}
	sqlText := query
	if s.isPostgres() {
		sqlText = numberParameters(query)
	}
	st, err := s.rsql.PrepareContext(ctx, sqlText)
	if err != nil {
		return loggedStmt{}, redactError(err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return loggedStmt{st: st, query: query, log: s.qlog}, nil
}

// Options configure Open.
type Options struct {
	// Path is a SQLite file path, or a PostgreSQL URL
	// (postgres://user@host:5432/db?sslmode=verify-full).
	Path   string
	Logger *slog.Logger     // for slow queries and errors; nil for silence
	Now    func() time.Time // clock; nil for time.Now
	// MaxConns bounds each PostgreSQL pool (writer and reader); 0 means 8.
	// SQLite ignores it.
	MaxConns int
	// AllowEmpty lets an existing SQLite file with nothing in it be set up
	// as a new database (tracker migrate); otherwise such a file, most
	// likely a truncated copy, is refused. A file Open creates is always set up.
	AllowEmpty bool
	// SlowQuery is how long a query may take before it is logged (without
	// its values); 0 means 500 ms.
	SlowQuery time.Duration
	// QuickCheck, when positive, runs PRAGMA quick_check on an existing
	// SQLite file for at most this long before anything else, and refuses
	// a damaged file (tracker serve).
	QuickCheck time.Duration
}

// IsPostgresURL says whether a database setting names PostgreSQL rather than
// a SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens (creating if needed) the database opts.Path names and runs every
// pending migration.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("database path is empty")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	dialect := "sqlite"
	if IsPostgresURL(opts.Path) {
		dialect = "postgres"
	}
	qlog := newQueryLogger(opts.Logger, opts.SlowQuery, dialect)
	cfg := &gorm.Config{
		Logger:         qlog,
		NowFunc:        func() time.Time { return now().UTC() },
		TranslateError: true,
	}
	if IsPostgresURL(opts.Path) {
		return openPostgres(ctx, opts, cfg, now)
	}
	s, err := openSQLite(ctx, opts, cfg, now, qlog)
	if err != nil {
		return nil, sqlitefile.Explain(opts.Path, err)
	}
	return s, nil
}

// openSQLite opens the writer and reader of a SQLite file, after the checks
// of package sqlitefile, and runs the pending migrations.
func openSQLite(ctx context.Context, opts Options, cfg *gorm.Config, now func() time.Time, qlog queryLogger) (*Store, error) {
	existed, err := sqlitefile.CheckFile(opts.Path, opts.AllowEmpty)
	if err != nil {
		return nil, err
	}
	var unfinished *sqlitefile.QuickCheck // a check that goes on while the store serves
	defer func() { unfinished.Stop() }()
	if existed {
		if err := sqlitefile.CheckDatabase(ctx, opts.Path, opts.AllowEmpty, migrations.CheckKnown); err != nil {
			return nil, err
		}
	}
	if existed && opts.QuickCheck > 0 {
		check := sqlitefile.StartQuickCheck(opts.Path)
		finished, err := check.Wait(ctx, opts.QuickCheck)
		switch {
		case !finished:
			unfinished = check
			if opts.Logger != nil {
				opts.Logger.Warn("starting before the check of the database file (PRAGMA quick_check) has finished; it goes on while the server runs",
					"path", opts.Path, "waited", opts.QuickCheck)
			}
		case err != nil:
			check.Stop()
			return nil, err
		case opts.Logger != nil:
			opts.Logger.Info("database file checked (PRAGMA quick_check)", "path", opts.Path, "took", time.Since(check.Began()).Round(time.Millisecond))
		}
	}
	// synchronous=FULL: a submission we acknowledged survives power loss, not
	// only a process crash (see README, "Durability").
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	writerDSN := "file:" + sqlitefile.EscapePath(opts.Path) + "?" + q.Encode()
	guard := sqlitefile.NewGuard(opts.Path, opts.Logger)
	// gorm.Open keeps the Config it is given: the reader gets its own, or the
	// writer would use the reader's dialector, which has no guard.
	rcfg := *cfg
	wconn := sql.OpenDB(sqlitefile.Connector{DSN: writerDSN, Guard: guard, Writer: true})
	w, err := gorm.Open(withUnavailableErrors(sqliteDialector{Dialector: &sqlite.Dialector{Conn: wconn}, guard: guard}), cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", opts.Path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	if err := redactRowErrors(w); err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open database %s: %w", opts.Path, err)
	}
	if err := guard.Record(); err != nil {
		wdb.Close()
		return nil, err
	}
	if err := requireFTS5(ctx, wdb, opts.Path); err != nil {
		wdb.Close()
		return nil, err
	}

	rq := url.Values{}
	rq.Set("_busy_timeout", "10000")
	rq.Set("_foreign_keys", "on")
	rq.Set("_query_only", "1")
	rconn := sql.OpenDB(sqlitefile.Connector{DSN: "file:" + sqlitefile.EscapePath(opts.Path) + "?" + rq.Encode(), Guard: guard})
	r, err := gorm.Open(withUnavailableErrors(sqliteDialector{Dialector: &sqlite.Dialector{Conn: rconn}}), &rcfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s for reading: %w", opts.Path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	if err := redactRowErrors(r); err != nil {
		return nil, err
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)

	s := &Store{w: w, r: r, now: now, path: opts.Path, rsql: rdb, qlog: qlog, guard: guard, caches: newSummaryCaches()}
	if err := s.Migrate(ctx); err != nil {
		rdb.Close() // not Close: its PRAGMA optimize would write to a file being refused
		wdb.Close()
		return nil, err
	}
	guard.RecordWAL()
	if unfinished != nil {
		s.finishWhileServing(unfinished, opts.Logger)
		unfinished = nil // the store stops it when it closes
	}
	return s, nil
}

// openPostgres opens two pools on one PostgreSQL database: the writer, and a
// reader whose sessions are read-only, as SQLite's reader is query-only.
// Queries use the extended protocol (never simple_protocol: see
// research/security.md §4.8).
func openPostgres(ctx context.Context, opts Options, cfg *gorm.Config, now func() time.Time) (*Store, error) {
	u, err := url.Parse(opts.Path)
	if err != nil {
		return nil, errors.New("database URL cannot be parsed") // the URL may hold a password: do not echo it
	}
	redacted := u.Redacted()
	if q := u.Query(); q.Has("default_query_exec_mode") {
		return nil, fmt.Errorf("database %s: leave default_query_exec_mode unset", redacted)
	}
	conns := opts.MaxConns
	if conns <= 0 {
		conns = 8
	}
	open := func(dsn string) (*gorm.DB, error) {
		db, err := gorm.Open(withUnavailableErrors(postgresDialector{postgres.New(postgres.Config{DSN: dsn}).(*postgres.Dialector)}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redacted, err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		if err := redactRowErrors(db); err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(conns)
		sqlDB.SetMaxIdleConns(conns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open database %s: %w", redacted, err)
		}
		return db, nil
	}
	w, err := open(opts.Path)
	if err != nil {
		return nil, err
	}
	ru := *u
	q := ru.Query()
	q.Set("default_transaction_read_only", "on") // pgx sends unknown parameters as session settings
	ru.RawQuery = q.Encode()
	r, err := open(ru.String())
	if err != nil {
		if db, e := w.DB(); e == nil {
			db.Close()
		}
		return nil, err
	}
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	s := &Store{w: w, r: r, now: now, rsql: rdb, qlog: cfg.Logger.(queryLogger), caches: newSummaryCaches()}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.w.Dialector.Name() }

func (s *Store) isPostgres() bool { return s.Dialect() == "postgres" }

// Close closes both pools; the last writer connection checkpoints the WAL.
// On SQLite it first runs PRAGMA optimize, which refreshes the planner's
// statistics where they have gone stale (cheap when they have not).
func (s *Store) Close() error {
	s.startCheck.Stop()
	s.rescue(context.Background())
	defer s.guard.SetAsideStaleFiles()
	var errs []error
	if !s.isPostgres() {
		errs = append(errs, s.w.Exec("PRAGMA optimize").Error)
	}
	if db, err := s.r.DB(); err == nil {
		errs = append(errs, db.Close())
	}
	if db, err := s.w.DB(); err == nil {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers; used by /healthz.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.WithContext(ctx).Exec("SELECT 1").Error
}

// Now is the store's clock, in UTC.
func (s *Store) Now() time.Time { return s.now().UTC() }

// countableTables are the tables CountRows may name; the name is put into SQL,
// so it must never come from a request.
var countableTables = map[string]bool{
	"consultations": true, "proposals": true, "organisations": true, "users": true, "sessions": true,
	"concerns": true, "responses": true, "response_concerns": true, "response_revisions": true,
	"schema_migrations": true, "login_failures": true, "audit_log": true,
}

// CountRows counts a table's rows, for tests and operators' checks.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	if !countableTables[table] {
		return 0, fmt.Errorf("unknown table %q", table)
	}
	var n int64
	err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error
	return n, err
}
