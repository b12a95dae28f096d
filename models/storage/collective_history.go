package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// CollectiveVersions lists every version of a consultation's collective
// response, newest first.
func (s *Store) CollectiveVersions(ctx context.Context, consultationID int64) (_ []models.CollectiveVersion, err error) {
	defer func() { err = wrapped(err, "list collective versions of consultation %d", consultationID) }()
	var rows []struct {
		Version     int
		Status      string
		SavedAt     time.Time
		SavedByName string
		Snapshot    string
		Note        string
	}
	err = s.r.WithContext(ctx).Table("collective_versions v").
		Select("v.version, v.status, v.saved_at, COALESCE(u.name, '') AS saved_by_name, v.snapshot, v.note").
		Joins("JOIN collective_responses c ON c.id = v.collective_id").
		Joins("LEFT JOIN users u ON u.id = v.saved_by").
		Where("c.consultation_id = ?", consultationID).
		Order("v.version DESC").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.CollectiveVersion, 0, len(rows))
	for _, r := range rows {
		v := models.CollectiveVersion{Version: r.Version, Status: r.Status, SavedAt: r.SavedAt, SavedByName: r.SavedByName, Note: r.Note}
		if err := json.Unmarshal([]byte(r.Snapshot), &v.Snapshot); err != nil {
			return nil, fmt.Errorf("collective version %d: %w", r.Version, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// CollectiveRefusedEdits lists the edits of a consultation's collective
// response refused because someone had saved the same part first, newest
// first.
func (s *Store) CollectiveRefusedEdits(ctx context.Context, consultationID int64) (_ []models.RefusedEdit, err error) {
	defer func() { err = wrapped(err, "list refused edits of consultation %d", consultationID) }()
	var rows []struct {
		ID                              int64
		Part                            string
		AtVersion                       int
		Text                            string
		RefusedByName, ConflictedByName string
		RefusedAt                       time.Time
		ConflictedAt                    *time.Time
	}
	err = s.r.WithContext(ctx).Table("collective_refused_edits x").
		Select(`x.id, x.part, x.at_version, x.text, x.refused_at, x.conflicted_at,
			COALESCE(r.name, '') AS refused_by_name, COALESCE(b.name, '') AS conflicted_by_name`).
		Joins("JOIN collective_responses c ON c.id = x.collective_id").
		Joins("LEFT JOIN users r ON r.id = x.refused_by").
		Joins("LEFT JOIN users b ON b.id = x.conflicted_by").
		Where("c.consultation_id = ?", consultationID).
		Order("x.id DESC").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.RefusedEdit, 0, len(rows))
	for _, r := range rows {
		e := models.RefusedEdit{ID: r.ID, Part: r.Part, AtVersion: r.AtVersion, RefusedByName: r.RefusedByName,
			RefusedAt: r.RefusedAt, ConflictedByName: r.ConflictedByName, ConflictedAt: r.ConflictedAt}
		if err := json.Unmarshal([]byte(r.Text), &e.Text); err != nil {
			return nil, fmt.Errorf("refused edit %d: %w", r.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// RestoreCollective brings back the text of an earlier version (its
// introduction, and each section's position, statement and quotes) as a new
// version. Quotes whose members no longer allow quoting stay out; sections
// written since are taken out. An approved response is ErrApproved, a
// version that does not exist ErrNotFound, and a response saved since the
// page was opened a CollectiveConflictError.
func (s *Store) RestoreCollective(ctx context.Context, r models.CollectiveRestore) (models.CollectiveSave, error) {
	var out models.CollectiveSave
	snap, usable, err := s.restorable(ctx, r)
	if err != nil {
		return out, wrapped(err, "restore version %d of the collective response of consultation %d", r.Version, r.ConsultationID)
	}
	err = s.audited(ctx, r.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		cr, err := collectiveAt(tx, r.ConsultationID, r.BaseVersion)
		if err != nil {
			return auditEntry{}, err
		}
		if cr.Status == models.CollectiveApproved {
			return auditEntry{}, models.ErrApproved
		}
		fields := map[string]any{}
		if cr.Introduction != snap.Introduction {
			fields["introduction"], fields["intro_version"] = snap.Introduction, cr.IntroVersion+1
			fields["intro_updated_by"], fields["intro_updated_at"] = userRef(r.UserID), now
			cr.Introduction = snap.Introduction
		}
		if out.QuotesLeftOut, err = restoreSections(tx, cr, snap, usable, r.UserID, now); err != nil {
			return auditEntry{}, err
		}
		notes := []string{fmt.Sprintf("Restored from version %d", r.Version)}
		if out.QuotesLeftOut > 0 {
			notes = append(notes, fmt.Sprintf("%d %s left out: %s", out.QuotesLeftOut, plural(out.QuotesLeftOut, "quote", "quotes"),
				plural(out.QuotesLeftOut, "its member no longer allows quoting", "their members no longer allow quoting")))
		}
		review, err := backToDraft(tx, &cr, fields, "Restored", r.UserID)
		if review != "" {
			notes = append(notes, review)
		}
		out.BackToDraft = review != ""
		if err == nil {
			err = nextVersion(tx, &cr, fields, nil, strings.Join(notes, "; "), r.UserID, now)
		}
		out.Response = cr
		return auditEntry{models.AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%s, as version %d", strings.Join(notes, "; "), cr.Version)}, err
	})
	return out, wrapped(err, "restore version %d of the collective response of consultation %d", r.Version, r.ConsultationID)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// restorable reads the snapshot of the version to restore (versions never
// change once written) and which of its quotes may be published today.
func (s *Store) restorable(ctx context.Context, r models.CollectiveRestore) (models.Snapshot, map[int64]bool, error) {
	db := s.r.WithContext(ctx)
	cr, err := takeBy[models.CollectiveResponse](db, "consultation_id", r.ConsultationID)
	if err != nil {
		return models.Snapshot{}, nil, err
	}
	snap, _, err := snapshotAt(db, cr.ID, r.Version)
	if err != nil {
		return snap, nil, err
	}
	var ids []int64
	for _, sec := range snap.Sections {
		ids = append(ids, sec.QuoteIDs...)
	}
	usable := map[int64]bool{}
	if len(ids) == 0 {
		return snap, usable, nil
	}
	qs, err := s.quotes(ctx, "q.id IN ?", ids)
	for _, q := range qs {
		usable[q.ID] = q.Usable()
	}
	return snap, usable, err
}

// restoreSections writes each section of snap back whose text differs
// today, as a new version of that section, and takes out the sections snap
// does not have. It returns how many quotes it left out as unusable.
func restoreSections(tx *gorm.DB, cr models.CollectiveResponse, snap models.Snapshot, usable map[int64]bool, userID int64, now time.Time) (int, error) {
	current, err := loadSections(tx, cr.ID)
	if err != nil {
		return 0, err
	}
	ps, err := proposalsOf(tx, cr.ConsultationID)
	if err != nil {
		return 0, err
	}
	byRef := map[string]int64{}
	for _, p := range ps {
		byRef[p.Ref] = p.ID
	}
	leftOut := 0
	kept := map[int64]bool{}
	for _, sec := range snap.Sections {
		id, ok := byRef[sec.Ref]
		if !ok {
			continue // the proposal is gone
		}
		kept[id] = true
		quotes := slices.DeleteFunc(slices.Clone(sec.QuoteIDs), func(q int64) bool { return !usable[q] })
		leftOut += len(sec.QuoteIDs) - len(quotes)
		cur, had := current[id]
		if had && cur.Position == sec.Position && cur.Statement == sec.Statement && slices.Equal(cur.QuoteIDs, quotes) {
			continue
		}
		edit := models.SectionEdit{ProposalID: id, Position: sec.Position, Statement: sec.Statement, QuoteIDs: quotes}
		if err := saveSection(tx, cr.ID, edit, cur.Version+1, userID, now); err != nil {
			return leftOut, err
		}
	}
	for id, sec := range current {
		if !kept[id] {
			if err := tx.Exec("DELETE FROM collective_sections WHERE id = ?", sec.ID).Error; err != nil {
				return leftOut, err
			}
		}
	}
	return leftOut, nil
}
