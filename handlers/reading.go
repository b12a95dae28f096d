package handlers

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The reading view: every submitted response to one proposal in full, a
// keyset page at a time, with coding and quoting in place. Its filter and
// order travel on to each response page, whose previous and next follow
// them.

const readingPerPage = 25

// readingRequest is the reading view's selection as the query string says it.
type readingRequest struct {
	filter        models.ReadingFilter
	sort          models.ReadingSort
	after, before int64
	page          int // the page's number (0: not known), carried in links for people; never used to find it
}

var readingFilterNames = map[string]string{"stance": "“stance”", "sort": "“sort by”"}

// readingRequestFrom reads the summary's segment filter (filterFrom), the
// reading view's own filters, its order and its cursor.
func readingRequestFrom(c *fiber.Ctx) (readingRequest, error) {
	f, err := filterFrom(c)
	if err != nil {
		return readingRequest{}, err
	}
	r := readingRequest{sort: models.ReadingSort(c.Query("sort", string(models.SortSubmitted))),
		filter: models.ReadingFilter{Filter: f, Stance: models.Stance(c.Query("stance")),
			NotCoded: c.Query("not_coded") != "", HasAmendments: c.Query("amendments") != "", Quotable: c.Query("quotable") != ""}}
	switch {
	case r.filter.Stance != "" && !r.filter.Stance.Valid():
		return r, badReadingFilter("stance")
	case !r.sort.Valid():
		return r, badReadingFilter("sort")
	}
	// A damaged page link shows the first page rather than an error.
	r.after, _ = strconv.ParseInt(c.Query("after"), 10, 64)
	r.before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	switch r.page, _ = strconv.Atoi(c.Query("page")); {
	case r.after <= 0 && r.before <= 0:
		r.page = 1
	case r.page < 1:
		r.page = 0 // a page in the middle whose number is not known
	}
	return r, nil
}

func badReadingFilter(field string) error {
	return fiber.NewError(fiber.StatusBadRequest,
		"The filter "+readingFilterNames[field]+" has a value that is not one of the choices. Clear the filters and choose again.")
}

// values are the request's filter and order as query parameters, without
// its cursor: what a link to another page or a response keeps.
func (r readingRequest) values() url.Values {
	v := filterValues(r.filter.Filter)
	if r.filter.Stance != "" {
		v.Set("stance", string(r.filter.Stance))
	}
	for key, on := range map[string]bool{"not_coded": r.filter.NotCoded, "amendments": r.filter.HasAmendments, "quotable": r.filter.Quotable} {
		if on {
			v.Set(key, "yes")
		}
	}
	v.Set("sort", string(r.sort))
	return v
}

// readingURL links to the reading view of ref with r's filter and order,
// at a cursor (key "after" or "before") and page number when key is set.
func readingURL(ref string, r readingRequest, key string, id int64, page int) string {
	v := r.values()
	if key != "" {
		v.Set(key, strconv.FormatInt(id, 10))
		if page > 0 {
			v.Set("page", strconv.Itoa(page))
		}
	}
	return "/proposals/" + url.PathEscape(ref) + "/responses?" + v.Encode()
}

type readingPage struct {
	Proposal     models.Proposal
	Consultation models.Consultation
	Filters      filterOptions
	Reading      models.ReadingFilter
	Sort         models.ReadingSort
	Sorts        []models.ReadingSort
	Total        int
	Progress     models.CodingProgress
	List         models.ReadingPage
	PageNumber   int
	Pages        int
	Here         string // this page, where the forms on it come back to
	Query        string // the filter and order, for the links to each response
	FirstURL     string
	PrevURL      string
	NextURL      string
	Labels       map[string]string
	Concerns     []concernGroup
	Saved        string // what was just saved, and on which response
	SavedID      int64
	SavedShown   bool // the saved response is on this page, which says so beside it
}

