package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// Audit records an action. Inside a transaction use AuditTx so the entry
// commits or rolls back with the change it describes.
func (s *Store) Audit(ctx context.Context, userID int64, action, subject, detail string) error {
	err := auditTx(s.w.WithContext(ctx), s.Now(), userID, action, subject, detail)
	return wrapped(err, "record %s", action)
}

// An entry's subject (an email, a title) and detail are cut to these many
// characters, so that what a stranger types cannot grow the log without bound.
// A value quoted in a detail (a title, an excerpt) is cut shorter still.
const (
	auditSubjectMax = 254
	auditDetailMax  = 2000
	auditValueMax   = 80
)

func auditTx(tx *gorm.DB, now time.Time, userID int64, action, subject, detail string) error {
	return tx.Omit("UserName").Create(&models.AuditEntry{At: now, UserID: userRef(userID), Action: action,
		Subject: clipRunes(subject, auditSubjectMax), Detail: clipRunes(detail, auditDetailMax)}).Error
}

// auditEntry is what a change records in the audit log. An entry without
// detail records nothing: the change found nothing to change.
type auditEntry struct{ action, subject, detail string }

// audited runs write in one write transaction and records the entry it
// returns, by actorID, in the same transaction, so that the log never tells
// of a change that rolled back, nor misses one that did not.
func (s *Store) audited(ctx context.Context, actorID int64, write func(tx *gorm.DB, now time.Time) (auditEntry, error)) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		e, err := write(tx, now)
		if err != nil || e.detail == "" {
			return err
		}
		return auditTx(tx, now, actorID, e.action, e.subject, e.detail)
	})
}

// updateAudited is audited for a change to the row of T with id, loaded
// first (ErrNotFound when there is none); it returns the row as change
// left it.
func updateAudited[T any](ctx context.Context, s *Store, actorID, id int64, change func(tx *gorm.DB, row *T, now time.Time) (auditEntry, error)) (T, error) {
	var row T
	err := s.audited(ctx, actorID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return auditEntry{}, notFound(err)
		}
		return change(tx, &row, now)
	})
	return row, err
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
	return out, wrapped(err, "read audit log")
}

// changeLog collects what an admin changed, in words, for the audit detail.
type changeLog []string

// value records a short value's change, old and new.
func (c *changeLog) value(field, from, to string) {
	if from == to {
		return
	}
	*c = append(*c, fmt.Sprintf("%s %s → %s", field, auditQuoted(from), auditQuoted(to)))
}

// text records that a long text changed, without copying it into the log.
func (c *changeLog) text(field, from, to string) {
	if from != to {
		*c = append(*c, field+" changed")
	}
}

// when records a date's change, in UK time.
func (c *changeLog) when(field string, from, to time.Time) {
	if !from.Equal(to) {
		c.value(field, from.In(auditZone).Format("2006-01-02 15:04"), to.In(auditZone).Format("2006-01-02 15:04"))
	}
}

func (c changeLog) String() string { return strings.Join(c, "; ") }

func auditQuoted(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "“" + clipRunes(s, auditValueMax) + "”"
}

// auditZone is the zone admins think in; audit details use it.
var auditZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()
