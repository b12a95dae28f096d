package storage

import (
	"context"
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/versioned"
)

// SummaryVersion is the current summary version: it differs from any
// earlier reading once a write that a summary could show has committed.
func (s *Store) SummaryVersion(ctx context.Context) (int64, error) {
	st, err := s.prepared(ctx, "SELECT SUM(v) FROM summary_version")
	var v int64
	if err == nil {
		err = st.QueryRowContext(ctx).Scan(&v)
	}
	if err != nil {
		return 0, fmt.Errorf("read summary version: %w", err)
	}
	return v, nil
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
	summaries *versioned.Cache[summaryKey, models.Summary]
	overviews *versioned.Cache[overviewKey, models.Overview]
	readings  *versioned.Cache[readingKey, models.ReadingCounts] // the reading view's counts (reading.go)
}

func newSummaryCaches() summaryCaches {
	return summaryCaches{
		summaries: versioned.NewCache[summaryKey, models.Summary](256),
		overviews: versioned.NewCache[overviewKey, models.Overview](64),
		readings:  versioned.NewCache[readingKey, models.ReadingCounts](1024),
	}
}

// CachedProposalSummary is ProposalSummary with the concern tallies from
// the chosen source, as of version (from SummaryVersion), from the cache
// when it holds it.
func (s *Store) CachedProposalSummary(ctx context.Context, version int64, ref string, f models.Filter, tally string) (models.Summary, error) {
	if err := f.Validate(); err != nil {
		return models.Summary{}, fmt.Errorf("summary of %s: %w", ref, err)
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
		return models.Overview{}, fmt.Errorf("overview of consultation %d: %w", consultationID, err)
	}
	ctx = context.WithoutCancel(ctx)
	return s.caches.overviews.Get(version, overviewKey{consultationID, f}, func() (models.Overview, error) {
		return s.ConsultationOverview(ctx, consultationID, f)
	})
}
