package handlers

import (
	"errors"
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// auditPageSize is how many entries one page of the audit log shows.
const auditPageSize = 50

// auditActionLabels say each audit action in words; an action added later
// without a label shows its code.
var auditActionLabels = map[string]string{
	models.AuditSignIn:          "Signed in",
	models.AuditSignInFailed:    "Sign-in failed",
	models.AuditSignOut:         "Signed out",
	models.AuditResponseSaved:   "Response saved",
	models.AuditResponseCoded:   "Response coded",
	models.AuditNoteAdded:       "Note added",
	models.AuditQuoteAdded:      "Quote added",
	models.AuditQuoteRemoved:    "Quote removed",
	models.AuditImport:          "Import",
	models.AuditExport:          "Export",
	models.AuditCollectiveSaved: "Collective response saved",
	models.AuditCollectiveState: "Collective response status",
	models.AuditUserChanged:     "User account changed",
	models.AuditAdminChange:     "Admin change",
	models.AuditSignInAttack:    "Sign-in attack alert",
	models.AuditQuoteWithdrawn:  "Consent withdrawn for an approved quote",
}

func auditActionLabel(a string) string {
	if l, ok := auditActionLabels[a]; ok {
		return l
	}
	return a
}

// auditFilterForm is the audit log's filter as typed (a GET form).
type auditFilterForm struct {
	Action string
	User   string
	From   string
	To     string
}

func (f auditFilterForm) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"action": f.Action, "user": f.User, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditRow is one entry with its action in words.
type auditRow struct {
	models.AuditEntry
	ActionLabel string
}

type auditPage struct {
	Form    auditFilterForm
	Errors  fieldErrors
	Actions []option
	Entries []auditRow
	Older   string // the link to older entries; empty on the last page
	Paged   bool   // this is not the newest page
}

func (h *Handler) adminAudit(c *fiber.Ctx) error {
	form := auditFilterForm{Action: c.Query("action"), User: c.Query("user"), From: c.Query("from"), To: c.Query("to")}
	filter, errs, err := h.auditFilter(c, form)
	if err != nil {
		return err
	}
	data := auditPage{Form: form, Errors: errs, Actions: optionsOf(models.AuditActions, auditActionLabel), Paged: filter.Before > 0}
	status := fiber.StatusOK
	if errs.Any() {
		status = fiber.StatusUnprocessableEntity
	} else {
		filter.Limit = auditPageSize + 1 // one more says whether there are older entries
		entries, err := h.store.AuditLog(c.UserContext(), filter)
		if err != nil {
			return err
		}
		if len(entries) > auditPageSize {
			entries = entries[:auditPageSize]
			q := form.query()
			q.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
			data.Older = "/admin/audit?" + q.Encode()
		}
		for _, e := range entries {
			data.Entries = append(data.Entries, auditRow{AuditEntry: e, ActionLabel: auditActionLabel(e.Action)})
		}
	}
	title := "Audit log"
	if status != fiber.StatusOK {
		title = "Error: " + title
	}
	c.Status(status)
	return h.render(c, "audit", page{Title: title, Nav: "admin", Data: data})
}

// auditFilter turns the typed filter into the store's, with a message per
// field that cannot be read.
func (h *Handler) auditFilter(c *fiber.Ctx, form auditFilterForm) (models.AuditFilter, fieldErrors, error) {
	var f models.AuditFilter
	var errs fieldErrors
	if form.Action != "" {
		if !slices.Contains(models.AuditActions, form.Action) {
			errs.add("action", "Choose an action from the list")
		}
		f.Action = form.Action
	}
	if form.User != "" {
		u, err := h.store.UserByEmail(c.UserContext(), form.User)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs.add("user", "No account has this email address; check it, or clear the field to see everyone")
		case err != nil:
			return f, errs, err
		default:
			f.UserID = u.ID
		}
	}
	if form.From != "" {
		t, ok := parseUKDate(form.From)
		if !ok {
			errs.add("from", "Enter the first day as year-month-day, for example 2026-11-01")
		}
		f.Since = t
	}
	if form.To != "" {
		t, ok := parseUKDate(form.To)
		if !ok {
			errs.add("to", "Enter the last day as year-month-day, for example 2026-11-30")
		} else {
			f.Until = t.AddDate(0, 0, 1) // the whole of the last day
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		errs.add("to", "The last day must be on or after the first day")
	}
	if b := c.Query("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return f, errs, fiber.NewError(fiber.StatusBadRequest, "The link to older entries was damaged. Go back to the newest entries and try again.")
		}
		f.Before = n
	}
	return f, errs, nil
}
