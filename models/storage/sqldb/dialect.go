package sqldb

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Dialect is the SQL of one database engine: SQLite, the embedded default,
// or PostgreSQL, which several instances share. Every place where the two
// differ is answered here, so that the rest of the store writes one SQL for
// both and asks the dialect only for the parts that differ.
type Dialect struct{ name string }

// The two engines.
var (
	SQLite   = Dialect{"sqlite"}
	Postgres = Dialect{"postgres"}
)

// DialectOf is the dialect of a GORM connection or transaction.
func DialectOf(db *gorm.DB) Dialect {
	if db.Dialector.Name() == Postgres.name {
		return Postgres
	}
	return SQLite
}

// Name is "sqlite" or "postgres", as GORM names them.
func (d Dialect) Name() string { return d.name }

func (d Dialect) postgres() bool { return d == Postgres }

// Rebind writes a statement's ? placeholders as the engine reads them:
// unchanged on SQLite, $1, $2, … on PostgreSQL. The statement holds no '?'
// inside a string or a name.
func (d Dialect) Rebind(q string) string {
	if !d.postgres() || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
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

// GroupConcat aggregates expr into one ';'-separated string, ordered by
// orderBy unless it is "".
func (d Dialect) GroupConcat(expr, orderBy string) string {
	if orderBy != "" {
		orderBy = " ORDER BY " + orderBy
	}
	if d.postgres() {
		return "string_agg(" + expr + ", ';'" + orderBy + ")"
	}
	return "GROUP_CONCAT(" + expr + ", ';'" + orderBy + ")"
}

// RFC3339UTC formats a stored time column as 2026-11-22T10:00:00Z.
func (d Dialect) RFC3339UTC(col string) string {
	if d.postgres() {
		return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
	}
	return `strftime('%Y-%m-%dT%H:%M:%SZ', ` + col + `)`
}

// ConcurrentWriters says whether several sessions write at once. On
// PostgreSQL they do: a write that reads before it writes locks the rows it
// reads (SELECT … FOR UPDATE), migrations take turns on an advisory lock,
// and a counter every write moves is kept in shards. SQLite's one writer
// connection has already put every write in a queue.
func (d Dialect) ConcurrentWriters() bool { return d.postgres() }

// Embedded says whether the database is a file this process opens and tunes
// with pragmas (SQLite), rather than a server it reaches over the network
// (PostgreSQL).
func (d Dialect) Embedded() bool { return !d.postgres() }

// WritesUnchangedRows says whether an UPDATE that changes nothing still
// writes: PostgreSQL writes a new version of the row; SQLite skips it.
func (d Dialect) WritesUnchangedRows() bool { return d.postgres() }

// StatementTriggers says whether a trigger can run once per statement
// (PostgreSQL), not only once per row (SQLite).
func (d Dialect) StatementTriggers() bool { return d.postgres() }

// Optimize is the statement that refreshes the planner's statistics where
// they have gone stale, cheap when they have not, run as the store closes:
// SQLite's PRAGMA optimize. "" on PostgreSQL, whose autovacuum does it.
func (d Dialect) Optimize() string {
	if d.postgres() {
		return ""
	}
	return "PRAGMA optimize"
}

// FullText is how an engine indexes text for search.
type FullText int

const (
	// FTS5 is SQLite's full-text extension: an index table of its own,
	// kept by triggers, queried with MATCH.
	FTS5 FullText = iota
	// TSVector is PostgreSQL's text search: a tsvector column, queried
	// with @@ and a tsquery.
	TSVector
)

// FullText is the engine's full-text search.
func (d Dialect) FullText() FullText {
	if d.postgres() {
		return TSVector
	}
	return FTS5
}

// valueQuotes are the quotes GORM puts around the values it fills into a
// statement it logs: '…' on both engines, and on SQLite "…" too (the store
// quotes names with backticks there).
func (d Dialect) valueQuotes() string {
	if d.postgres() {
		return `'`
	}
	return `'"`
}
