package models

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
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
	Version        int // counts every save of any part, and every workflow step
	// IntroVersion counts the saves of the introduction alone: its editors
	// are refused only by another save of the introduction.
	IntroVersion   int
	IntroUpdatedBy *int64
	IntroUpdatedAt *time.Time
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
	Version      int // counts the saves of this section alone
	UpdatedBy    *int64
	UpdatedAt    time.Time
	Suggested    bool // filled from the figures by the template, and nobody has saved it since
}

// Snapshot is a collective response as saved at one version: its text, and
// from approval on, its figures and quotes as they were.
type Snapshot struct {
	Status       string            `json:"status"`
	Introduction string            `json:"introduction"`
	Sections     []SnapshotSection `json:"sections"`
	Frozen       bool              `json:"frozen"`
	// Figures are every proposal's figures at approval, by ref, so that a
	// statement naming a proposal without a section ({{LP-13.responses}})
	// stays filled once frozen. Snapshots approved before it have only
	// their sections' figures.
	Figures map[string]map[string]string `json:"figures,omitempty"`
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
	Note     string                // the current version's note, if any
}

// SectionView is a section with the quotes attached to it.
type SectionView struct {
	CollectiveSection
	QuoteIDs []int64
}

// PartIntroduction names the introduction among the parts of a collective
// response; each section is named by its proposal's ref.
const PartIntroduction = "introduction"

// CollectiveEdit is one save of a collective response: the introduction, or
// one proposal's section.
type CollectiveEdit struct {
	ConsultationID int64
	UserID         int64
	// PartVersion is the version of the part (the introduction, or this
	// section) the editor opened; a newer one is a PartConflictError. Saves
	// of other parts do not count.
	PartVersion int
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

// CollectiveSave is what a save did besides making a new version.
type CollectiveSave struct {
	Response CollectiveResponse
	// BackToDraft: the response was in review, and an edit sends it back to
	// draft, so that what is approved is what was reviewed.
	BackToDraft bool
	// QuotesLeftOut counts the quotes a restore did not bring back because
	// their members no longer allow them to be quoted.
	QuotesLeftOut int
}

// PartText is one part of a collective response as saved or as typed: the
// introduction, or a section's position, statement and quotes.
type PartText struct {
	Introduction string  `json:"introduction,omitempty"`
	Position     string  `json:"position,omitempty"`
	Statement    string  `json:"statement,omitempty"`
	QuoteIDs     []int64 `json:"quote_ids,omitempty"`
}

// PartConflictError says someone saved the same part (the introduction, or
// the same section) after the editor opened it. It carries what they saved
// and the part's version now, from which saving again succeeds; the refused
// text is kept in the history.
type PartConflictError struct {
	Part        string // PartIntroduction or a proposal ref
	Version     int
	Saved       PartText
	SavedBy     *int64
	SavedByName string
	SavedAt     time.Time
}

func (e PartConflictError) Error() string {
	return fmt.Sprintf("%s of the collective response changed since it was opened", e.Part)
}

func (e PartConflictError) Unwrap() error { return ErrConflict }

// RefusedEdit is an edit refused because someone had saved the same part
// first, kept so that nothing typed is lost.
type RefusedEdit struct {
	ID               int64
	Part             string // PartIntroduction or a proposal ref
	AtVersion        int    // the document's version when it was refused
	Text             PartText
	RefusedByName    string
	RefusedAt        time.Time
	ConflictedByName string // who had saved the part first
	ConflictedAt     *time.Time
}

// CollectiveRestore brings back the text of an earlier version as a new one.
type CollectiveRestore struct {
	ConsultationID int64
	UserID         int64
	Version        int // the version to bring back
	BaseVersion    int // the document's version the page showed
}

// CollectiveConflictError says someone saved the collective response after
// the page that takes a step on the whole document (a workflow step, a
// restore) was opened.
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

// CollectiveVersion is one saved version, with who saved it.
type CollectiveVersion struct {
	Version     int
	Status      string
	SavedAt     time.Time
	SavedByName string
	Snapshot    Snapshot
	// Note says what a version did that its text does not show: "Restored
	// from version 4", "Edited during review by …: back to draft".
	Note string
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
