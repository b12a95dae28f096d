package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Collective returns a consultation's collective response, or ErrNotFound
// if nobody has started it.
func (s *Store) Collective(ctx context.Context, consultationID int64) (_ models.CollectiveDoc, err error) {
	defer func() { err = wrapped(err, "read collective response of consultation %d", consultationID) }()
	db := s.r.WithContext(ctx)
	cr, err := takeBy[models.CollectiveResponse](db, "consultation_id", consultationID)
	if err != nil {
		return models.CollectiveDoc{}, err
	}
	doc := models.CollectiveDoc{Response: cr}
	if doc.Sections, err = loadSections(db, cr.ID); err != nil {
		return models.CollectiveDoc{}, err
	}
	if doc.Snapshot, doc.Note, err = snapshotAt(db, cr.ID, cr.Version); err != nil && !errors.Is(err, models.ErrNotFound) {
		return models.CollectiveDoc{}, err
	}
	return doc, nil
}

// storedSnapshot reads the snapshot kept with a collective response's
// current version.
func storedSnapshot(db *gorm.DB, cr models.CollectiveResponse) (models.Snapshot, error) {
	snap, _, err := snapshotAt(db, cr.ID, cr.Version)
	if errors.Is(err, models.ErrNotFound) {
		err = nil
	}
	return snap, err
}

// snapshotAt reads the snapshot and the note kept with one version of a
// collective response; ErrNotFound if there is no such version.
func snapshotAt(db *gorm.DB, collectiveID int64, version int) (models.Snapshot, string, error) {
	var row struct{ Snapshot, Note string }
	var snap models.Snapshot
	err := db.Table("collective_versions").Select("snapshot, note").
		Where("collective_id = ? AND version = ?", collectiveID, version).Take(&row).Error
	if err != nil {
		return snap, "", notFound(err)
	}
	if err := json.Unmarshal([]byte(row.Snapshot), &snap); err != nil {
		return snap, "", fmt.Errorf("collective snapshot: %w", err)
	}
	return snap, row.Note, nil
}

// collectiveAt reads a consultation's collective response for a change
// made to version base; another version is a CollectiveConflictError.
func collectiveAt(tx *gorm.DB, consultationID int64, base int) (models.CollectiveResponse, error) {
	cr, err := lockedCollective(tx, consultationID)
	if err == nil && cr.Version != base {
		err = models.CollectiveConflictError{Current: cr}
	}
	return cr, err
}

// lockedCollective reads a consultation's collective response and holds its
// row until the transaction ends, so that two saves of different parts take
// document versions one after the other (SQLite's writes queue anyway).
func lockedCollective(tx *gorm.DB, consultationID int64) (models.CollectiveResponse, error) {
	var cr models.CollectiveResponse
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("consultation_id = ?", consultationID).Take(&cr).Error
	return cr, notFound(err)
}

// nextVersion writes fields to cr as a new version by userID, and keeps
// snap (nil: the text as stored once fields are written) as that version's
// snapshot, with note saying what the text does not show.
func nextVersion(tx *gorm.DB, cr *models.CollectiveResponse, fields map[string]any, snap *models.Snapshot, note string, userID int64, now time.Time) error {
	base := cr.Version
	cr.Version++
	cr.UpdatedBy, cr.UpdatedAt = userRef(userID), now
	fields["version"], fields["updated_by"], fields["updated_at"] = cr.Version, cr.UpdatedBy, now
	if err := tx.Model(&models.CollectiveResponse{}).Where("id = ? AND version = ?", cr.ID, base).Updates(fields).Error; err != nil {
		return err
	}
	if snap == nil {
		stored, err := snapshotOf(tx, *cr)
		if err != nil {
			return err
		}
		snap = &stored
	}
	b, err := json.Marshal(*snap)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO collective_versions (collective_id, version, status, snapshot, note, saved_by, saved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, cr.ID, cr.Version, cr.Status, string(b), note, userRef(userID), now).Error
}

