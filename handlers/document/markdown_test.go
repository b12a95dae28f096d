package document

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	goldhtml "github.com/yuin/goldmark/renderer/html"
)

// markdownPayloads are things a user may type into anything the Markdown
// export carries: links and images in every spelling, reference
// definitions, raw HTML, autolinks, entities, and the text that GFM-style
// renderers turn into links by themselves.
var markdownPayloads = []string{
	"[click](javascript:alert(1))",
	"[click](java&#115;cript:alert(1))",
	"[click](&#x6A;avascript:alert(1))",
	"[click](JaVaScRiPt:alert(1))",
	"[click]( javascript:alert(1) )",
	"[click](<javascript:alert(1)>)",
	"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[click](vbscript:msgbox(1))",
	"[click](https://evil.example \"a <script> title\")",
	"[r]: javascript:alert(1)\n\n[click][r]",
	"[click][r]\n\n[r]: <javascript:alert(1)> 'title'",
	"[click]\n\n[click]: https://evil.example",
	"![x](https://evil.example/x.png)",
	"![x](javascript:alert(1))",
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"<a href=\"javascript:alert(1)\">click</a>",
	"<div>\n<script>alert(1)</script>\n</div>",
	"<!-- hidden --> <?php echo 1; ?> <![CDATA[x]]> <!DOCTYPE html>",
	"<https://evil.example>",
	"<javascript:alert(1)>",
	"<someone@evil.example>",
	"https://evil.example/path?q=1",
	"HTTP://EVIL.EXAMPLE",
	"www.evil.example",
	"Visit WWW.Evil.Example today",
	"someone@evil.example",
	"mailto:someone@evil.example",
	"//evil.example/x",
	"ftp://evil.example",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	"&#60;script&#62;alert(1)&#60;/script&#62;",
	"\\<script>alert(1)</script>",
	"`<script>` and ``<b>`` and ` `` `",
	"```html\n<script>alert(1)</script>\n```",
	"    <script>indented</script>",
	"[^1]\n\n[^1]: [click](javascript:alert(1))",
	"| a | b |\n|---|---|\n| <b>x</b> | [l](javascript:alert(1)) |",
	"- [ ] task [l](javascript:alert(1))",
	"~~struck~~ **bold** _em_ *em*",
	"Title\n=====\n\nSub\n---",
	"> quoted [l](javascript:alert(1))\n> > <script>x</script>",
	"1. one\n2. [two](javascript:alert(1))\n   - <i>nested</i>",
	"term\n: definition <b>x</b>",
	"A line with a NUL \x00 and a bell \x07 in it",
	"[[wiki link]] and {{figure}} and $math$",
	"trailing backslash \\",
}

// renderers are goldmark with raw HTML allowed (unsafe): plain CommonMark,
// and with every extension that turns more text into links or HTML.
var (
	commonMark = goldmark.New(goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
	everything = goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.DefinitionList, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAttribute()),
		goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
)

// tagPattern finds every tag, comment or declaration in rendered HTML; the
// renderer writes any '<' of text as &lt;, so each one is markup.
var tagPattern = regexp.MustCompile(`<[^>]*>?`)

// allowedTags are the elements the export's own Markdown makes.
var allowedTags = regexp.MustCompile(`^</?(p|h[1-6]|em|strong|blockquote|ul|li|hr|br|pre|code)>$|^<ol( start="\d+")?>$|^</ol>$|^<hr ?/?>$|^<br ?/?>$`)

// wantInert renders md with both renderers and fails on any markup that is
// not the export's own: a link, image, script, raw HTML or attribute.
func wantInert(t *testing.T, what, md string) string {
	t.Helper()
	var out string
	for name, r := range map[string]goldmark.Markdown{"CommonMark": commonMark, "GFM and extensions": everything} {
		var buf bytes.Buffer
		if err := r.Convert([]byte(md), &buf); err != nil {
			t.Fatal(err)
		}
		for _, tag := range tagPattern.FindAllString(buf.String(), -1) {
			if !allowedTags.MatchString(tag) {
				t.Errorf("%s: %s makes %s from\n%s\nrendered:\n%s", what, name, tag, md, buf.String())
				break
			}
		}
		if name == "CommonMark" {
			out = buf.String()
		}
	}
	return out
}

// shownText is what a reader sees of rendered HTML: its text, entities
// resolved, the zero-width spaces that break autolinks dropped.
func shownText(rendered string) string {
	return strings.ReplaceAll(html.UnescapeString(tagPattern.ReplaceAllString(rendered, "")), zeroWidthSpace, "")
}

func TestInertTextIsTextInAnyRenderer(t *testing.T) {
	for _, p := range markdownPayloads {
		got := wantInert(t, "title", "# "+inertText(p)+"\n\nBy "+inertText(p)+"\n")
		want := strings.Map(func(r rune) rune {
			switch {
			case r == '\n':
				return ' '
			case r < 0x20 && r != '\t', r == 0x7f:
				return -1
			}
			return r
		}, p)
		if lines := strings.Split(strings.TrimSpace(shownText(got)), "\n"); len(lines) != 2 || lines[0] != strings.TrimSpace(want) || lines[1] != strings.TrimRight("By "+want, " ") {
			t.Errorf("%q is shown as %q", p, lines)
		}
	}
}

func TestInertParagraphsKeepQuotationsAsText(t *testing.T) {
	for _, p := range markdownPayloads {
		var b strings.Builder
		inertParagraphs(&b, p, "> ")
		wantInert(t, "quotation", b.String())
	}
}

func TestStatementsKeepTheirFormattingButNoLinkOrHTML(t *testing.T) {
	for _, p := range markdownPayloads {
		for _, statement := range []string{p, "Intro **bold** text.\n\n" + p + "\n\n- item " + p, "> " + p, "1. " + p} {
			var b strings.Builder
			writeInertMarkdown(&b, statement, 2)
			wantInert(t, "statement", b.String())
		}
	}
	var b strings.Builder
	writeInertMarkdown(&b, "# Our view\n\nWe **oppose** this, *firmly*:\n\n- first\n- second\n\n1. one\n2. two\n\n> a quotation\n\nSee [the guidance](https://www.example.org/g) and `code`.", 2)
	got := wantInert(t, "formatting", b.String())
	for _, want := range []string{"<h3>Our view</h3>", "<strong>oppose</strong>", "<em>firmly</em>", "<li>first</li>",
		"<ol>\n<li>one</li>", "<blockquote>\n<p>a quotation</p>", "the guidance (https://www.example.org/g)", "<code>code</code>"} {
		if !strings.Contains(strings.ReplaceAll(got, zeroWidthSpace, ""), want) {
			t.Errorf("formatting lost: no %q in\n%s", want, got)
		}
	}
}
