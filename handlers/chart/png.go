package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The PNG drawing of a bar chart, for documents that cannot hold SVG (the
// Word export). It is drawn twice the size it is shown, so that it prints
// sharply, and reads in greyscale: each bar has its own pattern as well as
// its colour, and its label and number written beside it.
const (
	pngWidth   = 1200
	pngRowH    = 64
	pngBarH    = 40
	pngPad     = 16
	pngLabelW  = 330
	pngBarMaxW = 620
)

var (
	ink      = color.RGBA{0x21, 0x2b, 0x32, 0xff}
	fontOnce sync.Once
	fontFace font.Face
	fontErr  error
)

func face() (font.Face, error) {
	fontOnce.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			fontErr = err
			return
		}
		fontFace, fontErr = opentype.NewFace(f, &opentype.FaceOptions{Size: 15, DPI: 144, Hinting: font.HintingFull})
	})
	return fontFace, fontErr
}

// PNG draws the chart as a PNG image, each bar labelled and numbered.
func PNG(ch BarChart) ([]byte, error) {
	f, err := face()
	if err != nil {
		return nil, err
	}
	w, h := PNGSize(ch)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	text := font.Drawer{Dst: img, Src: image.NewUniform(ink), Face: f}
	for i, b := range ch.Bars {
		top := pngPad + i*pngRowH + (pngRowH-pngBarH)/2
		baseline := top + pngBarH/2 + 10
		text.Dot = fixed.P(pngPad, baseline)
		text.DrawString(b.Label)
		x0 := pngLabelW
		w := int(b.Width * pngBarMaxW / 100)
		bar := image.Rect(x0, top, x0+w, top+pngBarH)
		fillPattern(img, bar, patternOf(b.Class))
		outline(img, image.Rect(x0, top, x0+max(w, 2), top+pngBarH))
		text.Dot = fixed.P(x0+w+pngPad, baseline)
		text.DrawString(barValue(b, ch.Total))
	}
	var buf bytes.Buffer
	err = png.Encode(&buf, img)
	return buf.Bytes(), err
}

// barValue is the number written beside a bar, with its share.
func barValue(b Bar, total int) string {
	if total == 0 {
		return fmt.Sprint(b.Count)
	}
	return fmt.Sprintf("%d (%.0f%%)", b.Count, float64(b.Count)*100/float64(total))
}

// Describe is the chart in words, for the image's alternative text.
func Describe(ch BarChart) string {
	parts := make([]string, len(ch.Bars))
	for i, b := range ch.Bars {
		parts[i] = b.Label + ": " + barValue(b, ch.Total)
	}
	return ch.Caption + ". " + strings.Join(parts, "; ") + "."
}

// pattern is a bar's fill: a base colour and marks over it.
type pattern struct {
	base, mark color.RGBA
	marked     func(x, y int) bool
}

// patternOf tells the stances apart by more than colour: support is solid
// or hatched one way, opposition cross-hatched or striped, neutral dotted.
func patternOf(class string) pattern {
	dark := color.RGBA{0x00, 0x30, 0x87, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	switch class {
	case "stance-strongly_support":
		return pattern{dark, dark, func(int, int) bool { return false }}
	case "stance-support":
		return pattern{color.RGBA{0xa6, 0xc8, 0xef, 0xff}, dark, func(x, y int) bool { return (x+y)%14 < 3 }}
	case "stance-neutral":
		return pattern{color.RGBA{0xe8, 0xed, 0xee, 0xff}, ink, func(x, y int) bool { return x%12 < 3 && y%12 < 3 }}
	case "stance-oppose":
		return pattern{color.RGBA{0xf4, 0xc2, 0x86, 0xff}, color.RGBA{0x8a, 0x3b, 0x00, 0xff},
			func(x, y int) bool { return (x+y)%16 < 2 || (x-y+1600)%16 < 2 }}
	case "stance-strongly_oppose":
		return pattern{color.RGBA{0x8a, 0x15, 0x38, 0xff}, white, func(_, y int) bool { return y%10 < 3 }}
	}
	return pattern{color.RGBA{0x76, 0x86, 0x92, 0xff}, ink, func(int, int) bool { return false }}
}

func fillPattern(img *image.RGBA, r image.Rectangle, p pattern) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := p.base
			if p.marked(x-r.Min.X, y-r.Min.Y) {
				c = p.mark
			}
			img.SetRGBA(x, y, c)
		}
	}
}

// outline draws a 2-pixel border, so that a pale bar shows on white paper.
func outline(img *image.RGBA, r image.Rectangle) {
	for _, edge := range []image.Rectangle{
		{r.Min, image.Pt(r.Max.X, r.Min.Y+2)}, {image.Pt(r.Min.X, r.Max.Y-2), r.Max},
		{r.Min, image.Pt(r.Min.X+2, r.Max.Y)}, {image.Pt(r.Max.X-2, r.Min.Y), r.Max},
	} {
		draw.Draw(img, edge, image.NewUniform(ink), image.Point{}, draw.Src)
	}
}

// PNGSize is the size in pixels of the PNG drawing of a chart.
func PNGSize(ch BarChart) (width, height int) { return pngWidth, 2*pngPad + len(ch.Bars)*pngRowH }
