package handlers

import (
	"github.com/nhsproviders/consultation-tracker/models"
)

// barChart is a horizontal bar chart drawn as SVG on the server; every bar
// has its label and number beside it in text, so the chart reads aloud and
// colour never carries the meaning alone.
type barChart struct {
	ID      string
	Caption string
	Total   int // what shares are of; 0 hides shares
	Bars    []bar
}

type bar struct {
	Label string
	Count int
	Width float64 // 0–100, relative to the largest bar
	Class string  // colour class, e.g. "stance-support"
}

func newBarChart(id, caption string, total int, labels []string, counts []int, classes []string) barChart {
	max := 0
	for _, n := range counts {
		if n > max {
			max = n
		}
	}
	ch := barChart{ID: id, Caption: caption, Total: total}
	for i, l := range labels {
		b := bar{Label: l, Count: counts[i]}
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

func stanceChart(id, caption string, sc models.StanceCounts) barChart {
	labels := make([]string, len(models.Stances))
	counts := make([]int, len(models.Stances))
	classes := make([]string, len(models.Stances))
	for i, s := range models.Stances {
		labels[i] = models.StanceLabels[s]
		counts[i] = sc.Get(s)
		classes[i] = "stance-" + s
	}
	return newBarChart(id, caption, sc.Total(), labels, counts, classes)
}

func autonomyChart(counts map[int]int, total int) barChart {
	var labels []string
	var ns []int
	var classes []string
	for _, v := range models.AutonomyScale {
		labels = append(labels, signed(v)+" "+models.AutonomyLabels[v])
		ns = append(ns, counts[v])
		classes = append(classes, "autonomy-"+map[bool]string{true: "central", false: "local"}[v < 0])
		if v == 0 {
			classes[len(classes)-1] = "autonomy-none"
		}
	}
	return newBarChart("autonomy", "How members rate the effect on local autonomy", total, labels, ns, classes)
}

func concernCharts(tallies []models.ConcernTally, responses int) []barChart {
	var out []barChart
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

// stackSegment is one stance's part of a segment's stacked bar.
type stackSegment struct {
	Stance string
	Count  int
	X      float64
	Width  float64
}

// segmentRow is one member segment in a breakdown table.
type segmentRow struct {
	Key     string
	Label   string
	Members int
	Stances models.StanceCounts
	Stack   []stackSegment
}

// segmentTable is a breakdown of stances by one member attribute.
type segmentTable struct {
	ID      string
	Caption string
	Heading string
	Rows    []segmentRow
}

func newSegmentTable(id, caption, heading string, rows []models.SegmentStances, label func(string) string) segmentTable {
	return segmentTable{ID: id, Caption: caption, Heading: heading, Rows: segmentRows(rows, label)}
}

func segmentRows(rows []models.SegmentStances, label func(string) string) []segmentRow {
	out := make([]segmentRow, 0, len(rows))
	for _, r := range rows {
		row := segmentRow{Key: r.Segment, Label: label(r.Segment), Members: r.Members, Stances: r.Stances}
		total := r.Stances.Total()
		x := 0.0
		for _, s := range models.Stances {
			n := r.Stances.Get(s)
			if n == 0 || total == 0 {
				continue
			}
			w := float64(n) * 100 / float64(total)
			row.Stack = append(row.Stack, stackSegment{Stance: s, Count: n, X: x, Width: w})
			x += w
		}
		out = append(out, row)
	}
	return out
}
