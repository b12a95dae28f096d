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
func (s *Store) CreateUser(ctx context.Context, nu models.NewUser) (models.User, error) {
	email := models.NormaliseEmail(nu.Email)
	if !strings.Contains(email, "@") {
		return models.User{}, fmt.Errorf("email %q does not look like an email address", nu.Email)
	}
	if err := credential.CheckPasswordRules(nu.Password); err != nil {
		return models.User{}, err
	}
	u := models.User{Email: email, Name: strings.TrimSpace(nu.Name), Role: nu.Role}
	if u.Name == "" {
		u.Name = email
	}
	switch nu.Role {
	case models.RoleMember:
		org, err := s.OrganisationByCode(ctx, nu.OrganisationCode)
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
	hash, err := credential.HashPassword(nu.Password)
	if err != nil {
		return models.User{}, err
	}
	u.PasswordHash = hash
	err = s.w.WithContext(ctx).Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.User{}, fmt.Errorf("a user with email %s: %w", email, models.ErrDuplicate)
	}
	return u, err
}

// SetPassword replaces a user's password and ends all their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, pw string) error {
	if err := credential.CheckPasswordRules(pw); err != nil {
		return err
	}
	hash, err := credential.HashPassword(pw)
	if err != nil {
		return err
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrNotFound
		}
		return userSessions(tx, userID).Delete(&models.Session{}).Error
	})
}

// UserByID returns a user, disabled or not.
func (s *Store) UserByID(ctx context.Context, id int64) (models.User, error) {
	var u models.User
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, notFound(err)
}

// UserByEmail returns a user by email, disabled or not.
func (s *Store) UserByEmail(ctx context.Context, email string) (models.User, error) {
	var u models.User
	err := s.r.WithContext(ctx).Where("email = ?", models.NormaliseEmail(email)).Take(&u).Error
	return u, notFound(err)
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
func (s *Store) Authenticate(ctx context.Context, email, pw string) (models.User, error) {
	u, err := s.UserByEmail(ctx, email)
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
	return n, err
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
