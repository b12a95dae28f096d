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

// LoginAttempt is a sign-in attempt already counted against its keys; it is
// counted before the password is checked, so that concurrent guesses cannot
// all slip in under the limit, and forgotten again if it succeeds.
type LoginAttempt struct{ ids []int64 }

// BeginLoginAttempt counts an attempt against every key and says whether
// the keys are over the limit (more than MaxLoginFailures counted attempts
// within LoginWindow, this one included), and for how long.
func (s *Store) BeginLoginAttempt(ctx context.Context, keys []string) (LoginAttempt, bool, time.Duration, error) {
	now := s.Now()
	var a LoginAttempt
	db := s.w.WithContext(ctx)
	for _, k := range keys {
		row := struct {
			ID          int64 `gorm:"primaryKey"`
			ThrottleKey string
			At          time.Time
		}{ThrottleKey: k, At: now}
		if err := db.Table("login_failures").Create(&row).Error; err != nil {
			return a, false, 0, err
		}
		a.ids = append(a.ids, row.ID)
	}
	var rows []struct {
		ThrottleKey string
		At          time.Time
	}
	// Read the timestamps themselves: SQLite gives aggregates of a DATETIME
	// column back as text. Read through the writer so this attempt is seen.
	err := db.Raw(`SELECT throttle_key, at FROM login_failures
		WHERE throttle_key IN ? AND at > ? ORDER BY at`, keys, now.Add(-LoginWindow)).Scan(&rows).Error
	if err != nil {
		return a, false, 0, err
	}
	seen := map[string][]time.Time{}
	for _, r := range rows {
		seen[r.ThrottleKey] = append(seen[r.ThrottleKey], r.At)
	}
	for _, times := range seen {
		if len(times) > MaxLoginFailures {
			// Refused until enough of the earlier attempts have aged out.
			until := times[len(times)-MaxLoginFailures].Add(LoginWindow)
			return a, true, max(until.Sub(now), time.Second), nil
		}
	}
	return a, false, 0, nil
}

// Succeeded forgets a successful attempt: only failures count.
func (s *Store) Succeeded(ctx context.Context, a LoginAttempt) error {
	if len(a.ids) == 0 {
		return nil
	}
	return s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE id IN ?", a.ids).Error
}

// PurgeLoginFailures drops failures older than the window.
func (s *Store) PurgeLoginFailures(ctx context.Context) error {
	return s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE at <= ?", s.Now().Add(-LoginWindow)).Error
}
