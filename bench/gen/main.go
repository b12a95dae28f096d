// Command gen builds the benchmark dataset into a new SQLite file:
//
//	go run ./bench/gen -db /tmp/tracker-bench/gen-1000000.db -orgs 50000 -proposals 20 -seed 1
//
// 50,000 organisations × 20 proposals is 1,000,000 submitted responses with
// about two concerns each. The same seed builds the same data.
//
// With -postgres URL it then loads that file (building it first if it does
// not exist) into the empty PostgreSQL database at URL:
//
//	go run ./bench/gen -db /tmp/tracker-bench/gen-1000000.db -postgres postgres://…/tracker_bench_gen
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nhsproviders/consultation-tracker/bench/dataset"
)

func main() {
	path := flag.String("db", "", "SQLite file to create (must not exist; keep it out of the repository, e.g. under /tmp)")
	orgs := flag.Int("orgs", 50000, "member organisations")
	proposals := flag.Int("proposals", 20, "proposals each organisation answers (at most 21)")
	seed := flag.Uint64("seed", 1, "random seed")
	pg := flag.String("postgres", "", "also load the dataset into this empty PostgreSQL database")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "gen: -db is required")
		os.Exit(2)
	}
	cfg := dataset.Config{Organisations: *orgs, Proposals: *proposals, Seed: *seed}
	start := time.Now()
	if _, err := os.Stat(*path); *pg == "" || err != nil {
		if err := dataset.Generate(context.Background(), *path, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Printf("built %s: %d organisations, %d submitted responses in %s\n", *path, *orgs, cfg.Responses(), time.Since(start).Round(time.Millisecond))
	}
	if *pg != "" {
		start = time.Now()
		if err := dataset.CopyToPostgres(context.Background(), *path, *pg); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Printf("loaded %s into PostgreSQL in %s\n", *path, time.Since(start).Round(time.Millisecond))
	}
}
