package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/document"
	"github.com/nhsproviders/consultation-tracker/models"
)

// approvalPage asks an admin to confirm approval, listing what is missing.
type approvalPage struct {
	Doc        document.Document
	CanApprove bool // the response is in review
	Threshold  int
	// Missing are the proposals without a section.
	Missing []models.Proposal
	// Deadline is the member deadline; Open while members may still change
	// their responses.
	Deadline time.Time
	Open     bool
	// Drafting are the organisations with a response still in draft.
	Drafting []string
	// Coverage are the sections with a coverage warning.
	Coverage []document.Section
	// Suggested are the sections still as the template suggested them,
	// which nobody has read and saved.
	Suggested []models.Proposal
}

// Clear says that nothing is missing.
func (p approvalPage) Clear() bool {
	return len(p.Missing) == 0 && !p.Open && len(p.Drafting) == 0 && len(p.Coverage) == 0 && len(p.Suggested) == 0
}

// approveForm is the confirmation page of approval: what is missing (no
// section, the member deadline not passed, members still drafting, coverage
// warnings, sections still as the template suggested them), and the button
// that approves.
func (h *Handler) approveForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	d, doc, summaries, err := h.buildDocument(ctx, cons)
	if err != nil {
		return err
	}
	p := approvalPage{Doc: d, Threshold: 25, Missing: d.Missing, Deadline: cons.MemberDeadline,
		Open: !cons.MemberDeadline.IsZero() && h.store.Now().Before(cons.MemberDeadline)}
	p.CanApprove = d.Started && d.Status == models.CollectiveInReview
	if !d.Frozen {
		if err := h.attachCoverage(ctx, cons, &p.Doc, doc, summaries, p.Threshold); err != nil {
			return err
		}
	}
	suggested := suggestedSections(doc)
	for _, s := range p.Doc.Sections {
		if len(s.Coverage.Uncovered) > 0 || len(s.Coverage.Dissenting) > 0 {
			p.Coverage = append(p.Coverage, s)
		}
		if suggested[s.Proposal.ID] {
			p.Suggested = append(p.Suggested, s.Proposal)
		}
	}
	if p.Drafting, err = h.store.DraftingOrganisations(ctx, cons.ID); err != nil {
		return err
	}
	return h.render(c, "collective/approve", page{Title: "Approve the collective response: " + cons.Title, Nav: "consultations", Data: p})
}

// setCollectiveStatus takes a workflow step; approval freezes the figures
// and quotes as they are at that moment, and only from its confirmation
// page (confirm=1): any other request to approve is sent there.
func (h *Handler) setCollectiveStatus(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	to := c.FormValue("to")
	if !slices.Contains([]string{models.CollectiveDraft, models.CollectiveInReview, models.CollectiveApproved}, to) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "That is not a step of the workflow.")
	}
	if to == models.CollectiveApproved && c.FormValue("confirm") != "1" && u.Role == models.RoleAdmin {
		return c.Redirect(fmt.Sprintf("/consultations/%d/collective/approve", cons.ID), fiber.StatusSeeOther)
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	change := models.StatusChange{ConsultationID: cons.ID, UserID: u.ID, Role: u.Role, To: to, BaseVersion: version}
	if to == models.CollectiveApproved && u.Role == models.RoleAdmin {
		if change.Freeze, err = h.freezeNow(c, cons); err != nil {
			return err
		}
	}
	_, err = h.store.SetCollectiveStatus(ctx, change)
	if status, msg := collectiveRefusal(err); status != 0 {
		return fiber.NewError(status, msg)
	} else if errors.Is(err, models.ErrNotFound) {
		return fiber.NewError(fiber.StatusConflict, "Write at least one section or the introduction before sending the collective response for review.")
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=%s", cons.ID, to), fiber.StatusSeeOther)
}

// freezeNow reads, for approval, every proposal's figures and each
// section's quotes as they are at this moment: the figures the document was
// just filled from, so what is frozen is what was shown.
func (h *Handler) freezeNow(c *fiber.Ctx, cons models.Consultation) (map[string]models.FrozenSection, error) {
	ctx := c.UserContext()
	d, _, summaries, err := h.buildDocument(ctx, cons)
	if err != nil {
		return nil, err
	}
	ps, err := h.store.Proposals(ctx, cons.ID)
	if err != nil {
		return nil, err
	}
	freeze := map[string]models.FrozenSection{}
	for _, p := range ps {
		freeze[p.Ref] = models.FrozenSection{Figures: models.Figures(summaries[p.ID])}
	}
	for _, s := range d.Sections {
		f := freeze[s.Proposal.Ref]
		f.Quotes = s.Quotes
		freeze[s.Proposal.Ref] = f
	}
	return freeze, nil
}
