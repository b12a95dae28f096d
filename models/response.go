package models

import (
	"strings"
	"time"
)

// ResponseInput is what a member (or an import) says about a proposal.
type ResponseInput struct {
	Stance     Stance
	Autonomy   *int
	Concerns   []string
	Comment    string
	Amendments string
	Consent    Consent
	QuoteScope QuoteScope // "" means QuoteCommentAndAmendments
}

// SaveResponse is one save of an organisation's response to a proposal.
type SaveResponse struct {
	OrganisationID int64
	ProposalID     int64
	UserID         int64
	Input          ResponseInput
	Submit         bool // submit; otherwise save as a draft
	// BaseVersion is the version the form was opened at (0 when there was no
	// response yet); a save over a newer version is a conflict.
	BaseVersion int
}

// ResponseView is a response with its concern codes.
type ResponseView struct {
	Response
	Concerns []string
}

// ConflictError says a colleague saved the response after this form was
// opened; Current is what is stored now. The refused save is kept in the
// response's history.
type ConflictError struct {
	Current       ResponseView
	CurrentByName string
}

func (e ConflictError) Error() string { return "response changed since it was opened" }

func (e ConflictError) Unwrap() error { return ErrConflict }

// RevisionView is a saved revision with the name of who saved it.
type RevisionView struct {
	ResponseRevision
	SavedByName string
}

// ConcernList splits the revision's stored codes.
func (r RevisionView) ConcernList() []string {
	if r.Concerns == "" {
		return nil
	}
	return strings.Split(r.Concerns, ";")
}

// ProposalStatus is where one organisation stands on one proposal.
type ProposalStatus struct {
	ProposalID  int64
	Status      ResponseStatus // "" when not started
	UpdatedAt   *time.Time
	SubmittedAt *time.Time
}
