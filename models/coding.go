package models

import (
	"fmt"
	"time"
)

// ErrNotSubmitted says a response exists but is a draft: the policy team
// reads, codes and quotes submitted responses only. It is also an
// ErrNotFound, so callers that do not care about the difference get a 404.
var ErrNotSubmitted = fmt.Errorf("response is a draft: %w", ErrNotFound)

// Coding is one concern code the policy team added to a response.
type Coding struct {
	Code        string
	CodedByName string
	CodedAt     time.Time
}

// ResponseDetail is a submitted response as the policy team reads it: the
// member's answer, and the codes the policy team added, kept apart.
type ResponseDetail struct {
	Response
	Organisation    Organisation
	Proposal        Proposal
	Consultation    Consultation
	SubmittedByName string
	MemberConcerns  []string // chosen by the member, sorted
	AnalystCodings  []Coding // added by the policy team, sorted by code
}

// AnalystConcerns lists the codes the policy team added.
func (d ResponseDetail) AnalystConcerns() []string {
	out := make([]string, len(d.AnalystCodings))
	for i, c := range d.AnalystCodings {
		out[i] = c.Code
	}
	return out
}

// ResponseNote is an internal note of the policy team on a response.
type ResponseNote struct {
	ID         int64
	ResponseID int64
	Body       string
	AuthorID   *int64
	CreatedAt  time.Time
}

// TableName names the notes table.
func (ResponseNote) TableName() string { return "response_notes" }

// NoteView is a note with its author's name.
type NoteView struct {
	ResponseNote
	AuthorName string
}

// ResponseListQuery selects a page of a consultation's submitted responses.
// Pages are keyset pages by response id: After gives the page after an id,
// Before the page before one; neither gives the first page.
type ResponseListQuery struct {
	ConsultationID int64
	ProposalRef    string // "" for every proposal
	Filter         Filter
	After          int64
	Before         int64
	Limit          int
}

// ResponseRow is one line of the responses list.
type ResponseRow struct {
	ID               int64
	ProposalRef      string
	ProposalTitle    string
	OrganisationCode string
	OrganisationName string
	Stance           Stance
	Autonomy         int
	Consent          Consent
	SubmittedAt      *time.Time
	MemberConcerns   []string
	AnalystConcerns  []string
	QuoteCount       int
	NoteCount        int
}

// ResponseList is one page of the responses list.
type ResponseList struct {
	Rows    []ResponseRow
	Total   int // every response the query selects, on all pages
	HasPrev bool
	HasNext bool
}
