package models

import (
	"time"
)

// Organisation types.
var OrganisationTypes = []string{"acute", "mental_health", "community", "ambulance", "specialist", "combined"}

// OrganisationTypeLabels names each organisation type in words.
var OrganisationTypeLabels = map[string]string{
	"acute":         "Acute",
	"mental_health": "Mental health",
	"community":     "Community",
	"ambulance":     "Ambulance",
	"specialist":    "Specialist",
	"combined":      "Combined",
}

// Regions are the seven NHS regions.
var Regions = []string{"London", "South East", "South West", "North West", "North East and Yorkshire", "Midlands", "East of England"}

// System statuses: whether an organisation's STP footprint is an ICS yet.
var SystemStatuses = []string{"ics", "stp"}

// SystemStatusLabels names each system status in words.
var SystemStatusLabels = map[string]string{"ics": "ICS", "stp": "STP (not yet an ICS)"}

// Concern sides, in the order the summary shows them.
var ConcernSides = []string{"central", "local", "delivery"}

// ConcernSideLabels names each side of the codebook.
var ConcernSideLabels = map[string]string{
	"central":  "Central powers",
	"local":    "Local autonomy",
	"delivery": "Delivery",
}

// Text limits, in characters, shared by forms, imports and the API.
const (
	MaxCommentChars    = 5000
	MaxAmendmentsChars = 5000
)

// MaxConcernCodes is the most concern codes one response, or the policy
// team's coding of one, may name: several times the codebook, so that a
// person never meets it, while a list of thousands is refused before any
// work is done on it.
const MaxConcernCodes = 100

// Consultation is a document that asks for views.
type Consultation struct {
	ID             int64
	Slug           string
	Title          string
	Issuer         string
	Background     string
	Status         ConsultationStatus
	PublishedAt    time.Time
	ClosesAt       time.Time
	MemberDeadline time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OpenForMembers says whether members may still change their responses.
// VisibleTo says whether u may see the consultation at all: members never
// see a draft, which is still being prepared.
func (c Consultation) VisibleTo(u User) bool {
	return c.Status != ConsultationDraft || u.Role.SeesDrafts()
}

func (c Consultation) OpenForMembers(now time.Time) bool {
	return c.Status == ConsultationOpen && now.Before(c.MemberDeadline)
}

// Proposal is one item of a consultation.
type Proposal struct {
	ID             int64
	ConsultationID int64
	Ref            string
	GroupTitle     string
	Position       int
	Title          string
	Summary        string
	Change         string
	PowerDirection PowerDirection
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Organisation is a member of the body.
type Organisation struct {
	ID           int64
	Code         string
	Name         string
	Type         string
	Region       string
	System       string
	SystemStatus string
	ContactName  string
	ContactEmail string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// User is someone who signs in.
type User struct {
	ID             int64
	Email          string
	Name           string
	Role           Role
	OrganisationID *int64
	PasswordHash   string `json:"-"`
	DisabledAt     *time.Time
	TOTPEnabledAt  *time.Time `gorm:"column:totp_enabled_at;->"` // read-only here; set by EnableTOTP
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OrgID is the member's organisation, or 0 for policy and admin users.
func (u User) OrgID() int64 {
	if u.OrganisationID == nil {
		return 0
	}
	return *u.OrganisationID
}

// Concern is one code of the concern codebook.
type Concern struct {
	ID          int64
	Code        string
	Label       string
	Description string
	Side        string
	Position    int
	CreatedAt   time.Time
}

// Response is one organisation's answer to one proposal.
type Response struct {
	ID             int64
	OrganisationID int64
	ProposalID     int64
	Stance         Stance
	Autonomy       *int
	Comment        string
	Amendments     string
	Consent        Consent
	QuoteScope     QuoteScope // "" is read as QuoteCommentAndAmendments
	Status         ResponseStatus
	Version        int
	UpdatedBy      *int64
	SubmittedBy    *int64
	SubmittedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ResponseRevision is one save of a response, as it was saved.
type ResponseRevision struct {
	ID         int64
	ResponseID int64
	Version    int
	Kind       string
	Status     ResponseStatus
	Stance     Stance
	Autonomy   *int
	Concerns   string
	Comment    string
	Amendments string
	Consent    Consent
	QuoteScope QuoteScope
	SavedBy    *int64
	SavedAt    time.Time
}
