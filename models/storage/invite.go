package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"gorm.io/gorm"
)

// LatestInvite returns the user's newest invite, used or not.
func (s *Store) LatestInvite(ctx context.Context, userID int64) (models.Invite, error) {
	var inv models.Invite
	err := s.r.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC").Take(&inv).Error
	return inv, wrapped(notFound(err), "read latest invite of user %d", userID)
}

// InviteUser creates the user with a password nobody knows and an invite
// link, returning the link's token: it is shown once and never stored. An
// email in use is a DuplicateError on "email".
func (s *Store) InviteUser(ctx context.Context, actorID int64, in models.NewInvite) (_ models.User, _ string, err error) {
	defer func() { err = wrapped(err, "invite user") }()
	// A hash of 256 random bits nobody ever sees: the account cannot be
	// signed in to until the invite sets a password.
	hash, err := credential.HashPassword(randomToken())
	if err != nil {
		return models.User{}, "", err
	}
	var u models.User
	var token string
	err = s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		u = models.User{Email: models.NormaliseEmail(in.Email), Name: strings.TrimSpace(in.Name), Role: in.Role, PasswordHash: hash,
			CreatedAt: now, UpdatedAt: now}
		org, err := roleOrganisation(tx, in.Role, in.OrganisationID)
		if err != nil {
			return auditEntry{}, err
		}
		detail := "invited as " + string(u.Role)
		if org.ID != 0 {
			u.OrganisationID = &org.ID
			detail += " of " + org.Code
		}
		if err := tx.Create(&u).Error; err != nil {
			return auditEntry{}, duplicate(err, "email")
		}
		token, err = createInvite(tx, now, actorID, u.ID)
		return auditEntry{models.AuditUserChanged, u.Email, detail + "; the link works once, for 7 days"}, err
	})
	if err != nil {
		return models.User{}, "", err
	}
	return u, token, nil
}

// RenewInvite withdraws a still-invited user's unused links and makes a new
// one, for when the first has expired or gone astray.
func (s *Store) RenewInvite(ctx context.Context, actorID, userID int64) (models.User, string, error) {
	var token string
	u, err := updateAudited(ctx, s, actorID, userID, func(tx *gorm.DB, u *models.User, now time.Time) (auditEntry, error) {
		if u.DisabledAt != nil {
			return auditEntry{}, models.ErrNotFound
		}
		var used int64
		if err := tx.Model(&models.Invite{}).Where("user_id = ? AND used_at IS NOT NULL", userID).Count(&used).Error; err != nil {
			return auditEntry{}, err
		}
		if used > 0 {
			return auditEntry{}, fmt.Errorf("an invite was accepted already: %w", models.ErrConflict)
		}
		res := tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&models.Invite{})
		if res.Error != nil {
			return auditEntry{}, res.Error
		}
		var err error
		token, err = createInvite(tx, now, actorID, userID)
		return auditEntry{models.AuditUserChanged, u.Email, fmt.Sprintf("made a new invite link; withdrew %d unused", res.RowsAffected)}, err
	})
	return u, token, wrapped(err, "renew invite of user %d", userID)
}

func createInvite(tx *gorm.DB, now time.Time, actorID, userID int64) (string, error) {
	token := randomToken()
	inv := models.Invite{TokenHash: hashToken(token), UserID: userID, CreatedBy: userRef(actorID), CreatedAt: now, ExpiresAt: now.Add(models.InviteTTL)}
	return token, tx.Create(&inv).Error
}

// InvitedUser returns the user a live invite token is for; an unknown, used
// or expired token, or a disabled user, is ErrNotFound.
func (s *Store) InvitedUser(ctx context.Context, token string) (models.User, error) {
	u, err := invitedUser(s.r.WithContext(ctx), token, s.Now())
	return u, wrapped(err, "read invited user")
}

func invitedUser(db *gorm.DB, token string, now time.Time) (models.User, error) {
	if token == "" {
		return models.User{}, models.ErrNotFound
	}
	var u models.User
	err := db.Table("users").Select("users.*").Joins("JOIN invites ON invites.user_id = users.id").
		Where("invites.token_hash = ? AND invites.used_at IS NULL AND invites.expires_at > ? AND users.disabled_at IS NULL",
			hashToken(token), now).Take(&u).Error
	return u, notFound(err)
}

// AcceptInvite sets the password of the invite's user and uses the invite
// up, both or neither; the user's sessions end. A token that is no longer
// live is ErrNotFound, a weak password ErrWeakPassword.
func (s *Store) AcceptInvite(ctx context.Context, token, password string) (_ models.User, err error) {
	defer func() { err = wrapped(err, "accept invite") }()
	hash, err := newPasswordHash(password)
	if err != nil {
		return models.User{}, err
	}
	var u models.User
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		var err error
		if u, err = invitedUser(tx, token, now); err != nil {
			return err
		}
		// The condition makes a second use lose even if two arrive together.
		res := tx.Model(&models.Invite{}).Where("token_hash = ? AND used_at IS NULL", hashToken(token)).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrNotFound
		}
		if err := setPasswordHash(tx, u.ID, hash, now); err != nil {
			return err
		}
		return auditTx(tx, now, u.ID, models.AuditUserChanged, u.Email, "set a password with an invite link")
	})
	return u, err
}

// withdrawInvites ends the user's live invite links by expiring them now;
// they stay listed, so the admin page shows the link as expired and offers
// a new one. It returns what to add to the audit entry.
func withdrawInvites(tx *gorm.DB, userID int64, now time.Time) (string, error) {
	res := tx.Model(&models.Invite{}).Where("user_id = ? AND used_at IS NULL AND expires_at > ?", userID, now).
		Update("expires_at", now)
	switch {
	case res.Error != nil:
		return "", res.Error
	case res.RowsAffected == 0:
		return "", nil
	case res.RowsAffected == 1:
		return "; withdrew the unused invite link", nil
	}
	return fmt.Sprintf("; withdrew %d unused invite links", res.RowsAffected), nil
}
