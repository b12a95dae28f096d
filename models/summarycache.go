package models

import (
	"context"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"
)

// Summaries and overviews are cached in memory, each labelled with the
// summary version it was computed at. The version is a row in the database
// that a trigger moves in the same transaction as any write to a table a
// summary reads, so a write committed by any instance (or by the tracker
// command line) makes every older entry unusable at once: a cached number
// is never stale after a write. Reading the version costs one indexed read
// per request, against about a hundred rows and a dozen queries for a
// summary computed afresh.
//
// An entry is computed after the version is read, so it holds data at least
// as new as its label; a write landing meanwhile only makes it refreshed one
// request early.

// summaryTables are the tables whose rows a summary or overview shows or
// counts. The tally tables that only ever change together with one of these
// (autonomy, concerns, outstanding, quotable) are left out to spare bulk
// imports a trigger per row; organisation and stance tallies are kept so that
// a rebuild of the tallies moves the version too.
var summaryTables = []string{
	"consultations", "proposals", "organisations", "concerns",
	"responses", "response_codings", "organisation_tallies", "stance_tallies",
}

// summaryVersionTriggers creates the triggers that move the summary version:
// on SQLite one per row (SQLite has no statement triggers; one update of a
// one-row table), on PostgreSQL one per statement.
func summaryVersionTriggers(tx *gorm.DB) error {
	var stmts []string
	if tx.Dialector.Name() == "postgres" {
		stmts = append(stmts, `CREATE FUNCTION bump_summary_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; RETURN NULL; END $$`)
		for _, t := range summaryTables {
			stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER %s_summary_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
FOR EACH STATEMENT EXECUTE FUNCTION bump_summary_version()`, t, t))
		}
	} else {
		for _, t := range summaryTables {
			for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
				stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER %s_%s_summary_version AFTER %s ON %s
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = 1; END`, t, op, op, t))
			}
		}
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}

// summaryVersionShards makes a PostgreSQL transaction move the version row
// of its own connection (migration 41), instead of the one row every writer
// queued on. The rows only grow, so their sum still moves with every write.
func summaryVersionShards(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	return tx.Exec(`CREATE OR REPLACE FUNCTION bump_summary_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE summary_version SET v = v + 1 WHERE id = pg_backend_pid() % 16 + 1; RETURN NULL; END $$`).Error
}

// SummaryVersion is the current summary version: it differs from any
// earlier reading once a write that a summary could show has committed.
func (s *Store) SummaryVersion(ctx context.Context) (int64, error) {
	st, err := s.prepared(ctx, "SELECT SUM(v) FROM summary_version")
	if err != nil {
		return 0, err
	}
	var v int64
	err = st.QueryRowContext(ctx).Scan(&v)
	return v, err
}

// VersionedCache keeps a bounded number of values, each computed at a
// summary version and served only at that version. Values are shared
// between requests: callers must treat them as read-only.
type VersionedCache[K comparable, V any] struct {
	entries *lru.Cache[K, versioned[V]]
	flight  singleflight.Group
}

type versioned[V any] struct {
	version int64
	value   V
}

// NewVersionedCache makes a cache of at most size values.
func NewVersionedCache[K comparable, V any](size int) *VersionedCache[K, V] {
	entries, err := lru.New[K, versioned[V]](size)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &VersionedCache[K, V]{entries: entries}
}

// Get returns the value for key computed at version, computing it once
// however many requests ask at the same moment. Errors are not cached.
func (c *VersionedCache[K, V]) Get(version int64, key K, compute func() (V, error)) (V, error) {
	if e, ok := c.entries.Get(key); ok && e.version == version {
		return e.value, nil
	}
	v, err, _ := c.flight.Do(fmt.Sprintf("%d %v", version, key), func() (any, error) {
		v, err := compute()
		if err != nil {
			return v, err
		}
		// Never replace a newer entry with an older one.
		if e, ok := c.entries.Peek(key); !ok || e.version <= version {
			c.entries.Add(key, versioned[V]{version, v})
		}
		return v, nil
	})
	return v.(V), err
}

type summaryKey struct {
	ref   string
	f     Filter
	tally string
}

type overviewKey struct {
	consultationID int64
	f              Filter
}

// summaryCaches are the Store's caches: about 50 KB a summary at most (50
// quotes, 200 non-responders), so a few hundred stay well inside the memory
// budget.
type summaryCaches struct {
	summaries *VersionedCache[summaryKey, Summary]
	overviews *VersionedCache[overviewKey, Overview]
}

func newSummaryCaches() summaryCaches {
	return summaryCaches{
		summaries: NewVersionedCache[summaryKey, Summary](256),
		overviews: NewVersionedCache[overviewKey, Overview](64),
	}
}

// CachedProposalSummary is ProposalSummary with the concern tallies from
// the chosen source, as of version (from SummaryVersion), from the cache
// when it holds it.
func (s *Store) CachedProposalSummary(ctx context.Context, version int64, ref string, f Filter, tally string) (Summary, error) {
	if err := f.Validate(); err != nil {
		return Summary{}, err
	}
	// Requests waiting on this computation share its result, so one of them
	// going away must not fail the others.
	ctx = context.WithoutCancel(ctx)
	return s.caches.summaries.Get(version, summaryKey{ref, f, tally}, func() (Summary, error) {
		sum, err := s.ProposalSummary(ctx, ref, f)
		if err != nil {
			return sum, err
		}
		return s.WithConcernTallies(ctx, sum, tally)
	})
}

// CachedConsultationOverview is ConsultationOverview as of version, from the
// cache when it holds it.
func (s *Store) CachedConsultationOverview(ctx context.Context, version int64, consultationID int64, f Filter) (Overview, error) {
	if err := f.Validate(); err != nil {
		return Overview{}, err
	}
	ctx = context.WithoutCancel(ctx)
	return s.caches.overviews.Get(version, overviewKey{consultationID, f}, func() (Overview, error) {
		return s.ConsultationOverview(ctx, consultationID, f)
	})
}
