package handlers

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
)

// markdown renders the policy team's statements. goldmark already refuses
// raw HTML and dangerous links; bluemonday's policy for user content is a
// second lock, so the result is safe to mark as template.HTML.
var (
	markdown  = goldmark.New()
	sanitiser = bluemonday.UGCPolicy().RequireNoFollowOnLinks(true)
)

func renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(sanitiser.SanitizeBytes(buf.Bytes()))
}
