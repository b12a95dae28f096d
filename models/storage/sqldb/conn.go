package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Conn runs SQL written with ? placeholders on a pool (*sql.DB) or in a
// transaction (*sql.Tx). It rebinds the placeholders for the engine,
// prepares a statement that recurs once and keeps it, logs slow and failed
// statements without their values, and marks the errors that mean the
// database is unavailable, as the store's GORM connections do.
type Conn struct {
	db      gorm.ConnPool
	dialect Dialect
	log     QueryLogger
	stmts   sync.Map // query as written → *sql.Stmt
}

// NewConn runs statements on db, a pool or a transaction.
func NewConn(db gorm.ConnPool, d Dialect, log QueryLogger) *Conn {
	return &Conn{db: db, dialect: d, log: log}
}

// InTx is a Conn on the connection of tx, a GORM transaction, with its
// dialect and logger; its statements are part of the transaction, and run
// on the context they are given (tx.Statement.Context). Close it when it has
// prepared any.
func InTx(tx *gorm.DB) *Conn {
	log, _ := tx.Config.Logger.(QueryLogger)
	return NewConn(tx.Statement.ConnPool, DialectOf(tx), log)
}

// Prepare returns q prepared, on its first use, and kept until Close: for a
// statement that recurs, such as a full batch's or one every request runs.
func (c *Conn) Prepare(ctx context.Context, q string) (*Stmt, error) {
	if st, ok := c.stmts.Load(q); ok {
		return &Stmt{st: st.(*sql.Stmt), query: q, log: c.log}, nil
	}
	st, err := c.db.PrepareContext(ctx, c.dialect.Rebind(q))
	if err != nil {
		return nil, translate(err)
	}
	if prev, loaded := c.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return &Stmt{st: st, query: q, log: c.log}, nil
}

// Exec runs q and says how many rows it changed. When keep is set (the
// statement recurs) it is prepared once and kept; otherwise, as for a
// short batch whose VALUES list is of a length seen once, it is sent as it is.
func (c *Conn) Exec(ctx context.Context, keep bool, q string, args ...any) (int64, error) {
	if keep {
		st, err := c.Prepare(ctx, q)
		if err != nil {
			return 0, err
		}
		return st.Exec(ctx, args...)
	}
	begin := time.Now()
	res, err := c.db.ExecContext(ctx, c.dialect.Rebind(q), args...)
	return rowsAffected(res, c.log.done(ctx, begin, q, err))
}

// Query runs q, kept as Exec keeps it, and calls each for every row.
func (c *Conn) Query(ctx context.Context, keep bool, q string, args []any, each func(*sql.Rows) error) error {
	if keep {
		st, err := c.Prepare(ctx, q)
		if err != nil {
			return err
		}
		return st.Query(ctx, args, each)
	}
	begin := time.Now()
	rows, err := c.db.QueryContext(ctx, c.dialect.Rebind(q), args...)
	return c.log.done(ctx, begin, q, eachRow(rows, err, each))
}

// Close closes the statements the Conn prepared; it may go on being used.
func (c *Conn) Close() {
	c.stmts.Range(func(q, st any) bool {
		st.(*sql.Stmt).Close()
		c.stmts.Delete(q)
		return true
	})
}

// Stmt is a statement a Conn prepared.
type Stmt struct {
	st    *sql.Stmt
	query string
	log   QueryLogger
}

// Exec runs the statement and says how many rows it changed.
func (s *Stmt) Exec(ctx context.Context, args ...any) (int64, error) {
	begin := time.Now()
	res, err := s.st.ExecContext(ctx, args...)
	return rowsAffected(res, s.log.done(ctx, begin, s.query, err))
}

// Query runs the statement and calls each for every row.
func (s *Stmt) Query(ctx context.Context, args []any, each func(*sql.Rows) error) error {
	begin := time.Now()
	rows, err := s.st.QueryContext(ctx, args...)
	return s.log.done(ctx, begin, s.query, eachRow(rows, err, each))
}

// QueryRowContext runs the statement for one row, read by the Row's Scan.
func (s *Stmt) QueryRowContext(ctx context.Context, args ...any) Row {
	return Row{row: s.st.QueryRowContext(ctx, args...), ctx: ctx, begin: time.Now(), stmt: s}
}

// Row is the answer of Stmt.QueryRowContext.
type Row struct {
	row   *sql.Row
	ctx   context.Context
	begin time.Time
	stmt  *Stmt
}

// Scan reads the row into dest, as sql.Row.Scan does, and logs the
// statement if it failed or was slow.
func (r Row) Scan(dest ...any) error {
	return r.stmt.log.done(r.ctx, r.begin, r.stmt.query, r.row.Scan(dest...))
}

// done logs a statement that ran from begin and failed with err or was
// slow, and returns err as the store's callers see it.
func (q QueryLogger) done(ctx context.Context, begin time.Time, query string, err error) error {
	q.Trace(ctx, begin, func() (string, int64) { return query, -1 }, err)
	return translate(err)
}

// translate is what GORM's dialector does to an error: values blanked, and
// unavailability marked.
func translate(err error) error { return markUnavailable(Redact(err)) }

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// eachRow calls each for every row of rows, which a query returned with err.
func eachRow(rows *sql.Rows, err error, each func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ParamType is how a parameter of a VALUES list is typed.
type ParamType string

const (
	// Untyped parameters take the type of the column they are inserted into.
	Untyped ParamType = ""
	// BigInt parameters are numbers: PostgreSQL types a VALUES list that is
	// not inserted (one joined, or compared with IN) from its parameters,
	// which it reads as text unless told.
	BigInt ParamType = "BIGINT"
)

// Values is a VALUES list of rows rows of cols parameters each, "(?, ?),
// (?, ?)"; one row of n parameters is also an IN list.
func Values(rows, cols int, typ ParamType) string {
	param := "?"
	if typ != Untyped {
		param = "CAST(? AS " + string(typ) + ")"
	}
	one := "(" + strings.TrimSuffix(strings.Repeat(param+", ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// Chunks cuts list into slices of at most size, for IN lists and batches.
func Chunks[T any](list []T, size int) [][]T { return slices.Collect(slices.Chunk(list, size)) }
