package storage

import (
	"context"
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
)

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
	if sqldb.DialectOf(tx).StatementTriggers() {
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
	if !sqldb.DialectOf(tx).ConcurrentWriters() {
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

type summaryKey struct {
	ref   string
	f     models.Filter
	tally string
}

type overviewKey struct {
	consultationID int64
	f              models.Filter
}

// summaryCaches are the Store's caches: about 50 KB a summary at most (50
// quotes, 200 non-responders), so a few hundred stay well inside the memory
// budget.
type summaryCaches struct {
	summaries *models.VersionedCache[summaryKey, models.Summary]
	overviews *models.VersionedCache[overviewKey, models.Overview]
}

func newSummaryCaches() summaryCaches {
	return summaryCaches{
		summaries: models.NewVersionedCache[summaryKey, models.Summary](256),
		overviews: models.NewVersionedCache[overviewKey, models.Overview](64),
	}
}

// CachedProposalSummary is ProposalSummary with the concern tallies from
// the chosen source, as of version (from SummaryVersion), from the cache
// when it holds it.
func (s *Store) CachedProposalSummary(ctx context.Context, version int64, ref string, f models.Filter, tally string) (models.Summary, error) {
	if err := f.Validate(); err != nil {
		return models.Summary{}, err
	}
	// Requests waiting on this computation share its result, so one of them
	// going away must not fail the others.
	ctx = context.WithoutCancel(ctx)
	return s.caches.summaries.Get(version, summaryKey{ref, f, tally}, func() (models.Summary, error) {
		sum, err := s.ProposalSummary(ctx, ref, f)
		if err != nil {
			return sum, err
		}
		return s.WithConcernTallies(ctx, sum, tally)
	})
}

// CachedConsultationOverview is ConsultationOverview as of version, from the
// cache when it holds it.
func (s *Store) CachedConsultationOverview(ctx context.Context, version int64, consultationID int64, f models.Filter) (models.Overview, error) {
	if err := f.Validate(); err != nil {
		return models.Overview{}, err
	}
	ctx = context.WithoutCancel(ctx)
	return s.caches.overviews.Get(version, overviewKey{consultationID, f}, func() (models.Overview, error) {
		return s.ConsultationOverview(ctx, consultationID, f)
	})
}
