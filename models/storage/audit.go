package storage

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Audit records an action. Inside a transaction use AuditTx so the entry
// commits or rolls back with the change it describes.
func (s *Store) Audit(ctx context.Context, userID int64, action, subject, detail string) error {
	return auditTx(s.w.WithContext(ctx), s.Now(), userID, action, subject, detail)
}

// An entry's subject (an email, a title) and detail are cut to these many
// characters, so that what a stranger types cannot grow the log without bound.
const (
	auditSubjectMax = 254
	auditDetailMax  = 2000
)

func auditTx(tx *gorm.DB, now time.Time, userID int64, action, subject, detail string) error {
	return tx.Omit("UserName").Create(&models.AuditEntry{At: now, UserID: userRef(userID), Action: action,
		Subject: clipRunes(subject, auditSubjectMax), Detail: clipRunes(detail, auditDetailMax)}).Error
}

// clipRunes cuts s to at most n characters, marking the cut with "…".
func clipRunes(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// AuditLog lists entries, newest first.
func (s *Store) AuditLog(ctx context.Context, f models.AuditFilter) ([]models.AuditEntry, error) {
	q := s.r.WithContext(ctx).Table("audit_log").
		Select("audit_log.*, COALESCE(users.name, '') AS user_name").
		Joins("LEFT JOIN users ON users.id = audit_log.user_id")
	if f.Action != "" {
		q = q.Where("audit_log.action = ?", f.Action)
	}
	if f.UserID > 0 {
		q = q.Where("audit_log.user_id = ?", f.UserID)
	}
	if !f.Since.IsZero() {
		q = q.Where("audit_log.at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		q = q.Where("audit_log.at < ?", f.Until)
	}
	if f.Before > 0 {
		q = q.Where("audit_log.id < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []models.AuditEntry
	err := q.Order("audit_log.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}
