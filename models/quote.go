package models

import (
	"errors"
	"strings"
	"time"
)

// Why a quote may not be published now; the member can change their answer
// after a quote was picked, so this is worked out each time a quote is read.
const (
	WithheldPrivate      = "private"       // the member now asks not to be quoted
	WithheldNotSubmitted = "not_submitted" // the member took the response back to a draft
	WithheldTextChanged  = "text_changed"  // the passage is no longer in the member's text
	WithheldCommentOnly  = "comment_only"  // the passage is from the amendments, and the member now allows their comment only
)

// Errors of AddQuote.
var (
	ErrExcerptNotInText = errors.New("the passage is not in the member's comment or amendments")
	ErrNotQuotable      = errors.New("the member asked not to be quoted")
	// ErrAmendmentsNotQuotable refuses a passage of the amendments of a
	// member who allows their comment only to be quoted.
	ErrAmendmentsNotQuotable = errors.New("the member allows their comment only to be quoted")
)

// QuoteView is a quote as it may be used now: the excerpt, and the
// attribution the member's current consent allows.
type QuoteView struct {
	ID               int64
	ResponseID       int64
	ProposalID       int64
	ProposalRef      string
	OrganisationID   int64  // for linking back; never print it next to an anonymised quote
	OrganisationCode string // for linking back, as OrganisationID
	Stance           Stance
	Consent          Consent
	Excerpt          string
	Attribution      string // organisation name, or "An acute trust in London"; "" when withheld
	Attributed       bool
	Withheld         string // "" when the quote may be published, else one of the Withheld* reasons
	CreatedByName    string
	CreatedAt        time.Time
}

// Usable says whether the quote may be published now.
func (q QuoteView) Usable() bool { return q.Withheld == "" }

// NormaliseExcerpt is how a passage is compared and stored: Windows line
// endings made plain, surrounding whitespace trimmed.
func NormaliseExcerpt(s string) string {
	return strings.TrimSpace(NormaliseNewlines(s))
}

func NormaliseNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
