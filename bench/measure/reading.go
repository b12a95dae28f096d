package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// readingCursor walks the reading view of one proposal, as GET
// /proposals/REF/responses?QUERY pages it (25 a page), following the next
// page up to -pages pages in or to the last page, and prints the cursor of
// the page it reached (the "after" of its link) for bench/load.sh to ask
// for over HTTP, with the page's number and, in-process, the median time
// of the first page and of that page (store only, no HTTP, 21 reads each).
func readingCursor(args []string) error {
	fs := flag.NewFlagSet("reading-cursor", flag.ExitOnError)
	dbPath := fs.String("db", "", "the SQLite database (a copy of the dataset)")
	ref := fs.String("ref", "LP-01", "the proposal")
	query := fs.String("query", "", "the reading view's query string: type, region, system_status, stance, not_coded, amendments, quotable, sort")
	pages := fs.Int("pages", 1000, "how many pages in to go, at most")
	fs.Parse(args)
	v, err := url.ParseQuery(*query)
	if err != nil {
		return err
	}
	ctx := context.Background()
	store, err := storage.Open(ctx, storage.Options{Path: *dbPath})
	if err != nil {
		return err
	}
	defer store.Close()
	prop, _, err := store.ProposalByRef(ctx, *ref)
	if err != nil {
		return err
	}
	sort := models.ReadingSort(v.Get("sort"))
	if sort == "" {
		sort = models.SortSubmitted
	}
	q := models.ReadingQuery{ProposalID: prop.ID, Sort: sort, Limit: 25, Filter: models.ReadingFilter{
		Filter: models.Filter{Type: v.Get("type"), Region: v.Get("region"), SystemStatus: v.Get("system_status")},
		Stance: models.Stance(v.Get("stance")), NotCoded: v.Get("not_coded") != "", HasAmendments: v.Get("amendments") != "",
		Quotable: v.Get("quotable") != ""}}
	first := q
	page := 1
	for ; page < *pages; page++ {
		p, err := store.ReadingResponses(ctx, q)
		if err != nil {
			return err
		}
		if !p.HasNext {
			break
		}
		q.After = p.Responses[len(p.Responses)-1].ID
	}
	read := func(q models.ReadingQuery) func() error {
		return func() error { _, err := store.ReadingResponses(ctx, q); return err }
	}
	firstMedian, err := median(21, read(first))
	if err != nil {
		return err
	}
	lateMedian, err := median(21, read(q))
	if err != nil {
		return err
	}
	// The header's counts without the cache: what the first request after
	// any write pays.
	countMedian, err := median(5, func() error {
		if _, err := store.ReadingCount(ctx, q.ProposalID, q.Filter); err != nil {
			return err
		}
		_, err := store.CodingProgress(ctx, q.ProposalID)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("cursor: %d\npage: %d\nfirst page in-process median: %s\nlate page in-process median: %s\ncounts uncached in-process median: %s\n",
		q.After, page, firstMedian, lateMedian, countMedian)
	return nil
}

// median runs f n times and returns the median time it took.
func median(n int, f func() error) (time.Duration, error) {
	var times []time.Duration
	for range n {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2].Round(time.Microsecond), nil
}
