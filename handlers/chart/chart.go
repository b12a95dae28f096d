// Package chart lays out the summary page's charts, which the templates
// draw as SVG: bar charts, and stances stacked per member segment.
package chart

import (
	"fmt"

	"github.com/nhsproviders/consultation-tracker/models"
)

// BarChart is a horizontal bar chart drawn as SVG on the server; every bar
// has its label and number beside it in text, so the chart reads aloud and
// colour never carries the meaning alone.
type BarChart struct {
	ID      string
	Caption string
	Total   int // what shares are of; 0 hides shares
	Bars    []Bar
}

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Count int
	Width float64 // 0–100, relative to the largest bar
	Class string  // colour class, e.g. "stance-support"
}

func newBarChart(id, caption string, total int, labels []string, counts []int, classes []string) BarChart {
	max := 0
	for _, n := range counts {
		if n > max {
			max = n
		}
	}
	ch := BarChart{ID: id, Caption: caption, Total: total}
	for i, l := range labels {
		b := Bar{Label: l, Count: counts[i]}
		if max > 0 {
			b.Width = float64(counts[i]) * 100 / float64(max)
		}
		if i < len(classes) {
			b.Class = classes[i]
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// Stances charts the stances of responding members.
func Stances(id, caption string, sc models.StanceCounts) BarChart {
	labels := make([]string, len(models.Stances))
	counts := make([]int, len(models.Stances))
	classes := make([]string, len(models.Stances))
	for i, s := range models.Stances {
		labels[i] = models.StanceLabels[s]
		counts[i] = sc.Get(s)
		classes[i] = "stance-" + string(s)
	}
	return newBarChart(id, caption, sc.Total(), labels, counts, classes)
}

// Autonomy charts how members rate a proposal's effect on local autonomy.
func Autonomy(counts map[int]int, total int) BarChart {
	var labels []string
	var ns []int
	var classes []string
	for _, v := range models.AutonomyScale {
		labels = append(labels, Signed(v)+" "+models.AutonomyLabels[v])
		ns = append(ns, counts[v])
		classes = append(classes, "autonomy-"+map[bool]string{true: "central", false: "local"}[v < 0])
		if v == 0 {
			classes[len(classes)-1] = "autonomy-none"
		}
	}
	return newBarChart("autonomy", "How members rate the effect on local autonomy", total, labels, ns, classes)
}

// Concerns charts the concerns raised, one chart per side of the codebook
// that has any.
func Concerns(tallies []models.ConcernTally, responses int) []BarChart {
	var out []BarChart
	for _, side := range models.ConcernSides {
		var labels []string
		var ns []int
		var classes []string
		for _, t := range tallies {
			if t.Side == side {
				labels = append(labels, t.Label)
				ns = append(ns, t.Count)
				classes = append(classes, "side-"+side)
			}
		}
		if len(labels) > 0 {
			out = append(out, newBarChart("concerns-"+side, models.ConcernSideLabels[side], responses, labels, ns, classes))
		}
	}
	return out
}

// StackSegment is one stance's part of a segment's stacked bar.
type StackSegment struct {
	Stance models.Stance
	Count  int
	X      float64
	Width  float64
}

// SegmentRow is one member segment in a breakdown table.
type SegmentRow struct {
	Key     string
	Label   string
	Members int
	Stances models.StanceCounts
	Stack   []StackSegment
}

// SegmentTable is a breakdown of stances by one member attribute.
type SegmentTable struct {
	ID      string
	Caption string
	Heading string
	Rows    []SegmentRow
}

// NewSegmentTable breaks stances down by the segments of rows, each named
// by label.
func NewSegmentTable(id, caption, heading string, rows []models.SegmentStances, label func(string) string) SegmentTable {
	return SegmentTable{ID: id, Caption: caption, Heading: heading, Rows: segmentRows(rows, label)}
}

func segmentRows(rows []models.SegmentStances, label func(string) string) []SegmentRow {
	out := make([]SegmentRow, 0, len(rows))
	for _, r := range rows {
		row := SegmentRow{Key: r.Segment, Label: label(r.Segment), Members: r.Members, Stances: r.Stances}
		total := r.Stances.Total()
		x := 0.0
		for _, s := range models.Stances {
			n := r.Stances.Get(s)
			if n == 0 || total == 0 {
				continue
			}
			w := float64(n) * 100 / float64(total)
			row.Stack = append(row.Stack, StackSegment{Stance: s, Count: n, X: x, Width: w})
			x += w
		}
		out = append(out, row)
	}
	return out
}

// Signed writes -2 … +2 with an explicit plus and a true minus sign.
func Signed(v int) string {
	switch {
	case v > 0:
		return fmt.Sprintf("+%d", v)
	case v < 0:
		return fmt.Sprintf("−%d", -v)
	}
	return "0"
}
