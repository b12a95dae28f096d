package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Collective response statuses, in workflow order.
const (
	CollectiveDraft    = "draft"
	CollectiveInReview = "in_review"
	CollectiveApproved = "approved"
)

// Positions the body can take on a proposal.
var Positions = []string{"support", "support_with_amendments", "oppose", "no_position"}

// PositionLabels says each position in words.
var PositionLabels = map[string]string{
	"support":                 "Support",
	"support_with_amendments": "Support with amendments",
	"oppose":                  "Oppose",
	"no_position":             "No position",
}

// CollectiveStatusLabels says each workflow status in words.
var CollectiveStatusLabels = map[string]string{
	CollectiveDraft:    "Draft",
	CollectiveInReview: "In review",
	CollectiveApproved: "Approved",
}

// ErrApproved refuses a change to an approved collective response.
var ErrApproved = errors.New("the collective response is approved and frozen")

// ErrTransition refuses a workflow step that is not allowed.
var ErrTransition = errors.New("that workflow step is not allowed")

// CollectiveResponse is the body's one reply to a consultation.
type CollectiveResponse struct {
	ID             int64
	ConsultationID int64
	Introduction   string
	Status         string
	Version        int
	UpdatedBy      *int64
	UpdatedAt      time.Time
	ApprovedBy     *int64
	ApprovedAt     *time.Time
	CreatedAt      time.Time
}

// CollectiveSection is the body's position and statement on one proposal.
type CollectiveSection struct {
	ID           int64
	CollectiveID int64
	ProposalID   int64
	Position     string
	Statement    string
	UpdatedAt    time.Time
}

// Snapshot is a collective response as saved at one version: its text, and
// from approval on, its figures and quotes as they were.
type Snapshot struct {
	Status       string            `json:"status"`
	Introduction string            `json:"introduction"`
	Sections     []SnapshotSection `json:"sections"`
	Frozen       bool              `json:"frozen"`
}

// SnapshotSection is one section of a snapshot, in proposal order.
type SnapshotSection struct {
	Ref       string            `json:"ref"`
	Title     string            `json:"title"`
	Position  string            `json:"position"`
	Statement string            `json:"statement"`
	QuoteIDs  []int64           `json:"quote_ids"`
	Figures   map[string]string `json:"figures,omitempty"` // frozen at approval
	Quotes    []FrozenQuote     `json:"quotes,omitempty"`  // frozen at approval
}

// FrozenQuote is a quote as it stood when the response was approved, with
// the response it came from, whose consent is checked again on every view
// (collective_consent.go).
type FrozenQuote struct {
	ID          int64  `json:"id"`
	ResponseID  int64  `json:"response_id,omitempty"` // 0 in snapshots approved before it was kept
	Excerpt     string `json:"excerpt"`
	Attribution string `json:"attribution"`
}

// CollectiveDoc is the current collective response of a consultation.
type CollectiveDoc struct {
	Response CollectiveResponse
	Sections map[int64]SectionView // by proposal id
	Snapshot Snapshot              // the current version's snapshot (frozen figures once approved)
}

// SectionView is a section with the quotes attached to it.
type SectionView struct {
	CollectiveSection
	QuoteIDs []int64
}

// Collective returns a consultation's collective response, or ErrNotFound
// if nobody has started it.
func (s *Store) Collective(ctx context.Context, consultationID int64) (CollectiveDoc, error) {
	db := s.r.WithContext(ctx)
	var cr CollectiveResponse
	if err := db.Where("consultation_id = ?", consultationID).Take(&cr).Error; err != nil {
		return CollectiveDoc{}, notFound(err)
	}
	sections, err := loadSections(db, cr.ID)
	if err != nil {
		return CollectiveDoc{}, err
	}
	doc := CollectiveDoc{Response: cr, Sections: sections}
	var raw string
	err = db.Table("collective_versions").Where("collective_id = ? AND version = ?", cr.ID, cr.Version).
		Pluck("snapshot", &raw).Error
	if err != nil {
		return CollectiveDoc{}, err
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &doc.Snapshot); err != nil {
			return CollectiveDoc{}, fmt.Errorf("collective snapshot: %w", err)
		}
	}
	return doc, nil
}

