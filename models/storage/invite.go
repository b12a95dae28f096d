package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"gorm.io/gorm"
)

const userRowSelect = `SELECT u.id, u.email, u.name, u.role, u.organisation_id, u.disabled_at, u.totp_enabled_at, u.created_at, u.updated_at,
	COALESCE(o.code, '') AS organisation_code, COALESCE(o.name, '') AS organisation_name,
	CASE WHEN u.disabled_at IS NOT NULL THEN 'disabled'
		WHEN EXISTS (SELECT 1 FROM invites i WHERE i.user_id = u.id)
			AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.user_id = u.id AND i.used_at IS NOT NULL) THEN 'invited'
		ELSE 'active' END AS status,
	(SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?) AS sessions
	FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id`

// UserRows lists every user by name.
func (s *Store) UserRows(ctx context.Context) ([]models.UserRow, error) {
	var rows []models.UserRow
	err := s.r.WithContext(ctx).Raw(userRowSelect+" ORDER BY u.name, u.id", s.Now()).Scan(&rows).Error
	return rows, err
}

// UserRowByID returns one user as the admin pages show them.
func (s *Store) UserRowByID(ctx context.Context, id int64) (models.UserRow, error) {
	var rows []models.UserRow
	if err := s.r.WithContext(ctx).Raw(userRowSelect+" WHERE u.id = ?", s.Now(), id).Scan(&rows).Error; err != nil {
		return models.UserRow{}, err
	}
	if len(rows) == 0 {
		return models.UserRow{}, models.ErrNotFound
	}
	return rows[0], nil
}

// LatestInvite returns the user's newest invite, used or not.
func (s *Store) LatestInvite(ctx context.Context, userID int64) (models.Invite, error) {
	var inv models.Invite
	err := s.r.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC").Take(&inv).Error
	return inv, notFound(err)
}

// InviteUser creates the user with a password nobody knows and an invite
// link, returning the link's token: it is shown once and never stored. An
// email in use is a DuplicateError on "email".
func (s *Store) InviteUser(ctx context.Context, actorID int64, in models.NewInvite) (models.User, string, error) {
	// A hash of 256 random bits nobody ever sees: the account cannot be
	// signed in to until the invite sets a password.
	hash, err := credential.HashPassword(randomToken())
	if err != nil {
		return models.User{}, "", err
	}
	now := s.Now()
	u := models.User{Email: models.NormaliseEmail(in.Email), Name: strings.TrimSpace(in.Name), Role: in.Role, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now}
	var token string
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := roleOrganisation(tx, in.Role, in.OrganisationID)
		if err != nil {
			return err
		}
		if org.ID != 0 {
			u.OrganisationID = &org.ID
		}
		if err := tx.Create(&u).Error; err != nil {
			return duplicate(err, "email")
		}
		if token, err = createInvite(tx, now, actorID, u.ID); err != nil {
			return err
		}
		detail := "invited as " + string(u.Role)
		if org.ID != 0 {
			detail += " of " + org.Code
		}
		return auditTx(tx, now, actorID, models.AuditUserChanged, u.Email, detail+"; the link works once, for 7 days")
	})
	if err != nil {
		return models.User{}, "", err
	}
	return u, token, nil
}

// RenewInvite withdraws a still-invited user's unused links and makes a new
// one, for when the first has expired or gone astray.
func (s *Store) RenewInvite(ctx context.Context, actorID, userID int64) (models.User, string, error) {
	var u models.User
	var token string
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND disabled_at IS NULL", userID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		var used int64
		if err := tx.Model(&models.Invite{}).Where("user_id = ? AND used_at IS NOT NULL", userID).Count(&used).Error; err != nil {
			return err
		}
		if used > 0 {
			return fmt.Errorf("user %d has already accepted an invite: %w", userID, models.ErrConflict)
		}
		res := tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&models.Invite{})
		if res.Error != nil {
			return res.Error
		}
		now := s.Now()
		var err error
		if token, err = createInvite(tx, now, actorID, userID); err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditUserChanged, u.Email,
			fmt.Sprintf("made a new invite link; withdrew %d unused", res.RowsAffected))
	})
	return u, token, err
}

func createInvite(tx *gorm.DB, now time.Time, actorID, userID int64) (string, error) {
	token := randomToken()
	inv := models.Invite{TokenHash: hashToken(token), UserID: userID, CreatedBy: userRef(actorID), CreatedAt: now, ExpiresAt: now.Add(models.InviteTTL)}
	return token, tx.Create(&inv).Error
}

