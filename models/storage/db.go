package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/migrations"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
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
	w       *gorm.DB
	r       *gorm.DB
	dialect sqldb.Dialect
	now     func() time.Time
	path    string // the SQLite file; "" on PostgreSQL

	read   *sqldb.Conn // the reader pool without GORM, for the queries every request runs
	caches summaryCaches
	keys   serverKeys // the database's secret, once read (settings.go)

	guard *sqlitefile.Guard // the SQLite file's identity; nil on PostgreSQL
	probe probeState        // the last write probe of Health
	// startCheck is a start-up quick_check that may still be running.
	startCheck *sqlitefile.QuickCheck
}

// prepared is the reader pool's prepared statement for query, prepared on
// first use: the few queries every request runs (its session, the summary
// version) are parsed once, not on every request.
func (s *Store) prepared(ctx context.Context, query string) (*sqldb.Stmt, error) {
	return s.read.Prepare(ctx, query)
}

// newStore is the store of a writer and a reader, before its migrations.
func newStore(w, r *gorm.DB, now func() time.Time, path string) (*Store, error) {
	rdb, err := r.DB()
	if err != nil {
		return nil, err
	}
	d := sqldb.DialectOf(w)
	log, _ := w.Config.Logger.(sqldb.QueryLogger)
	return &Store{w: w, r: r, dialect: d, now: now, path: path, read: sqldb.NewConn(rdb, d, log), caches: newSummaryCaches()}, nil
}

// redactError blanks the values a driver may have echoed in err's text.
func redactError(err error) error { return sqldb.Redact(err) }

// RedactError is err with the parts of its text where a database driver may
// have echoed a value blanked, for logging an error of unknown origin; it
// still matches what err matches (errors.Is, errors.As).
func RedactError(err error) error { return sqldb.Redact(err) }

// IsUnavailable says whether err means the database is unavailable: an error
// marked ErrUnavailable by the store, or a driver error of that kind that
// reached the caller by a path the store does not see.
func IsUnavailable(err error) bool { return sqldb.IsUnavailable(err) }

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
	if IsPostgresURL(opts.Path) {
		return openPostgres(ctx, opts, gormConfig(opts, now, sqldb.Postgres), now)
	}
	s, err := openSQLite(ctx, opts, gormConfig(opts, now, sqldb.SQLite), now)
	if err != nil {
		return nil, sqlitefile.Explain(opts.Path, err)
	}
	return s, nil
}

// gormConfig is the GORM set-up of both pools.
func gormConfig(opts Options, now func() time.Time, d sqldb.Dialect) *gorm.Config {
	return &gorm.Config{
		Logger:         sqldb.NewQueryLogger(opts.Logger, opts.SlowQuery, d),
		NowFunc:        func() time.Time { return now().UTC() },
		TranslateError: true,
	}
}

// openGorm opens a GORM pool on d, its errors marked and redacted.
func openGorm(d gorm.Dialector, cfg *gorm.Config) (*gorm.DB, *sql.DB, error) {
	db, err := gorm.Open(sqldb.WithUnavailableErrors(d), cfg)
	if err != nil {
		return nil, nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, err
	}
	if err := redactRowErrors(db); err != nil {
		return nil, nil, err
	}
	return db, sqlDB, nil
}

