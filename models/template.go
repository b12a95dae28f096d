package models

import (
	"errors"
	"fmt"
	"strings"
)

// The template a collective response can start from: per proposal, the
// position its figures suggest and a statement of those figures as tokens,
// which the policy team edits rather than types (docs/design.md).

// Where a suggestion's position changes, as net support (supporting less
// opposing members) in percent of the responses, and the share of
// responses suggesting amendments that makes a divided proposal one to
// support with amendments.
const (
	SuggestSupportFrom      = 20  // net support of at least +20 % suggests support
	SuggestOpposeFrom       = -20 // net support of at most −20 % suggests oppose
	SuggestAmendmentsShare  = 33  // between them, at least 33 % suggesting amendments: support with amendments
	SuggestedSectionMessage = "Suggested from the figures — edit before review"
)

// ErrTemplateNotDraft refuses to fill sections of a collective response
// that is in review or approved: the template starts a draft.
var ErrTemplateNotDraft = errors.New("only a draft collective response can be filled from the template")

// SuggestPosition is the position a proposal's figures suggest: support or
// oppose when net support is clearly one way, otherwise support with
// amendments when many responses suggest amendments, and no position when
// members are divided without them, or nobody has answered.
func SuggestPosition(responses, netSupport, withAmendments int) string {
	switch {
	case responses <= 0:
		return "no_position"
	case netSupport*100 >= SuggestSupportFrom*responses:
		return "support"
	case netSupport*100 <= SuggestOpposeFrom*responses:
		return "oppose"
	case withAmendments*100 >= SuggestAmendmentsShare*responses:
		return "support_with_amendments"
	}
	return "no_position"
}

// SuggestedSection is the template's section for one proposal, from its
// summary and how many of its responses suggest amendments. The statement
// names its figures as {{REF.name}} tokens, so they stay live until
// approval and stay right if the text is moved to another section.
func SuggestedSection(proposalID int64, ref string, sum Summary, withAmendments int) SectionEdit {
	position := SuggestPosition(sum.Responses, sum.NetSupport(), withAmendments)
	tok := func(name string) string { return "{{" + ref + "." + name + "}}" }
	if sum.Responses == 0 {
		return SectionEdit{ProposalID: proposalID, Position: position, Statement: fmt.Sprintf(
			"No member has answered yet (%s of %s member organisations), so the body takes no position for now.", tok("responses"), tok("members"))}
	}
	var b strings.Builder
	b.WriteString(positionOpenings[position])
	fmt.Fprintf(&b, "\n\n%s of %s member organisations responded (%s). %s support the proposal (%s), %s oppose it (%s) and %s are neutral: net support is %s.",
		tok("responses"), tok("members"), tok("response_rate"), tok("supporting"), tok("supporting_pct"),
		tok("opposing"), tok("opposing_pct"), tok("neutral"), tok("net_support"))
	if sum.AutonomyMean != nil {
		fmt.Fprintf(&b, " On average members expect it to move local autonomy by %s (from −2, power to the centre, to +2, more local autonomy).", tok("autonomy_mean"))
	}
	if top, ok := topConcern(sum.Concerns); ok {
		fmt.Fprintf(&b, " The concern raised most often is “%s”, by %s members.", top.Label, tok("concern:"+top.Code))
	}
	return SectionEdit{ProposalID: proposalID, Position: position, Statement: b.String()}
}

// positionOpenings open a suggested statement with the position in words.
var positionOpenings = map[string]string{
	"support":                 "The body supports this proposal.",
	"support_with_amendments": "The body supports this proposal, with amendments.",
	"oppose":                  "The body opposes this proposal.",
	"no_position":             "Members are divided on this proposal, and the body takes no position on it.",
}

// topConcern is the concern most members raised, if any raised one.
func topConcern(cs []ConcernTally) (ConcernTally, bool) {
	var top ConcernTally
	for _, c := range cs {
		if c.Count > top.Count && c.Label != "" {
			top = c
		}
	}
	return top, top.Count > 0
}

// TemplateFill fills, as one new version, the sections of a collective
// response's proposals that have none yet, each marked as a suggestion.
type TemplateFill struct {
	ConsultationID int64
	UserID         int64
	Sections       []SectionEdit // one per proposal; proposals with a section already are left alone
}
