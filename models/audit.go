package models

import (
	"context"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Audit actions, as stored and as the audit page filters them.
const (
	AuditSignIn          = "sign_in"
	AuditSignInFailed    = "sign_in_failed"
	AuditSignOut         = "sign_out"
	AuditResponseSaved   = "response_saved"
	AuditResponseCoded   = "response_coded"
	AuditNoteAdded       = "note_added"
	AuditQuoteAdded      = "quote_added"
	AuditQuoteRemoved    = "quote_removed"
	AuditImport          = "import"
	AuditExport          = "export"
	AuditCollectiveSaved = "collective_saved"
	AuditCollectiveState = "collective_status"
	AuditUserChanged     = "user_changed"
	AuditAdminChange     = "admin_change"
	AuditTwoFactor       = "two_factor"
	AuditSignInAttack    = "sign_in_attack"
	AuditQuoteWithdrawn  = "quote_consent_withdrawn" // a member withdrew consent for a quote of an approved response
)

// AuditActions lists every action, for the audit page's filter.
var AuditActions = []string{AuditSignIn, AuditSignInFailed, AuditSignOut, AuditResponseSaved, AuditResponseCoded,
	AuditNoteAdded, AuditQuoteAdded, AuditQuoteRemoved, AuditImport, AuditExport, AuditCollectiveSaved,
	AuditCollectiveState, AuditUserChanged, AuditAdminChange, AuditTwoFactor, AuditSignInAttack, AuditQuoteWithdrawn}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID       int64
	At       time.Time
	UserID   *int64
	Action   string
	Subject  string
	Detail   string
	UserName string `gorm:"->;-:migration"` // filled by AuditLog's join
}

// TableName names the audit table.
func (AuditEntry) TableName() string { return "audit_log" }

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
	return tx.Omit("UserName").Create(&AuditEntry{At: now, UserID: userRef(userID), Action: action,
		Subject: clipRunes(subject, auditSubjectMax), Detail: clipRunes(detail, auditDetailMax)}).Error
}

// clipRunes cuts s to at most n characters, marking the cut with "…".
func clipRunes(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action string
	UserID int64
	Since  time.Time
	Until  time.Time
	Limit  int
	Before int64 // keyset: entries with an id below this
}

// AuditLog lists entries, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
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
	var out []AuditEntry
	err := q.Order("audit_log.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}