func loadSections(db *gorm.DB, collectiveID int64) (map[int64]models.SectionView, error) {
	var secs []models.CollectiveSection
	if err := db.Where("collective_id = ?", collectiveID).Find(&secs).Error; err != nil {
		return nil, err
	}
	var links []struct{ SectionID, QuoteID int64 }
	if err := db.Table("collective_section_quotes").
		Joins("JOIN collective_sections ON collective_sections.id = collective_section_quotes.section_id").
		Where("collective_sections.collective_id = ?", collectiveID).
		Select("collective_section_quotes.section_id, collective_section_quotes.quote_id").
		Order("collective_section_quotes.quote_id").Scan(&links).Error; err != nil {
		return nil, err
	}
	bySection := map[int64][]int64{}
	for _, l := range links {
		bySection[l.SectionID] = append(bySection[l.SectionID], l.QuoteID)
	}
	out := make(map[int64]models.SectionView, len(secs))
	for _, sec := range secs {
		out[sec.ProposalID] = models.SectionView{CollectiveSection: sec, QuoteIDs: bySection[sec.ID]}
	}
	return out, nil
}

// SaveCollective applies an edit of one part as a new version, keeping
// every version. An edit made from an older version of the same part is
// refused with a PartConflictError, and kept with the refused edits; saves
// of other parts never refuse it. An edit of a response in review sends it
// back to draft.
func (s *Store) SaveCollective(ctx context.Context, e models.CollectiveEdit) (models.CollectiveSave, error) {
	var out models.CollectiveSave
	var conflict *models.PartConflictError
	err := s.audited(ctx, e.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		cr, err := ensureCollective(tx, e.ConsultationID, now)
		if err != nil {
			return auditEntry{}, err
		}
		if cr.Status == models.CollectiveApproved {
			return auditEntry{}, models.ErrApproved
		}
		part, err := currentPart(tx, cr, e)
		if err != nil {
			return auditEntry{}, err
		}
		if part.Version != e.PartVersion {
			conflict = &part
			return refuseEdit(tx, cr, e, part, now)
		}
		fields := map[string]any{}
		switch {
		case e.Introduction != nil:
			cr.Introduction, cr.IntroVersion, cr.IntroUpdatedBy, cr.IntroUpdatedAt = *e.Introduction, part.Version+1, userRef(e.UserID), &now
			fields["introduction"], fields["intro_version"] = cr.Introduction, cr.IntroVersion
			fields["intro_updated_by"], fields["intro_updated_at"] = cr.IntroUpdatedBy, cr.IntroUpdatedAt
		case e.Section != nil:
			if err := saveSection(tx, cr.ID, *e.Section, part.Version+1, e.UserID, now); err != nil {
				return auditEntry{}, err
			}
		default:
			return auditEntry{}, errors.New("nothing to save")
		}
		note, err := backToDraft(tx, &cr, fields, "Edited", e.UserID)
		if err != nil {
			return auditEntry{}, err
		}
		out.BackToDraft = note != ""
		err = nextVersion(tx, &cr, fields, nil, note, e.UserID, now)
		out.Response = cr
		return auditEntry{models.AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
			strings.TrimSuffix(fmt.Sprintf("%s, version %d. %s", partName(part.Part), cr.Version, note), " ")}, err
	})
	if err == nil && conflict != nil {
		err = *conflict
	}
	return out, wrapped(err, "save collective response of consultation %d", e.ConsultationID)
}

// partName says a part in the audit log and the history.
func partName(part string) string {
	if part == models.PartIntroduction {
		return "introduction"
	}
	return "section " + part
}

// backToDraft sends a response in review back to draft as part of an edit
// (what: "Edited", "Restored"), and returns the note that says so.
func backToDraft(tx *gorm.DB, cr *models.CollectiveResponse, fields map[string]any, what string, userID int64) (string, error) {
	if cr.Status != models.CollectiveInReview {
		return "", nil
	}
	cr.Status, fields["status"] = models.CollectiveDraft, models.CollectiveDraft
	name, err := nameOf(tx, userRef(userID))
	if name == "" {
		name = "someone"
	}
	return fmt.Sprintf("%s during review by %s: back to draft", what, name), err
}

// nameOf is the name of the user id points to, or "" for none.
func nameOf(tx *gorm.DB, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var names []string
	err := tx.Table("users").Where("id = ?", *id).Pluck("name", &names).Error
	if err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}

