package document

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The Markdown export is written, not copied: nothing a user typed reaches
// it as Markdown. Titles, names and quotations go through inertText, which
// backslash-escapes every character that can start markup, so that in any
// CommonMark renderer they are text and nothing else (no link, image,
// autolink, entity, HTML, emphasis or block). A statement is parsed, and its
// paragraphs, headings, emphasis, lists, quotations and code are written
// again around escaped text; its links become their words, with a web or
// mail address in brackets, as in the Word export, and raw HTML becomes its
// text.

// zeroWidthSpace breaks the patterns that GFM-style renderers turn into
// links from plain text (www., //, domain names, e-mail addresses) without
// changing what a reader sees.
const zeroWidthSpace = "\u200b"

// inertText is s as Markdown text that renders as s, on one line.
func inertText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	lineStart := lineStartEscape(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 && c != '\t', c == 0x7f:
			continue // control characters are never text a person typed
		case c == '<':
			b.WriteString("&lt;") // as escaped, and no "<tag" left in the file for a careless reader
			continue
		case i == lineStart, strings.IndexByte("\\`*_[]>&~|", c) >= 0:
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		switch {
		case c == '@', c == '/' && i+1 < len(s) && s[i+1] == '/':
			b.WriteString(zeroWidthSpace) // no e-mail address, no //host
		case c == '.' && i+1 < len(s) && isASCIILetter(s[i+1]):
			b.WriteString(zeroWidthSpace) // no domain name
		case (c == 'w' || c == 'W') && i+3 < len(s) && strings.EqualFold(s[i:i+4], "www."):
			b.WriteString(zeroWidthSpace)
		}
	}
	return b.String()
}

// lineStartEscape is the index of the character of s that would start a
// block (a heading, list item, setext underline, definition or numbered
// item) if s began a line, or -1.
func lineStartEscape(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i == len(s) {
		return -1
	}
	if strings.IndexByte("#-+=:", s[i]) >= 0 {
		return i
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j > i && j < len(s) && (s[j] == '.' || s[j] == ')') {
		return j
	}
	return -1
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// inertParagraphs writes text a person typed (a quotation) as escaped
// paragraphs, line breaks kept, each line given prefix.
func inertParagraphs(b *strings.Builder, src, prefix string) {
	for i, para := range paragraphs(src) {
		if i > 0 {
			b.WriteString(strings.TrimRight(prefix, " ") + "\n")
		}
		lines := strings.Split(para, "\n")
		for j, line := range lines {
			b.WriteString(prefix + inertText(strings.TrimSpace(line)))
			if j < len(lines)-1 {
				b.WriteString("\\")
			}
			b.WriteString("\n")
		}
	}
}

// writeInertMarkdown writes a statement (Markdown) as inert Markdown, its
// headings moved down by shift levels so that they sit under the export's
// own. A statement nested deeper than MaxNesting is written as
// plain paragraphs, unparsed.
func writeInertMarkdown(b *strings.Builder, src string, shift int) {
	if Nesting(src) > MaxNesting {
		inertParagraphs(b, src, "")
		return
	}
	source := []byte(src)
	w := inertWriter{src: source, shift: shift}
	b.WriteString(w.blocks(markdown.Parser().Parse(text.NewReader(source)), "", "", false))
}

// inertWriter writes a parsed statement again, as inert Markdown.
type inertWriter struct {
	src   []byte
	shift int
}

// blocks writes the children of parent, a blank line between them unless
// tight. first prefixes the first line written, rest every other (a list
// item's marker, then its indent). A block with nothing to show (a
// paragraph that only defined a link) is left out.
func (w *inertWriter) blocks(parent ast.Node, first, rest string, tight bool) string {
	var b strings.Builder
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		block := w.block(n, first, rest)
		if block == "" {
			continue
		}
		if b.Len() > 0 && !tight {
			b.WriteString(strings.TrimRight(rest, " ") + "\n")
		}
		b.WriteString(block)
		first = rest
	}
	return b.String()
}

func (w *inertWriter) block(n ast.Node, first, rest string) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return lines(w.inlines(n), first, rest)
	case *ast.Heading:
		level := min(n.Level+w.shift, 6)
		return lines(strings.Repeat("#", level)+" "+strings.ReplaceAll(w.inlines(n), "\\\n", " "), first, rest)
	case *ast.ThematicBreak:
		return lines("---", first, rest)
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		content := strings.TrimRight(segmentsText(n.Lines(), w.src), "\n")
		fence := strings.Repeat("`", max(3, longestRun(content, '`')+1))
		return lines(fence+"\n"+content+"\n"+fence, first, rest)
	case *ast.Blockquote:
		return w.blocks(n, first+"> ", rest+"> ", false)
	case *ast.List:
		return w.list(n, first, rest)
	case *ast.HTMLBlock:
		raw := segmentsText(n.Lines(), w.src)
		if n.HasClosure() {
			raw += string(n.ClosureLine.Value(w.src))
		}
		var para strings.Builder
		inertParagraphs(&para, raw, "")
		return lines(strings.TrimRight(para.String(), "\n"), first, rest)
	default:
		return lines(inertText(plainText(n, w.src)), first, rest)
	}
}

