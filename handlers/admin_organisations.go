package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// organisationForm is a member organisation as the admin typed it.
type organisationForm struct {
	Name         string `form:"name" validate:"text,required,max=200"`
	Code         string `form:"code" validate:"text,required,organisation_code"`
	Type         string `form:"type" validate:"text,required,organisation_type"`
	Region       string `form:"region" validate:"text,required,region"`
	System       string `form:"system" validate:"text,required,max=200"`
	SystemStatus string `form:"system_status" validate:"text,required,system_status"`
	ContactName  string `form:"contact_name" validate:"text,max=200"`
	ContactEmail string `form:"contact_email" validate:"text,omitempty,max=254,email"`
}

var organisationMessages = fieldMessages{
	"name": {"required": "Enter the organisation's name", "max": "Keep the name to 200 characters or fewer"},
	"code": {"required": "Enter the organisation's short code, for example RX1",
		"organisation_code": "Use up to 16 letters, digits, hyphens or underscores, starting with a letter or digit, for example RX1"},
	"type":          {"": "Choose the type of organisation"},
	"region":        {"": "Choose the NHS region"},
	"system":        {"required": "Enter the STP or ICS the organisation belongs to", "max": "Keep the system to 200 characters or fewer"},
	"system_status": {"": "Choose whether the system is an ICS yet"},
	"contact_name":  {"max": "Keep the contact name to 200 characters or fewer"},
	"contact_email": {"": "Enter the contact's email address in the form name@example.org"},
}

func (f organisationForm) check() (models.OrganisationInput, fieldErrors) {
	errs := validateForm(f, organisationMessages)
	return models.OrganisationInput{Code: f.Code, Name: f.Name, Type: f.Type, Region: f.Region, System: f.System,
		SystemStatus: f.SystemStatus, ContactName: f.ContactName, ContactEmail: models.NormaliseEmail(f.ContactEmail)}, errs
}

func organisationFormOf(o models.Organisation) organisationForm {
	return organisationForm{Code: o.Code, Name: o.Name, Type: o.Type, Region: o.Region, System: o.System,
		SystemStatus: o.SystemStatus, ContactName: o.ContactName, ContactEmail: o.ContactEmail}
}

func (f organisationForm) fields() []formField {
	return []formField{
		{Name: "name", Label: "Name", Kind: "text", Value: f.Name, Autocomplete: "organization"},
		{Name: "code", Label: "Code", Hint: "Short and unique; capitals matter. Imports and exports use it. For example RX1.",
			Kind: "text", Value: f.Code, Width: "short"},
		{Name: "type", Label: "Type", Kind: "radio", Value: f.Type, Options: optionsOf(models.OrganisationTypes, func(t string) string {
			return models.OrganisationTypeLabels[t]
		})},
		{Name: "region", Label: "NHS region", Kind: "select", Value: f.Region,
			Options: append([]option{{"", "Choose a region"}}, optionsOf(models.Regions, func(r string) string { return r })...)},
		{Name: "system", Label: "System", Hint: "The STP or ICS footprint, for example Surrey Heartlands.", Kind: "text", Value: f.System},
		{Name: "system_status", Label: "System status", Kind: "radio", Value: f.SystemStatus,
			Options: optionsOf(models.SystemStatuses, func(s string) string { return models.SystemStatusLabels[s] })},
		{Name: "contact_name", Label: "Contact name (optional)", Hint: "Who the policy team chases for responses.", Kind: "text", Value: f.ContactName,
			Autocomplete: "off"},
		{Name: "contact_email", Label: "Contact email (optional)", Kind: "email", Value: f.ContactEmail, Autocomplete: "off"},
	}
}

var organisationsCrumbs = []crumb{adminCrumb, {"/admin/organisations", "Organisations"}}

func (h *Handler) organisationFormPage(c *fiber.Ctx, status int, id int64, f organisationForm, errs fieldErrors) error {
	fp := formPage{Crumbs: organisationsCrumbs, Heading: "New organisation", Action: "/admin/organisations",
		Submit: "Add organisation", Cancel: "/admin/organisations", Fields: f.fields(), Errors: errs}
	if id != 0 {
		fp.Heading, fp.Submit = "Edit organisation", "Save organisation"
		fp.Action = "/admin/organisations/" + strconv.FormatInt(id, 10)
	}
	return h.renderForm(c, status, fp.Heading, fp)
}

type adminOrganisationsPage struct {
	Organisations []models.Organisation
	Filters       filterOptions
}

func (h *Handler) adminOrganisations(c *fiber.Ctx) error {
	f, err := filterFrom(c)
	if err != nil {
		return err
	}
	orgs, err := h.store.OrganisationsIn(c.UserContext(), f)
	if err != nil {
		return err
	}
	return h.render(c, "admin/organisations", page{Title: "Organisations", Nav: "admin", Flash: adminFlash(c),
		Data: adminOrganisationsPage{Organisations: orgs, Filters: newFilterOptions(f)}})
}

func (h *Handler) newOrganisation(c *fiber.Ctx) error {
	return h.organisationFormPage(c, fiber.StatusOK, 0, organisationForm{}, fieldErrors{})
}

func (h *Handler) createOrganisation(c *fiber.Ctx) error {
	return h.saveOrganisation(c, 0)
}

func (h *Handler) editOrganisation(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.store.OrganisationByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.organisationFormPage(c, fiber.StatusOK, id, organisationFormOf(o), fieldErrors{})
}

func (h *Handler) updateOrganisation(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return h.saveOrganisation(c, id)
}

// saveOrganisation saves the posted form as organisation id, or as a new
// one when id is 0.
func (h *Handler) saveOrganisation(c *fiber.Ctx, id int64) error {
	var f organisationForm
	readForm(c, &f)
	in, errs := f.check()
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() (err error) {
			if id == 0 {
				_, err = h.store.CreateOrganisation(c.UserContext(), currentAdmin(c).ID, in)
			} else {
				_, err = h.store.UpdateOrganisation(c.UserContext(), currentAdmin(c).ID, id, in)
			}
			return err
		},
		field: duplicateIn("code", "Another organisation already has this code; choose a different one"),
		show:  func(status int, errs fieldErrors) error { return h.organisationFormPage(c, status, id, f, errs) },
		done:  func() error { return redirectDone(c, "/admin/organisations", createdOrSaved("organisation", id)) },
	})
}
