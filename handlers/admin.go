package handlers

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The admin pages share: form structs of raw strings read by their `form`
// tags, validated by validateForm (validate.go) with messages written per
// field and rule, a generic form page (admin/form) and flash messages from
// an allow-list.

func (h *Handler) adminIndex(c *fiber.Ctx) error {
	alerts, err := h.signInAlerts(c)
	if err != nil {
		return err
	}
	return h.render(c, "admin/index", page{Title: "Administration", Nav: "admin", Flash: adminFlash(c), Data: adminIndexPage{Alerts: alerts}})
}

// readForm fills the string fields of a form struct from the posted fields
// named by their `form` tags, trimming surrounding spaces.
func readForm(c *fiber.Ctx, form any) {
	v := reflect.ValueOf(form).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("form")
		if name != "" && v.Field(i).Kind() == reflect.String {
			v.Field(i).SetString(strings.TrimSpace(c.FormValue(name)))
		}
	}
}

// formOrder lists a form struct's field names in the order of the form.
func formOrder(form any) []string {
	t := reflect.TypeOf(form)
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, t.Field(i).Tag.Get("form"))
	}
	return out
}

// optionalPosition reads a 1-based position typed into a form; empty is 0.
// Anything else is put beside the position field as message.
func optionalPosition(s, message string, errs *fieldErrors) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 9999 {
		errs.add("position", message)
	}
	return n
}

// Dates and times are typed in UK time, in the formats of the browser's
// date and datetime-local inputs (which also appear when typed by hand).
const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02T15:04"
)

func parseUKDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(dateLayout, s, london)
	return t, err == nil
}

func parseUKDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{dateTimeLayout, "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, london); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func formatDate(t time.Time) string     { return t.In(london).Format(dateLayout) }
func formatDateTime(t time.Time) string { return t.In(london).Format(dateTimeLayout) }

// pathID reads a positive numeric route parameter; anything else is 404.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// adminFlashes are the only messages a ?done= parameter can show, so that a
// link cannot put words on the page.
var adminFlashes = map[string]string{
	"consultation-created": "The consultation was created. Add its proposals next.",
	"consultation-saved":   "The consultation was saved.",
	"proposal-created":     "The proposal was added.",
	"proposal-saved":       "The proposal was saved.",
	"proposal-moved":       "The order of the proposals was changed.",
	"concern-created":      "The concern code was added to the codebook.",
	"concern-saved":        "The concern code was saved.",
	"organisation-created": "The organisation was added.",
	"organisation-saved":   "The organisation was saved.",
	"user-disabled":        "The account was disabled and its sessions ended: they are signed out on their next click.",
	"user-enabled":         "The account was enabled again. They can sign in with their password.",
	"two-factor-reset":     "Their two-factor sign-in was reset and their sessions ended: they set it up again when they next sign in.",
	"sessions-ended":       "Their sessions were ended: they are signed out on their next click.",
	"role-changed":         "The role was changed and their sessions ended: they sign in again to use it.",
	"security-saved":       "The sign-in settings were saved.",
}

func adminFlash(c *fiber.Ctx) string { return adminFlashes[c.Query("done")] }

// createdOrSaved names the flash after saving a form of what: "-created"
// for a new one (id 0), "-saved" for a change.
func createdOrSaved(what string, id int64) string {
	if id == 0 {
		return what + "-created"
	}
	return what + "-saved"
}

// redirectDone redirects after a successful change, naming the flash to show.
func redirectDone(c *fiber.Ctx, path, flash string) error {
	if _, ok := adminFlashes[flash]; !ok {
		panic("unknown flash " + flash)
	}
	return c.Redirect(path+"?done="+flash, fiber.StatusSeeOther)
}

// currentAdmin is the signed-in admin; the admin guard has checked it.
func currentAdmin(c *fiber.Ctx) models.User {
	u, _ := currentUser(c)
	return u
}

// ---- the generic form page ----

// formPage is one create or edit form of the admin pages.
type formPage struct {
	Crumbs  []crumb
	Heading string
	Intro   string
	Action  string
	Submit  string
	Cancel  string
	Fields  []formField
	Errors  fieldErrors
}

type crumb struct{ Href, Label string }

// formField is one question of a form. Kind is text, email, textarea,
// select, radio, date, datetime or number.
type formField struct {
	Name         string
	Label        string
	Hint         string
	Kind         string
	Value        string
	Options      []option
	Suggestions  []string // a datalist for a text field
	Readonly     bool
	Width        string // a CSS width class: short, medium
	Autocomplete string
	Error        string
}

type option struct{ Value, Label string }

// ID is the input's id, which the error summary links to.
func (f formField) ID() string { return "field-" + f.Name }

// DescribedBy lists the ids of the hint and error, for aria-describedby.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// InputType is the HTML input type of a one-line field.
func (f formField) InputType() string {
	switch f.Kind {
	case "email", "date":
		return f.Kind
	case "datetime":
		return "datetime-local"
	}
	return "text"
}

func optionsOf[T ~string](values []T, label func(T) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: string(v), Label: label(v)}
	}
	return out
}

// renderForm shows a form page, with each field's message beside it.
func (h *Handler) renderForm(c *fiber.Ctx, status int, title string, fp formPage) error {
	for i := range fp.Fields {
		fp.Fields[i].Error = fp.Errors.Fields[fp.Fields[i].Name]
	}
	switch status {
	case fiber.StatusUnprocessableEntity:
		title = "Error: " + title
	case fiber.StatusServiceUnavailable, fiber.StatusGatewayTimeout:
		title = "Not saved: " + title
	}
	c.Status(status)
	return h.render(c, "admin/form", page{Title: title, Nav: "admin", Data: fp})
}

var adminCrumb = crumb{"/admin", "Administration"}

// ---- saving a form ----

// adminSave is the end of an admin form's POST, once the form is read and
// checked: the store call and the answers to what it does.
type adminSave struct {
	errs fieldErrors  // the form's own problems; with any, nothing is saved
	save func() error // the store call
	// field adds to errs the message of a refusal that is the admin's to
	// correct (a code already taken) and says whether it did.
	field func(err error, errs *fieldErrors) bool
	show  func(status int, errs fieldErrors) error // the form again, everything typed kept
	done  func() error                             // the answer to a save: a 303, or the invite link
}

// saveAdminForm saves a form that has no problems and answers: done after the
// save; the form again at 422 with each problem beside its field, or at 503
// or 504 with the reason above it when the database or the time ran out; any
// other error goes to the error handler.
func (h *Handler) saveAdminForm(c *fiber.Ctx, s adminSave) error {
	if s.errs.Any() {
		return s.show(fiber.StatusUnprocessableEntity, s.errs)
	}
	err := s.save()
	switch {
	case err == nil:
		return s.done()
	case s.field(err, &s.errs):
		return s.show(fiber.StatusUnprocessableEntity, s.errs)
	case errors.As(err, new(*fiber.Error)):
		return err // an answer of its own, such as ownAccount
	}
	if status, msg, ok := h.refusedSave(c, err); ok {
		s.errs.add(formProblem, msg)
		return s.show(status, s.errs)
	}
	return err
}

// duplicateIn is the field check of a form with one unique field: a value
// already taken is said beside it.
func duplicateIn(field, message string) func(error, *fieldErrors) bool {
	return func(err error, errs *fieldErrors) bool {
		if !errors.As(err, new(models.DuplicateError)) {
			return false
		}
		errs.add(field, message)
		return true
	}
}
