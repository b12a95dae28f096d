package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session timeouts. A member drafting a long answer may pause for a while,
// so the idle timeout is generous; the absolute one bounds a stolen cookie.
const (
	SessionIdleTimeout      = 2 * time.Hour
	SessionAbsoluteTimeout  = 12 * time.Hour
	AnonymousSessionTimeout = 1 * time.Hour
)

// Session is a server-side session; the cookie holds a random token whose
// SHA-256 is TokenHash, so a copy of the database does not sign anyone in.
type Session struct {
	TokenHash     string `gorm:"primaryKey"`
	UserID        *int64
	PendingUserID *int64 // passed the password, waiting for the second factor
	CSRFToken     string `gorm:"column:csrf_token"`
	CreatedAt     time.Time
	SeenAt        time.Time
	ExpiresAt     time.Time
}

func randomToken() string {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; if it does, nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for userID (nil for a signed-out visitor who
// needs a CSRF token) and returns the cookie token.
func (s *Store) CreateSession(ctx context.Context, userID *int64) (string, Session, error) {
	token := randomToken()
	now := s.Now()
	ttl := SessionAbsoluteTimeout
	if userID == nil {
		ttl = AnonymousSessionTimeout
	}
	sess := Session{TokenHash: hashToken(token), UserID: userID, CSRFToken: randomToken(),
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(ttl)}
	err := s.w.WithContext(ctx).Create(&sess).Error
	return token, sess, err
}

// SessionByToken returns the live session for a cookie token. It refuses a
// session past its absolute expiry or idle for longer than the idle timeout.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNotFound
	}
	var sess Session
	err := s.r.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sess).Error
	if err != nil {
		return Session{}, notFound(err)
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || (sess.UserID != nil && now.Sub(sess.SeenAt) > SessionIdleTimeout) {
		return Session{}, ErrNotFound
	}
	return sess, nil
}

// TouchSession records activity, at most once a minute to spare the writer.
func (s *Store) TouchSession(ctx context.Context, sess Session) error {
	now := s.Now()
	if now.Sub(sess.SeenAt) < time.Minute {
		return nil
	}
	return s.w.WithContext(ctx).Model(&Session{}).Where("token_hash = ?", sess.TokenHash).
		Update("seen_at", now).Error
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.w.WithContext(ctx).Where("token_hash = ?", tokenHash).Delete(&Session{}).Error
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	return s.w.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error
}

// PurgeSessions deletes sessions past their expiry or idle timeout.
func (s *Store) PurgeSessions(ctx context.Context) (int64, error) {
	now := s.Now()
	res := s.w.WithContext(ctx).
		Where("expires_at <= ? OR (user_id IS NOT NULL AND seen_at < ?)", now, now.Add(-SessionIdleTimeout)).
		Delete(&Session{})
	return res.RowsAffected, res.Error
}

// SessionUser returns the active user a session belongs to.
func (s *Store) SessionUser(ctx context.Context, sess Session) (User, error) {
	if sess.UserID == nil {
		return User{}, ErrNotFound
	}
	u, err := s.UserByID(ctx, *sess.UserID)
	if err != nil {
		return User{}, err
	}
	if u.DisabledAt != nil {
		return User{}, ErrNotFound
	}
	return u, nil
}
