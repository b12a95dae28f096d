package models

import (
	"fmt"
	"slices"
	"strings"
)

// Filter narrows a summary to one member segment; empty fields do not filter.
type Filter struct {
	Type         string
	Region       string
	SystemStatus string
}

// FilterError names a filter value that is not one of the known segments.
type FilterError struct{ Field, Value string }

func (e FilterError) Error() string {
	return fmt.Sprintf("%s %q is not one of the known values", e.Field, e.Value)
}

// Validate refuses values outside the known segments, so that a typo does not
// silently show an empty summary.
func (f Filter) Validate() error {
	switch {
	case f.Type != "" && !slices.Contains(OrganisationTypes, f.Type):
		return FilterError{"type", f.Type}
	case f.Region != "" && !slices.Contains(Regions, f.Region):
		return FilterError{"region", f.Region}
	case f.SystemStatus != "" && !slices.Contains(SystemStatuses, f.SystemStatus):
		return FilterError{"system_status", f.SystemStatus}
	}
	return nil
}

// IsZero says whether the filter selects every organisation.
func (f Filter) IsZero() bool { return f == Filter{} }

// StanceCounts counts submitted responses per stance.
type StanceCounts struct {
	StronglySupport int `json:"strongly_support"`
	Support         int `json:"support"`
	Neutral         int `json:"neutral"`
	Oppose          int `json:"oppose"`
	StronglyOppose  int `json:"strongly_oppose"`
}

// Add counts n more responses with the stance.
func (c *StanceCounts) Add(stance Stance, n int) {
	switch stance {
	case StronglySupport:
		c.StronglySupport += n
	case Support:
		c.Support += n
	case Neutral:
		c.Neutral += n
	case Oppose:
		c.Oppose += n
	case StronglyOppose:
		c.StronglyOppose += n
	}
}

// Get returns the count for a stance code.
func (c StanceCounts) Get(stance Stance) int {
	switch stance {
	case StronglySupport:
		return c.StronglySupport
	case Support:
		return c.Support
	case Neutral:
		return c.Neutral
	case Oppose:
		return c.Oppose
	case StronglyOppose:
		return c.StronglyOppose
	}
	return 0
}

// Total is the number of responses counted.
func (c StanceCounts) Total() int {
	return c.StronglySupport + c.Support + c.Neutral + c.Oppose + c.StronglyOppose
}

// Net is support plus strong support minus opposition and strong opposition.
func (c StanceCounts) Net() int {
	return c.StronglySupport + c.Support - c.Oppose - c.StronglyOppose
}

// SegmentStances is the stance counts of one member segment.
type SegmentStances struct {
	Segment string
	Members int
	Stances StanceCounts
}

// ConcernTally is how many submitted responses raised one concern.
type ConcernTally struct {
	Code  string
	Label string
	Side  string
	Count int
}

// Quote is a comment a member agreed to have quoted.
type Quote struct {
	Attribution string // the organisation's name, or "A mental health trust in the Midlands"
	Attributed  bool
	Stance      Stance
	Comment     string
}

// NonResponder is a member organisation with no submitted response.
type NonResponder struct {
	Code     string
	Name     string
	Type     string
	Region   string
	HasDraft bool
}

// Summary is everything the policy team sees about one proposal, counted
// from submitted responses of the organisations the filter selects.
type Summary struct {
	Proposal       Proposal
	Consultation   Consultation
	Filter         Filter
	Members        int
	Responses      int
	Stances        StanceCounts
	AutonomyMean   *float64
	AutonomyCounts map[int]int // -2 … 2, every key present
	Concerns       []ConcernTally
	ByType         []SegmentStances
	ByRegion       []SegmentStances
	BySystemStatus []SegmentStances
	Quotes         []Quote        // the first SummaryQuoteLimit, oldest first
	QuotesTotal    int            // every quotable response in the selection
	NonResponders  []NonResponder // the first SummaryNonResponderLimit, by name
	// NonRespondersTotal counts every organisation of the selection that has
	// not submitted; the full list is the consultation's non-responders page.
	NonRespondersTotal int
}

// The summary's lists of quotes and non-responders are bounded: at a
// national consultation's size they could run to tens of thousands. Quotes
// are whole comments, so fewer of them; the rest are found through search
// and the responses list, non-responders on the consultation's
// non-responders page.
const (
	SummaryQuoteLimit        = 50
	SummaryNonResponderLimit = 200
)

// ResponseRate is responses over members, 0 when there are no members.
func (s Summary) ResponseRate() float64 {
	if s.Members == 0 {
		return 0
	}
	return float64(s.Responses) / float64(s.Members)
}

// NetSupport is support minus opposition.
func (s Summary) NetSupport() int { return s.Stances.Net() }

// MinDescribedGroup is the fewest member organisations an anonymised quote
// may describe: a description that fits one or two members names them.
const MinDescribedGroup = 3

// MemberCount says how many member organisations are of a type and in a
// region; "" for either means any.
type MemberCount func(orgType, region string) int

// AnonymousAttribution describes an organisation without naming it: by
// type and region when at least MinDescribedGroup members share both, else
// by type alone, else by region alone, else only as a member trust. broader
// says the description is wider than type and region, for the policy team
// to be told when it picks the quote.
func AnonymousAttribution(orgType, region string, members MemberCount) (text string, broader bool) {
	typ := strings.ToLower(OrganisationTypeLabels[orgType])
	switch {
	case typ != "" && members(orgType, region) >= MinDescribedGroup:
		return fmt.Sprintf("%s %s trust in %s", article(typ), typ, regionPhrase(region)), false
	case typ != "" && members(orgType, "") >= MinDescribedGroup:
		return fmt.Sprintf("%s %s trust", article(typ), typ), true
	case region != "" && members("", region) >= MinDescribedGroup:
		return "A trust in " + regionPhrase(region), true
	}
	return "A member trust", true
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}

func regionPhrase(region string) string {
	switch region {
	case "":
		return "England"
	case "London":
		return "London"
	}
	return "the " + region
}

// OverviewRow is one proposal's line in the consultation overview.
type OverviewRow struct {
	Proposal     Proposal
	Responses    int
	Stances      StanceCounts
	AutonomyMean *float64
	TopConcern   *ConcernTally
}

// NetSupport is support minus opposition.
func (r OverviewRow) NetSupport() int { return r.Stances.Net() }

// Overview is the consultation at a glance: one row per proposal.
type Overview struct {
	Consultation Consultation
	Filter       Filter
	Members      int
	Rows         []OverviewRow
}

// ResponseRate is a row's responses over the overview's members.
func (o Overview) ResponseRate(r OverviewRow) float64 {
	if o.Members == 0 {
		return 0
	}
	return float64(r.Responses) / float64(o.Members)
}

// Tally sources for concern counts: what members chose, what the policy
// team coded, or either.
const (
	TallyMember  = "member"
	TallyAnalyst = "analyst"
	TallyBoth    = "both"
)

// TallyModes lists the sources in the order the summary page offers them.
var TallyModes = []string{TallyMember, TallyAnalyst, TallyBoth}
