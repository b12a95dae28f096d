package document

import (
	"strings"
	"testing"
)

func TestMarkdownNestingCountsTheMarkersALineStartsWith(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"Plain words.", 0},
		{"> quoted", 1},
		{">>> three deep", 3},
		{"> - 1. a list in a quote", 3},
		{"  - indented item\n    - and its child", 1},
		{"-not a list\n1.5 million is a number", 0},
		{"2) item", 1},
		{"1234567890. ten digits are too many for a list", 0},
		{"first\n" + strings.Repeat("> ", 40) + "deep\nlast", 40},
		{strings.Repeat(">", 20_000) + " x", 20_000},
		{strings.Repeat("- ", 500), 500},
	} {
		if got := Nesting(tc.text); got != tc.want {
			t.Errorf("Nesting(%.30q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}
