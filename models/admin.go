package models

import (
	"fmt"
	"time"
)

// DuplicateError says a unique field already holds the value; it unwraps to
// ErrDuplicate so callers may test either.
type DuplicateError struct{ Field string }

func (e DuplicateError) Error() string { return e.Field + " " + ErrDuplicate.Error() }

func (e DuplicateError) Unwrap() error { return ErrDuplicate }

// ConsultationInput is a consultation as an admin sets it.
type ConsultationInput struct {
	Slug           string
	Title          string
	Issuer         string
	Background     string
	Status         ConsultationStatus
	PublishedAt    time.Time
	ClosesAt       time.Time
	MemberDeadline time.Time
}

// ConsultationRow is a consultation with its number of proposals.
type ConsultationRow struct {
	Consultation
	Proposals int
}

// ProposalInput is a proposal as an admin sets it. Position is 1-based
// within the consultation; 0 puts a new proposal last and leaves an existing
// one where it is.
type ProposalInput struct {
	Ref            string
	GroupTitle     string
	Title          string
	Summary        string
	Change         string
	PowerDirection PowerDirection
	Position       int
}

// ConcernInput is a concern code as an admin sets it. Position is 1-based
// within its side; 0 puts a new code last and leaves an existing one in place.
type ConcernInput struct {
	Code        string
	Label       string
	Description string
	Side        string
	Position    int
}

// ConcernRow is a code with how often it is used: chosen by members in their
// responses, and added by the policy team when coding them.
type ConcernRow struct {
	Concern
	MemberUses int
	CodedUses  int
}

// InUse says whether any response refers to the code, which then must not change.
func (c ConcernRow) InUse() bool { return c.MemberUses+c.CodedUses > 0 }

// ConcernInUseError refuses to change a code that responses already use.
type ConcernInUseError struct {
	Code string
	Uses int
}

func (e ConcernInUseError) Error() string {
	return fmt.Sprintf("concern code %s is used %d times and cannot change", e.Code, e.Uses)
}

// OrganisationInput is a member organisation as an admin sets it.
type OrganisationInput struct {
	Code         string
	Name         string
	Type         string
	Region       string
	System       string
	SystemStatus string
	ContactName  string
	ContactEmail string
}

// OutstandingProposal is a proposal an organisation has not submitted; Draft
// says it has a draft saved.
type OutstandingProposal struct {
	Ref   string
	Draft bool
}

// OutstandingOrganisation is an organisation with proposals still to submit.
type OutstandingOrganisation struct {
	Code         string
	Name         string
	Type         string
	Region       string
	SystemStatus string
	ContactName  string
	ContactEmail string
	Missing      []OutstandingProposal
}

// Drafts counts the outstanding proposals that have a draft.
func (o OutstandingOrganisation) Drafts() int {
	n := 0
	for _, m := range o.Missing {
		if m.Draft {
			n++
		}
	}
	return n
}

// NonResponseReport says, for one consultation and member segment, which
// organisations have not submitted which proposals.
type NonResponseReport struct {
	Consultation  Consultation
	Filter        Filter
	Organisations int // in the segment
	Proposals     int
	Outstanding   []OutstandingOrganisation // by name
}

// Complete counts the organisations that have submitted every proposal.
func (r NonResponseReport) Complete() int { return r.Organisations - len(r.Outstanding) }
