package storage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"gorm.io/gorm"
)

// CreateUser adds a user with a hashed password.
func (s *Store) CreateUser(ctx context.Context, nu models.NewUser) (_ models.User, err error) {
	defer func() { err = wrapped(err, "create user") }()
	email := models.NormaliseEmail(nu.Email)
	if !strings.Contains(email, "@") {
		return models.User{}, fmt.Errorf("email %q does not look like an email address", nu.Email)
	}
	hash, err := newPasswordHash(nu.Password)
	if err != nil {
		return models.User{}, err
	}
	u := models.User{Email: email, Name: strings.TrimSpace(nu.Name), Role: nu.Role, PasswordHash: hash}
	if u.Name == "" {
		u.Name = email
	}
	switch nu.Role {
	case models.RoleMember:
		org, err := takeBy[models.Organisation](s.r.WithContext(ctx), "code", nu.OrganisationCode)
		if err != nil {
			return models.User{}, fmt.Errorf("organisation %q: %w", nu.OrganisationCode, err)
		}
		u.OrganisationID = &org.ID
	case models.RolePolicy, models.RoleAdmin:
		if nu.OrganisationCode != "" {
			return models.User{}, fmt.Errorf("only members belong to an organisation; leave the organisation out for role %s", nu.Role)
		}
	default:
		return models.User{}, fmt.Errorf("role must be one of member, policy, admin")
	}
	err = s.w.WithContext(ctx).Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.User{}, fmt.Errorf("a user with email %s: %w", email, models.ErrDuplicate)
	}
	return u, err
}

// SetPassword replaces a user's password and ends all their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, pw string) (err error) {
	defer func() { err = wrapped(err, "set password of user %d", userID) }()
	hash, err := newPasswordHash(pw)
	if err != nil {
		return err
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return setPasswordHash(tx, userID, hash, s.Now())
	})
}

// newPasswordHash checks a password someone chose against the rules
// (ErrWeakPassword) and hashes it.
func newPasswordHash(pw string) (string, error) {
	if err := credential.CheckPasswordRules(pw); err != nil {
		return "", err
	}
	return credential.HashPassword(pw)
}

// setPasswordHash stores a user's new password and ends their sessions, so
// that the old one, if someone else knows it, lets nobody in.
func setPasswordHash(tx *gorm.DB, userID int64, hash string, now time.Time) error {
	res := tx.Model(&models.User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return models.ErrNotFound
	}
	return userSessions(tx, userID).Delete(&models.Session{}).Error
}

// UserByID returns a user, disabled or not.
func (s *Store) UserByID(ctx context.Context, id int64) (models.User, error) {
	u, err := takeBy[models.User](s.r.WithContext(ctx), "id", id)
	return u, wrapped(err, "read user %d", id)
}

// UserByEmail returns a user by email, disabled or not.
func (s *Store) UserByEmail(ctx context.Context, email string) (models.User, error) {
	u, err := takeBy[models.User](s.r.WithContext(ctx), "email", models.NormaliseEmail(email))
	return u, wrapped(err, "read user by email")
}

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
	return rows, wrapped(err, "list users")
}

// UserRowByID returns one user as the admin pages show them.
func (s *Store) UserRowByID(ctx context.Context, id int64) (models.UserRow, error) {
	row, err := oneRow[models.UserRow](s.r.WithContext(ctx).Raw(userRowSelect+" WHERE u.id = ?", s.Now(), id))
	return row, wrapped(err, "read user %d", id)
}

// hashSlots bounds how many argon2id checks run at once: each takes 19 MiB,
// so fifty at once would take a gigabyte.
var hashSlots = make(chan struct{}, 2*runtime.NumCPU())

// withHashSlot runs fn when a slot is free, waiting up to five seconds.
func withHashSlot(ctx context.Context, fn func()) error {
	wait := time.NewTimer(5 * time.Second)
	defer wait.Stop()
	select {
	case hashSlots <- struct{}{}:
	case <-wait.C:
		return models.ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	fn()
	return nil
}

// Authenticate returns the active user whose email and password match, or
// ErrNotFound for any mismatch (the caller must not say which part was wrong).
func (s *Store) Authenticate(ctx context.Context, email, pw string) (_ models.User, err error) {
	defer func() { err = wrapped(err, "authenticate") }()
	u, err := takeBy[models.User](s.r.WithContext(ctx), "email", models.NormaliseEmail(email))
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return models.User{}, err
	}
	known := err == nil
	hash := credential.DummyHash() // an unknown email takes as long to refuse as a wrong password
	if known {
		hash = u.PasswordHash
	}
	var ok bool
	if slotErr := withHashSlot(ctx, func() { ok, err = credential.VerifyPassword(hash, pw) }); slotErr != nil {
		return models.User{}, slotErr
	}
	if err != nil {
		return models.User{}, err
	}
	if !known {
		return models.User{}, models.ErrNotFound
	}
	if !ok || u.DisabledAt != nil {
		return models.User{}, models.ErrNotFound
	}
	return u, nil
}

