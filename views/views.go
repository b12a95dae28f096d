// Package views holds the HTML templates. Each page is parsed once, at start,
// together with the layout and the partials, into a template set of its own,
// so that two pages defining "title" never overwrite each other.
package views

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

//go:embed layout.html partials/*.html pages/*.html
var files embed.FS

// Templates renders named pages ("member/proposal" for pages/member_proposal.html).
type Templates struct {
	base  *template.Template // the layout and partials alone
	pages map[string]*template.Template
}

// New parses every page; a template error stops start-up.
func New(funcs template.FuncMap) (*Templates, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &Templates{base: base, pages: map[string]*template.Template{}}
	for _, n := range names {
		set, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := set.ParseFS(files, n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		name := strings.TrimSuffix(path.Base(n), ".html")
		t.pages[strings.Replace(name, "_", "/", 1)] = set
	}
	return t, nil
}

// lookup returns a page's template set.
func (t *Templates) lookup(page string) (*template.Template, error) {
	set, ok := t.pages[page]
	if !ok {
		return nil, fmt.Errorf("no page %q", page)
	}
	return set, nil
}

// Render writes the page inside the layout. It renders into a buffer first so
// that a template error never sends half a page.
func (t *Templates) Render(w io.Writer, page string, data any) error {
	set, err := t.lookup(page)
	if err != nil {
		return err
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if err := set.ExecuteTemplate(buf, "layout.html", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// buffers are reused between pages: a summary page is about 85 KB, and
// growing a fresh buffer to that size for every request was most of the
// garbage a busy server made.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // an unusually large page: let it go rather than keep it
	}
	b.Reset()
	buffers.Put(b)
}

// RenderContent renders only a page's "content" block, for pages whose
// content is the same for everyone who may see it and is kept to be written
// inside the layout later (see RenderAround).
func (t *Templates) RenderContent(page string, data any) ([]byte, error) {
	set, err := t.lookup(page)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "content", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// RenderAround writes the layout around content that RenderContent made
// earlier. Only the layout (a few kilobytes) goes through the template
// engine; the content, 85 KB on a summary page, is written as it is. Printing
// it through the layout as a template.HTML value cost a fresh fmt buffer the
// size of the page on every request.
func (t *Templates) RenderAround(w io.Writer, page string, data any, content []byte) error {
	set, err := t.lookup(page)
	if err != nil {
		return err
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if err := set.ExecuteTemplate(buf, "layout-top", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	top := buf.Len()
	if err := set.ExecuteTemplate(buf, "layout-bottom", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	for _, part := range [][]byte{buf.Bytes()[:top], content, buf.Bytes()[top:]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// RenderPartial renders one partial on its own, for markup that is worked
// out once and then kept (the site navigation for each role and section).
func (t *Templates) RenderPartial(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := t.base.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- produced by html/template itself
}

// Has says whether a page exists, for start-up checks.
func (t *Templates) Has(page string) bool { _, ok := t.pages[page]; return ok }
