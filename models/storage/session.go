package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

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
func (s *Store) CreateSession(ctx context.Context, userID *int64) (string, models.Session, error) {
	ttl := models.SessionAbsoluteTimeout
	if userID == nil {
		ttl = models.AnonymousSessionTimeout
	}
	return s.createSession(ctx, models.Session{UserID: userID}, ttl)
}

// CreatePendingSession starts a session that has passed the password but
// not yet the second factor; it signs nobody in.
func (s *Store) CreatePendingSession(ctx context.Context, userID int64) (string, models.Session, error) {
	return s.createSession(ctx, models.Session{PendingUserID: &userID}, models.PendingTimeout)
}

// createSession stores sess with a new cookie token and CSRF token, lasting
// ttl at most, and returns the cookie token; only its hash is stored.
func (s *Store) createSession(ctx context.Context, sess models.Session, ttl time.Duration) (string, models.Session, error) {
	token := randomToken()
	now := s.Now()
	sess.TokenHash, sess.CSRFToken = hashToken(token), randomToken()
	sess.CreatedAt, sess.SeenAt, sess.ExpiresAt = now, now, now.Add(ttl)
	err := s.w.WithContext(ctx).Create(&sess).Error
	return token, sess, wrapped(err, "start session")
}

// SessionByToken returns the live session for a cookie token. It refuses a
// session past its absolute expiry or idle for longer than the idle timeout.
func (s *Store) SessionByToken(ctx context.Context, token string) (_ models.Session, err error) {
	defer func() { err = wrapped(err, "read session") }()
	if token == "" {
		return models.Session{}, models.ErrNotFound
	}
	var sess models.Session
	err = s.r.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sess).Error
	if err != nil {
		return models.Session{}, notFound(err)
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || (sess.UserID != nil && now.Sub(sess.SeenAt) > models.SessionIdleTimeout) {
		return models.Session{}, models.ErrNotFound
	}
	return sess, nil
}

// TouchSession records activity, at most once a minute to spare the writer.
func (s *Store) TouchSession(ctx context.Context, sess models.Session) error {
	now := s.Now()
	if now.Sub(sess.SeenAt) < time.Minute {
		return nil
	}
	err := s.w.WithContext(ctx).Model(&models.Session{}).Where("token_hash = ?", sess.TokenHash).
		Update("seen_at", now).Error
	return wrapped(err, "touch session")
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.w.WithContext(ctx).Where("token_hash = ?", tokenHash).Delete(&models.Session{}).Error
	return wrapped(err, "end session")
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	err := userSessions(s.w.WithContext(ctx), userID).Delete(&models.Session{}).Error
	return wrapped(err, "end sessions of user %d", userID)
}

// EndUserSessions signs a user out everywhere and says how many sessions ended.
func (s *Store) EndUserSessions(ctx context.Context, actorID, userID int64) (int64, error) {
	var n int64
	_, err := updateAudited(ctx, s, actorID, userID, func(tx *gorm.DB, u *models.User, _ time.Time) (auditEntry, error) {
		ended, count, err := endSessions(tx, userID)
		n = count
		return auditEntry{models.AuditUserChanged, u.Email, ended}, err
	})
	return n, wrapped(err, "end sessions of user %d", userID)
}

// endSessions ends every session of a user and says how many, in words
// for the audit log and in a number.
func endSessions(tx *gorm.DB, userID int64) (string, int64, error) {
	res := userSessions(tx, userID).Delete(&models.Session{})
	ended := fmt.Sprintf("ended %d sessions", res.RowsAffected)
	if res.RowsAffected == 1 {
		ended = "ended 1 session"
	}
	return ended, res.RowsAffected, res.Error
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
		Where("expires_at <= ? OR (user_id IS NOT NULL AND seen_at < ?)", now, now.Add(-models.SessionIdleTimeout)).
		Delete(&models.Session{})
	return res.RowsAffected, wrapped(res.Error, "purge sessions")
}

// SessionUser returns the active user a session belongs to.
func (s *Store) SessionUser(ctx context.Context, sess models.Session) (_ models.User, err error) {
	defer func() { err = wrapped(err, "read user of session") }()
	if sess.UserID == nil {
		return models.User{}, models.ErrNotFound
	}
	u, err := takeBy[models.User](s.r.WithContext(ctx), "id", *sess.UserID)
	if err != nil {
		return models.User{}, err
	}
	if u.DisabledAt != nil {
		return models.User{}, models.ErrNotFound
	}
	return u, nil
}

// SignedIn is SessionByToken and SessionUser in one read, for the
// middleware that runs on every request: the live session for a cookie
// token and, when it is signed in, its active user (nil while signed out
// or waiting for the second factor). ErrNotFound: no live session.
// ErrSessionUserGone: the session's user was deleted or disabled.
func (s *Store) SignedIn(ctx context.Context, token string) (_ models.Session, _ *models.User, err error) {
	defer func() { err = wrapped(err, "read signed-in session") }()
	if token == "" {
		return models.Session{}, nil, models.ErrNotFound
	}
	var sess models.Session
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
		return models.Session{}, nil, err
	}
	err = st.QueryRowContext(ctx, hashToken(token)).Scan(
		&sess.TokenHash, &sess.UserID, &sess.PendingUserID, &sess.CSRFToken, &sess.CreatedAt, &sess.SeenAt, &sess.ExpiresAt,
		&userID, &email, &name, &role, &orgID, &passwordHash, &disabledAt, &totpAt, &userCreatedAt, &userUpdatedAt,
		&membersNeedSecondFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return models.Session{}, nil, models.ErrNotFound
	}
	if err != nil {
		return models.Session{}, nil, err
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || (sess.UserID != nil && now.Sub(sess.SeenAt) > models.SessionIdleTimeout) {
		return models.Session{}, nil, models.ErrNotFound
	}
	if sess.UserID == nil {
		return sess, nil, nil
	}
	if !userID.Valid || disabledAt.Valid {
		return sess, nil, models.ErrSessionUserGone
	}
	u := &models.User{ID: userID.Int64, Email: email.String, Name: name.String, Role: models.Role(role.String),
		PasswordHash: passwordHash.String, CreatedAt: userCreatedAt.Time, UpdatedAt: userUpdatedAt.Time}
	if orgID.Valid {
		u.OrganisationID = &orgID.Int64
	}
	if totpAt.Valid {
		u.TOTPEnabledAt = &totpAt.Time
	}
	sess.SecondFactorRequired = u.TOTPEnabledAt != nil || models.NeedsSecondFactor(u.Role) ||
		(u.Role == models.RoleMember && membersNeedSecondFactor.String == "on")
	return sess, u, nil
}
