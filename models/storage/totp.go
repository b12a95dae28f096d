package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"gorm.io/gorm"
)

func (s *Store) totpState(db *gorm.DB, userID int64) (models.TOTPState, error) {
	var st models.TOTPState
	err := db.Table("users").Select("totp_secret AS secret, totp_enabled_at AS enabled_at, totp_last_step AS last_step").
		Where("id = ?", userID).Scan(&st).Error
	return st, err
}

// TOTPEnabled says whether a user has finished setting up two-factor sign-in.
func (s *Store) TOTPEnabled(ctx context.Context, userID int64) (bool, error) {
	st, err := s.totpState(s.r.WithContext(ctx), userID)
	return st.EnabledAt != nil, wrapped(err, "read second factor of user %d", userID)
}

// StartTOTP gives a user who has not finished setting up two-factor sign-in a
// secret (keeping one already made, so a reload does not invalidate the
// app entry they just added) and returns its otpauth:// URL.
func (s *Store) StartTOTP(ctx context.Context, u models.User) (secret, url string, err error) {
	defer func() { err = wrapped(err, "start second factor of user %d", u.ID) }()
	db := s.w.WithContext(ctx)
	st, err := s.totpState(db, u.ID)
	if err != nil {
		return "", "", err
	}
	if st.EnabledAt != nil {
		return "", "", errors.New("two-factor sign-in is already set up")
	}
	if st.Secret == "" {
		key, err := credential.NewTOTPSecret(u.Email)
		if err != nil {
			return "", "", err
		}
		st.Secret = key
		if err := db.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", st.Secret, u.ID).Error; err != nil {
			return "", "", err
		}
	}
	url, err = credential.TOTPURL(u.Email, st.Secret)
	if err != nil {
		return "", "", err
	}
	return st.Secret, url, nil
}

// EnableTOTP finishes setting up two-factor sign-in with a first code from
// the user's app and returns recovery codes, shown once and stored hashed.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	var codes []string
	err := s.audited(ctx, userID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		st, err := s.totpState(tx, userID)
		if err != nil {
			return auditEntry{}, err
		}
		if st.Secret == "" || st.EnabledAt != nil {
			return auditEntry{}, models.ErrBadCode
		}
		step, ok := credential.CheckTOTPCode(st.Secret, code, now, st.LastStep)
		if !ok {
			return auditEntry{}, models.ErrBadCode
		}
		if err := tx.Exec("UPDATE users SET totp_enabled_at = ?, totp_last_step = ? WHERE id = ?", now, step, userID).Error; err != nil {
			return auditEntry{}, err
		}
		codes, err = replaceRecoveryCodes(tx, userID)
		return auditEntry{models.AuditTwoFactor, fmt.Sprintf("user %d", userID), "two-factor sign-in set up"}, err
	})
	return codes, wrapped(err, "set up second factor of user %d", userID)
}

func replaceRecoveryCodes(tx *gorm.DB, userID int64) ([]string, error) {
	if err := tx.Exec("DELETE FROM recovery_codes WHERE user_id = ?", userID).Error; err != nil {
		return nil, err
	}
	codes := make([]string, credential.RecoveryCodeCount)
	for i := range codes {
		codes[i] = credential.NewRecoveryCode()
		if err := tx.Exec("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, credential.HashRecoveryCode(codes[i])).Error; err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// VerifySecondFactor accepts a current TOTP code (once) or an unused
// recovery code (which it uses up); usedRecovery says which.
func (s *Store) VerifySecondFactor(ctx context.Context, userID int64, code string) (usedRecovery bool, err error) {
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st, err := s.totpState(tx, userID)
		if err != nil {
			return err
		}
		if st.EnabledAt == nil {
			return models.ErrBadCode
		}
		now := s.Now()
		if step, ok := credential.CheckTOTPCode(st.Secret, code, now, st.LastStep); ok {
			return tx.Exec("UPDATE users SET totp_last_step = ? WHERE id = ?", step, userID).Error
		}
		res := tx.Exec("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
			now, userID, credential.HashRecoveryCode(code))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.ErrBadCode
		}
		usedRecovery = true
		return nil
	})
	return usedRecovery, wrapped(err, "check second factor of user %d", userID)
}

// RemainingRecoveryCodes counts a user's unused recovery codes.
func (s *Store) RemainingRecoveryCodes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.r.WithContext(ctx).Table("recovery_codes").Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, wrapped(err, "count recovery codes of user %d", userID)
}

// ResetTOTP clears a user's two-factor set-up (an admin does this when a
// phone is lost); they set it up again at their next sign-in.
func (s *Store) ResetTOTP(ctx context.Context, userID, byUserID int64) error {
	err := s.audited(ctx, byUserID, func(tx *gorm.DB, _ time.Time) (auditEntry, error) {
		if err := tx.Exec("UPDATE users SET totp_secret = '', totp_enabled_at = NULL, totp_last_step = 0 WHERE id = ?", userID).Error; err != nil {
			return auditEntry{}, err
		}
		if err := tx.Exec("DELETE FROM recovery_codes WHERE user_id = ?", userID).Error; err != nil {
			return auditEntry{}, err
		}
		err := userSessions(tx, userID).Delete(&models.Session{}).Error
		return auditEntry{models.AuditTwoFactor, fmt.Sprintf("user %d", userID), "two-factor sign-in reset"}, err
	})
	return wrapped(err, "reset second factor of user %d", userID)
}

// CurrentTOTPCode computes a user's code for now from the stored secret, for
// the operator's command line (see main.go); it never serves a request.
func (s *Store) CurrentTOTPCode(ctx context.Context, userID int64) (_ string, err error) {
	defer func() { err = wrapped(err, "code of user %d", userID) }()
	st, err := s.totpState(s.r.WithContext(ctx), userID)
	if err != nil {
		return "", err
	}
	if st.Secret == "" {
		return "", errors.New("this user has not started setting up two-factor sign-in; sign in once first")
	}
	return credential.TOTPCode(st.Secret, s.Now())
}

// EnrolTOTP sets up two-factor sign-in without an app in the loop: only the
// demo seed uses it, so that its policy and admin accounts can be tried with
// the recovery codes it prints or with 'tracker user code'.
func (s *Store) EnrolTOTP(ctx context.Context, u models.User) (secret string, codes []string, err error) {
	defer func() { err = wrapped(err, "enrol second factor of user %d", u.ID) }()
	key, err := credential.NewTOTPSecret(u.Email)
	if err != nil {
		return "", nil, err
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE users SET totp_secret = ?, totp_enabled_at = ?, totp_last_step = 0 WHERE id = ?",
			key, s.Now(), u.ID).Error; err != nil {
			return err
		}
		codes, err = replaceRecoveryCodes(tx, u.ID)
		return err
	})
	return key, codes, err
}
