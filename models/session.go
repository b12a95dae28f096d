package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
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
	// SecondFactorRequired is set by SignedIn: the signed-in user must use
	// two-factor sign-in (their role, admins' setting for members, or
	// because they turned it on).
	SecondFactorRequired bool `gorm:"-"`
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
	return userSessions(s.w.WithContext(ctx), userID).Delete(&Session{}).Error
}

// userSessions selects a user's sessions, signed in or still waiting for
// their second factor: whatever ends the one must end the other, or a
// password known to someone else would outlive its change.
func userSessions(tx *gorm.DB, userID int64) *gorm.DB {
	return tx.Where("user_id = ? OR pending_user_id = ?", userID, userID)
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

// ErrSessionUserGone says a signed-in session's user has been deleted or
// disabled since: the session must end.
var ErrSessionUserGone = errors.New("the session's user is gone or disabled")

// SignedIn is SessionByToken and SessionUser in one read, for the
// middleware that runs on every request: the live session for a cookie
// token and, when it is signed in, its active user (nil while signed out
// or waiting for the second factor). ErrNotFound: no live session.
// ErrSessionUserGone: the session's user was deleted or disabled.
func (s *Store) SignedIn(ctx context.Context, token string) (Session, *User, error) {
	if token == "" {
		return Session{}, nil, ErrNotFound
	}
	var sess Session
	var (
		userID, orgID                   sql.NullInt64
		email, name, role, passwordHash sql.NullString
		disabledAt, totpAt              sql.NullTime
		userCreatedAt, userUpdatedAt    sql.NullTime
		membersNeedSecondFactor         sql.NullString
	)
	st, err := s.prepared(ctx, `SELECT s.token_hash, s.user_id, s.pending_user_id, s.csrf_token,
			s.created_at, s.seen_at, s.expires_at,
			u.id, u.email, u.name, u.role, u.organisation_id, u.password_hash, u.disabled_at, u.totp_enabled_at,
			u.created_at, u.updated_at,
			(SELECT value FROM settings WHERE name = '`+settingMembersSecondFactor+`')
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ?`)
	if err != nil {
		return Session{}, nil, err
	}
	err = st.QueryRowContext(ctx, hashToken(token)).Scan(
		&sess.TokenHash, &sess.UserID, &sess.PendingUserID, &sess.CSRFToken, &sess.CreatedAt, &sess.SeenAt, &sess.ExpiresAt,
		&userID, &email, &name, &role, &orgID, &passwordHash, &disabledAt, &totpAt, &userCreatedAt, &userUpdatedAt,
		&membersNeedSecondFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, nil, ErrNotFound
	}
	if err != nil {
		return Session{}, nil, err
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || (sess.UserID != nil && now.Sub(sess.SeenAt) > SessionIdleTimeout) {
		return Session{}, nil, ErrNotFound
	}
	if sess.UserID == nil {
		return sess, nil, nil
	}
	if !userID.Valid || disabledAt.Valid {
		return sess, nil, ErrSessionUserGone
	}
	u := &User{ID: userID.Int64, Email: email.String, Name: name.String, Role: Role(role.String),
		PasswordHash: passwordHash.String, CreatedAt: userCreatedAt.Time, UpdatedAt: userUpdatedAt.Time}
	if orgID.Valid {
		u.OrganisationID = &orgID.Int64
	}
	if totpAt.Valid {
		u.TOTPEnabledAt = &totpAt.Time
	}
	sess.SecondFactorRequired = u.TOTPEnabledAt != nil || NeedsSecondFactor(u.Role) ||
		(u.Role == RoleMember && membersNeedSecondFactor.String == "on")
	return sess, u, nil
}
