package handlers

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// fillCollectiveTemplate starts the section of every proposal that has none
// yet from its figures: a suggested position and a statement of figure
// tokens, marked as a suggestion until someone saves the section.
func (h *Handler) fillCollectiveTemplate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	ps, err := h.store.Proposals(ctx, cons.ID)
	if err != nil {
		return err
	}
	_, summaries, err := h.liveFigures(ctx, ps)
	if err != nil {
		return err
	}
	amendments, err := h.store.AmendmentCounts(ctx, cons.ID)
	if err != nil {
		return err
	}
	fill := models.TemplateFill{ConsultationID: cons.ID, UserID: u.ID}
	for _, p := range ps {
		fill.Sections = append(fill.Sections, models.SuggestedSection(p.ID, p.Ref, summaries[p.ID], amendments[p.ID]))
	}
	_, filled, err := h.store.FillCollectiveTemplate(ctx, fill)
	if status, msg := collectiveRefusal(err); status != 0 {
		return fiber.NewError(status, msg)
	}
	switch {
	case errors.Is(err, models.ErrTemplateNotDraft):
		return fiber.NewError(fiber.StatusConflict, "The collective response is in review. Return it to draft to start sections from the figures.")
	case err != nil:
		return err
	case len(filled) == 0:
		return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=all_written", cons.ID), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=template", cons.ID), fiber.StatusSeeOther)
}

// suggestedSections says, by proposal id, which sections are still the
// template's suggestion, for the workspace's marker (never an export's);
// none once the response is approved.
func suggestedSections(doc models.CollectiveDoc) map[int64]bool {
	out := map[int64]bool{}
	if doc.Response.Status == models.CollectiveApproved {
		return out
	}
	for id, sec := range doc.Sections {
		if sec.Suggested {
			out[id] = true
		}
	}
	return out
}
