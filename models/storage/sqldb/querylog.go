package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Slow and failed queries are logged without the values they carried: the
// log must hold no email, address, comment or search word, whichever way
// the query was sent (GORM's builder, Raw…Scan, Exec, or a Conn).
//
// GORM's Scan swaps our logger for its own recorder, which fills the values
// into the statement before handing it back; the hook below makes the
// recorder keep the placeholders, and QueryLogger blanks any quoted literal
// that still reaches the text, as well as quoted parts of error messages
// (PostgreSQL writes `invalid input syntax for type integer: "…"`).
func init() {
	logger.RecorderParamsFilter = func(_ context.Context, sql string, _ ...any) (string, []any) {
		return sql, nil
	}
}

// DefaultSlowQuery is how long a query may take before it is logged.
const DefaultSlowQuery = 500 * time.Millisecond

// maxLoggedSQL bounds one statement in the log; a long IN list says nothing
// more after its first few thousand characters.
const maxLoggedSQL = 2000

// QueryLogger is the GORM logger of both pools, and the logger of the
// statements sent through Conn.
type QueryLogger struct {
	log     *slog.Logger // nil: silent
	slow    time.Duration
	dialect Dialect
}

// NewQueryLogger logs to l (nil for silence) the statements that fail or
// take longer than slow (0 for DefaultSlowQuery).
func NewQueryLogger(l *slog.Logger, slow time.Duration, d Dialect) QueryLogger {
	if slow <= 0 {
		slow = DefaultSlowQuery
	}
	return QueryLogger{log: l, slow: slow, dialect: d}
}

// LogMode is part of logger.Interface; the level is fixed (slow and failed
// queries only).
func (q QueryLogger) LogMode(logger.LogLevel) logger.Interface { return q }

// Info is part of logger.Interface; GORM's informational messages are not logged.
func (q QueryLogger) Info(context.Context, string, ...any) {}

// Warn logs one of GORM's own warnings, blanking anything quoted in it.
func (q QueryLogger) Warn(ctx context.Context, msg string, data ...any) {
	q.emit(ctx, slog.LevelWarn, "gorm", slog.String("message", blankQuoted(fmt.Sprintf(msg, data...), `'"`)))
}

// Error logs one of GORM's own errors, blanking anything quoted in it.
func (q QueryLogger) Error(ctx context.Context, msg string, data ...any) {
	q.emit(ctx, slog.LevelError, "gorm", slog.String("message", blankQuoted(fmt.Sprintf(msg, data...), `'"`)))
}

// ParamsFilter makes GORM hand Trace the statement with its placeholders.
func (q QueryLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// Trace logs a statement that failed or was slow.
func (q QueryLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if q.log == nil {
		return
	}
	elapsed := time.Since(begin)
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, sql.ErrNoRows)
	if !failed && elapsed <= q.slow {
		return
	}
	stmt, rows := fc()
	attrs := []slog.Attr{
		slog.String("duration", fmt.Sprintf("%.3fms", float64(elapsed.Nanoseconds())/1e6)),
		slog.String("sql", q.loggableSQL(stmt)),
	}
	if rows != -1 {
		attrs = append(attrs, slog.Int64("rows", rows))
	}
	level := slog.LevelWarn
	if failed {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", Redact(err).Error()))
	}
	q.emit(ctx, level, "SQL executed", slog.Attr{Key: "trace", Value: slog.GroupValue(attrs...)})
}

func (q QueryLogger) emit(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if q.log == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	q.log.LogAttrs(ctx, level, msg, attrs...)
}

// loggableSQL is a statement as it may be logged: quoted literals blanked
// (on SQLite "…" is also how GORM fills in a string value; our statements
// quote names with backticks there) and the length bounded.
func (q QueryLogger) loggableSQL(stmt string) string {
	stmt = blankQuoted(stmt, q.dialect.valueQuotes())
	if len(stmt) > maxLoggedSQL {
		cut := maxLoggedSQL
		for cut > 0 && !utf8.RuneStart(stmt[cut]) {
			cut--
		}
		stmt = fmt.Sprintf("%s… (%d bytes)", stmt[:cut], len(stmt))
	}
	return stmt
}

// blankQuoted replaces every span quoted with one of quotes (a doubled
// quote inside counts as part of it, as in SQL) by '?'. An unterminated
// quote blanks the rest.
func blankQuoted(s, quotes string) string {
	if !strings.ContainsAny(s, quotes) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if strings.IndexByte(quotes, c) < 0 {
			b.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(s) {
			if s[j] == c {
				if j+1 < len(s) && s[j+1] == c {
					j += 2
					continue
				}
				break
			}
			j++
		}
		b.WriteString("'?'")
		i = j + 1
	}
	return b.String()
}

// redactedError keeps an error's identity (errors.Is and As see through it)
// while its text, which is what reaches a log, has its quoted parts blanked.
type redactedError struct {
	err  error
	text string
}

func (e redactedError) Error() string { return e.text }

func (e redactedError) Unwrap() error { return e.err }

// Redact is err with the parts of its text where a database driver may have
// echoed a value blanked: anything quoted (PostgreSQL quotes what it
// repeats), and what follows the colon of a SQLite message ("no such
// column: …" names a word of a full-text query). It still matches what err
// matches (errors.Is, errors.As).
func Redact(err error) error {
	if err == nil {
		return nil
	}
	if _, done := err.(redactedError); done {
		return err
	}
	text := err.Error()
	blanked := text
	var se sqlite3.Error
	if errors.As(err, &se) {
		if msg := se.Error(); strings.Contains(msg, ": ") {
			head, _, _ := strings.Cut(msg, ": ")
			blanked = strings.ReplaceAll(blanked, msg, head+": ?")
		}
	}
	blanked = blankQuoted(blanked, `'"`)
	if blanked != text {
		return redactedError{err: err, text: blanked}
	}
	return err
}
