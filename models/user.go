package models

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"gorm.io/gorm"
)

// NewUser is what creating a user needs.
type NewUser struct {
	Email            string
	Name             string
	Role             Role
	OrganisationCode string // members only
	Password         string
}

// NormaliseEmail is the form emails are stored and looked up in.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser adds a user with a hashed password.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	email := NormaliseEmail(nu.Email)
	if !strings.Contains(email, "@") {
		return User{}, fmt.Errorf("email %q does not look like an email address", nu.Email)
	}
	if err := CheckPasswordRules(nu.Password); err != nil {
		return User{}, err
	}
	u := User{Email: email, Name: strings.TrimSpace(nu.Name), Role: nu.Role}
	if u.Name == "" {
		u.Name = email
	}
	switch nu.Role {
	case RoleMember:
		org, err := s.OrganisationByCode(ctx, nu.OrganisationCode)
		if err != nil {
			return User{}, fmt.Errorf("organisation %q: %w", nu.OrganisationCode, err)
		}
		u.OrganisationID = &org.ID
	case RolePolicy, RoleAdmin:
		if nu.OrganisationCode != "" {
			return User{}, fmt.Errorf("only members belong to an organisation; leave the organisation out for role %s", nu.Role)
		}
	default:
		return User{}, fmt.Errorf("role must be one of member, policy, admin")
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, err
	}
	u.PasswordHash = hash
	err = s.w.WithContext(ctx).Create(&u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, fmt.Errorf("a user with email %s: %w", email, ErrDuplicate)
	}
	return u, err
}

// SetPassword replaces a user's password and ends all their sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, pw string) error {
	if err := CheckPasswordRules(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return userSessions(tx, userID).Delete(&Session{}).Error
	})
}

// UserByID returns a user, disabled or not.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, notFound(err)
}

// UserByEmail returns a user by email, disabled or not.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.r.WithContext(ctx).Where("email = ?", NormaliseEmail(email)).Take(&u).Error
	return u, notFound(err)
}

// ErrBusy says too many passwords are being checked at once.
var ErrBusy = errors.New("too many sign-ins at once")

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
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	fn()
	return nil
}

// Authenticate returns the active user whose email and password match, or
// ErrNotFound for any mismatch (the caller must not say which part was wrong).
func (s *Store) Authenticate(ctx context.Context, email, pw string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	known := err == nil
	hash := dummyHash() // an unknown email takes as long to refuse as a wrong password
	if known {
		hash = u.PasswordHash
	}
	var ok bool
	if slotErr := withHashSlot(ctx, func() { ok, err = VerifyPassword(hash, pw) }); slotErr != nil {
		return User{}, slotErr
	}
	if err != nil {
		return User{}, err
	}
	if !known {
		return User{}, ErrNotFound
	}
	if !ok || u.DisabledAt != nil {
		return User{}, ErrNotFound
	}
	return u, nil
}

// CountUsers counts users, for start-up messages.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
