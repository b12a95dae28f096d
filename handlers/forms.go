package handlers

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// fieldErrors are per-field messages, kept in form order for the summary.
type fieldErrors struct {
	List   []fieldError
	Fields map[string]string
}

type fieldError struct {
	Field   string
	Message string
}

func (e *fieldErrors) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, dup := e.Fields[field]; dup {
		return
	}
	e.Fields[field] = msg
	e.List = append(e.List, fieldError{field, msg})
}

// sortBy orders the list as the fields appear in order.
func (e *fieldErrors) sortBy(order []string) {
	rank := func(f string) int {
		if i := slices.Index(order, f); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(e.List, func(a, b fieldError) int { return cmp.Compare(rank(a.Field), rank(b.Field)) })
}

// Any says whether there is at least one error.
func (e fieldErrors) Any() bool { return len(e.List) > 0 }

// postedValues reads every value of a repeated form field.
func postedValues(c *fiber.Ctx, name string) []string {
	out := []string{}
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		out = append(out, mf.Value[name]...)
	}
	return out
}

// responseForm is a response as typed: raw strings, so that anything the
// member sent can be shown back to them.
type responseForm struct {
	Stance     string   `form:"stance" validate:"required_if=Action submit,omitempty,stance"`
	Autonomy   string   `form:"autonomy" validate:"required_if=Action submit,omitempty,oneof=-2 -1 0 1 2"`
	Concerns   []string `form:"concerns" validate:"dive,max=64"`
	Comment    string   `form:"comment" validate:"text,max=5000"`
	Amendments string   `form:"amendments" validate:"text,max=5000"`
	Consent    string   `form:"consent" validate:"required_if=Action submit,omitempty,consent"`
	QuoteScope string   `form:"quote_scope" validate:"omitempty,quote_scope"`
	Action     string   `form:"action" validate:"required,oneof=draft submit"`
	Version    string   `form:"version" validate:"omitempty,number"`
}

// unreadableText is how the member and analysis forms word the "text" rule.
const unreadableText = "This text contains characters that could not be read; retype or paste it again as plain text"

// responseMessages are written for the member reading them.
var responseMessages = fieldMessages{
	"stance": {
		"required_if": "Choose where your organisation stands on this proposal",
		"stance":      "Choose one of the five stances listed",
	},
	"autonomy": {
		"required_if": "Choose how this proposal would affect local autonomy",
		"oneof":       "Choose a point on the autonomy scale, from −2 (power to the centre) to +2 (more local autonomy)",
	},
	"consent": {
		"required_if": "Choose whether we may quote your comment",
		"consent":     "Choose one of the three quoting options",
	},
	"quote_scope": {"": "Choose whether we may quote your comment and amendments, or your comment only"},
	"comment":     {"max": fmt.Sprintf("Keep your comment to %d characters or fewer", models.MaxCommentChars), "text": unreadableText},
	"amendments":  {"max": fmt.Sprintf("Keep suggested amendments to %d characters or fewer", models.MaxAmendmentsChars), "text": unreadableText},
	"action":      {"": "Choose whether to save a draft or submit"},
	"version":     {"": "The form was damaged; reload the page and try again"},
	"concerns":    {"": "Choose concerns from the list"},
}

// check validates the form against the codebook's codes and returns the
// member's input as the store takes it.
func (h *Handler) check(f responseForm, codebook []models.Concern) (models.ResponseInput, int, fieldErrors) {
	errs := validateForm(f, responseMessages)
	known := map[string]bool{}
	for _, c := range codebook {
		known[c.Code] = true
	}
	seen := map[string]bool{}
	var concerns []string
	for _, code := range f.Concerns {
		if !known[code] {
			errs.add("concerns", fmt.Sprintf("%q is not a concern in the codebook; choose concerns from the list", truncate(code, 40)))
			continue
		}
		if !seen[code] {
			seen[code] = true
			concerns = append(concerns, code)
		}
	}
	in := models.ResponseInput{Stance: models.Stance(f.Stance), Concerns: concerns, Comment: f.Comment, Amendments: f.Amendments, Consent: models.Consent(f.Consent),
		QuoteScope: models.QuoteScope(f.QuoteScope)}
	if f.Autonomy != "" {
		if v, err := strconv.Atoi(f.Autonomy); err == nil && v >= models.AutonomyMin && v <= models.AutonomyMax {
			in.Autonomy = &v
		}
	}
	version, _ := strconv.Atoi(f.Version)
	if version < 0 {
		errs.add("version", responseMessages["version"][""])
	}
	errs.sortBy(responseFieldOrder)
	return in, version, errs
}

// responseFieldOrder is the order of the form, which the error summary follows.
var responseFieldOrder = []string{"organisation_code", "proposal_ref", "stance", "autonomy", "concerns", "comment", "amendments", "consent", "quote_scope", "status", "action", "version"}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