// currentPart reads the part an edit changes as it is stored now, as the
// conflict its editor would be shown.
func currentPart(tx *gorm.DB, cr models.CollectiveResponse, e models.CollectiveEdit) (models.PartConflictError, error) {
	part := models.PartConflictError{Part: models.PartIntroduction}
	var by *int64
	if e.Introduction != nil {
		part.Version, part.Saved.Introduction, by = cr.IntroVersion, cr.Introduction, cr.IntroUpdatedBy
		if cr.IntroUpdatedAt != nil {
			part.SavedAt = *cr.IntroUpdatedAt
		}
	} else if e.Section != nil {
		if err := tx.Model(&models.Proposal{}).Where("id = ?", e.Section.ProposalID).Pluck("ref", &part.Part).Error; err != nil {
			return part, err
		}
		var sec models.CollectiveSection
		err := tx.Where("collective_id = ? AND proposal_id = ?", cr.ID, e.Section.ProposalID).Take(&sec).Error
		switch {
		case err == nil:
			part.Version, by, part.SavedAt = sec.Version, sec.UpdatedBy, sec.UpdatedAt
			part.Saved = models.PartText{Position: sec.Position, Statement: sec.Statement}
			err = tx.Table("collective_section_quotes").Where("section_id = ?", sec.ID).Order("quote_id").
				Pluck("quote_id", &part.Saved.QuoteIDs).Error
		case errors.Is(err, gorm.ErrRecordNotFound):
			err = nil
		}
		if err != nil {
			return part, err
		}
	}
	var err error
	part.SavedBy = by
	part.SavedByName, err = nameOf(tx, by)
	return part, err
}

