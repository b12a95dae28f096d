package responsecsv

import (
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// TestNeutraliseCell: an export guards every cell a spreadsheet would run as
// a formula, and an import gives back exactly what was stored.
func TestNeutraliseCell(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1":                 "'+1",
		"-2+3":               "'-2+3",
		"@SUM(1)":            "'@SUM(1)",
		"\tTabbed":           "'\tTabbed",
		"\rReturn":           "'\rReturn",
		"'=already guarded":  "''=already guarded",
		"'Tis fine":          "'Tis fine",
		"Plain text":         "Plain text",
		"":                   "",
	} {
		if got := models.NeutraliseCell(in); got != want {
			t.Errorf("NeutraliseCell(%q) = %q, want %q", in, got, want)
		}
		if back := restoreCell(want); back != in {
			t.Errorf("restoreCell(%q) = %q, want %q", want, back, in)
		}
	}
}
