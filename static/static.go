// Package static holds the stylesheet and other files served under /static.
package static

import "embed"

// Files are served under /static/.
//
//go:embed *.css *.svg *.js
var Files embed.FS
