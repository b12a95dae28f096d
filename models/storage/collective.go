package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
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
	if doc.Snapshot, err = storedSnapshot(db, cr); err != nil {
		return models.CollectiveDoc{}, err
	}
	return doc, nil
}

// storedSnapshot reads the snapshot kept with a collective response's
// current version.
func storedSnapshot(db *gorm.DB, cr models.CollectiveResponse) (models.Snapshot, error) {
	var raw string
	var snap models.Snapshot
	err := db.Table("collective_versions").Where("collective_id = ? AND version = ?", cr.ID, cr.Version).
		Pluck("snapshot", &raw).Error
	if err != nil || raw == "" {
		return snap, err
	}
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return snap, fmt.Errorf("collective snapshot: %w", err)
	}
	return snap, nil
}

// collectiveAt reads a consultation's collective response for a change
// made to version base; another version is a CollectiveConflictError.
func collectiveAt(tx *gorm.DB, consultationID int64, base int) (models.CollectiveResponse, error) {
	cr, err := takeBy[models.CollectiveResponse](tx, "consultation_id", consultationID)
	if err == nil && cr.Version != base {
		err = models.CollectiveConflictError{Current: cr}
	}
	return cr, err
}

// nextVersion writes fields to cr as a new version by userID, and keeps
// snap (nil: the text as stored once fields are written) as that version's
// snapshot.
func nextVersion(tx *gorm.DB, cr *models.CollectiveResponse, fields map[string]any, snap *models.Snapshot, userID int64, now time.Time) error {
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
	return tx.Exec(`INSERT INTO collective_versions (collective_id, version, status, snapshot, saved_by, saved_at)
		VALUES (?, ?, ?, ?, ?, ?)`, cr.ID, cr.Version, cr.Status, string(b), userRef(userID), now).Error
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

// SaveCollective applies an edit as a new version, keeping every version.
func (s *Store) SaveCollective(ctx context.Context, e models.CollectiveEdit) (models.CollectiveResponse, error) {
	var cr models.CollectiveResponse
	err := s.audited(ctx, e.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		var err error
		if cr, err = ensureCollective(tx, e.ConsultationID, now); err != nil {
			return auditEntry{}, err
		}
		if cr.Status == models.CollectiveApproved {
			return auditEntry{}, models.ErrApproved
		}
		if cr.Version != e.BaseVersion {
			return auditEntry{}, models.CollectiveConflictError{Current: cr}
		}
		detail := ""
		switch {
		case e.Introduction != nil:
			cr.Introduction = *e.Introduction
			detail = "introduction"
		case e.Section != nil:
			if err := saveSection(tx, cr.ID, *e.Section, now); err != nil {
				return auditEntry{}, err
			}
			var ref string
			tx.Model(&models.Proposal{}).Where("id = ?", e.Section.ProposalID).Pluck("ref", &ref)
			detail = "section " + ref
		default:
			return auditEntry{}, errors.New("nothing to save")
		}
		err = nextVersion(tx, &cr, map[string]any{"introduction": cr.Introduction}, nil, e.UserID, now)
		return auditEntry{models.AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%s, version %d", detail, cr.Version)}, err
	})
	return cr, wrapped(err, "save collective response of consultation %d", e.ConsultationID)
}

func ensureCollective(tx *gorm.DB, consultationID int64, now time.Time) (models.CollectiveResponse, error) {
	cr, err := takeBy[models.CollectiveResponse](tx, "consultation_id", consultationID)
	if !errors.Is(err, models.ErrNotFound) {
		return cr, err
	}
	if _, err := takeBy[models.Consultation](tx, "id", consultationID); err != nil {
		return cr, err
	}
	cr = models.CollectiveResponse{ConsultationID: consultationID, Status: models.CollectiveDraft, UpdatedAt: now, CreatedAt: now}
	return cr, tx.Create(&cr).Error
}

func saveSection(tx *gorm.DB, collectiveID int64, e models.SectionEdit, now time.Time) error {
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
			Statement: e.Statement, UpdatedAt: now}
		if err := tx.Create(&sec).Error; err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := tx.Model(&models.CollectiveSection{}).Where("id = ?", sec.ID).
			Updates(map[string]any{"position": e.Position, "statement": e.Statement, "updated_at": now, "suggested": false}).Error; err != nil {
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
			&snap, c.UserID, now)
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
	}
	err = s.r.WithContext(ctx).Table("collective_versions v").
		Select("v.version, v.status, v.saved_at, COALESCE(u.name, '') AS saved_by_name, v.snapshot").
		Joins("JOIN collective_responses c ON c.id = v.collective_id").
		Joins("LEFT JOIN users u ON u.id = v.saved_by").
		Where("c.consultation_id = ?", consultationID).
		Order("v.version DESC").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.CollectiveVersion, 0, len(rows))
	for _, r := range rows {
		v := models.CollectiveVersion{Version: r.Version, Status: r.Status, SavedAt: r.SavedAt, SavedByName: r.SavedByName}
		if err := json.Unmarshal([]byte(r.Snapshot), &v.Snapshot); err != nil {
			return nil, fmt.Errorf("collective version %d: %w", r.Version, err)
		}
		out = append(out, v)
	}
	return out, nil
}
