package handlers

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// withdrawnReasons say, for the policy team, what a member's withdrawal
// means for a quote of the approved response.
var withdrawnReasons = map[string]string{
	models.WithdrawnDoNotQuote: "The member now asks not to be quoted. The quote is left out of this page, the print view, Markdown and Word.",
	models.WithdrawnName:       "The member now asks to be quoted without their name. The quote is shown as from “%s”.",
	models.WithdrawnAmendments: "The quote is from the member's suggested amendments, and the member now allows their comment only to be quoted. The quote is left out of this page, the print view, Markdown and Word.",
	models.WithdrawnUnknown:    "The response this quote came from is gone, so its member's consent cannot be checked. The quote is left out of this page, the print view, Markdown and Word.",
}

func withdrawnReason(w models.WithdrawnQuote) string {
	if w.Reason == models.WithdrawnName {
		return fmt.Sprintf(withdrawnReasons[w.Reason], w.Shown)
	}
	return withdrawnReasons[w.Reason]
}

// removeWithdrawnQuote takes a quote whose member withdrew consent out of
// the approved collective response, which stays approved.
func (h *Handler) removeWithdrawnQuote(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	quoteID, err := pathID(c, "quote")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	_, err = h.store.RemoveWithdrawnQuote(c.UserContext(), cons.ID, quoteID, u.ID, version)
	if status, msg := collectiveRefusal(err); status != 0 {
		return fiber.NewError(status, msg)
	}
	switch {
	case errors.Is(err, models.ErrQuoteNotWithdrawn):
		return fiber.NewError(fiber.StatusConflict, "Only a quote whose member has withdrawn consent can be taken out of an approved response. To change anything else, an admin reopens it as a draft.")
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=quote_out", cons.ID), fiber.StatusSeeOther)
}
