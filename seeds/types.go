package seeds

import (
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// ConsultationSeed is one consultation of the reference data. Its dates are
// offsets from the first time the seed runs, so the member window is open on a
// fresh install; Background says when the real document was published.
type ConsultationSeed struct {
	Key        string // stable natural key, e.g. "lp-2019"
	Title      string
	Issuer     string
	Background string // one or two sentences, in our own words, on where the document came from
	// Offsets from the first seeding time.
	PublishedAgo     time.Duration // published this long before the first start
	MemberDeadlineIn time.Duration // the body's member deadline, this long after the first start
	ClosesIn         time.Duration // the issuer's closing date, this long after the first start
	Proposals        []ProposalSeed
}

// ProposalSeed is one proposal of a consultation. Every text is written in the
// product's own words.
type ProposalSeed struct {
	Ref            string // e.g. "LP-12"; case-sensitive and unique across consultations
	Group          string // the consultation's own section heading, e.g. "Managing the NHS's resources better"
	Title          string
	Summary        string                // two to four sentences: what the proposal is
	Change         string                // one to three sentences: what it would change in law or practice
	PowerDirection models.PowerDirection // centralising, devolving, mixed, neutral
}

// ConcernSeed is one code of the concern codebook.
type ConcernSeed struct {
	Code        string // lower-case slug, e.g. "new_central_powers"
	Label       string
	Description string
	Side        string // central, local, delivery
}

// OrganisationSeed is one fictional demo member organisation.
type OrganisationSeed struct {
	Code         string // short upper-case code, e.g. "RXA"
	Name         string
	Type         string // acute, mental_health, community, ambulance, specialist, combined
	Region       string // one of the seven regions, as in Regions
	System       string // STP/ICS footprint name
	SystemStatus string // ics, stp
	ContactName  string
	ContactEmail string
}

// StanceMix weighs how likely each stance is for one proposal in the demo
// data, in the order strongly_support, support, neutral, oppose, strongly_oppose.
type StanceMix [5]int

// DemoAnswer is one answer a member might give: the demo generator picks
// answers whose Stance matches the stance it drew for an organisation.
type DemoAnswer struct {
	Stance     models.Stance // one of the five stance codes
	Autonomy   int           // -2 … 2
	Concerns   []string      // concern codes
	Comment    string        // as a trust's director of strategy would write it
	Amendments string        // may be empty
	// Types and SystemStatus, when set, say which members the answer suits;
	// the generator prefers a matching answer and never uses one that
	// contradicts the organisation (an ICS answer for an STP member).
	Types        []string
	SystemStatus string // "ics", "stp" or empty
}

// DemoProposal holds the demo response pattern for one proposal.
type DemoProposal struct {
	Ref     string
	Mix     StanceMix
	Answers []DemoAnswer // at least one per stance with a non-zero weight
}
