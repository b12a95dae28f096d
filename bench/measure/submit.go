package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// submit has members of different organisations PUT responses through the
// JSON API at once, and prints saves per second and latency percentiles.
//
//	measure submit -url http://127.0.0.1:3917 -db DB -members 16 -seconds 15
func submit(args []string) error {
	fs, c := newCrowd("submit", "http://127.0.0.1:3917", 15)
	members := fs.Int("members", 16, "concurrent members")
	fs.Parse(args)
	users := make([]models.NewUser, *members)
	for i := range users {
		users[i] = models.NewUser{Email: fmt.Sprintf("bench%02d@g%05d.example", i, i), Name: "Bench Member",
			Role: models.RoleMember, OrganisationCode: fmt.Sprintf("G%05d", i), Password: "bench password for members"}
	}
	if err := createAccounts(c.dbPath, users); err != nil {
		return err
	}
	ms, err := signInAll(c.base, users)
	if err != nil {
		return err
	}
	var ok, failed atomic.Int64
	latencies := make([][]time.Duration, len(ms)) // one slice a member: no lock between them
	start := time.Now()
	untilDeadline(ms, c.duration(), func(i, j int, m member) {
		status, took, err := putResponse(c.base, m, i, j)
		if err != nil {
			failed.Add(1)
			return
		}
		latencies[i] = append(latencies[i], took)
		if status == http.StatusOK || status == http.StatusCreated {
			ok.Add(1)
		} else {
			failed.Add(1)
		}
	})
	elapsed := time.Since(start).Seconds()
	fmt.Printf("submissions_per_s: %.0f\n", float64(ok.Load())/elapsed)
	fmt.Printf("submissions_failed: %d\n", failed.Load())
	printPercentiles(slices.Concat(latencies...))
	return nil
}

// createAccounts opens the server's database just long enough to add the
// member accounts.
func createAccounts(dbPath string, users []models.NewUser) error {
	ctx := context.Background()
	store, err := storage.Open(ctx, storage.Options{Path: dbPath})
	if err != nil {
		return err
	}
	defer store.Close()
	return createMembers(ctx, store, users)
}

// putResponse saves member i's j-th response through the JSON API, each
// save to the next of the first twenty proposals.
func putResponse(base string, m member, i, j int) (status int, took time.Duration, err error) {
	ref := fmt.Sprintf("LP-%02d", 1+(i+j)%20)
	body := fmt.Sprintf(`{"stance": "oppose", "autonomy": -1, "concerns": "timescale;new_central_powers", "comment": "Load test save %d by member %d: the board is concerned about accountability.", "amendments": "", "consent": "anonymised"}`, j, i)
	req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/proposals/"+ref+"/response", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", m.csrf)
	t0 := time.Now()
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0), nil
}

// printPercentiles prints the median and 99th percentile of the saves' latencies.
func printPercentiles(latencies []time.Duration) {
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	fmt.Printf("submission_p50_ms: %.1f\n", float64(pct(0.5).Microseconds())/1000)
	fmt.Printf("submission_p99_ms: %.1f\n", float64(pct(0.99).Microseconds())/1000)
}
