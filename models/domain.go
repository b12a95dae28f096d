package models

import (
	"time"
)

// Role is what a user may do.
type Role string

const (
	RoleMember Role = "member"
	RolePolicy Role = "policy"
	RoleAdmin  Role = "admin"
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleMember, RolePolicy, RoleAdmin}

// Stance codes, from strongest support to strongest opposition; these strings
// are part of the CSV and JSON contracts.
const (
	StronglySupport = "strongly_support"
	Support         = "support"
	Neutral         = "neutral"
	Oppose          = "oppose"
	StronglyOppose  = "strongly_oppose"
)

// Stances lists the five stance codes in scale order.
var Stances = []string{StronglySupport, Support, Neutral, Oppose, StronglyOppose}

// StanceLabels says each stance in words.
var StanceLabels = map[string]string{
	StronglySupport: "Strongly support",
	Support:         "Support",
	Neutral:         "Neutral",
	Oppose:          "Oppose",
	StronglyOppose:  "Strongly oppose",
}

// Consent levels for quoting a member's words.
const (
	ConsentAttributed = "attributed"
	ConsentAnonymised = "anonymised"
	ConsentPrivate    = "private"
)

// Consents lists the consent codes, most open first.
var Consents = []string{ConsentAttributed, ConsentAnonymised, ConsentPrivate}

// ConsentLabels explains each consent level to the member choosing it.
var ConsentLabels = map[string]string{
	ConsentAttributed: "Quote us by name",
	ConsentAnonymised: "Quote us without our name (described by trust type and region)",
	ConsentPrivate:    "Do not quote us (for the policy team only)",
}

// Autonomy impact runs from -2 (power moves to the centre) to +2 (local
// autonomy is strengthened).
const (
	AutonomyMin = -2
	AutonomyMax = 2
)

// AutonomyScale is the scale in order, for forms and charts.
var AutonomyScale = []int{-2, -1, 0, 1, 2}

// AutonomyLabels says each point of the autonomy scale in words.
var AutonomyLabels = map[int]string{
	-2: "Shifts power strongly to the centre",
	-1: "Shifts some power to the centre",
	0:  "No change to the balance",
	1:  "Strengthens local autonomy somewhat",
	2:  "Strengthens local autonomy strongly",
}

// Response statuses.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
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

// Power directions: the policy team's assessment of a proposal.
var PowerDirections = []string{"centralising", "devolving", "mixed", "neutral"}

// Consultation statuses.
var ConsultationStatuses = []string{"draft", "open", "closed"}

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
	Status         string
	PublishedAt    time.Time
	ClosesAt       time.Time
	MemberDeadline time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OpenForMembers says whether members may still change their responses.
func (c Consultation) OpenForMembers(now time.Time) bool {
	return c.Status == "open" && now.Before(c.MemberDeadline)
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
	PowerDirection string
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
	Stance         string
	Autonomy       *int
	Comment        string
	Amendments     string
	Consent        string
	Status         string
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
	Status     string
	Stance     string
	Autonomy   *int
	Concerns   string
	Comment    string
	Amendments string
	Consent    string
	SavedBy    *int64
	SavedAt    time.Time
}
