package models

import (
	"slices"
	"time"
)

// The reading view: every submitted response to one proposal, in full, a
// page at a time, for the policy team to read, code and quote.

// ReadingSort is an order of the reading view. Each is a keyset order: a
// page starts after (or before) one response, whatever page it is.
type ReadingSort string

const (
	SortSubmitted    ReadingSort = "submitted"    // oldest submission first
	SortOrganisation ReadingSort = "organisation" // organisation name, A to Z
	SortStance       ReadingSort = "stance"       // strongest support first, then by submission
)

// ReadingSorts lists the orders, the default first.
var ReadingSorts = []ReadingSort{SortSubmitted, SortOrganisation, SortStance}

// Valid says whether s is one of ReadingSorts.
func (s ReadingSort) Valid() bool { return slices.Contains(ReadingSorts, s) }

// Label says the order in words.
func (s ReadingSort) Label() string {
	return map[ReadingSort]string{SortSubmitted: "Submitted, oldest first", SortOrganisation: "Organisation name, A to Z",
		SortStance: "Stance, strongest support first"}[s]
}

// ReadingFilter selects responses of the reading view: the summary's segment
// filter and the reader's own narrowing. Zero fields do not filter.
type ReadingFilter struct {
	Filter
	Stance        Stance
	NotCoded      bool // the policy team has added no concern yet
	HasAmendments bool
	Quotable      bool // the member's consent allows a quote (Consent.Quotable)
}

// QuotableConsents lists the consent levels that allow a quote.
func QuotableConsents() []Consent {
	var out []Consent
	for _, c := range Consents {
		if c.Quotable() {
			out = append(out, c)
		}
	}
	return out
}

// ReadingQuery asks for one page of the reading view. After and Before are
// response ids: the page after (or before) that response in Sort's order;
// neither is the first page.
type ReadingQuery struct {
	ProposalID int64
	Filter     ReadingFilter
	Sort       ReadingSort
	After      int64
	Before     int64
	Limit      int
}

// ReadingResponse is one submitted response as the reading view shows it.
type ReadingResponse struct {
	ID              int64
	Organisation    Organisation
	Stance          Stance
	Autonomy        int
	Comment         string
	Amendments      string
	Consent         Consent
	SubmittedAt     *time.Time
	MemberConcerns  []string // sorted
	AnalystConcerns []string // sorted
	QuoteCount      int
}

// ReadingPage is one page of the reading view.
type ReadingPage struct {
	Responses []ReadingResponse
	HasPrev   bool
	HasNext   bool
}

// CodingProgress says how many of a proposal's submitted responses the
// policy team has coded: added at least one concern to.
type CodingProgress struct {
	Coded     int
	Submitted int
}

// ReadingCounts are the reading view's figures for one filter: how many
// responses match, and how far the coding of the proposal has gone.
type ReadingCounts struct {
	Matching int
	Progress CodingProgress
}
