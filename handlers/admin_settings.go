package handlers

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// bodyForm is the body's identity as an admin typed it.
type bodyForm struct {
	Name       string `form:"name" validate:"text,required,max=120"`
	ShortName  string `form:"short_name" validate:"text,required,max=40"`
	Email      string `form:"email" validate:"text,omitempty,max=254,email"`
	Phone      string `form:"phone" validate:"text,omitempty,max=30"`
	Postal     string `form:"postal" validate:"text,omitempty,max=200"`
	RemoveLogo string `form:"remove_logo" validate:"omitempty,oneof=yes"`
}

var bodyMessages = fieldMessages{
	"name":        {"required": "Enter the body's name", "max": "Keep the name to 120 characters or fewer"},
	"short_name":  {"required": "Enter a short name, used in document titles", "max": "Keep the short name to 40 characters or fewer"},
	"email":       {"": "Enter an email address like policy@example.org"},
	"phone":       {"": "Enter a telephone number like 020 7946 0000"},
	"postal":      {"": "Keep the address to 200 characters or fewer, on one line"},
	"remove_logo": {"": "The form was damaged; reload the page and try again"},
}

// bodyFieldOrder is the order of the form, which the error summary follows.
var bodyFieldOrder = []string{"name", "short_name", "email", "phone", "postal", "logo", "remove_logo"}

// phonePattern is a UK-style telephone number: digits, spaces and the
// usual punctuation, with 7 to 15 digits in all (checked apart).
var phonePattern = regexp.MustCompile(`^\+?[0-9 ()-]+$`)

func (f *bodyForm) trim() {
	for _, s := range []*string{&f.Name, &f.ShortName, &f.Email, &f.Phone, &f.Postal} {
		*s = strings.TrimSpace(*s)
	}
}

// check validates the form: its fields, then what the rules cannot say.
func (f bodyForm) check() fieldErrors {
	errs := validateForm(f, bodyMessages)
	if f.Phone != "" && errs.Fields["phone"] == "" {
		digits := 0
		for _, r := range f.Phone {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phonePattern.MatchString(f.Phone) || digits < 7 || digits > 15 {
			errs.add("phone", bodyMessages["phone"][""])
		}
	}
	if strings.ContainsAny(f.Postal, "\r\n") {
		errs.add("postal", bodyMessages["postal"][""])
	}
	if f.Email == "" && f.Phone == "" && !errs.Any() {
		errs.add("email", "Give an email address or a telephone number, so that readers can reach the policy team")
	}
	return errs
}

func (f bodyForm) fields() []formField {
	return []formField{
		{Name: "name", Label: "Name", Hint: "As it should appear on the collective response, for example NHS Providers.", Value: f.Name, Autocomplete: "organization"},
		{Name: "short_name", Label: "Short name", Hint: "Used in document titles and the running header.", Value: f.ShortName, Width: "medium"},
		{Name: "email", Label: "Policy team email address (optional if you give a telephone number)", Kind: "email", Value: f.Email, Autocomplete: "email"},
		{Name: "phone", Label: "Telephone number (optional)", Kind: "tel", Value: f.Phone, Width: "medium", Autocomplete: "tel"},
		{Name: "postal", Label: "Postal address, on one line (optional)", Hint: "For example 1 Example Street, London SW1A 0AA.", Value: f.Postal},
	}
}

// bodyPage is the body's identity form, with the logo as it stands.
type bodyPage struct {
	Fields    []formField
	Errors    fieldErrors
	LogoError string
	Body      models.Body
	Remove    bool
	Saved     bool
	MaxKB     int
	MaxSide   int
}

func (h *Handler) bodyFormPage(c *fiber.Ctx, status int, f bodyForm, errs fieldErrors) error {
	b, err := h.store.Body(c.UserContext())
	if err != nil {
		return err
	}
	p := bodyPage{Fields: f.fields(), Errors: errs, LogoError: errs.Fields["logo"], Body: b,
		Remove: f.RemoveLogo == "yes", Saved: status == fiber.StatusOK && c.Query("done") == "saved",
		MaxKB: models.MaxLogoBytes >> 10, MaxSide: models.MaxLogoSide}
	for i := range p.Fields {
		p.Fields[i].Error = errs.Fields[p.Fields[i].Name]
	}
	title := "The body's details"
	if status == fiber.StatusUnprocessableEntity {
		title = "Error: " + title
	}
	c.Status(status)
	return h.render(c, "admin/settings", page{Title: title, Nav: "admin", Data: p})
}

func (h *Handler) adminBody(c *fiber.Ctx) error {
	b, err := h.store.Body(c.UserContext())
	if err != nil {
		return err
	}
	f := bodyForm{Name: b.Name, ShortName: b.ShortName, Email: b.Email, Phone: b.Phone, Postal: b.Postal}
	return h.bodyFormPage(c, fiber.StatusOK, f, fieldErrors{})
}

func (h *Handler) saveAdminBody(c *fiber.Ctx) error {
	var f bodyForm
	readForm(c, &f)
	f.trim()
	errs := f.check()
	logo, logoErr := uploadedLogo(c)
	if logoErr != "" {
		errs.add("logo", logoErr)
	}
	if logo != nil && f.RemoveLogo == "yes" {
		errs.add("logo", "Either choose a new logo or tick “Remove the logo”, not both")
	}
	if errs.Any() {
		errs.sortBy(bodyFieldOrder)
		return h.bodyFormPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	change := storage.BodyChange{Body: models.Body{Name: f.Name, ShortName: f.ShortName, Email: f.Email, Phone: f.Phone,
		Postal: f.Postal}, Logo: logo, RemoveLogo: f.RemoveLogo == "yes"}
	if err := h.store.SetBody(c.UserContext(), currentAdmin(c).ID, change); err != nil {
		return err
	}
	return c.Redirect("/admin/body?done=saved", fiber.StatusSeeOther)
}

// uploadedLogo reads the logo field: nil when no file was chosen, else the
// checked logo or why it cannot be one.
func uploadedLogo(c *fiber.Ctx) (*models.Logo, string) {
	fh, err := c.FormFile("logo")
	if err != nil {
		return nil, "" // no file chosen: an empty file input sends no file part
	}
	if fh.Size > models.MaxLogoBytes {
		return nil, fmt.Sprintf("The logo is larger than %d KB; save it smaller and upload it again", models.MaxLogoBytes>>10)
	}
	file, err := fh.Open()
	if err != nil {
		return nil, "The file could not be read; choose it again"
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, models.MaxLogoBytes+1))
	if err != nil {
		return nil, "The file could not be read; choose it again"
	}
	logo, err := models.CheckLogo(data)
	var le models.LogoError
	if errors.As(err, &le) {
		return nil, le.Message + ". Choose the file again: a browser does not keep it after an error."
	}
	return &logo, ""
}

// bodyLogo serves the body's logo to signed-in users, for the print view.
// Its address carries the time it was uploaded, so a browser may keep it.
func (h *Handler) bodyLogo(c *fiber.Ctx) error {
	logo, err := h.store.BodyLogo(c.UserContext())
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"logo-%d"`, logo.UpdatedAt.UnixNano())
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, logo.Type)
	return c.Send(logo.Data)
}
