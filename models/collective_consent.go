package models

import (
	"errors"
)

// Why a frozen quote may no longer be published as it was frozen.
const (
	WithdrawnDoNotQuote = "do_not_quote" // the member now asks not to be quoted: left out
	WithdrawnName       = "name"         // the member now asks not to be named: attributed anonymously
	WithdrawnAmendments = "amendments"   // the quote is from the amendments, and the member now allows their comment only: left out
	WithdrawnUnknown    = "unknown"      // the quote's response is gone, so consent cannot be checked: left out
)

// ErrQuoteNotWithdrawn refuses to take a quote out of an approved response
// when its member has not withdrawn consent: anything else needs reopening.
var ErrQuoteNotWithdrawn = errors.New("the member has not withdrawn consent for this quote")

// WithdrawnQuote is a quote frozen in an approved collective response whose
// member has since withdrawn the consent it was frozen with.
type WithdrawnQuote struct {
	Ref    string      // the section's proposal
	Quote  FrozenQuote // as frozen
	Reason string      // one of the Withdrawn* reasons
	Shown  string      // the attribution shown now, for WithdrawnName
}
