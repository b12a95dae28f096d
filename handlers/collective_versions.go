package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/document"
	"github.com/nhsproviders/consultation-tracker/models"
)

// versionsPage is the history of the collective response: every version
// with what it changed and who saved it, the edits refused for a conflict,
// and a comparison of two versions.
type versionsPage struct {
	Consultation models.Consultation
	Versions     []models.CollectiveVersion // newest first, for the compare form
	Entries      []historyEntry
	Current      int  // the document's version now, which a restore carries
	CanRestore   bool // not approved
	From, To     int  // the versions chosen in the compare form
	Selected     *models.CollectiveVersion
	Previous     *models.CollectiveVersion // what Selected is compared with; nil for nothing
	Changes      []document.Change
}

// historyEntry is one line of the history: a version, or an edit refused.
type historyEntry struct {
	Version *models.CollectiveVersion
	Changed []string
	Refused *refusedEntry
}

// refusedEntry is a refused edit as the history shows it, quotes as text.
type refusedEntry struct {
	models.RefusedEdit
	PartName string
	Quotes   []string
}

// collectiveVersions lists the history. With :version it compares that
// version with the one before; with ?from=&to= any two versions.
func (h *Handler) collectiveVersions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	vs, err := h.store.CollectiveVersions(ctx, cons.ID)
	if err != nil {
		return err
	}
	p := versionsPage{Consultation: cons, Versions: vs}
	if len(vs) > 0 {
		p.Current, p.CanRestore = vs[0].Version, vs[0].Status != models.CollectiveApproved
	}
	if p.Entries, err = h.historyEntries(c, cons.ID, vs); err != nil {
		return err
	}
	if err := p.choose(c); err != nil {
		return err
	}
	if p.Selected != nil {
		quotes, err := h.versionQuotes(c, p.Previous, p.Selected)
		if err != nil {
			return err
		}
		p.Changes = document.Changes(p.Previous, *p.Selected, quotes)
	}
	return h.render(c, "collective/versions", page{Title: "Versions of the collective response", Nav: "consultations", Data: p})
}

// choose reads which two versions to compare: :version with the one before
// it, or ?from= (older) and ?to=. A version that does not exist is 404.
func (p *versionsPage) choose(c *fiber.Ctx) error {
	find := func(raw string) (int, error) {
		n, err := strconv.Atoi(raw)
		i := slices.IndexFunc(p.Versions, func(v models.CollectiveVersion) bool { return v.Version == n })
		if err != nil || i < 0 {
			return -1, fiber.ErrNotFound
		}
		return i, nil
	}
	switch {
	case c.Params("version") != "":
		i, err := find(c.Params("version"))
		if err != nil {
			return err
		}
		p.Selected = &p.Versions[i]
		if i+1 < len(p.Versions) {
			p.Previous = &p.Versions[i+1]
			p.From = p.Previous.Version
		}
		p.To = p.Selected.Version
	case c.Query("from") != "" || c.Query("to") != "":
		i, err := find(c.Query("from"))
		if err != nil {
			return err
		}
		j, err := find(c.Query("to"))
		if err != nil {
			return err
		}
		p.Previous, p.Selected = &p.Versions[i], &p.Versions[j]
		p.From, p.To = p.Previous.Version, p.Selected.Version
	default:
		if len(p.Versions) > 0 {
			p.To = p.Versions[0].Version
			p.From = p.Versions[min(1, len(p.Versions)-1)].Version
		}
	}
	return nil
}

// historyEntries are the versions, each with what it changed, and the
// refused edits, each just after the version it was refused at; newest
// first.
func (h *Handler) historyEntries(c *fiber.Ctx, consultationID int64, vs []models.CollectiveVersion) ([]historyEntry, error) {
	refused, err := h.store.CollectiveRefusedEdits(c.UserContext(), consultationID)
	if err != nil {
		return nil, err
	}
	out := make([]historyEntry, 0, len(vs)+len(refused))
	for i := range vs {
		var prev *models.CollectiveVersion
		if i+1 < len(vs) {
			prev = &vs[i+1]
		}
		out = append(out, historyEntry{Version: &vs[i], Changed: document.WhatChanged(prev, vs[i])})
	}
	for _, r := range refused {
		var ids []int64
		ids = append(ids, r.Text.QuoteIDs...)
		quotes, err := h.quoteTexts(c.UserContext(), ids)
		if err != nil {
			return nil, err
		}
		e := &refusedEntry{RefusedEdit: r, PartName: "the introduction"}
		if r.Part != models.PartIntroduction {
			e.PartName = "section " + r.Part
		}
		for _, id := range ids {
			e.Quotes = append(e.Quotes, document.QuoteOrGone(quotes, id))
		}
		out = append(out, historyEntry{Refused: e})
	}
	slices.SortStableFunc(out, func(a, b historyEntry) int {
		return -cmp.Compare(a.at(), b.at())
	})
	return out, nil
}

// at orders the history: a refused edit comes after the version it was
// refused at, and before the next one.
func (e historyEntry) at() float64 {
	if e.Refused != nil {
		return float64(e.Refused.AtVersion) + 0.5
	}
	return float64(e.Version.Version)
}

// versionQuotes are the quotes two versions attach, as text by id, as they
// stand today: a quote that is gone, or whose member no longer allows it, is
// left out, and the page says so without its words.
func (h *Handler) versionQuotes(c *fiber.Ctx, vs ...*models.CollectiveVersion) (map[int64]string, error) {
	var ids [][]int64
	for _, v := range vs {
		if v == nil {
			continue
		}
		for _, s := range v.Snapshot.Sections {
			ids = append(ids, s.QuoteIDs)
		}
	}
	return h.quoteTexts(c.UserContext(), ids...)
}

// restoreCollectiveVersion brings back an earlier version's text as a new
// version; quotes whose members no longer allow quoting stay out.
func (h *Handler) restoreCollectiveVersion(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("version"))
	if err != nil {
		return fiber.ErrNotFound
	}
	base, _ := strconv.Atoi(c.FormValue("version"))
	saved, err := h.store.RestoreCollective(c.UserContext(), models.CollectiveRestore{ConsultationID: cons.ID, UserID: u.ID,
		Version: n, BaseVersion: base})
	if status, msg := collectiveRefusal(err); status != 0 {
		return fiber.NewError(status, msg)
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return fiber.ErrNotFound
	case err != nil:
		return err
	}
	flash := "restored"
	if saved.BackToDraft {
		flash = "restored_draft"
	}
	return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=%s", cons.ID, flash), fiber.StatusSeeOther)
}