// openSQLite opens the writer and reader of a SQLite file, after the checks
// of package sqlitefile, and runs the pending migrations.
func openSQLite(ctx context.Context, opts Options, cfg *gorm.Config, now func() time.Time) (*Store, error) {
	unfinished, err := checkBeforeOpening(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() { unfinished.Stop() }()
	guard := sqlitefile.NewGuard(opts.Path, opts.Logger)
	// gorm.Open keeps the Config it is given: the reader gets its own, or the
	// writer would use the reader's dialector, which has no guard.
	rcfg := *cfg
	w, wdb, err := openSQLiteWriter(ctx, opts.Path, cfg, guard)
	if err != nil {
		return nil, err
	}
	r, rdb, err := openGorm(sqliteDialector{Dialector: &sqlite.Dialector{Conn: sql.OpenDB(sqlitefile.Connector{DSN: sqliteDSN(opts.Path, readerPragmas), Guard: guard})}}, &rcfg)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open database %s for reading: %w", opts.Path, err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	s, err := newStore(w, r, now, opts.Path)
	if err == nil {
		s.guard = guard
		err = s.Migrate(ctx)
	}
	if err != nil {
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

// The pragmas of the writer's and the reader's connections.
// synchronous=FULL: a submission we acknowledged survives power loss, not
// only a process crash (see README, "Durability").
var (
	writerPragmas = [][2]string{{"_journal_mode", "WAL"}, {"_synchronous", "FULL"}, {"_busy_timeout", "10000"},
		{"_foreign_keys", "on"}, {"_txlock", "immediate"}}
	readerPragmas = [][2]string{{"_busy_timeout", "10000"}, {"_foreign_keys", "on"}, {"_query_only", "1"}}
)

// sqliteDSN names the file path with pragmas for mattn/go-sqlite3.
func sqliteDSN(path string, pragmas [][2]string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Set(p[0], p[1])
	}
	return "file:" + sqlitefile.EscapePath(path) + "?" + q.Encode()
}

// checkBeforeOpening runs the checks of package sqlitefile on an existing file.
// A quick_check that outlasts opts.QuickCheck goes on while the store
// serves: it is returned, for the caller to stop or hand on.
func checkBeforeOpening(ctx context.Context, opts Options) (*sqlitefile.QuickCheck, error) {
	existed, err := sqlitefile.CheckFile(opts.Path, opts.AllowEmpty)
	if err != nil || !existed {
		return nil, err
	}
	if err := sqlitefile.CheckDatabase(ctx, opts.Path, opts.AllowEmpty, migrations.CheckKnown); err != nil {
		return nil, err
	}
	if opts.QuickCheck <= 0 {
		return nil, nil
	}
	check := sqlitefile.StartQuickCheck(opts.Path)
	finished, err := check.Wait(ctx, opts.QuickCheck)
	switch {
	case !finished:
		if opts.Logger != nil {
			opts.Logger.Warn("starting before the check of the database file (PRAGMA quick_check) has finished; it goes on while the server runs",
				"path", opts.Path, "waited", opts.QuickCheck)
		}
		return check, nil
	case err != nil:
		check.Stop()
		return nil, err
	case opts.Logger != nil:
		opts.Logger.Info("database file checked (PRAGMA quick_check)", "path", opts.Path, "took", time.Since(check.Began()).Round(time.Millisecond))
	}
	return nil, nil
}

// openSQLiteWriter opens the one writer connection, records the file's
// identity in guard, and makes sure this SQLite has full-text search.
func openSQLiteWriter(ctx context.Context, path string, cfg *gorm.Config, guard *sqlitefile.Guard) (*gorm.DB, *sql.DB, error) {
	wconn := sql.OpenDB(sqlitefile.Connector{DSN: sqliteDSN(path, writerPragmas), Guard: guard, Writer: true})
	w, wdb, err := openGorm(sqliteDialector{Dialector: &sqlite.Dialector{Conn: wconn}, guard: guard}, cfg)
	if err != nil {
		wconn.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := guard.Record(); err != nil {
		wdb.Close()
		return nil, nil, err
	}
	if err := requireFTS5(ctx, wdb, path); err != nil {
		wdb.Close()
		return nil, nil, err
	}
	return w, wdb, nil
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
		db, sqlDB, err := openGorm(postgresDialector{postgres.New(postgres.Config{DSN: dsn}).(*postgres.Dialector)}, cfg)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redacted, err)
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
	s, err := newStore(w, r, now, "")
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes both pools; the last writer connection checkpoints the WAL.
// On SQLite it first runs PRAGMA optimize, which refreshes the planner's
// statistics where they have gone stale (cheap when they have not).
func (s *Store) Close() error {
	s.startCheck.Stop()
	s.rescue(context.Background())
	defer s.guard.SetAsideStaleFiles()
	var errs []error
	if q := s.dialect.Optimize(); q != "" {
		errs = append(errs, s.w.Exec(q).Error)
	}
	if db, err := s.r.DB(); err == nil {
		errs = append(errs, db.Close())
	}
	if db, err := s.w.DB(); err == nil {
		errs = append(errs, db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Ping checks that the database answers; used by /healthz.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
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
	if err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, nil
}
