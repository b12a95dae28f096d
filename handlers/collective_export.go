package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/document"
	"github.com/nhsproviders/consultation-tracker/models"
)

// documentParam reads :id and builds that consultation's collective response
// as every export shows it.
func (h *Handler) documentParam(c *fiber.Ctx) (models.User, models.Consultation, document.Document, error) {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return u, cons, document.Document{}, err
	}
	d, _, _, err := h.buildDocument(c.UserContext(), cons)
	if err != nil {
		return u, cons, d, err
	}
	err = h.addDocumentIdentity(c.UserContext(), &d)
	return u, cons, d, err
}

// addDocumentIdentity adds to a built document what only the exports show:
// the body that sends it (and its logo), and each section's figures table
// and chart, with the concerns named by the codebook.
func (h *Handler) addDocumentIdentity(ctx context.Context, d *document.Document) error {
	body, err := h.store.Body(ctx)
	if err != nil {
		return err
	}
	d.Body = body
	if body.HasLogo() {
		logo, err := h.store.BodyLogo(ctx)
		switch {
		case err == nil:
			d.Logo = &logo
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	codebook, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	labels := make(map[string]string, len(codebook))
	for _, c := range codebook {
		labels[c.Code] = c.Label
	}
	d.AddFigures(labels)
	return nil
}

func (h *Handler) collectivePrint(c *fiber.Ctx) error {
	_, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	return h.render(c, "collective/print", page{Title: "Collective response: " + cons.Title, Nav: "consultations", Data: d})
}

// collectiveMarkdown writes the collective response as Markdown, figures
// filled in, for pasting into other documents.
func (h *Handler) collectiveMarkdown(c *fiber.Ctx) error {
	u, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	md := document.Markdown(d, h.store.Now().In(london))
	h.audit(c, u.ID, models.AuditExport, fmt.Sprintf("collective response, consultation %d", cons.ID), "markdown")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="collective-response-%d.md"`, cons.ID))
	c.Type("md", "utf-8")
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.SendString(md)
}

func (h *Handler) collectiveDocx(c *fiber.Ctx) error {
	u, cons, d, err := h.documentParam(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := document.WriteDocx(&buf, d, h.store.Now().In(london)); err != nil {
		return err
	}
	h.audit(c, u.ID, models.AuditExport, fmt.Sprintf("collective response, consultation %d", cons.ID), "docx")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="collective-response-%d.docx"`, cons.ID))
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	return c.Send(buf.Bytes())
}
