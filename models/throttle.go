package models

import (
	"context"
	"time"
)

// Sign-in throttling: at most MaxLoginFailures failed sign-ins per account,
// and per address, within LoginWindow; the next attempt is refused.
const (
	MaxLoginFailures = 5
	LoginWindow      = time.Minute
)

// ThrottleKeys are the keys a sign-in attempt counts against.
func ThrottleKeys(email, address string) []string {
	return []string{"account:" + NormaliseEmail(email), "address:" + address}
}

// LoginThrottled says whether any of the keys has had MaxLoginFailures
// failures within the window, and how long until the oldest of them expires.
func (s *Store) LoginThrottled(ctx context.Context, keys []string) (bool, time.Duration, error) {
	now := s.Now()
	var rows []struct {
		ThrottleKey string
		At          time.Time
	}
	// Read the timestamps themselves: SQLite gives aggregates of a DATETIME
	// column back as text.
	err := s.r.WithContext(ctx).Raw(`SELECT throttle_key, at FROM login_failures
		WHERE throttle_key IN ? AND at > ? ORDER BY at`, keys, now.Add(-LoginWindow)).Scan(&rows).Error
	if err != nil {
		return false, 0, err
	}
	seen := map[string][]time.Time{}
	for _, r := range rows {
		seen[r.ThrottleKey] = append(seen[r.ThrottleKey], r.At)
	}
	for _, times := range seen {
		if len(times) >= MaxLoginFailures {
			// Throttled until enough of the failures have aged out.
			until := times[len(times)-MaxLoginFailures].Add(LoginWindow)
			return true, max(until.Sub(now), time.Second), nil
		}
	}
	return false, 0, nil
}

// RecordLoginFailure counts a failed sign-in against every key.
func (s *Store) RecordLoginFailure(ctx context.Context, keys []string) error {
	now := s.Now()
	db := s.w.WithContext(ctx)
	for _, k := range keys {
		if err := db.Exec("INSERT INTO login_failures (throttle_key, at) VALUES (?, ?)", k, now).Error; err != nil {
			return err
		}
	}
	return nil
}

// PurgeLoginFailures drops failures older than the window.
func (s *Store) PurgeLoginFailures(ctx context.Context) error {
	return s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE at <= ?", s.Now().Add(-LoginWindow)).Error
}
