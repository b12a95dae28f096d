package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// throttleKeys are the hashed keys one sign-in attempt counts against.
type throttleKeys struct{ pair, address, account string }

func (s *Store) throttleKeys(ctx context.Context, email, address string) (throttleKeys, error) {
	key, err := s.SigningKey(ctx, "sign-in throttle")
	if err != nil {
		return throttleKeys{}, err
	}
	hash := func(kind string, parts ...string) string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(kind))
		for _, p := range parts {
			mac.Write([]byte{0})
			mac.Write([]byte(p))
		}
		return kind + ":" + hex.EncodeToString(mac.Sum(nil)[:16])
	}
	account := models.NormaliseEmail(email)
	return throttleKeys{pair: hash("pair", account, address), address: hash("address", address), account: hash("account", account)}, nil
}

// LoginAttempt is a sign-in attempt counted against its account and address
// before the password is checked, so that guesses sent at once cannot all
// slip in under the limit. It is settled by Failed, Succeeded or
// SignInCompleted.
type LoginAttempt struct {
	id      int64
	keys    throttleKeys
	account string // for the admins' alert; never stored in the throttle
	address string
}

type loginFailure struct {
	ID          int64 `gorm:"primaryKey"`
	ThrottleKey string
	At          time.Time
	Failed      bool
}

func (loginFailure) TableName() string { return "login_failures" }

// BeginLoginAttempt counts an attempt at email from address and says
// whether it is refused, and for how long. A refused attempt is forgotten
// at once: trying again during the wait does not make it longer.
func (s *Store) BeginLoginAttempt(ctx context.Context, email, address string) (_ LoginAttempt, _ bool, _ time.Duration, err error) {
	defer func() { err = wrapped(err, "begin sign-in attempt") }()
	keys, err := s.throttleKeys(ctx, email, address)
	if err != nil {
		return LoginAttempt{}, false, 0, err
	}
	now := s.Now()
	db := s.w.WithContext(ctx)
	row := loginFailure{ThrottleKey: keys.pair, At: now}
	if err := db.Create(&row).Error; err != nil {
		return LoginAttempt{}, false, 0, err
	}
	a := LoginAttempt{id: row.ID, keys: keys, account: models.NormaliseEmail(email), address: address}
	// Read through the writer so that attempts made at the same moment are
	// seen; read the timestamps themselves, as SQLite gives aggregates of a
	// DATETIME column back as text.
	var rows []loginFailure
	err = db.Raw(`SELECT id, throttle_key, at, failed FROM login_failures
		WHERE (throttle_key = ? AND at > ?) OR (throttle_key = ? AND at > ?) ORDER BY at`,
		keys.pair, now.Add(-models.PairMemory), keys.address, now.Add(-models.AddressWindow)).Scan(&rows).Error
	if err != nil {
		return a, false, 0, err
	}
	var pair int
	var latest time.Time
	var byAddress []time.Time
	for _, r := range rows {
		switch {
		case r.ID == a.id:
		case r.ThrottleKey == keys.pair:
			// Unsettled attempts count too: twelve guesses sent at once at
			// one account from one address are held to five.
			pair++
			latest = r.At
		case r.ThrottleKey == keys.address:
			byAddress = append(byAddress, r.At)
		}
	}
	wait := time.Duration(0)
	if pair >= models.PairFreeFailures {
		wait = pairWait(pair) - now.Sub(latest)
	}
	if n := len(byAddress); n >= models.MaxAddressFailures {
		wait = max(wait, byAddress[n-models.MaxAddressFailures].Add(models.AddressWindow).Sub(now))
	}
	if wait <= 0 {
		return a, false, 0, nil
	}
	if err := s.Succeeded(ctx, a); err != nil {
		return a, false, 0, err
	}
	return a, true, max(wait, time.Second), nil
}

