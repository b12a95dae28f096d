package models

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // a logo may be a JPEG
	_ "image/png"  // or a PNG
	"net/http"
	"strings"
	"time"
)

// Body is the membership body whose collective response the tracker
// drafts: how its documents name it and how to reach its policy team.
// Admins set it (/admin/body); every export prints it.
type Body struct {
	Name      string
	ShortName string
	Email     string
	Phone     string
	Postal    string // one line: "1 Example Street, London SW1A 0AA"
	// LogoType is the logo's content type, "" when there is none.
	LogoType      string
	LogoUpdatedAt time.Time
}

// DefaultBody is the body before an admin names it: the membership body
// the tracker was made for.
var DefaultBody = Body{Name: "NHS Providers", ShortName: "NHS Providers"}

// HasLogo says whether the body has uploaded a logo.
func (b Body) HasLogo() bool { return b.LogoType != "" }

// Contact is how to reach the body's policy team, on one line.
func (b Body) Contact() string {
	var parts []string
	for _, p := range []string{b.Email, b.Phone, b.Postal} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// Logo is the body's logo as uploaded.
type Logo struct {
	Type      string // image/png or image/jpeg
	Data      []byte
	Width     int
	Height    int
	UpdatedAt time.Time
}

// The limits of a logo: it is printed small, at the top of every page.
const (
	MaxLogoBytes = 512 << 10
	MaxLogoSide  = 2000
)

// LogoError says why an uploaded file cannot be the logo, in words for
// the admin who chose it.
type LogoError struct{ Message string }

func (e LogoError) Error() string { return e.Message }

// CheckLogo reads an uploaded file as a logo: a PNG or JPEG image, told by
// its content and decoded far enough to know its size, never by its name.
// Anything else (SVG, which can carry scripts, included) is refused.
func CheckLogo(data []byte) (Logo, error) {
	if len(data) == 0 {
		return Logo{}, LogoError{"The file is empty; choose a PNG or JPEG image"}
	}
	if len(data) > MaxLogoBytes {
		return Logo{}, LogoError{fmt.Sprintf("The logo is larger than %d KB; save it smaller and upload it again", MaxLogoBytes>>10)}
	}
	sniffed := http.DetectContentType(data)
	if sniffed != "image/png" && sniffed != "image/jpeg" {
		return Logo{}, LogoError{"The logo must be a PNG or JPEG image; other files, SVG included, are not taken"}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != sniffed {
		return Logo{}, LogoError{"The file looks like an image but could not be read as one; export it again as PNG or JPEG"}
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return Logo{}, LogoError{fmt.Sprintf("The logo is %d × %d pixels; keep it to %d × %d or smaller",
			cfg.Width, cfg.Height, MaxLogoSide, MaxLogoSide)}
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil { // the header alone can lie
		return Logo{}, LogoError{"The image is damaged and could not be read; export it again as PNG or JPEG"}
	}
	return Logo{Type: sniffed, Data: data, Width: cfg.Width, Height: cfg.Height}, nil
}