// reading is GET /proposals/:ref/responses.
func (h *Handler) reading(c *fiber.Ctx) error {
	ctx := c.UserContext()
	prop, cons, err := h.store.ProposalByRef(ctx, c.Params("ref"))
	if err != nil {
		return err
	}
	req, err := readingRequestFrom(c)
	if err != nil {
		return err
	}
	list, err := h.store.ReadingResponses(ctx, models.ReadingQuery{ProposalID: prop.ID, Filter: req.filter, Sort: req.sort,
		After: req.after, Before: req.before, Limit: readingPerPage})
	if err != nil {
		return err
	}
	data := readingPage{Proposal: prop, Consultation: cons, Filters: newFilterOptions(req.filter.Filter), Reading: req.filter,
		Sort: req.sort, Sorts: models.ReadingSorts, List: list, PageNumber: req.page,
		Here:  readingURL(prop.Ref, req, cursorKey(req), max(req.after, req.before), req.page),
		Query: req.values().Encode(), FirstURL: readingURL(prop.Ref, req, "", 0, 0)}
	version, err := h.store.SummaryVersion(ctx)
	if err != nil {
		return err
	}
	counts, err := h.store.CachedReadingCounts(ctx, version, prop.ID, req.filter)
	if err != nil {
		return err
	}
	data.Total, data.Progress = counts.Matching, counts.Progress
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	data.Labels, data.Concerns = concernLabels(cs), groupConcerns(cs)
	data.Pages = max(1, (data.Total+readingPerPage-1)/readingPerPage)
	if n := len(list.Responses); n > 0 {
		if list.HasPrev {
			data.PrevURL = readingURL(prop.Ref, req, "before", list.Responses[0].ID, req.page-1)
		}
		if list.HasNext {
			data.NextURL = readingURL(prop.Ref, req, "after", list.Responses[n-1].ID, nextPage(req.page))
		}
	}
	data.markSaved(c)
	return h.render(c, "reading", page{Title: "Responses to " + prop.Ref + " " + prop.Title, Nav: "consultations", Data: data})
}

// nextPage numbers the page after page, if page's own number is known.
func nextPage(page int) int {
	if page == 0 {
		return 0
	}
	return page + 1
}

// cursorKey names the cursor the request came with, if any.
func cursorKey(r readingRequest) string {
	switch {
	case r.before > 0:
		return "before"
	case r.after > 0:
		return "after"
	}
	return ""
}

// markSaved reads what coding or quoting in place just saved (?saved=&at=).
func (p *readingPage) markSaved(c *fiber.Ctx) {
	p.Saved = savedMessages[c.Query("saved")]
	p.SavedID, _ = strconv.ParseInt(c.Query("at"), 10, 64)
	for _, r := range p.List.Responses {
		p.SavedShown = p.SavedShown || r.ID == p.SavedID
	}
}

// localReturn accepts a place to come back to after a form only if it is a
// path on this site: never another site ("//evil.example", "https://…",
// "/\evil.example"), so a crafted form cannot send anyone away.
func localReturn(raw string) (*url.URL, bool) {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\r\n\t") || len(raw) > 2000 {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return nil, false
	}
	return u, true
}

// returnTo is where a form about response id goes after saving: the local
// path its "return" field names, told what was saved and scrolled to the
// response, or "" when the form names none or somewhere not allowed.
func returnTo(c *fiber.Ctx, id int64, saved, anchor string) string {
	u, ok := localReturn(c.FormValue("return"))
	if !ok {
		return ""
	}
	q := u.Query()
	q.Set("saved", saved)
	q.Set("at", strconv.FormatInt(id, 10))
	u.RawQuery = q.Encode()
	if u.Fragment == "" {
		u.Fragment = anchor
	}
	return u.String()
}

// readingNav is the response page's way back to the reading view it was
// opened from, and to the responses either side in that view's order.
type readingNav struct {
	BackURL string
	PrevURL string
	NextURL string
	Return  string // where the page's forms come back to: this page, still in the view
}

// readingNavFor reads the reading view's filter and order from a response
// page's query string (nil when it was not opened from the reading view).
func (h *Handler) readingNavFor(c *fiber.Ctx, d models.ResponseDetail) (*readingNav, error) {
	if c.Query("sort") == "" {
		return nil, nil
	}
	req, err := readingRequestFrom(c)
	if err != nil {
		return nil, err
	}
	prev, next, err := h.store.ReadingNeighbours(c.UserContext(),
		models.ReadingQuery{ProposalID: d.ProposalID, Filter: req.filter, Sort: req.sort}, d.ID)
	if err != nil {
		return nil, err
	}
	q := req.values().Encode()
	// Back to the view at a page that starts with this response.
	nav := &readingNav{BackURL: readingURL(d.Proposal.Ref, req, "", 0, 0) + "#response-" + strconv.FormatInt(d.ID, 10),
		Return: fmt.Sprintf("/responses/%d?%s", d.ID, q)}
	if prev > 0 {
		nav.BackURL = readingURL(d.Proposal.Ref, req, "after", prev, 0) + "#response-" + strconv.FormatInt(d.ID, 10)
		nav.PrevURL = fmt.Sprintf("/responses/%d?%s", prev, q)
	}
	if next > 0 {
		nav.NextURL = fmt.Sprintf("/responses/%d?%s", next, q)
	}
	return nav, nil
}