// list writes a list's items with their markers; ordered lists count from
// their start.
func (w *inertWriter) list(l *ast.List, first, rest string) string {
	var b strings.Builder
	i := 0
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		if i > 0 && !l.IsTight {
			b.WriteString(strings.TrimRight(rest, " ") + "\n")
		}
		marker := "- "
		if l.IsOrdered() {
			marker = fmt.Sprintf("%d. ", l.Start+i)
		}
		content := w.blocks(item, first+marker, rest+strings.Repeat(" ", len(marker)), l.IsTight)
		if content == "" {
			content = lines(strings.TrimRight(marker, " "), first, rest)
		}
		b.WriteString(content)
		first = rest
		i++
	}
	return b.String()
}

// lines is text line by line, the first after first, the others after
// rest; "" when there is no text.
func lines(text, first, rest string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		prefix := rest
		if i == 0 {
			prefix = first
		}
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}

// segmentsText is the source text of a block's lines.
func segmentsText(segs *text.Segments, src []byte) string {
	var b strings.Builder
	for i := range segs.Len() {
		seg := segs.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// inlines is a block's inline content as inert Markdown; a hard line break
// is a backslash and a new line.
func (w *inertWriter) inlines(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		b.WriteString(w.inline(c))
	}
	out := b.String()
	if strings.HasPrefix(out, "```") {
		out = zeroWidthSpace + out // a code span starting a line is not a fence
	}
	return out
}

func (w *inertWriter) inline(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Text:
		s := inertText(displayText(n.Segment.Value(w.src)))
		switch {
		case n.HardLineBreak():
			s += "\\\n"
		case n.SoftLineBreak():
			s += " "
		}
		return s
	case *ast.String:
		return inertText(displayText(n.Value))
	case *ast.CodeSpan:
		var code strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				code.Write(t.Segment.Value(w.src))
			}
		}
		return codeSpan(code.String())
	case *ast.Emphasis:
		inner := w.inlines(n)
		if strings.TrimSpace(inner) == "" {
			return inner
		}
		delim := strings.Repeat("*", n.Level)
		return delim + inner + delim
	case *ast.Link:
		words := w.inlines(n)
		if dest := string(n.Destination); webOrMail(dest) && dest != plainText(n, w.src) {
			words += " (" + inertText(dest) + ")"
		}
		return words
	case *ast.Image:
		return w.inlines(n)
	case *ast.AutoLink:
		return inertText(string(n.Label(w.src)))
	case *ast.RawHTML:
		return inertText(segmentsText(n.Segments, w.src))
	default:
		return w.inlines(n)
	}
}

// webOrMail says whether a link goes to a web page or a mail address, the
// only addresses worth printing beside a link's words.
func webOrMail(dest string) bool {
	d := strings.ToLower(dest)
	return strings.HasPrefix(d, "https://") || strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "mailto:")
}

// displayText is what a renderer shows for a text segment: backslash escapes
// and character references resolved.
func displayText(b []byte) string {
	return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(b))))
}

// codeSpan writes code as a code span, on one line, fenced by more
// backticks than it holds in a row.
func codeSpan(code string) string {
	code = strings.NewReplacer("\r\n", " ", "\n", " ").Replace(code)
	fence := strings.Repeat("`", longestRun(code, '`')+1)
	if strings.HasPrefix(code, "`") || strings.HasSuffix(code, "`") ||
		(strings.HasPrefix(code, " ") && strings.HasSuffix(code, " ") && strings.TrimSpace(code) != "") {
		code = " " + code + " "
	}
	return fence + code + fence
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