// CountUsers counts users, for start-up messages.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.WithContext(ctx).Model(&models.User{}).Count(&n).Error
	return n, wrapped(err, "count users")
}

// DisableUser stops a user signing in, ends their sessions, so that they
// are signed out on their next request, and withdraws their unused invite
// links. Disabling a disabled user changes nothing.
func (s *Store) DisableUser(ctx context.Context, actorID, userID int64) (err error) {
	defer func() { err = wrapped(err, "disable user %d", userID) }()
	if actorID == userID {
		return models.ErrOwnAccount
	}
	_, err = updateAudited(ctx, s, actorID, userID, func(tx *gorm.DB, u *models.User, now time.Time) (auditEntry, error) {
		if u.DisabledAt != nil {
			return auditEntry{}, nil
		}
		if err := updateByID[models.User](tx, userID, map[string]any{"disabled_at": now, "updated_at": now}); err != nil {
			return auditEntry{}, err
		}
		signedOut, err := signOut(tx, userID, now)
		return auditEntry{models.AuditUserChanged, u.Email, "disabled the account; " + signedOut}, err
	})
	return err
}

// EnableUser lets a disabled user sign in again. Invite links withdrawn
// when the account was disabled stay withdrawn: an admin makes a new one.
func (s *Store) EnableUser(ctx context.Context, actorID, userID int64) error {
	_, err := updateAudited(ctx, s, actorID, userID, func(tx *gorm.DB, u *models.User, now time.Time) (auditEntry, error) {
		if u.DisabledAt == nil {
			return auditEntry{}, nil
		}
		err := updateByID[models.User](tx, userID, map[string]any{"disabled_at": nil, "updated_at": now})
		return auditEntry{models.AuditUserChanged, u.Email, "re-enabled the account"}, err
	})
	return wrapped(err, "enable user %d", userID)
}

// ChangeUserRole gives a user another role (and, for members, organisation),
// ends their sessions, so that what they may do changes at once, and
// withdraws their unused invite links.
func (s *Store) ChangeUserRole(ctx context.Context, actorID, userID int64, role models.Role, orgID int64) (err error) {
	defer func() { err = wrapped(err, "change role of user %d", userID) }()
	if actorID == userID {
		return models.ErrOwnAccount
	}
	_, err = updateAudited(ctx, s, actorID, userID, func(tx *gorm.DB, u *models.User, now time.Time) (auditEntry, error) {
		org, err := roleOrganisation(tx, role, orgID)
		if err != nil || (u.Role == role && u.OrgID() == org.ID) {
			return auditEntry{}, err
		}
		var ch changeLog
		ch.value("role", string(u.Role), string(role))
		oldCode := ""
		if u.OrganisationID != nil {
			if err := tx.Model(&models.Organisation{}).Where("id = ?", *u.OrganisationID).Pluck("code", &oldCode).Error; err != nil {
				return auditEntry{}, err
			}
		}
		ch.value("organisation", oldCode, org.Code)
		var orgRef *int64
		if org.ID != 0 {
			orgRef = &org.ID
		}
		if err := updateByID[models.User](tx, userID, map[string]any{"role": role, "organisation_id": orgRef, "updated_at": now}); err != nil {
			return auditEntry{}, err
		}
		// The link was made for the old role: whoever holds it must not
		// arrive with the new one.
		signedOut, err := signOut(tx, userID, now)
		return auditEntry{models.AuditUserChanged, u.Email, ch.String() + "; " + signedOut}, err
	})
	return err
}

// signOut ends a user's sessions and withdraws their unused invite links,
// and says what it did for the audit log.
func signOut(tx *gorm.DB, userID int64, now time.Time) (string, error) {
	ended, _, err := endSessions(tx, userID)
	if err != nil {
		return "", err
	}
	withdrawn, err := withdrawInvites(tx, userID, now)
	return ended + withdrawn, err
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

// userRef is nil for saves no signed-in user made (seeds, imports by script).
func userRef(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}
