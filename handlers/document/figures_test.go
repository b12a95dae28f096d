package document

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

func TestNegativeFiguresArePrintedWithATrueMinusSign(t *testing.T) {
	for in, want := range map[string]string{"-3": "−3", "-0.4": "−0.4", "+2": "+2", "0": "0", "n/a": "n/a", "-": "-", "-x": "-x", "35%": "35%"} {
		if got := Signed(in); got != want {
			t.Errorf("Signed(%q) = %q, want %q", in, got, want)
		}
	}
	d := Document{Introduction: "Net {{LP-1.net_support}}.", Sections: []Section{{Proposal: models.Proposal{Ref: "LP-1"},
		Source: "Mean {{autonomy_mean}}."}}}
	d.Fill(map[string]map[string]string{"LP-1": {"net_support": "-5", "autonomy_mean": "-1.2", "responses": "3", "members": "4"}})
	d.AddFigures(nil)
	if d.IntroductionText != "Net −5." || d.Sections[0].Statement != "Mean −1.2." {
		t.Errorf("filled: %q, %q", d.IntroductionText, d.Sections[0].Statement)
	}
	for _, r := range d.Sections[0].FigureRows {
		if r.Label == "Net support" && r.Value != "−5" {
			t.Errorf("the figures table says net support %q", r.Value)
		}
	}
}

func TestTheStanceChartIsAPNGWithARowPerStance(t *testing.T) {
	ch := chart.Stances("s", "Stances", models.StanceCounts{Support: 3, Oppose: 1})
	b, err := chart.PNG(ch)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	w, h := chart.PNGSize(ch)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h || len(ch.Bars) != len(models.Stances) {
		t.Errorf("chart is %v, want %d × %d with %d bars", img.Bounds(), w, h, len(models.Stances))
	}
	if got := chart.Describe(ch); got != "Stances. Strongly support: 0 (0%); Support: 3 (75%); Neutral: 0 (0%); Oppose: 1 (25%); Strongly oppose: 0 (0%)." {
		t.Errorf("described as %q", got)
	}
}
