package handlers

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// concernForm is a concern code as the admin typed it.
type concernForm struct {
	Code        string `form:"code" validate:"text,required,concern_code"`
	Label       string `form:"label" validate:"text,required,max=120"`
	Description string `form:"description" validate:"text,required,max=1000"`
	Side        string `form:"side" validate:"text,required,concern_side"`
	Position    string `form:"position" validate:"text"`
}

var concernMessages = fieldMessages{
	"code": {"required": "Enter the code, for example timescale",
		"concern_code": "Use 2 to 63 lower-case letters, digits and underscores, starting with a letter, for example new_central_powers"},
	"label":       {"required": "Enter a label for the code", "max": "Keep the label to 120 characters or fewer"},
	"description": {"required": "Describe what the code means, so that members and analysts use it alike", "max": "Keep the description to 1,000 characters or fewer"},
	"side":        {"": "Choose the side of the codebook the code belongs to"},
}

func (f concernForm) check() (models.ConcernInput, fieldErrors) {
	errs := validateForm(f, concernMessages)
	pos := optionalPosition(f.Position, "Enter the position as a whole number, 1 for first within its side, or leave it empty to put it last", &errs)
	errs.sortBy(formOrder(f))
	return models.ConcernInput{Code: f.Code, Label: f.Label, Description: f.Description, Side: f.Side, Position: pos}, errs
}

// fields are the form's questions; a code that responses use is read-only.
func (f concernForm) fields(used *models.ConcernRow) []formField {
	code := formField{Name: "code", Label: "Code", Kind: "text", Value: f.Code, Width: "medium",
		Hint: "Lower-case letters, digits and underscores, for example new_central_powers. Imports, exports and the API use it."}
	if used != nil && used.InUse() {
		code.Readonly = true
		code.Hint = fmt.Sprintf("The code cannot change: it is used in %s, and exports and imports refer to it by this code.", usesText(*used))
	}
	return []formField{
		code,
		{Name: "label", Label: "Label", Hint: "What members see beside the checkbox.", Kind: "text", Value: f.Label},
		{Name: "description", Label: "Description", Hint: "Shown under the label on the response form.", Kind: "textarea", Value: f.Description},
		{Name: "side", Label: "Side", Kind: "radio", Value: f.Side, Options: optionsOf(models.ConcernSides, func(s string) string {
			return models.ConcernSideLabels[s]
		})},
		{Name: "position", Label: "Position within its side", Hint: "1 puts it first. Leave empty to put it last.",
			Kind: "number", Value: f.Position, Width: "short"},
	}
}

// usesText says how a code is used, in words.
func usesText(r models.ConcernRow) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	switch {
	case r.MemberUses > 0 && r.CodedUses > 0:
		return plural(r.MemberUses, "member response", "member responses") + " and " + plural(r.CodedUses, "analyst coding", "analyst codings")
	case r.CodedUses > 0:
		return plural(r.CodedUses, "analyst coding", "analyst codings")
	}
	return plural(r.MemberUses, "member response", "member responses")
}

var concernsCrumbs = []crumb{adminCrumb, {"/admin/concerns", "Concern codebook"}}

func (h *Handler) concernFormPage(c *fiber.Ctx, status int, used *models.ConcernRow, f concernForm, errs fieldErrors) error {
	fp := formPage{Crumbs: concernsCrumbs, Heading: "New concern code", Action: "/admin/concerns", Submit: "Add code",
		Cancel: "/admin/concerns", Fields: f.fields(used), Errors: errs}
	if used != nil {
		fp.Heading, fp.Submit = "Edit concern code", "Save code"
		fp.Action = "/admin/concerns/" + strconv.FormatInt(used.ID, 10)
	}
	return h.renderForm(c, status, fp.Heading, fp)
}

// concernSide is one side of the codebook, for the list.
type concernSide struct {
	Side  string
	Label string
	Codes []models.ConcernRow
}

func (h *Handler) adminConcerns(c *fiber.Ctx) error {
	rows, err := h.store.ConcernRows(c.UserContext())
	if err != nil {
		return err
	}
	sides := make([]concernSide, len(models.ConcernSides))
	for i, s := range models.ConcernSides {
		sides[i] = concernSide{Side: s, Label: models.ConcernSideLabels[s]}
		for _, r := range rows {
			if r.Side == s {
				sides[i].Codes = append(sides[i].Codes, r)
			}
		}
	}
	return h.render(c, "admin/concerns", page{Title: "Concern codebook", Nav: "admin", Flash: adminFlash(c), Data: sides})
}

func (h *Handler) newConcern(c *fiber.Ctx) error {
	return h.concernFormPage(c, fiber.StatusOK, nil, concernForm{Side: c.Query("side")}, fieldErrors{})
}

func (h *Handler) createConcern(c *fiber.Ctx) error {
	return h.saveConcern(c, nil)
}

func (h *Handler) adminConcernParam(c *fiber.Ctx) (models.ConcernRow, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.ConcernRow{}, err
	}
	return h.store.ConcernRowByID(c.UserContext(), id)
}

func (h *Handler) editConcern(c *fiber.Ctx) error {
	row, err := h.adminConcernParam(c)
	if err != nil {
		return err
	}
	// The position shown is the place within its side, whatever numbers are stored.
	rows, err := h.store.ConcernRows(c.UserContext())
	if err != nil {
		return err
	}
	place := 0
	for _, r := range rows {
		if r.Side == row.Side {
			place++
			if r.ID == row.ID {
				break
			}
		}
	}
	f := concernForm{Code: row.Code, Label: row.Label, Description: row.Description, Side: row.Side, Position: strconv.Itoa(place)}
	return h.concernFormPage(c, fiber.StatusOK, &row, f, fieldErrors{})
}

func (h *Handler) updateConcern(c *fiber.Ctx) error {
	row, err := h.adminConcernParam(c)
	if err != nil {
		return err
	}
	return h.saveConcern(c, &row)
}

// saveConcern saves the posted form as the code of row, or as a new code
// when row is nil. A code that responses use cannot change.
func (h *Handler) saveConcern(c *fiber.Ctx, row *models.ConcernRow) error {
	var f concernForm
	readForm(c, &f)
	in, errs := f.check()
	var id int64
	if row != nil {
		id = row.ID
	}
	duplicate := duplicateIn("code", "The codebook already has this code; choose a different one")
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() (err error) {
			if row == nil {
				_, err = h.store.CreateConcern(c.UserContext(), currentAdmin(c).ID, in)
			} else {
				_, err = h.store.UpdateConcern(c.UserContext(), currentAdmin(c).ID, row.ID, in)
			}
			return err
		},
		field: func(err error, errs *fieldErrors) bool {
			var inUse models.ConcernInUseError
			if !errors.As(err, &inUse) {
				return duplicate(err, errs)
			}
			errs.add("code", fmt.Sprintf("The code %s is used by responses, so it cannot change; only its label, description, side and position can", inUse.Code))
			f.Code = inUse.Code
			return true
		},
		show: func(status int, errs fieldErrors) error { return h.concernFormPage(c, status, row, f, errs) },
		done: func() error { return redirectDone(c, "/admin/concerns", createdOrSaved("concern", id)) },
	})
}
