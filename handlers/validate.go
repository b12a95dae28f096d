package handlers

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Every form is checked the same way: a struct of the raw strings posted,
// each field named by its `form` tag and constrained by its `validate` tag,
// checked by validateForm against the form's own messages. The messages are
// written for the person filling the form in, per field and rule.

// formValidator is the one validator of every form: it names fields by
// their `form` tag, so that messages and the error summary use the names the
// form posts, and knows the product's codes.
var formValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("form") })
	pattern := func(re *regexp.Regexp) validator.Func {
		return func(fl validator.FieldLevel) bool { return re.MatchString(fl.Field().String()) }
	}
	oneOf := func(list []string) validator.Func {
		return func(fl validator.FieldLevel) bool { return slices.Contains(list, fl.Field().String()) }
	}
	roles := make([]string, len(models.Roles))
	for i, r := range models.Roles {
		roles[i] = string(r)
	}
	for tag, fn := range map[string]validator.Func{
		"slug":                pattern(regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)),
		"concern_code":        pattern(regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)),
		"proposal_ref":        pattern(regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)),
		"organisation_code":   pattern(regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$`)),
		"consultation_status": validCode[models.ConsultationStatus](),
		"power_direction":     validCode[models.PowerDirection](),
		"stance":              validCode[models.Stance](),
		"consent":             validCode[models.Consent](),
		"quote_scope":         validCode[models.QuoteScope](),
		"concern_side":        oneOf(models.ConcernSides),
		"organisation_type":   oneOf(models.OrganisationTypes),
		"region":              oneOf(models.Regions),
		"system_status":       oneOf(models.SystemStatuses),
		"role":                oneOf(roles),
		"text":                readableText,
	} {
		if err := v.RegisterValidation(tag, fn); err != nil {
			panic(err) // a programming error, caught by any test
		}
	}
	return v
}()

// fieldMessages are the messages of one form: field → rule → message, with
// "" as the field's message for any other rule.
type fieldMessages map[string]map[string]string

// The "text" rule refuses text that is not UTF-8 or holds a NUL: no one
// types either, and PostgreSQL cannot store a NUL. Free-text fields list it
// first, so that unreadable text is said before any other rule.
const unreadableDefault = "This contains characters that could not be read; retype it or paste it again as plain text"

func readableText(fl validator.FieldLevel) bool {
	s := fl.Field().String()
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// validateForm checks a form struct and returns its errors, the first for
// each field, in the order found.
func validateForm(form any, msgs fieldMessages) fieldErrors {
	var errs fieldErrors
	if err := formValidator.Struct(form); err != nil {
		ves, ok := err.(validator.ValidationErrors)
		if !ok {
			errs.add("_form", "The form could not be read; reload the page and try again")
			return errs
		}
		for _, fe := range ves {
			field, _, _ := strings.Cut(fe.Field(), "[") // concerns[2] is the concerns field
			errs.add(field, msgs.message(field, fe.Tag()))
		}
	}
	return errs
}

// message is the form's message for a field breaking a rule: the rule's
// own, else the field's message for any rule, else a plain request to check.
// Unreadable text is always said as such.
func (m fieldMessages) message(field, rule string) string {
	if msg := m[field][rule]; msg != "" {
		return msg
	}
	if rule == "text" {
		return unreadableDefault
	}
	if msg := m[field][""]; msg != "" {
		return msg
	}
	return "Check this answer"
}

// validCode is the validator rule that a field holds one of a vocabulary's
// codes, as the domain type T says.
func validCode[T interface {
	~string
	Valid() bool
}]() validator.Func {
	return func(fl validator.FieldLevel) bool { return T(fl.Field().String()).Valid() }
}
