package document

import (
	"bytes"
	"html/template"
	"strings"

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

// MaxNesting is how deeply a statement may nest quotations and
// lists. A 20,000-deep quotation fits in a statement's 20,000 characters,
// and cost a quarter of a second and half a megabyte of HTML on every view
// of the page; a person writing a position never goes past three or four.
const MaxNesting = 10

// Nesting is how deeply a text's lines nest block quotations and
// list items by their markers ("> > - 1. "), read from the text without
// parsing it: the deepest line's count. Nesting by indentation alone needs
// as many spaces as levels on every line, so it stays cheap and is not
// counted.
func Nesting(src string) int {
	deepest := 0
	for line := range strings.Lines(src) {
		deepest = max(deepest, lineNesting(line))
	}
	return deepest
}

// lineNesting counts the container markers a line starts with.
func lineNesting(line string) int {
	depth, i := 0, 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			return depth
		}
		next := i + 1
		switch c := line[i]; {
		case c == '>':
		case c == '-' || c == '+' || c == '*':
		case c >= '0' && c <= '9':
			for next < len(line) && next-i < 9 && line[next] >= '0' && line[next] <= '9' {
				next++
			}
			if next == len(line) || (line[next] != '.' && line[next] != ')') {
				return depth
			}
			next++
		default:
			return depth
		}
		if line[i] != '>' && next < len(line) && !strings.ContainsRune(" \t\r\n", rune(line[next])) {
			return depth // "-x" or "1.5" is text, not a list item
		}
		depth, i = depth+1, next
	}
}

// HTML renders a statement as HTML. Text nested deeper than
// MaxNesting (saved before the limit, or being shown back with its
// error) is shown as plain paragraphs instead of being parsed.
func HTML(src string) template.HTML {
	if Nesting(src) > MaxNesting {
		return plainParagraphs(src)
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return plainParagraphs(src)
	}
	return template.HTML(sanitiser.SanitizeBytes(buf.Bytes()))
}

// plainParagraphs shows text as it was typed: escaped, one paragraph per
// run of lines, line breaks kept.
func plainParagraphs(src string) template.HTML {
	var b strings.Builder
	for _, para := range paragraphs(src) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(para), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// paragraphs splits text at blank lines, trimmed, empty ones dropped.
func paragraphs(src string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, para)
		}
	}
	return out
}