// pairWait is how long an account and address wait after their latest
// failure, given how many they have had: 1, 2, 4, 8, then 15 minutes.
func pairWait(failures int) time.Duration {
	if failures < models.PairFreeFailures {
		return 0
	}
	if n := failures - models.PairFreeFailures; n < 5 {
		return min(models.PairFirstWait<<n, models.PairMaxWait)
	}
	return models.PairMaxWait
}

// Failed settles an attempt as a failure (a wrong password or code), counts
// it against the address and the account, and alerts the admins, once an
// hour, about an account or an address under sustained attack.
func (s *Store) Failed(ctx context.Context, a LoginAttempt) (err error) {
	defer func() { err = wrapped(err, "count failed sign-in") }()
	if a.id == 0 {
		return nil
	}
	now := s.Now()
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE login_failures SET failed = ? WHERE id = ?", true, a.id).Error; err != nil {
			return err
		}
		for _, k := range []string{a.keys.address, a.keys.account} {
			if err := tx.Create(&loginFailure{ThrottleKey: k, At: now, Failed: true}).Error; err != nil {
				return err
			}
		}
		alerts := []struct {
			key, subject string
			since        time.Duration
			limit        int
			detail       func(n int64) string
		}{
			{a.keys.account, a.account, models.AccountAlertWindow, models.AccountAlertFailures, func(n int64) string {
				return fmt.Sprintf("%d failed sign-ins for this account in the last hour, from any address; the latest from %s. "+
					"Its owner can still sign in: each address is held back on its own. Check with them that their password is strong.", n, a.address)
			}},
			{a.keys.address, a.address, models.AddressWindow, models.MaxAddressFailures, func(n int64) string {
				return fmt.Sprintf("%d failed sign-ins from this address in the last %d minutes, over any accounts: "+
					"sign-ins from it are refused until they age out.", n, int(models.AddressWindow.Minutes()))
			}},
		}
		for _, al := range alerts {
			if err := raiseAlert(tx, now, al.key, al.subject, al.since, al.limit, al.detail); err != nil {
				return err
			}
		}
		return nil
	})
}

// raiseAlert writes a sign-in attack alert about subject when its key has
// reached limit failures within since, unless one was written in the last
// AccountAlertWindow.
func raiseAlert(tx *gorm.DB, now time.Time, key, subject string, since time.Duration, limit int, detail func(n int64) string) error {
	var n int64
	if err := tx.Model(&loginFailure{}).Where("throttle_key = ? AND at > ?", key, now.Add(-since)).Count(&n).Error; err != nil {
		return err
	}
	if n < int64(limit) {
		return nil
	}
	var recent int64
	if err := tx.Model(&models.AuditEntry{}).Where("action = ? AND subject = ? AND at > ?", models.AuditSignInAttack, clipRunes(subject, auditSubjectMax),
		now.Add(-models.AccountAlertWindow)).Count(&recent).Error; err != nil {
		return err
	}
	if recent > 0 {
		return nil
	}
	return auditTx(tx, now, 0, models.AuditSignInAttack, subject, detail(n))
}

// Succeeded forgets an attempt that was not a wrong guess (a right password
// before its second factor, an empty form, a server too busy to check).
func (s *Store) Succeeded(ctx context.Context, a LoginAttempt) error {
	if a.id == 0 {
		return nil
	}
	err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE id = ?", a.id).Error
	return wrapped(err, "forget sign-in attempt")
}

// SignInCompleted forgets the attempt and the earlier failures of its account
// from its address: the owner's own typos do not hold back their next
// sign-in. (Failures still count against the address and the account.)
func (s *Store) SignInCompleted(ctx context.Context, a LoginAttempt) error {
	if a.id == 0 {
		return nil
	}
	err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE id = ? OR throttle_key = ?", a.id, a.keys.pair).Error
	return wrapped(err, "complete sign-in")
}

// PurgeLoginFailures drops failures older than the longest memory.
func (s *Store) PurgeLoginFailures(ctx context.Context) error {
	err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE at <= ?", s.Now().Add(-models.PairMemory)).Error
	return wrapped(err, "purge sign-in failures")
}