// refuseEdit keeps an edit refused for a conflict with the refused edits,
// so that nothing typed is lost, and says so in the audit log.
func refuseEdit(tx *gorm.DB, cr models.CollectiveResponse, e models.CollectiveEdit, part models.PartConflictError, now time.Time) (auditEntry, error) {
	typed := models.PartText{}
	if e.Introduction != nil {
		typed.Introduction = *e.Introduction
	} else {
		typed = models.PartText{Position: e.Section.Position, Statement: e.Section.Statement, QuoteIDs: e.Section.QuoteIDs}
	}
	b, err := json.Marshal(typed)
	if err != nil {
		return auditEntry{}, err
	}
	var conflictedAt *time.Time
	if part.Version > 0 {
		conflictedAt = &part.SavedAt
	}
	err = tx.Exec(`INSERT INTO collective_refused_edits (collective_id, part, at_version, conflicted_by, conflicted_at, text, refused_by, refused_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cr.ID, part.Part, cr.Version, part.SavedBy, conflictedAt, string(b), userRef(e.UserID), now).Error
	return auditEntry{models.AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
		fmt.Sprintf("%s not saved: opened at its version %d, saved since as version %d; the text is kept in the history",
			partName(part.Part), e.PartVersion, part.Version)}, err
}

func ensureCollective(tx *gorm.DB, consultationID int64, now time.Time) (models.CollectiveResponse, error) {
	cr, err := lockedCollective(tx, consultationID)
	if !errors.Is(err, models.ErrNotFound) {
		return cr, err
	}
	if _, err := takeBy[models.Consultation](tx, "id", consultationID); err != nil {
		return cr, err
	}
	// Two first saves at once: the second waits for the first's row, then
	// writes into it.
	cr = models.CollectiveResponse{ConsultationID: consultationID, Status: models.CollectiveDraft, UpdatedAt: now, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&cr).Error; err != nil {
		return cr, err
	}
	return lockedCollective(tx, consultationID)
}

// saveSection writes a section as its version; its quotes must be on its
// proposal's responses.
func saveSection(tx *gorm.DB, collectiveID int64, e models.SectionEdit, version int, userID int64, now time.Time) error {
	if !slices.Contains(models.Positions, e.Position) {
		return fmt.Errorf("position %q is not one of the positions", e.Position)
	}
	// Quotes must be on this proposal's responses.
	if len(e.QuoteIDs) > 0 {
		var ok []int64
		if err := tx.Table("quotes").Joins("JOIN responses ON responses.id = quotes.response_id").
			Where("quotes.id IN ? AND responses.proposal_id = ?", e.QuoteIDs, e.ProposalID).
			Pluck("quotes.id", &ok).Error; err != nil {
			return err
		}
		for _, id := range e.QuoteIDs {
			if !slices.Contains(ok, id) {
				return models.UnknownQuoteError{ID: id}
			}
		}
	}
	var sec models.CollectiveSection
	err := tx.Where("collective_id = ? AND proposal_id = ?", collectiveID, e.ProposalID).Take(&sec).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		sec = models.CollectiveSection{CollectiveID: collectiveID, ProposalID: e.ProposalID, Position: e.Position,
			Statement: e.Statement, Version: version, UpdatedBy: userRef(userID), UpdatedAt: now}
		if err := tx.Create(&sec).Error; err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := tx.Model(&models.CollectiveSection{}).Where("id = ?", sec.ID).
			Updates(map[string]any{"position": e.Position, "statement": e.Statement, "version": version,
				"updated_by": userRef(userID), "updated_at": now, "suggested": false}).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM collective_section_quotes WHERE section_id = ?", sec.ID).Error; err != nil {
			return err
		}
	}
	for _, id := range e.QuoteIDs {
		if err := tx.Exec("INSERT INTO collective_section_quotes (section_id, quote_id) VALUES (?, ?)", sec.ID, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// snapshotOf captures the text of a collective response as stored in tx.
func snapshotOf(tx *gorm.DB, cr models.CollectiveResponse) (models.Snapshot, error) {
	snap := models.Snapshot{Status: cr.Status, Introduction: cr.Introduction}
	sections, err := loadSections(tx, cr.ID)
	if err != nil {
		return snap, err
	}
	ps, err := proposalsOf(tx, cr.ConsultationID)
	if err != nil {
		return snap, err
	}
	for _, p := range ps {
		sec, ok := sections[p.ID]
		if !ok {
			continue
		}
		snap.Sections = append(snap.Sections, models.SnapshotSection{Ref: p.Ref, Title: p.Title, Position: sec.Position,
			Statement: sec.Statement, QuoteIDs: sec.QuoteIDs})
	}
	return snap, nil
}

// SetCollectiveStatus takes one workflow step as a new version; approval
// freezes the text with the figures and quotes given.
func (s *Store) SetCollectiveStatus(ctx context.Context, c models.StatusChange) (models.CollectiveResponse, error) {
	var cr models.CollectiveResponse
	err := s.audited(ctx, c.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		var err error
		if cr, err = collectiveAt(tx, c.ConsultationID, c.BaseVersion); err != nil {
			return auditEntry{}, err
		}
		if !models.CanStep(cr.Status, c.To, c.Role) {
			return auditEntry{}, models.ErrTransition
		}
		from := cr.Status
		cr.Status, cr.ApprovedBy, cr.ApprovedAt = c.To, nil, nil
		if c.To == models.CollectiveApproved {
			cr.ApprovedBy, cr.ApprovedAt = userRef(c.UserID), &now
		}
		snap, err := snapshotOf(tx, cr)
		if err != nil {
			return auditEntry{}, err
		}
		if c.To == models.CollectiveApproved {
			freeze(&snap, c.Freeze)
		}
		err = nextVersion(tx, &cr, map[string]any{"status": cr.Status, "approved_by": cr.ApprovedBy, "approved_at": cr.ApprovedAt},
			&snap, "", c.UserID, now)
		return auditEntry{models.AuditCollectiveState, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%s → %s, version %d", from, c.To, cr.Version)}, err
	})
	return cr, wrapped(err, "move collective response of consultation %d to %s", c.ConsultationID, c.To)
}

// freeze keeps with an approved snapshot the figures and quotes given for
// its sections, quotes the sections attach only.
func freeze(snap *models.Snapshot, figures map[string]models.FrozenSection) {
	snap.Frozen = true
	snap.Figures = map[string]map[string]string{}
	for ref, f := range figures {
		snap.Figures[ref] = f.Figures
	}
	for i, sec := range snap.Sections {
		f := figures[sec.Ref]
		snap.Sections[i].Figures = f.Figures
		for _, q := range f.Quotes {
			if slices.Contains(sec.QuoteIDs, q.ID) {
				snap.Sections[i].Quotes = append(snap.Sections[i].Quotes, q)
			}
		}
	}
}
