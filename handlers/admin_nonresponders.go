package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// nonRespondersPage is the chase list of a consultation: who has not
// submitted what, and their contacts ready to paste into an email.
type nonRespondersPage struct {
	Report    models.NonResponseReport
	Filters   filterOptions
	Addresses string // "Name <email>; …" for an email's To or Bcc field
	Plain     string // one address a line
	NoEmail   int    // outstanding organisations without a contact email
}

func (h *Handler) nonResponders(c *fiber.Ctx) error {
	cons, f, err := h.consultationAndFilter(c)
	if err != nil {
		return err
	}
	rep, err := h.store.NonResponders(c.UserContext(), cons.ID, f)
	if err != nil {
		return err
	}
	data := nonRespondersPage{Report: rep, Filters: newFilterOptions(f)}
	var named, plain []string
	for _, o := range rep.Outstanding {
		if o.ContactEmail == "" {
			data.NoEmail++
			continue
		}
		name := o.ContactName
		if name == "" {
			name = o.Name
		}
		named = append(named, mailbox(name, o.ContactEmail))
		plain = append(plain, o.ContactEmail)
	}
	data.Addresses = strings.Join(named, "; ")
	data.Plain = strings.Join(plain, "\n")
	return h.render(c, "nonresponders", page{Title: "Not yet submitted: " + cons.Title, Nav: "consultations", Data: data})
}

// mailbox writes `Name <email>`, quoting a name that has characters with a
// meaning in addresses (a comma, say), as mail programs expect.
func mailbox(name, email string) string {
	if strings.ContainsAny(name, `,;:<>()[]"@\.`) {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + email + ">"
}