func loadSections(db *gorm.DB, collectiveID int64) (map[int64]SectionView, error) {
	var secs []CollectiveSection
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
	out := make(map[int64]SectionView, len(secs))
	for _, sec := range secs {
		out[sec.ProposalID] = SectionView{CollectiveSection: sec, QuoteIDs: bySection[sec.ID]}
	}
	return out, nil
}

// CollectiveEdit is one save of a collective response: the introduction, or
// one proposal's section.
type CollectiveEdit struct {
	ConsultationID int64
	UserID         int64
	BaseVersion    int // the version the editor opened; a newer one is a conflict
	// Introduction is set when saving the introduction.
	Introduction *string
	// Section is set when saving a proposal's section.
	Section *SectionEdit
}

// SectionEdit is the new text of one section.
type SectionEdit struct {
	ProposalID int64
	Position   string
	Statement  string
	QuoteIDs   []int64
}

// CollectiveConflictError says someone saved the collective response after
// the editor opened it.
type CollectiveConflictError struct{ Current CollectiveResponse }

func (e CollectiveConflictError) Error() string {
	return "collective response changed since it was opened"
}
func (e CollectiveConflictError) Unwrap() error { return ErrConflict }

// UnknownQuoteError names a quote that does not belong to the section's proposal.
type UnknownQuoteError struct{ ID int64 }

func (e UnknownQuoteError) Error() string {
	return fmt.Sprintf("quote %d is not a quote on this proposal", e.ID)
}

// SaveCollective applies an edit as a new version, keeping every version.
func (s *Store) SaveCollective(ctx context.Context, e CollectiveEdit) (CollectiveResponse, error) {
	var out CollectiveResponse
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		cr, err := ensureCollective(tx, e.ConsultationID, now)
		if err != nil {
			return err
		}
		if cr.Status == CollectiveApproved {
			return ErrApproved
		}
		if cr.Version != e.BaseVersion {
			return CollectiveConflictError{Current: cr}
		}
		detail := ""
		switch {
		case e.Introduction != nil:
			cr.Introduction = *e.Introduction
			detail = "introduction"
		case e.Section != nil:
			if err := saveSection(tx, cr.ID, *e.Section, now); err != nil {
				return err
			}
			var ref string
			tx.Model(&Proposal{}).Where("id = ?", e.Section.ProposalID).Pluck("ref", &ref)
			detail = "section " + ref
		default:
			return errors.New("nothing to save")
		}
		cr.Version++
		cr.UpdatedBy, cr.UpdatedAt = userRef(e.UserID), now
		if err := tx.Model(&CollectiveResponse{}).Where("id = ? AND version = ?", cr.ID, e.BaseVersion).
			Updates(map[string]any{"introduction": cr.Introduction, "version": cr.Version,
				"updated_by": cr.UpdatedBy, "updated_at": now}).Error; err != nil {
			return err
		}
		snap, err := snapshotOf(tx, cr)
		if err != nil {
			return err
		}
		if err := writeVersion(tx, cr, snap, e.UserID, now); err != nil {
			return err
		}
		out = cr
		return auditTx(tx, now, e.UserID, AuditCollectiveSaved, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%s, version %d", detail, cr.Version))
	})
	return out, err
}

func ensureCollective(tx *gorm.DB, consultationID int64, now time.Time) (CollectiveResponse, error) {
	var cr CollectiveResponse
	err := tx.Where("consultation_id = ?", consultationID).Take(&cr).Error
	if err == nil {
		return cr, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return cr, err
	}
	var n int64
	if err := tx.Model(&Consultation{}).Where("id = ?", consultationID).Count(&n).Error; err != nil {
		return cr, err
	}
	if n == 0 {
		return cr, ErrNotFound
	}
	cr = CollectiveResponse{ConsultationID: consultationID, Status: CollectiveDraft, UpdatedAt: now, CreatedAt: now}
	return cr, tx.Create(&cr).Error
}

