package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The policy team's analysis: the list of submitted responses, one response
// with its coding, internal notes and quotes. Search is in search.go.

const responsesPerPage = 50

// proposalChoice reads the proposal filter (?proposal=ref) and checks that
// the proposal belongs to the consultation.
func proposalChoice(c *fiber.Ctx, proposals []models.Proposal) (string, error) {
	ref := c.Query("proposal")
	if ref == "" {
		return "", nil
	}
	if slices.ContainsFunc(proposals, func(p models.Proposal) bool { return p.Ref == ref }) {
		return ref, nil
	}
	return "", fiber.NewError(fiber.StatusBadRequest,
		"The filter “proposal” names a proposal that is not part of this consultation. Clear the filters and choose again.")
}

// concernLabels maps each code of the codebook to its label.
func concernLabels(cs []models.Concern) map[string]string {
	out := make(map[string]string, len(cs))
	for _, c := range cs {
		out[c.Code] = c.Label
	}
	return out
}

type responsesPage struct {
	Consultation models.Consultation
	Proposals    []models.Proposal
	ProposalRef  string
	Filters      filterOptions
	List         models.ResponseList
	Labels       map[string]string
	PrevURL      string
	NextURL      string
	FirstURL     string
	SearchURL    string
}

// listURL is a link to a page of the list that keeps the filters.
func listURL(base, ref string, f models.Filter, key string, id int64) string {
	v := filterValues(f)
	if ref != "" {
		v.Set("proposal", ref)
	}
	if key != "" {
		v.Set(key, strconv.FormatInt(id, 10))
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// responseSelection is what the responses list and search both read from
// the request: the consultation, the segment filter and the proposal chosen.
type responseSelection struct {
	consultation models.Consultation
	filter       models.Filter
	proposals    []models.Proposal
	ref          string
}

func (h *Handler) responseSelection(c *fiber.Ctx) (responseSelection, error) {
	var sel responseSelection
	var err error
	if sel.consultation, sel.filter, err = h.consultationAndFilter(c); err != nil {
		return sel, err
	}
	if sel.proposals, err = h.store.Proposals(c.UserContext(), sel.consultation.ID); err != nil {
		return sel, err
	}
	sel.ref, err = proposalChoice(c, sel.proposals)
	return sel, err
}

func (h *Handler) responses(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sel, err := h.responseSelection(c)
	if err != nil {
		return err
	}
	cons, f, ps, ref := sel.consultation, sel.filter, sel.proposals, sel.ref
	// A damaged page link shows the first page rather than an error.
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	list, err := h.store.SubmittedResponses(ctx, models.ResponseListQuery{ConsultationID: cons.ID, ProposalRef: ref,
		Filter: f, After: after, Before: before, Limit: responsesPerPage})
	if err != nil {
		return err
	}
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("/consultations/%d/responses", cons.ID)
	data := responsesPage{Consultation: cons, Proposals: ps, ProposalRef: ref, Filters: newFilterOptions(f),
		List: list, Labels: concernLabels(cs), FirstURL: listURL(base, ref, f, "", 0),
		SearchURL: listURL(fmt.Sprintf("/consultations/%d/search", cons.ID), ref, f, "", 0)}
	if n := len(list.Rows); n > 0 {
		if list.HasPrev {
			data.PrevURL = listURL(base, ref, f, "before", list.Rows[0].ID)
		}
		if list.HasNext {
			data.NextURL = listURL(base, ref, f, "after", list.Rows[n-1].ID)
		}
	}
	return h.render(c, "responses", page{Title: "Responses: " + cons.Title, Nav: "consultations", Data: data})
}

// codingChoice is one concern of the coding form.
type codingChoice struct {
	Concern models.Concern
	Member  bool // chosen by the member
	Checked bool // in the policy team's set (or as just posted)
	Coding  *models.Coding
}

type codingGroup struct {
	Side    string
	Choices []codingChoice
}

type responsePage struct {
	Response models.ResponseDetail
	Labels   map[string]string
	Coding   []codingGroup
	Notes    []models.NoteView
	Quotes   []models.QuoteView
	Quotable bool
	// AnonymousAttribution is how an anonymised quote from this member reads;
	// AttributionBroader says it is wider than type and region because too
	// few members share them, which the page tells the policy team.
	AnonymousAttribution string
	AttributionBroader   bool
	Saved                string
	Errors               fieldErrors
	NoteBody             string
	Excerpt              string
	// Reading is the reading view the page was opened from (reading.go), with
	// the responses either side in its order; Return is where the page's
	// forms come back to.
	Reading *readingNav
	Return  string
}

var savedMessages = map[string]string{
	"coded":         "The policy team's codes were saved.",
	"unchanged":     "The policy team's codes were already as chosen; nothing changed.",
	"note":          "Your note was added.",
	"quote":         "The quote was added.",
	"quote-removed": "The quote was removed.",
}

// draftNotFound answers a request about a draft: 404, saying why.
func (h *Handler) draftNotFound(c *fiber.Ctx) error {
	c.Status(fiber.StatusNotFound)
	return h.render(c, "error", page{Title: errorTitles[fiber.StatusNotFound], Data: errorPage{Status: fiber.StatusNotFound,
		Message: "This response is a draft. The policy team reads, codes and quotes submitted responses only; it will appear here once the member submits it."}})
}

// responsePageData loads the response page's data; posted holds the analyst codes
// as just posted, or nil to show the stored set.
func (h *Handler) responsePageData(c *fiber.Ctx, id int64, posted []string) (responsePage, error) {
	ctx := c.UserContext()
	d, err := h.store.SubmittedResponse(ctx, id)
	if err != nil {
		return responsePage{}, err
	}
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return responsePage{}, err
	}
	notes, err := h.store.Notes(ctx, id)
	if err != nil {
		return responsePage{}, err
	}
	quotes, err := h.store.QuotesForResponse(ctx, id)
	if err != nil {
		return responsePage{}, err
	}
	anonymously, broader, err := h.store.AnonymousAttribution(ctx, d.Organisation)
	if err != nil {
		return responsePage{}, err
	}
	data := responsePage{Response: d, Labels: concernLabels(cs), Notes: notes, Quotes: quotes,
		Quotable:             d.Consent != models.ConsentPrivate,
		AnonymousAttribution: anonymously, AttributionBroader: broader}
	coded := map[string]*models.Coding{}
	for i := range d.AnalystCodings {
		coded[d.AnalystCodings[i].Code] = &d.AnalystCodings[i]
	}
	for _, side := range models.ConcernSides {
		g := codingGroup{Side: side}
		for _, cn := range cs {
			if cn.Side != side {
				continue
			}
			ch := codingChoice{Concern: cn, Member: slices.Contains(d.MemberConcerns, cn.Code), Coding: coded[cn.Code]}
			if posted != nil {
				ch.Checked = slices.Contains(posted, cn.Code)
			} else {
				ch.Checked = ch.Coding != nil
			}
			g.Choices = append(g.Choices, ch)
		}
		if len(g.Choices) > 0 {
			data.Coding = append(data.Coding, g)
		}
	}
	return data, nil
}

func responseTitle(d models.ResponseDetail) string {
	return d.Organisation.Name + " on " + d.Proposal.Ref
}

// showResponse renders the response page, or a 404 that says why for a draft.
func (h *Handler) showResponse(c *fiber.Ctx, data responsePage, err error) error {
	switch {
	case errors.Is(err, models.ErrNotSubmitted):
		return h.draftNotFound(c)
	case err != nil:
		return err
	}
	if u, ok := localReturn(c.FormValue("return")); ok && data.Return == "" {
		data.Return = u.String()
	}
	title := responseTitle(data.Response)
	if data.Errors.Any() {
		c.Status(fiber.StatusUnprocessableEntity)
		title = "Error: " + title
	}
	return h.render(c, "response", page{Title: title, Nav: "consultations", Data: data})
}

func (h *Handler) response(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	data, err := h.responsePageData(c, id, nil)
	data.Saved = savedMessages[c.Query("saved")]
	if err == nil {
		if data.Reading, err = h.readingNavFor(c, data.Response); data.Reading != nil {
			data.Return = data.Reading.Return
		}
	}
	return h.showResponse(c, data, err)
}

// redirectToResponse goes back to the response page after a form, or to
// where the form's "return" field says if that is a path on this site.
func redirectToResponse(c *fiber.Ctx, id int64, saved, anchor string) error {
	if back := returnTo(c, id, saved, anchor); back != "" {
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/responses/%d?saved=%s#%s", id, saved, anchor), fiber.StatusSeeOther)
}

func (h *Handler) codeResponse(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	codes := postedValues(c, "concerns")
	var before, after []string
	err = models.TooManyConcernsError{Count: len(codes)}
	if len(codes) <= models.MaxConcernCodes {
		before, after, err = h.store.CodeResponse(c.UserContext(), id, u.ID, codes)
	}
	var unknown models.UnknownConcernError
	var tooMany models.TooManyConcernsError
	switch {
	case errors.As(err, &unknown):
		data, err := h.responsePageData(c, id, codes)
		data.Errors.add("concerns", fmt.Sprintf("%q is not a concern in the codebook; choose concerns from the list", truncate(unknown.Code, 40)))
		return h.showResponse(c, data, err)
	case errors.As(err, &tooMany):
		data, err := h.responsePageData(c, id, codes)
		data.Errors.add("concerns", fmt.Sprintf("The form sent %s concern codes; a response can carry at most %d. Nothing was changed: tick the concerns from the list and save again",
			thousandsInt(tooMany.Count), models.MaxConcernCodes))
		return h.showResponse(c, data, err)
	case errors.Is(err, models.ErrNotSubmitted):
		return h.draftNotFound(c)
	case err != nil:
		return err
	}
	saved := "coded"
	if strings.Join(before, ";") == strings.Join(after, ";") {
		saved = "unchanged"
	}
	return redirectToResponse(c, id, saved, "coding")
}

// noteForm and quoteForm are the page's two text forms, as typed.
type noteForm struct {
	Body string `form:"body" validate:"text,required,max=5000"`
}

type quoteForm struct {
	Excerpt string `form:"excerpt" validate:"text,required,max=5000"`
}

var analysisMessages = fieldMessages{
	"body": {
		"text":     unreadableText,
		"required": "Write the note before adding it",
		"max":      fmt.Sprintf("Keep a note to %d characters or fewer", models.MaxCommentChars),
	},
	"excerpt": {
		"text":     unreadableText,
		"required": "Paste or type the passage to quote",
		"max":      fmt.Sprintf("A quote cannot be longer than the member's text (%d characters)", models.MaxCommentChars),
	},
}

func (h *Handler) addNote(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	typed := strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n")
	form := noteForm{Body: strings.TrimSpace(typed)}
	if errs := validateForm(form, analysisMessages); errs.Any() {
		data, err := h.responsePageData(c, id, nil)
		data.Errors, data.NoteBody = errs, typed
		return h.showResponse(c, data, err)
	}
	_, err = h.store.AddNote(c.UserContext(), id, u.ID, form.Body)
	switch {
	case errors.Is(err, models.ErrNotSubmitted):
		return h.draftNotFound(c)
	case err != nil:
		return err
	}
	return redirectToResponse(c, id, "note", "notes")
}

func (h *Handler) addQuote(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	typed := c.FormValue("excerpt")
	form := quoteForm{Excerpt: models.NormaliseExcerpt(typed)}
	errs := validateForm(form, analysisMessages)
	if !errs.Any() {
		_, err = h.store.AddQuote(c.UserContext(), id, u.ID, form.Excerpt)
		switch {
		case errors.Is(err, models.ErrNotQuotable):
			errs.add("excerpt", "This member asked not to be quoted")
		case errors.Is(err, models.ErrAmendmentsNotQuotable):
			errs.add("excerpt", "This member allows their comment only to be quoted, and this passage is from their suggested amendments. Choose a passage of their comment")
		case errors.Is(err, models.ErrExcerptNotInText):
			errs.add("excerpt", "The passage must be copied exactly from the member's comment or suggested amendments")
		case errors.Is(err, models.ErrDuplicate):
			errs.add("excerpt", "This passage is already one of the quotes")
		case errors.Is(err, models.ErrNotSubmitted):
			return h.draftNotFound(c)
		case err != nil:
			return err
		}
	}
	if errs.Any() {
		data, err := h.responsePageData(c, id, nil)
		data.Errors, data.Excerpt = errs, typed
		return h.showResponse(c, data, err)
	}
	return redirectToResponse(c, id, "quote", "quotes")
}

func (h *Handler) removeQuote(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rid, err := h.store.RemoveQuote(c.UserContext(), id, u.ID)
	if err != nil {
		return err
	}
	return redirectToResponse(c, rid, "quote-removed", "quotes")
}
