package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// serverKeys holds the database's secret once read: it never changes.
type serverKeys struct {
	mu     sync.Mutex
	secret []byte
}

// serverSecret returns the database's secret, making it the first time any
// instance needs it. Instances starting together each offer one; the first
// stored wins and every instance reads that one, so all of them sign and
// hash alike.
func (s *Store) serverSecret(ctx context.Context) ([]byte, error) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	if s.keys.secret != nil {
		return s.keys.secret, nil
	}
	const name = "server"
	read := func() (string, error) {
		var secret string
		err := s.w.WithContext(ctx).Raw("SELECT secret FROM server_keys WHERE name = ?", name).Scan(&secret).Error
		return secret, err
	}
	secret, err := read()
	if err != nil {
		return nil, err
	}
	if secret == "" {
		if err := s.w.WithContext(ctx).Exec("INSERT INTO server_keys (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
			name, randomToken()).Error; err != nil {
			return nil, err
		}
		if secret, err = read(); err != nil {
			return nil, err
		}
		if secret == "" {
			return nil, errors.New("the server key could not be stored")
		}
	}
	s.keys.secret = []byte(secret)
	return s.keys.secret, nil
}

// SigningKey is a key for one purpose ("anonymous forms"), derived from the
// database's secret: the same on every instance, different per purpose.
func (s *Store) SigningKey(ctx context.Context, purpose string) (_ []byte, err error) {
	defer func() { err = wrapped(err, "derive the key for %s", purpose) }()
	secret, err := s.serverSecret(ctx)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil), nil
}

// Settings admins change on the website, by name in the settings table.
const settingMembersSecondFactor = "members_need_second_factor"

// MembersNeedSecondFactor says whether admins require every member to use
// two-factor sign-in. Policy and admin users always must.
func (s *Store) MembersNeedSecondFactor(ctx context.Context) (bool, error) {
	var value string
	err := s.r.WithContext(ctx).Raw("SELECT value FROM settings WHERE name = ?", settingMembersSecondFactor).Scan(&value).Error
	return value == "on", wrapped(err, "read sign-in settings")
}

// SetMembersNeedSecondFactor requires (or stops requiring) two-factor
// sign-in of every member, and records the change in the audit log. Members
// without it are sent to set it up at their next click.
func (s *Store) SetMembersNeedSecondFactor(ctx context.Context, actorID int64, on bool) error {
	value, detail := "off", "two-factor sign-in optional for members"
	if on {
		value, detail = "on", "two-factor sign-in required for every member"
	}
	err := s.audited(ctx, actorID, func(tx *gorm.DB, _ time.Time) (auditEntry, error) {
		var old string
		if err := tx.Raw("SELECT value FROM settings WHERE name = ?", settingMembersSecondFactor).Scan(&old).Error; err != nil {
			return auditEntry{}, err
		}
		if old == value || (old == "" && !on) {
			return auditEntry{}, nil
		}
		err := tx.Exec(`INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, settingMembersSecondFactor, value).Error
		return auditEntry{models.AuditAdminChange, "sign-in settings", detail}, err
	})
	return wrapped(err, "change sign-in settings")
}