func saveSection(tx *gorm.DB, collectiveID int64, e SectionEdit, now time.Time) error {
	if !slices.Contains(Positions, e.Position) {
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
				return UnknownQuoteError{ID: id}
			}
		}
	}
	var sec CollectiveSection
	err := tx.Where("collective_id = ? AND proposal_id = ?", collectiveID, e.ProposalID).Take(&sec).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		sec = CollectiveSection{CollectiveID: collectiveID, ProposalID: e.ProposalID, Position: e.Position,
			Statement: e.Statement, UpdatedAt: now}
		if err := tx.Create(&sec).Error; err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := tx.Model(&CollectiveSection{}).Where("id = ?", sec.ID).
			Updates(map[string]any{"position": e.Position, "statement": e.Statement, "updated_at": now}).Error; err != nil {
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
func snapshotOf(tx *gorm.DB, cr CollectiveResponse) (Snapshot, error) {
	snap := Snapshot{Status: cr.Status, Introduction: cr.Introduction}
	sections, err := loadSections(tx, cr.ID)
	if err != nil {
		return snap, err
	}
	var ps []Proposal
	if err := tx.Where("consultation_id = ?", cr.ConsultationID).Order("position, id").Find(&ps).Error; err != nil {
		return snap, err
	}
	for _, p := range ps {
		sec, ok := sections[p.ID]
		if !ok {
			continue
		}
		snap.Sections = append(snap.Sections, SnapshotSection{Ref: p.Ref, Title: p.Title, Position: sec.Position,
			Statement: sec.Statement, QuoteIDs: sec.QuoteIDs})
	}
	return snap, nil
}

func writeVersion(tx *gorm.DB, cr CollectiveResponse, snap Snapshot, userID int64, now time.Time) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO collective_versions (collective_id, version, status, snapshot, saved_by, saved_at)
		VALUES (?, ?, ?, ?, ?, ?)`, cr.ID, cr.Version, cr.Status, string(b), userRef(userID), now).Error
}

// StatusChange moves a collective response along its workflow.
type StatusChange struct {
	ConsultationID int64
	UserID         int64
	Role           Role
	To             string
	BaseVersion    int
	// Freeze holds, per proposal ref, the figures and quotes to keep at
	// approval; the caller computes them from the live data just before.
	Freeze map[string]FrozenSection
}

// FrozenSection is what approval keeps of one section's evidence.
type FrozenSection struct {
	Figures map[string]string
	Quotes  []FrozenQuote
}

// allowedSteps says who may move a collective response from one status to another.
var allowedSteps = map[[2]string][]Role{
	{CollectiveDraft, CollectiveInReview}:    {RolePolicy, RoleAdmin},
	{CollectiveInReview, CollectiveDraft}:    {RolePolicy, RoleAdmin},
	{CollectiveInReview, CollectiveApproved}: {RoleAdmin},
	{CollectiveApproved, CollectiveDraft}:    {RoleAdmin}, // reopen; the approved version stays in the history
}

// CanStep says whether a role may take a collective response from one status to another.
func CanStep(from, to string, role Role) bool {
	return slices.Contains(allowedSteps[[2]string{from, to}], role)
}

// SetCollectiveStatus takes one workflow step as a new version; approval
// freezes the text with the figures and quotes given.
func (s *Store) SetCollectiveStatus(ctx context.Context, c StatusChange) (CollectiveResponse, error) {
	var out CollectiveResponse
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		var cr CollectiveResponse
		if err := tx.Where("consultation_id = ?", c.ConsultationID).Take(&cr).Error; err != nil {
			return notFound(err)
		}
		if cr.Version != c.BaseVersion {
			return CollectiveConflictError{Current: cr}
		}
		if !CanStep(cr.Status, c.To, c.Role) {
			return ErrTransition
		}
		from := cr.Status
		cr.Status, cr.Version = c.To, cr.Version+1
		cr.UpdatedBy, cr.UpdatedAt = userRef(c.UserID), now
		updates := map[string]any{"status": cr.Status, "version": cr.Version, "updated_by": cr.UpdatedBy, "updated_at": now}
		if c.To == CollectiveApproved {
			cr.ApprovedBy, cr.ApprovedAt = userRef(c.UserID), &now
			updates["approved_by"], updates["approved_at"] = cr.ApprovedBy, now
		} else {
			updates["approved_by"], updates["approved_at"] = nil, nil
			cr.ApprovedBy, cr.ApprovedAt = nil, nil
		}
		if err := tx.Model(&CollectiveResponse{}).Where("id = ?", cr.ID).Updates(updates).Error; err != nil {
			return err
		}
		snap, err := snapshotOf(tx, cr)
		if err != nil {
			return err
		}
		if c.To == CollectiveApproved {
			snap.Frozen = true
			for i, sec := range snap.Sections {
				f := c.Freeze[sec.Ref]
				snap.Sections[i].Figures = f.Figures
				for _, q := range f.Quotes {
					if slices.Contains(sec.QuoteIDs, q.ID) {
						snap.Sections[i].Quotes = append(snap.Sections[i].Quotes, q)
					}
				}
			}
		}
		if err := writeVersion(tx, cr, snap, c.UserID, now); err != nil {
			return err
		}
		out = cr
		return auditTx(tx, now, c.UserID, AuditCollectiveState, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("%s → %s, version %d", from, c.To, cr.Version))
	})
	return out, err
}

// CollectiveVersion is one saved version, with who saved it.
type CollectiveVersion struct {
	Version     int
	Status      string
	SavedAt     time.Time
	SavedByName string
	Snapshot    Snapshot
}

// CollectiveVersions lists every version of a consultation's collective
// response, newest first.
func (s *Store) CollectiveVersions(ctx context.Context, consultationID int64) ([]CollectiveVersion, error) {
	var rows []struct {
		Version     int
		Status      string
		SavedAt     time.Time
		SavedByName string
		Snapshot    string
	}
	err := s.r.WithContext(ctx).Table("collective_versions v").
		Select("v.version, v.status, v.saved_at, COALESCE(u.name, '') AS saved_by_name, v.snapshot").
		Joins("JOIN collective_responses c ON c.id = v.collective_id").
		Joins("LEFT JOIN users u ON u.id = v.saved_by").
		Where("c.consultation_id = ?", consultationID).
		Order("v.version DESC").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]CollectiveVersion, 0, len(rows))
	for _, r := range rows {
		v := CollectiveVersion{Version: r.Version, Status: r.Status, SavedAt: r.SavedAt, SavedByName: r.SavedByName}
		if err := json.Unmarshal([]byte(r.Snapshot), &v.Snapshot); err != nil {
			return nil, fmt.Errorf("collective version %d: %w", r.Version, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Figures are the numbers a statement can quote for one proposal, by name;
// a statement writes {{name}} (or {{REF.name}} for another proposal) and the
// number is put in when the document is shown.
func Figures(sum Summary) map[string]string {
	st := sum.Stances
	f := map[string]string{
		"responses":        fmt.Sprint(sum.Responses),
		"members":          fmt.Sprint(sum.Members),
		"response_rate":    fmt.Sprintf("%.0f%%", sum.ResponseRate()*100),
		"strongly_support": fmt.Sprint(st.StronglySupport),
		"support":          fmt.Sprint(st.Support),
		"neutral":          fmt.Sprint(st.Neutral),
		"oppose":           fmt.Sprint(st.Oppose),
		"strongly_oppose":  fmt.Sprint(st.StronglyOppose),
		"supporting":       fmt.Sprint(st.StronglySupport + st.Support),
		"opposing":         fmt.Sprint(st.Oppose + st.StronglyOppose),
		"supporting_pct":   percentOf(st.StronglySupport+st.Support, sum.Responses),
		"opposing_pct":     percentOf(st.Oppose+st.StronglyOppose, sum.Responses),
		"net_support":      fmt.Sprintf("%+d", sum.NetSupport()),
		"autonomy_mean":    "n/a",
	}
	if sum.AutonomyMean != nil {
		f["autonomy_mean"] = fmt.Sprintf("%+.1f", *sum.AutonomyMean)
	}
	for _, c := range sum.Concerns {
		f["concern:"+c.Code] = fmt.Sprint(c.Count)
	}
	return f
}

func percentOf(n, total int) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", float64(n)*100/float64(total))
}

// FigureNames lists the figure names a statement may use, for the editor's help.
func FigureNames(f map[string]string) []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
