package storage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// TestExportIsInProposalThenOrganisationOrder: segments of the export are
// read at once on several connections, yet the file comes out as if read in
// one go — by proposal position, then organisation code — with every
// submitted response once, and the same bytes however it is cut.
func TestExportIsInProposalThenOrganisationOrder(t *testing.T) {
	ctx := context.Background()
	s := demoStore(t, filepath.Join(t.TempDir(), "export.db"), time.Now())
	defer s.Close()
	lp, err := s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	export := func(segmentOrgs int, q models.ExportQuery) ([]byte, int) {
		t.Helper()
		defer storage.SetExportSegmentOrgs(segmentOrgs)()
		var out bytes.Buffer
		n, err := s.ExportResponses(ctx, &out, q)
		if err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), n
	}
	// The demo has 44 organisations: one segment per proposal, then many.
	for _, q := range []models.ExportQuery{
		{ConsultationID: lp.ID},
		{ConsultationID: lp.ID, Filter: models.Filter{Type: "mental_health"}},
		{IncludeDrafts: true},
	} {
		whole, wholeN := export(1000, q)
		for _, size := range []int{1, 3, 7} {
			cut, n := export(size, q)
			if n != wholeN || !bytes.Equal(cut, whole) {
				t.Errorf("%s cut into segments of %d organisations: %d rows, %d bytes; in one segment %d rows, %d bytes",
					q.Describe(), size, n, len(cut), wholeN, len(whole))
			}
		}
	}
	out, n := export(5, models.ExportQuery{ConsultationID: lp.ID})
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records)-1 != n || n < 500 {
		t.Fatalf("%d rows in the file, %d reported; want the demo's several hundred submitted responses", len(records)-1, n)
	}
	ps, err := s.Proposals(ctx, lp.ID)
	if err != nil {
		t.Fatal(err)
	}
	position := map[string]int{}
	for _, p := range ps {
		position[p.Ref] = p.Position
	}
	type key struct {
		pos int
		org string
	}
	var keys []key
	for _, r := range records[1:] {
		if r[8] != string(models.StatusSubmitted) {
			t.Fatalf("a %s response in a submitted-only export", r[8])
		}
		keys = append(keys, key{position[r[1]], r[0]})
	}
	if !slices.IsSortedFunc(keys, func(a, b key) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return bytesCompare(a.org, b.org)
	}) {
		t.Error("rows are not in proposal position, then organisation code, order")
	}
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			t.Errorf("row %d repeats %v", i+1, keys[i])
		}
	}
	var submitted int
	for _, p := range ps {
		sum, err := s.ProposalSummary(ctx, p.Ref, models.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		submitted += sum.Responses
	}
	if n != submitted {
		t.Errorf("exported %d responses; the summaries count %d submitted", n, submitted)
	}
}

func bytesCompare(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) }

// failingWriter accepts limit bytes, then fails like a client that hung up.
type failingWriter struct{ limit int }

var errHungUp = errors.New("client hung up")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		return 0, errHungUp
	}
	w.limit -= len(p)
	return len(p), nil
}

// TestAnExportStopsWhenTheClientGoesAway: a failed write or a cancelled
// request ends the export with its error, and its readers with it, instead
// of leaving them blocked.
func TestAnExportStopsWhenTheClientGoesAway(t *testing.T) {
	ctx := context.Background()
	s := demoStore(t, filepath.Join(t.TempDir(), "export-stop.db"), time.Now())
	defer s.Close()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		w    *failingWriter
		want error
	}{
		{"the client hangs up after the first chunk", ctx, &failingWriter{limit: 100 << 10}, errHungUp},
		{"the request is cancelled", cancelled, &failingWriter{limit: 1 << 30}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := s.ExportResponses(tt.ctx, tt.w, models.ExportQuery{})
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("export ended with %v, want %v", err, tt.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the export did not end: a reader is stuck")
			}
		})
	}
	// The store is still usable: no connection was left behind.
	var out bytes.Buffer
	if _, err := s.ExportResponses(ctx, &out, models.ExportQuery{}); err != nil {
		t.Fatalf("an export after the abandoned ones: %v", err)
	}
}
