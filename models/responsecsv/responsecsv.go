// Package responsecsv is the response CSV contract (docs/design.md): its
// columns, the checks an imported file passes with the messages that say
// what is wrong and where, and how an export writes each response. It
// reads and writes files only; package storage loads the codes a file is
// checked against and stores its rows.
package responsecsv

import "slices"

// Columns are the columns of the response CSV contract, in order; an import
// file has exactly these, or one of the other Headers.
var Columns = []string{"organisation_code", "proposal_ref", "stance", "autonomy", "concerns",
	"comment", "amendments", "consent"}

// QuoteScopeColumn says what of a member's words may be quoted
// (models.QuoteScopes). It came after the contract, so it is optional and
// always last: a file without it, or a row that leaves it empty, means
// "comment_and_amendments", as every file meant before it.
const QuoteScopeColumn = "quote_scope"

// exportExtra is what the export adds after the contract's columns: what
// the body knows about each response and its organisation.
var exportExtra = []string{"status", "submitted_at", "organisation_name", "organisation_type", "region", "system", "system_status"}

// ExportColumns are the export's columns: the contract's, what the body
// knows about each response and its organisation, then the quote scope.
var ExportColumns = slices.Concat(Columns, exportExtra, []string{QuoteScopeColumn})

// Headers are the header rows an import accepts: the contract's columns,
// or an export's (from before the quote scope too), each with or without
// the quote scope at the end.
var Headers = [][]string{
	Columns,
	slices.Concat(Columns, []string{QuoteScopeColumn}),
	slices.Concat(Columns, exportExtra),
	ExportColumns,
}
