package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

type consultationsPage struct {
	Consultations []models.Consultation
}

func (h *Handler) consultations(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cs, err := h.store.Consultations(c.UserContext(), u.Role.SeesDrafts())
	if err != nil {
		return err
	}
	return h.render(c, "consultations", page{Title: "Consultations", Nav: "consultations", Data: consultationsPage{cs}})
}

// proposalRow is one line of a consultation's list of proposals.
type proposalRow struct {
	Proposal models.Proposal
	Status   models.ProposalStatus
}

type proposalGroup struct {
	Title string
	Rows  []proposalRow
}

type consultationPage struct {
	Consultation models.Consultation
	Open         bool
	Groups       []proposalGroup
	Submitted    int
	Drafts       int
	Total        int
}

// consultation lists the proposals of a consultation; a member also sees
// where their organisation stands on each.
func (h *Handler) consultation(c *fiber.Ctx) error {
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
	statuses := map[int64]models.ProposalStatus{}
	if u.Role == models.RoleMember {
		if statuses, err = h.store.StatusesFor(ctx, u.OrgID(), cons.ID); err != nil {
			return err
		}
	}
	data := consultationPage{Consultation: cons, Open: cons.OpenForMembers(h.store.Now()), Total: len(ps)}
	for _, p := range ps {
		st := statuses[p.ID]
		switch st.Status {
		case models.StatusSubmitted:
			data.Submitted++
		case models.StatusDraft:
			data.Drafts++
		}
		if n := len(data.Groups); n == 0 || data.Groups[n-1].Title != p.GroupTitle {
			data.Groups = append(data.Groups, proposalGroup{Title: p.GroupTitle})
		}
		g := &data.Groups[len(data.Groups)-1]
		g.Rows = append(g.Rows, proposalRow{Proposal: p, Status: st})
	}
	return h.render(c, "consultation", page{Title: cons.Title, Nav: "consultations", Data: data})
}

// consultationParam reads :id as the signed-in user may see it: members
// never see draft consultations.
func (h *Handler) consultationParam(c *fiber.Ctx) (models.Consultation, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.Consultation{}, err
	}
	cons, err := h.store.ConsultationByID(c.UserContext(), id)
	if err != nil {
		return models.Consultation{}, err
	}
	if u, _ := currentUser(c); !cons.VisibleTo(u) {
		return models.Consultation{}, fiber.ErrNotFound
	}
	return cons, nil
}

// proposalParam reads :ref as the signed-in user may see it: members never
// see proposals of draft consultations.
func (h *Handler) proposalParam(c *fiber.Ctx) (models.Proposal, models.Consultation, error) {
	p, cons, err := h.store.ProposalByRef(c.UserContext(), c.Params("ref"))
	if err != nil {
		return p, cons, err
	}
	if u, _ := currentUser(c); !cons.VisibleTo(u) {
		return p, cons, fiber.ErrNotFound
	}
	return p, cons, nil
}

type concernGroup struct {
	Side     string
	Concerns []models.Concern
}

type proposalPage struct {
	Proposal     models.Proposal
	Consultation models.Consultation
	IsMember     bool
	Open         bool
	Saved        string
	Response     *models.ResponseView
	Form         responseForm
	Errors       fieldErrors
	Codebook     []concernGroup
	Conflict     *models.ConflictError
	Refused      string // why a save was refused, shown above the form
}

