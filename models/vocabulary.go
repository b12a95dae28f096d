package models

import (
	"slices"
	"strings"
)

// The words the tracker describes responses, consultations and people in.
// Each is a named type listing its valid values, in the order forms show
// them, with each value's label in words, so that a handler compares
// models.Submitted rather than "submitted" and cannot misspell a value.
// The values are part of the CSV and JSON contracts: never rename one.

// Role is what a user may do.
type Role string

const (
	RoleMember Role = "member"
	RolePolicy Role = "policy"
	RoleAdmin  Role = "admin"
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleMember, RolePolicy, RoleAdmin}

// Valid says whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label says the role in words.
func (r Role) Label() string {
	return map[Role]string{RoleMember: "Member", RolePolicy: "Policy team", RoleAdmin: "Admin"}[r]
}

// SeesDrafts says whether the role works on consultations before members
// may see them: members never see a draft consultation.
func (r Role) SeesDrafts() bool { return r != RoleMember }

// Stance is where an organisation stands on a proposal.
type Stance string

// Stance codes, from strongest support to strongest opposition.
const (
	StronglySupport Stance = "strongly_support"
	Support         Stance = "support"
	Neutral         Stance = "neutral"
	Oppose          Stance = "oppose"
	StronglyOppose  Stance = "strongly_oppose"
)

// Stances lists the five stance codes in scale order.
var Stances = []Stance{StronglySupport, Support, Neutral, Oppose, StronglyOppose}

// StanceLabels says each stance in words.
var StanceLabels = map[Stance]string{
	StronglySupport: "Strongly support",
	Support:         "Support",
	Neutral:         "Neutral",
	Oppose:          "Oppose",
	StronglyOppose:  "Strongly oppose",
}

// Valid says whether s is one of Stances.
func (s Stance) Valid() bool { return slices.Contains(Stances, s) }

// Label says the stance in words ("" for no stance).
func (s Stance) Label() string { return StanceLabels[s] }

// Consent is what a member allows the policy team to do with their words.
type Consent string

// Consent levels for quoting a member's words.
const (
	ConsentAttributed Consent = "attributed"
	ConsentAnonymised Consent = "anonymised"
	ConsentPrivate    Consent = "private"
)

// Consents lists the consent codes, most open first.
var Consents = []Consent{ConsentAttributed, ConsentAnonymised, ConsentPrivate}

// ConsentLabels explains each consent level to the member choosing it.
var ConsentLabels = map[Consent]string{
	ConsentAttributed: "Quote us by name",
	ConsentAnonymised: "Quote us without our name (described by trust type and region, or more broadly where fewer than 3 members share them)",
	ConsentPrivate:    "Do not quote us (for the policy team only)",
}

// Valid says whether c is one of Consents.
func (c Consent) Valid() bool { return slices.Contains(Consents, c) }

// Label explains the consent level in words.
func (c Consent) Label() string { return ConsentLabels[c] }

// Quotable says whether the member's words may appear in the collective
// response at all.
func (c Consent) Quotable() bool { return c == ConsentAttributed || c == ConsentAnonymised }

// NarrowedBy says whether changing consent from c to now withdraws some of
// what c allowed: quoting at all, or quoting by name.
func (c Consent) NarrowedBy(now Consent) bool {
	switch c {
	case ConsentAttributed:
		return now != ConsentAttributed
	case ConsentAnonymised:
		return !now.Quotable()
	}
	return false
}

// QuoteScope is which of a member's words the policy team may quote, when
// their consent allows quoting at all.
type QuoteScope string

// Quote scopes. A response, file or API call that does not say means
// QuoteCommentAndAmendments, as before members were asked.
const (
	QuoteCommentAndAmendments QuoteScope = "comment_and_amendments"
	QuoteCommentOnly          QuoteScope = "comment_only"
)

// QuoteScopes lists the quote scopes, widest first.
var QuoteScopes = []QuoteScope{QuoteCommentAndAmendments, QuoteCommentOnly}

