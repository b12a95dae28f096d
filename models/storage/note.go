package storage

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// AddNote adds an internal note to a submitted response. Members never see
// notes: no member page or API reads this table.
func (s *Store) AddNote(ctx context.Context, responseID, userID int64, body string) (models.ResponseNote, error) {
	var n models.ResponseNote
	err := s.audited(ctx, userID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		if _, err := submittedForUpdate(tx, responseID); err != nil {
			return auditEntry{}, err
		}
		n = models.ResponseNote{ResponseID: responseID, Body: body, AuthorID: userRef(userID), CreatedAt: now}
		err := tx.Create(&n).Error
		return auditEntry{models.AuditNoteAdded, fmt.Sprintf("response %d", responseID),
			fmt.Sprintf("note %d, %d characters", n.ID, utf8.RuneCountInString(body))}, err
	})
	return n, wrapped(err, "add note to response %d", responseID)
}

// Notes lists a response's internal notes, oldest first.
func (s *Store) Notes(ctx context.Context, responseID int64) ([]models.NoteView, error) {
	var out []models.NoteView
	err := s.r.WithContext(ctx).Table("response_notes").
		Select("response_notes.*, COALESCE(users.name, '') AS author_name").
		Joins("LEFT JOIN users ON users.id = response_notes.author_id").
		Where("response_notes.response_id = ?", responseID).
		Order("response_notes.id").Scan(&out).Error
	return out, wrapped(err, "list notes of response %d", responseID)
}
