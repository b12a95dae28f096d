package models

import (
	"time"
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

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action string
	UserID int64
	Since  time.Time
	Until  time.Time
	Limit  int
	Before int64 // keyset: entries with an id below this
}