func groupConcerns(cs []models.Concern) []concernGroup {
	var out []concernGroup
	for _, side := range models.ConcernSides {
		g := concernGroup{Side: side}
		for _, c := range cs {
			if c.Side == side {
				g.Concerns = append(g.Concerns, c)
			}
		}
		if len(g.Concerns) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// formFromResponse fills the form with a saved response.
func formFromResponse(r models.ResponseView) responseForm {
	f := responseForm{Stance: string(r.Stance), Concerns: r.Concerns, Comment: r.Comment, Amendments: r.Amendments,
		Consent: string(r.Consent), QuoteScope: string(r.QuoteScope.OrDefault()), Version: strconv.Itoa(r.Version)}
	if r.Autonomy != nil {
		f.Autonomy = strconv.Itoa(*r.Autonomy)
	}
	return f
}

func (h *Handler) proposal(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	p, cons, err := h.proposalParam(c)
	if err != nil {
		return err
	}
	data := proposalPage{Proposal: p, Consultation: cons, IsMember: u.Role == models.RoleMember,
		Open: cons.OpenForMembers(h.store.Now()), Form: responseForm{Version: "0", QuoteScope: string(models.QuoteCommentAndAmendments)}}
	if data.IsMember {
		switch c.Query("saved") {
		case string(models.StatusDraft):
			data.Saved = "Your draft was saved. It does not count until you submit it."
		case string(models.StatusSubmitted):
			data.Saved = "Your response was submitted. You can change it until the member deadline."
		}
		r, err := h.store.ResponseFor(ctx, u.OrgID(), p.ID)
		switch {
		case err == nil:
			data.Response = &r
			data.Form = formFromResponse(r)
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
		cs, err := h.store.Concerns(ctx)
		if err != nil {
			return err
		}
		data.Codebook = groupConcerns(cs)
	}
	return h.render(c, "proposal", page{Title: p.Ref + ": " + p.Title, Nav: "consultations", Data: data})
}

// readResponseForm reads the posted fields as typed. Line endings are
// normalised so that a limit counts what the member sees.
func readResponseForm(c *fiber.Ctx) responseForm {
	norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
	return responseForm{
		Stance:     c.FormValue("stance"),
		Autonomy:   strings.TrimSpace(c.FormValue("autonomy")),
		Comment:    norm(c.FormValue("comment")),
		Amendments: norm(c.FormValue("amendments")),
		Consent:    c.FormValue("consent"),
		QuoteScope: c.FormValue("quote_scope"),
		Action:     c.FormValue("action"),
		Version:    c.FormValue("version"),
		Concerns:   postedValues(c, "concerns"),
	}
}

func (h *Handler) saveResponse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	p, cons, err := h.proposalParam(c)
	if err != nil {
		return err
	}
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	form := readResponseForm(c)
	data := proposalPage{Proposal: p, Consultation: cons, IsMember: true, Open: true, Form: form, Codebook: groupConcerns(cs)}
	if saved, err := h.store.ResponseFor(ctx, u.OrgID(), p.ID); err == nil {
		data.Response = &saved
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if !cons.OpenForMembers(h.store.Now()) {
		return h.refuseClosed(c, data)
	}
	in, version, errs := h.check(form, cs)
	if errs.Any() {
		data.Errors = errs
		return h.showProposal(c, fiber.StatusUnprocessableEntity, "Error: ", data)
	}
	if ok, wait := h.saves.Take(u.ID, h.store.Now()); !ok {
		data.Refused = saveWaitMessage(wait, "save again: your text is kept in the form below")
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(waitSeconds(wait)))
		return h.showProposal(c, fiber.StatusTooManyRequests, "Not saved: ", data)
	}
	_, err = h.store.Save(ctx, models.SaveResponse{
		OrganisationID: u.OrgID(), ProposalID: p.ID, UserID: u.ID,
		Input: in, Submit: form.Action == "submit", BaseVersion: version,
	})
	var conflict models.ConflictError
	switch {
	case errors.As(err, &conflict):
		data.Conflict = &conflict
		data.Response = &conflict.Current
		// Saving this form again now overwrites the colleague's version knowingly.
		data.Form.Version = strconv.Itoa(conflict.Current.Version)
		return h.showProposal(c, fiber.StatusConflict, "Changed since you opened it: ", data)
	case errors.Is(err, models.ErrClosed):
		return h.refuseClosed(c, data)
	case err != nil:
		status, msg, ok := h.refusedSave(c, err)
		if !ok {
			return err
		}
		data.Refused = msg
		return h.showProposal(c, status, "Not saved: ", data)
	}
	h.log.Info("response saved", "user_id", u.ID, "organisation_id", u.OrgID(), "proposal", p.Ref, "action", form.Action)
	return c.Redirect("/proposals/"+p.Ref+"?saved="+string(map[bool]models.ResponseStatus{true: models.StatusSubmitted, false: models.StatusDraft}[form.Action == "submit"]), fiber.StatusSeeOther)
}

// refuseClosed answers a save after the member deadline: 409, the reason, and
// what the member typed, so they can copy it elsewhere.
func (h *Handler) refuseClosed(c *fiber.Ctx, data proposalPage) error {
	data.Open = false
	data.Refused = "The member deadline for this consultation has passed, so responses can no longer be changed. Nothing was saved. Your text is shown below so that you can copy it and send it to the policy team."
	return h.showProposal(c, fiber.StatusConflict, "Not saved: ", data)
}

// showProposal shows the proposal page again after a save, at status, its
// title starting with why ("Not saved: ").
func (h *Handler) showProposal(c *fiber.Ctx, status int, why string, data proposalPage) error {
	c.Status(status)
	return h.render(c, "proposal", page{Title: why + data.Proposal.Ref + ": " + data.Proposal.Title, Nav: "consultations", Data: data})
}

type historyPage struct {
	Proposal  models.Proposal
	Revisions []models.RevisionView
	Total     int
	NewerURL  string
	OlderURL  string
	FirstURL  string
}

// historyPerPage is how many saves one page of history shows.
const historyPerPage = 25

// history shows the saves of the member's response, newest first, a page at
// a time (?before=<id> for older saves, ?after=<id> for newer ones).
func (h *Handler) history(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	p, _, err := h.proposalParam(c)
	if err != nil {
		return err
	}
	// A damaged page link shows the newest page rather than an error.
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	hp, err := h.store.HistoryPage(c.UserContext(), models.HistoryQuery{OrgID: u.OrgID(), ProposalID: p.ID,
		Before: before, After: after, Limit: historyPerPage})
	if err != nil {
		return err
	}
	base := "/proposals/" + url.PathEscape(p.Ref) + "/history"
	data := historyPage{Proposal: p, Revisions: hp.Revisions, Total: hp.Total}
	if n := len(hp.Revisions); n > 0 {
		if hp.HasNewer {
			data.NewerURL = base + "?after=" + strconv.FormatInt(hp.Revisions[0].ID, 10)
			data.FirstURL = base
		}
		if hp.HasOlder {
			data.OlderURL = base + "?before=" + strconv.FormatInt(hp.Revisions[n-1].ID, 10)
		}
	}
	return h.render(c, "history", page{Title: "History: " + p.Ref, Nav: "consultations", Data: data})
}
