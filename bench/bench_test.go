package bench_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/bench/dataset"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// Sizes of the generated consultation: submitted responses, 20 per
// organisation. go test -short skips the million.
var sizes = []int{10_000, 100_000, 1_000_000}

// benchStore opens the dataset of n responses, generating it on first use
// into $TRACKER_BENCH_DIR (default /tmp/tracker-bench), where later runs
// find it again.
func benchStore(b *testing.B, n int) *storage.Store {
	b.Helper()
	if testing.Short() && n > 100_000 {
		b.Skip("-short: skipping the million-response dataset")
	}
	dir := os.Getenv("TRACKER_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tracker-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("gen-%d.db", n))
	ctx := context.Background()
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if err := dataset.Generate(ctx, path, dataset.Config{Organisations: n / 20, Proposals: 20, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %s", path, time.Since(start).Round(time.Second))
	}
	s, err := storage.Open(ctx, storage.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

var filters = []struct {
	name string
	f    models.Filter
}{
	{"all", models.Filter{}},
	{"acute-London", models.Filter{Type: "acute", Region: "London"}},
}

func BenchmarkProposalSummary(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		for _, f := range filters {
			b.Run(fmt.Sprintf("responses=%d/%s", n, f.name), func(b *testing.B) {
				s := benchStore(b, n)
				b.ResetTimer()
				for b.Loop() {
					if _, err := s.ProposalSummary(ctx, "LP-01", f.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkConsultationOverview(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		for _, f := range filters {
			b.Run(fmt.Sprintf("responses=%d/%s", n, f.name), func(b *testing.B) {
				s := benchStore(b, n)
				c, err := s.ConsultationBySlug(ctx, "lp-2019")
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := s.ConsultationOverview(ctx, c.ID, f.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCachedProposalSummary is what a summary request costs while no
// write has landed: one read of the summary version and a cache hit.
func BenchmarkCachedProposalSummary(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("responses=%d", n), func(b *testing.B) {
			s := benchStore(b, n)
			b.ResetTimer()
			for b.Loop() {
				v, err := s.SummaryVersion(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.CachedProposalSummary(ctx, v, "LP-01", models.Filter{}, models.TallyMember); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExportResponses streams every submitted response as CSV to
// nowhere; rows/s is the figure to compare with the 100,000 rows/s target.
func BenchmarkExportResponses(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes[:2] {
		b.Run(fmt.Sprintf("responses=%d", n), func(b *testing.B) {
			s := benchStore(b, n)
			b.ResetTimer()
			rows := 0
			for b.Loop() {
				written, err := s.ExportResponses(ctx, io.Discard, models.ExportQuery{})
				if err != nil {
					b.Fatal(err)
				}
				rows += written
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
