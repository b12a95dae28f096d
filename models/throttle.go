package models

import (
	"context"
	"strings"
	"time"
)

const addressKeyPrefix = "address:"

// Sign-in throttling: at most MaxLoginFailures failed sign-ins per account,
// and per address, within LoginWindow; the next attempt is refused.
const (
	MaxLoginFailures = 5
	LoginWindow      = time.Minute
)

// ThrottleKeys are the keys a sign-in attempt counts against.
func ThrottleKeys(email, address string) []string {
	return []string{"account:" + NormaliseEmail(email), addressKeyPrefix + address}
}

// LoginAttempt is a sign-in attempt already counted against its keys; it is
// counted before the password is checked, so that concurrent guesses cannot
// all slip in under the limit, and forgotten again if it succeeds.
type LoginAttempt struct{ ids []int64 }

// pendingGrace is how long an attempt may stay unsettled before it counts
// as a failure everywhere: a sign-in never takes this long unless the
// process died in the middle of it.
const pendingGrace = 10 * time.Second

// BeginLoginAttempt counts an attempt against every key and says whether
// the keys are over the limit, and for how long.
//
// Against an account, every attempt in the window counts, pending ones
// included: twelve guesses sent at once at one account are held to five.
// Against an address, only settled failures count (and attempts left
// pending for longer than pendingGrace): fifty colleagues behind one
// trust's network signing in at nine o'clock are all let through, while
// the sixth wrong password from that address in a minute is refused.
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
		Failed      bool
	}
	// Read the timestamps themselves: SQLite gives aggregates of a DATETIME
	// column back as text. Read through the writer so this attempt is seen.
	err := db.Raw(`SELECT throttle_key, at, failed FROM login_failures
		WHERE throttle_key IN ? AND at > ? ORDER BY at`, keys, now.Add(-LoginWindow)).Scan(&rows).Error
	if err != nil {
		return a, false, 0, err
	}
	counted := map[string][]time.Time{}
	for _, r := range rows {
		byAddress := strings.HasPrefix(r.ThrottleKey, addressKeyPrefix)
		if byAddress && !r.Failed && r.At.After(now.Add(-pendingGrace)) {
			continue
		}
		counted[r.ThrottleKey] = append(counted[r.ThrottleKey], r.At)
	}
	for key, times := range counted {
		limit := MaxLoginFailures
		if strings.HasPrefix(key, addressKeyPrefix) {
			// This attempt is not among the settled failures yet.
			limit--
		}
		if len(times) > limit {
			// Refused until enough of the earlier attempts have aged out. The
			// refused attempt counts too, so hammering keeps the door shut.
			until := times[len(times)-limit].Add(LoginWindow)
			if err := s.Failed(ctx, a); err != nil {
				return a, false, 0, err
			}
			return a, true, max(until.Sub(now), time.Second), nil
		}
	}
	return a, false, 0, nil
}

// Failed settles an attempt as a failure: a wrong password or code.
func (s *Store) Failed(ctx context.Context, a LoginAttempt) error {
	if len(a.ids) == 0 {
		return nil
	}
	return s.w.WithContext(ctx).Exec("UPDATE login_failures SET failed = ? WHERE id IN ?", true, a.ids).Error
}

// Succeeded forgets an attempt that was not a wrong guess (a right password,
// an empty form, a server too busy to check): only failures count.
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