// InvitedUser returns the user a live invite token is for; an unknown, used
// or expired token, or a disabled user, is ErrNotFound.
func (s *Store) InvitedUser(ctx context.Context, token string) (models.User, error) {
	return invitedUser(s.r.WithContext(ctx), token, s.Now())
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
func (s *Store) AcceptInvite(ctx context.Context, token, password string) (models.User, error) {
	if err := credential.CheckPasswordRules(password); err != nil {
		return models.User{}, err
	}
	hash, err := credential.HashPassword(password)
	if err != nil {
		return models.User{}, err
	}
	var u models.User
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		found, err := invitedUser(tx, token, now)
		if err != nil {
			return err
		}
		u = found
		// The condition makes a second use lose even if two arrive together.
		res := tx.Model(&models.Invite{}).Where("token_hash = ? AND used_at IS NULL", hashToken(token)).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrNotFound
		}
		if err := tx.Model(&models.User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := userSessions(tx, u.ID).Delete(&models.Session{}).Error; err != nil {
			return err
		}
		return auditTx(tx, now, u.ID, models.AuditUserChanged, u.Email, "set a password with an invite link")
	})
	return u, err
}

// DisableUser stops a user signing in, ends their sessions, so that they
// are signed out on their next request, and withdraws their unused invite
// links. Disabling a disabled user changes nothing.
func (s *Store) DisableUser(ctx context.Context, actorID, userID int64) error {
	if actorID == userID {
		return models.ErrOwnAccount
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if err := tx.Where("id = ?", userID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		if u.DisabledAt != nil {
			return nil
		}
		now := s.Now()
		if err := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"disabled_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		res := userSessions(tx, userID).Delete(&models.Session{})
		if res.Error != nil {
			return res.Error
		}
		withdrawn, err := withdrawInvites(tx, userID, now)
		if err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditUserChanged, u.Email,
			fmt.Sprintf("disabled the account; ended %s", sessionCount(res.RowsAffected))+withdrawn)
	})
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

// EnableUser lets a disabled user sign in again. Invite links withdrawn
// when the account was disabled stay withdrawn: an admin makes a new one.
func (s *Store) EnableUser(ctx context.Context, actorID, userID int64) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if err := tx.Where("id = ?", userID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		if u.DisabledAt == nil {
			return nil
		}
		now := s.Now()
		if err := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"disabled_at": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditUserChanged, u.Email, "re-enabled the account")
	})
}

// EndUserSessions signs a user out everywhere and says how many sessions ended.
func (s *Store) EndUserSessions(ctx context.Context, actorID, userID int64) (int64, error) {
	var n int64
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if err := tx.Where("id = ?", userID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		res := userSessions(tx, userID).Delete(&models.Session{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return auditTx(tx, s.Now(), actorID, models.AuditUserChanged, u.Email, "ended "+sessionCount(n))
	})
	return n, err
}

// ChangeUserRole gives a user another role (and, for members, organisation),
// ends their sessions, so that what they may do changes at once, and
// withdraws their unused invite links.
func (s *Store) ChangeUserRole(ctx context.Context, actorID, userID int64, role models.Role, orgID int64) error {
	if actorID == userID {
		return models.ErrOwnAccount
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.User
		if err := tx.Where("id = ?", userID).Take(&u).Error; err != nil {
			return notFound(err)
		}
		org, err := roleOrganisation(tx, role, orgID)
		if err != nil {
			return err
		}
		if u.Role == role && u.OrgID() == org.ID {
			return nil
		}
		var ch changeLog
		ch.value("role", string(u.Role), string(role))
		oldCode := ""
		if u.OrganisationID != nil {
			if err := tx.Model(&models.Organisation{}).Where("id = ?", *u.OrganisationID).Pluck("code", &oldCode).Error; err != nil {
				return err
			}
		}
		ch.value("organisation", oldCode, org.Code)
		now := s.Now()
		var orgRef *int64
		if org.ID != 0 {
			orgRef = &org.ID
		}
		if err := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"role": role, "organisation_id": orgRef, "updated_at": now}).Error; err != nil {
			return err
		}
		res := userSessions(tx, userID).Delete(&models.Session{})
		if res.Error != nil {
			return res.Error
		}
		// The link was made for the old role: whoever holds it must not
		// arrive with the new one.
		withdrawn, err := withdrawInvites(tx, userID, now)
		if err != nil {
			return err
		}
		return auditTx(tx, now, actorID, models.AuditUserChanged, u.Email, ch.String()+"; ended "+sessionCount(res.RowsAffected)+withdrawn)
	})
}

// roleOrganisation checks the organisation against the role: members have
// one, policy and admin users none. It returns the organisation (zero for none).
func roleOrganisation(tx *gorm.DB, role models.Role, orgID int64) (models.Organisation, error) {
	switch role {
	case models.RoleMember:
		if orgID <= 0 {
			return models.Organisation{}, models.ErrRoleOrganisation
		}
		var org models.Organisation
		if err := tx.Where("id = ?", orgID).Take(&org).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.Organisation{}, models.ErrUnknownOrganisation
			}
			return models.Organisation{}, err
		}
		return org, nil
	case models.RolePolicy, models.RoleAdmin:
		if orgID != 0 {
			return models.Organisation{}, models.ErrRoleOrganisation
		}
		return models.Organisation{}, nil
	}
	return models.Organisation{}, fmt.Errorf("role %q is not one of member, policy, admin", role)
}

func sessionCount(n int64) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}
