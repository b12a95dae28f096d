// Package responsecsv is the response CSV contract (docs/design.md): its
// columns, the checks an imported file passes with the messages that say
// what is wrong and where, and how an export writes each response. It
// reads and writes files only; package storage loads the codes a file is
// checked against and stores its rows.
package responsecsv

import "slices"

// Columns are the columns of the response CSV contract, in order; an import
// file has exactly these, or ExportColumns.
var Columns = []string{"organisation_code", "proposal_ref", "stance", "autonomy", "concerns",
	"comment", "amendments", "consent"}

// ExportColumns are the export's columns: the contract's, then what the
// body knows about each response and its organisation.
var ExportColumns = append(slices.Clone(Columns),
	"status", "submitted_at", "organisation_name", "organisation_type", "region", "system", "system_status")
