package handlers

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// A form sent without the right token is refused (checkCSRF), most often
// because the session ended while it was being typed: two idle hours, or a
// new sign-in in another tab. Nothing is saved, but nothing typed is lost:
// the answer shows every text back, escaped, with a way to sign in again
// that keeps this page open.

// staleFormPage is the answer to such a form.
type staleFormPage struct {
	SignedOut bool   // the form needs a signed-in user and there is none
	Back      string // the page the form was on, when the browser said
	SignIn    string // the sign-in page, coming back to Back
	Typed     []typedField
	Files     bool // files were chosen; they cannot be shown back
}

// typedField is one field of the refused form, as sent.
type typedField struct {
	Name  string
	Label string
	Value string
}

// maxTypedFields bounds the page for a form posted with thousands of fields.
const maxTypedFields = 200

// notTyped are fields that are plumbing or secrets, never shown back.
var notTyped = map[string]bool{"_csrf": true, "password": true, "confirm": true, "code": true,
	"version": true, "action": true, "next": true}

// typedLabels name the fields people type the most into.
var typedLabels = map[string]string{
	"comment": "Comment", "amendments": "Amendments", "statement": "Statement", "body": "Note",
	"excerpt": "Quote", "introduction": "Introduction", "background": "Background",
}

// refuseForm answers a form whose token is missing or stale.
func (h *Handler) refuseForm(c *fiber.Ctx) error {
	const expired = "This form has expired or did not come from this site. Go back, reload the page and try again."
	if isAPI(c) {
		return fiber.NewError(fiber.StatusForbidden, expired)
	}
	_, signedIn := currentUser(c)
	switch strings.ToLower(c.Path()) {
	case "/login":
		return h.loginFormExpired(c)
	case "/login/2fa":
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	data := staleFormPage{Back: sameSiteReferer(c)}
	data.SignedOut = !signedIn && !isSignedOutForm(c.Path())
	if data.SignedOut {
		next := data.Back
		if next == "" {
			next = "/consultations"
		}
		data.SignIn = "/login?next=" + url.QueryEscape(next)
	}
	data.Typed, data.Files = typedFields(c)
	title := "Not saved: the form had expired"
	if data.SignedOut {
		title = "Not saved: sign in again"
	}
	c.Status(fiber.StatusForbidden)
	return h.render(c, "form/expired", page{Title: title, Data: data})
}

// isSignedOutForm says whether a form is one a signed-out visitor sends.
func isSignedOutForm(path string) bool {
	p := strings.ToLower(path)
	return p == "/logout" || strings.HasPrefix(p, "/invite/")
}

// sameSiteReferer is the path of the page the form was sent from, if the
// browser said and it is on this site (Referrer-Policy: same-origin).
func sameSiteReferer(c *fiber.Ctx) string {
	ref := c.Get(fiber.HeaderReferer)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || !strings.EqualFold(u.Host, c.Hostname()) {
		return ""
	}
	back := u.EscapedPath()
	if u.RawQuery != "" {
		back += "?" + u.RawQuery
	}
	if safeNext(back) != back {
		return ""
	}
	return back
}

// typedFields lists the refused form's fields with something in them, in
// the order sent; several values of one field (ticked boxes) are joined.
func typedFields(c *fiber.Ctx) ([]typedField, bool) {
	var names []string
	values := map[string][]string{}
	add := func(name, value string) {
		if notTyped[name] || strings.TrimSpace(value) == "" {
			return
		}
		if _, seen := values[name]; !seen {
			names = append(names, name)
		}
		values[name] = append(values[name], value)
	}
	files := false
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		form, err := c.MultipartForm()
		if err == nil {
			for _, k := range slices.Sorted(maps.Keys(form.Value)) {
				for _, v := range form.Value[k] {
					add(k, v)
				}
			}
			files = len(form.File) > 0
		}
	} else {
		for k, v := range c.Request().PostArgs().All() {
			add(string(k), string(v))
		}
	}
	if len(names) > maxTypedFields {
		names = names[:maxTypedFields]
	}
	out := make([]typedField, len(names))
	for i, n := range names {
		out[i] = typedField{Name: n, Label: typedLabel(n), Value: strings.Join(values[n], ", ")}
	}
	return out, files
}

func typedLabel(name string) string {
	if l, ok := typedLabels[name]; ok {
		return l
	}
	l := strings.ReplaceAll(name, "_", " ")
	if l == "" {
		return "Field"
	}
	first, size := utf8.DecodeRuneInString(l)
	return string(unicode.ToUpper(first)) + l[size:]
}
