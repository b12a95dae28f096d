package handlers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// searchLimit is the most hits one search shows.
const searchLimit = 200

type searchPage struct {
	Consultation models.Consultation
	Proposals    []models.Proposal
	Query        string
	ProposalRef  string
	Filters      filterOptions
	Searched     bool
	Hits         []models.SearchHit
	Truncated    bool
	Limit        int
	Errors       fieldErrors
	ListURL      string
}

// search finds words in the comments and amendments of a consultation's
// submitted responses; an empty query shows the form only.
func (h *Handler) search(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sel, err := h.responseSelection(c)
	if err != nil {
		return err
	}
	cons, f, ps, ref := sel.consultation, sel.filter, sel.proposals, sel.ref
	q := c.Query("q")
	data := searchPage{Consultation: cons, Proposals: ps, Query: q, ProposalRef: ref, Filters: newFilterOptions(f),
		Limit: searchLimit, ListURL: listURL(fmt.Sprintf("/consultations/%d/responses", cons.ID), ref, f, "", 0)}
	title := "Search responses: " + cons.Title
	if strings.TrimSpace(q) != "" {
		data.Searched = true
		data.Hits, data.Truncated, err = h.store.SearchResponses(ctx, cons.ID, q, ref, f, searchLimit)
		switch {
		case errors.Is(err, models.ErrSearchTooLong):
			data.Searched = false
			data.Errors.add("q", fmt.Sprintf("Search for at most %d words and %d characters", models.MaxSearchWords, models.MaxSearchChars))
			c.Status(fiber.StatusUnprocessableEntity)
			title = "Error: " + title
		case err != nil:
			return err
		}
	}
	return h.render(c, "search", page{Title: title, Nav: "consultations", Data: data})
}