// QuoteScopeLabels explains each scope to the member choosing it.
var QuoteScopeLabels = map[QuoteScope]string{
	QuoteCommentAndAmendments: "Our comment and our suggested amendments",
	QuoteCommentOnly:          "Our comment only (our suggested amendments are never quoted)",
}

// Valid says whether q is one of QuoteScopes.
func (q QuoteScope) Valid() bool { return slices.Contains(QuoteScopes, q) }

// Label explains the scope in words.
func (q QuoteScope) Label() string { return QuoteScopeLabels[q.OrDefault()] }

// OrDefault is q, or QuoteCommentAndAmendments when q is not given.
func (q QuoteScope) OrDefault() QuoteScope {
	if q == "" {
		return QuoteCommentAndAmendments
	}
	return q
}

// Covers says whether excerpt is a passage this scope lets the policy team
// quote: copied exactly from the comment, or, unless the member allows their
// comment only, from the amendments. Both texts are read with plain line
// endings; excerpt is already normalised (NormaliseExcerpt).
func (q QuoteScope) Covers(excerpt, comment, amendments string) bool {
	if excerpt == "" {
		return false
	}
	if strings.Contains(NormaliseNewlines(comment), excerpt) {
		return true
	}
	return q.OrDefault() != QuoteCommentOnly && strings.Contains(NormaliseNewlines(amendments), excerpt)
}

// NarrowedBy says whether changing the scope from q to now withdraws some
// of what q allowed: quoting the amendments.
func (q QuoteScope) NarrowedBy(now QuoteScope) bool {
	return q.OrDefault() == QuoteCommentAndAmendments && now.OrDefault() == QuoteCommentOnly
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

// ResponseStatus says whether an organisation's answer counts yet.
type ResponseStatus string

// Response statuses: a draft is the member's own; a submitted response
// counts in every tally.
const (
	StatusDraft     ResponseStatus = "draft"
	StatusSubmitted ResponseStatus = "submitted"
)

// Label says the response status in words.
func (s ResponseStatus) Label() string {
	return map[ResponseStatus]string{StatusDraft: "Draft", StatusSubmitted: "Submitted"}[s]
}

// ConsultationStatus is where a consultation is in its life.
type ConsultationStatus string

// Consultation statuses.
const (
	ConsultationDraft  ConsultationStatus = "draft"
	ConsultationOpen   ConsultationStatus = "open"
	ConsultationClosed ConsultationStatus = "closed"
)

// ConsultationStatuses lists the statuses in the order a consultation
// passes through them.
var ConsultationStatuses = []ConsultationStatus{ConsultationDraft, ConsultationOpen, ConsultationClosed}

// Valid says whether s is one of ConsultationStatuses.
func (s ConsultationStatus) Valid() bool { return slices.Contains(ConsultationStatuses, s) }

// Label says what the status means, for the admin choosing it.
func (s ConsultationStatus) Label() string {
	return map[ConsultationStatus]string{
		ConsultationDraft:  "Draft: being prepared; members do not see it",
		ConsultationOpen:   "Open: members can answer until the member deadline",
		ConsultationClosed: "Closed: members can read their answers but not change them",
	}[s]
}

// PowerDirection is the policy team's assessment of which way a proposal
// moves power.
type PowerDirection string

// Power directions.
const (
	Centralising PowerDirection = "centralising"
	Devolving    PowerDirection = "devolving"
	Mixed        PowerDirection = "mixed"
	PowerNeutral PowerDirection = "neutral"
)

// PowerDirections lists the directions in the order forms show them.
var PowerDirections = []PowerDirection{Centralising, Devolving, Mixed, PowerNeutral}

// Valid says whether d is one of PowerDirections.
func (d PowerDirection) Valid() bool { return slices.Contains(PowerDirections, d) }

// Label says what the direction means, for the policy team choosing it.
func (d PowerDirection) Label() string {
	return map[PowerDirection]string{
		Centralising: "Centralising: moves power to national bodies",
		Devolving:    "Devolving: moves power to local organisations or systems",
		Mixed:        "Mixed",
		PowerNeutral: "Neutral",
	}[d]
}

// CodeList is the codes of a vocabulary as a message lists them: "a, b, c".
func CodeList[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
