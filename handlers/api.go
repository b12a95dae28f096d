package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// apiError is the JSON error shape promised in DESIGN.md.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

type apiConsultation struct {
	ID             int64                     `json:"id"`
	Slug           string                    `json:"slug"`
	Title          string                    `json:"title"`
	Issuer         string                    `json:"issuer"`
	Status         models.ConsultationStatus `json:"status"`
	PublishedAt    time.Time                 `json:"published_at"`
	ClosesAt       time.Time                 `json:"closes_at"`
	MemberDeadline time.Time                 `json:"member_deadline"`
	OpenForMembers bool                      `json:"open_for_members"`
}

func (h *Handler) apiConsultations(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cs, err := h.store.Consultations(c.UserContext(), u.Role.SeesDrafts())
	if err != nil {
		return err
	}
	out := make([]apiConsultation, 0, len(cs))
	now := h.store.Now()
	for _, x := range cs {
		out = append(out, apiConsultation{x.ID, x.Slug, x.Title, x.Issuer, x.Status, x.PublishedAt, x.ClosesAt, x.MemberDeadline, x.OpenForMembers(now)})
	}
	return c.JSON(out)
}

type apiProposal struct {
	Ref            string                `json:"ref"`
	Group          string                `json:"group"`
	Position       int                   `json:"position"`
	Title          string                `json:"title"`
	Summary        string                `json:"summary"`
	Change         string                `json:"change"`
	PowerDirection models.PowerDirection `json:"power_direction"`
}

func (h *Handler) apiProposals(c *fiber.Ctx) error {
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	ps, err := h.store.Proposals(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	out := make([]apiProposal, 0, len(ps))
	for _, p := range ps {
		out = append(out, apiProposal{p.Ref, p.GroupTitle, p.Position, p.Title, p.Summary, p.Change, p.PowerDirection})
	}
	return c.JSON(out)
}

// apiSummary is the summary of DESIGN.md's contract; maps are keyed by code.
type apiSummary struct {
	Proposal       string                         `json:"proposal"`
	Title          string                         `json:"title"`
	Filter         map[string]string              `json:"filter"`
	Responses      int                            `json:"responses"`
	Members        int                            `json:"members"`
	ResponseRate   float64                        `json:"response_rate"`
	Stance         models.StanceCounts            `json:"stance"`
	NetSupport     int                            `json:"net_support"`
	Autonomy       apiAutonomy                    `json:"autonomy"`
	Concerns       map[string]int                 `json:"concerns"`
	ByType         map[string]models.StanceCounts `json:"by_type"`
	ByRegion       map[string]models.StanceCounts `json:"by_region"`
	BySystemStatus map[string]models.StanceCounts `json:"by_system_status"`
	Quotes         []apiQuote                     `json:"quotes"`
	NotResponded   []string                       `json:"not_responded"`
	// The two lists are bounded (models.SummaryQuoteLimit and
	// SummaryNonResponderLimit); these count them all.
	QuotesTotal       int `json:"quotes_total"`
	NotRespondedTotal int `json:"not_responded_total"`
}

type apiAutonomy struct {
	Mean   *float64       `json:"mean"`
	Counts map[string]int `json:"counts"`
}

type apiQuote struct {
	Attribution string        `json:"attribution"`
	Attributed  bool          `json:"attributed"`
	Stance      models.Stance `json:"stance"`
	Comment     string        `json:"comment"`
}

func (h *Handler) apiSummary(c *fiber.Ctx) error {
	req, version, err := h.summaryRequestFrom(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	// The encoded answer is kept too, under the same version: most requests
	// are a version read and a copy of bytes.
	body, err := h.summaryJSON.Get(version, req, func() ([]byte, error) {
		s, err := h.store.CachedProposalSummary(ctx, version, req.ref, req.f, req.tally)
		if err != nil {
			return nil, err
		}
		return json.Marshal(newAPISummary(s))
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

func newAPISummary(s models.Summary) apiSummary {
	f := s.Filter
	out := apiSummary{
		Proposal: s.Proposal.Ref, Title: s.Proposal.Title,
		Filter:    map[string]string{"type": f.Type, "region": f.Region, "system_status": f.SystemStatus},
		Responses: s.Responses, Members: s.Members,
		ResponseRate: math.Round(s.ResponseRate()*10000) / 10000,
		Stance:       s.Stances, NetSupport: s.NetSupport(),
		Autonomy:          apiAutonomy{Counts: map[string]int{}},
		Concerns:          map[string]int{},
		ByType:            segmentMap(s.ByType),
		ByRegion:          segmentMap(s.ByRegion),
		BySystemStatus:    segmentMap(s.BySystemStatus),
		Quotes:            []apiQuote{},
		NotResponded:      []string{},
		QuotesTotal:       s.QuotesTotal,
		NotRespondedTotal: s.NonRespondersTotal,
	}
	if s.AutonomyMean != nil {
		m := math.Round(*s.AutonomyMean*100) / 100
		out.Autonomy.Mean = &m
	}
	for k, n := range s.AutonomyCounts {
		out.Autonomy.Counts[strconv.Itoa(k)] = n
	}
	for _, t := range s.Concerns {
		out.Concerns[t.Code] = t.Count
	}
	for _, q := range s.Quotes {
		out.Quotes = append(out.Quotes, apiQuote{q.Attribution, q.Attributed, q.Stance, q.Comment})
	}
	for _, n := range s.NonResponders {
		out.NotResponded = append(out.NotResponded, n.Code)
	}
	return out
}

func segmentMap(rows []models.SegmentStances) map[string]models.StanceCounts {
	m := make(map[string]models.StanceCounts, len(rows))
	for _, r := range rows {
		m[r.Segment] = r.Stances
	}
	return m
}

// apiResponse is one response as JSON: the CSV row's fields, plus its state.
type apiResponse struct {
	OrganisationCode string                `json:"organisation_code"`
	ProposalRef      string                `json:"proposal_ref"`
	Stance           models.Stance         `json:"stance"`
	Autonomy         *int                  `json:"autonomy"`
	Concerns         string                `json:"concerns"`
	Comment          string                `json:"comment"`
	Amendments       string                `json:"amendments"`
	Consent          models.Consent        `json:"consent"`
	QuoteScope       models.QuoteScope     `json:"quote_scope"`
	Status           models.ResponseStatus `json:"status"`
	Version          int                   `json:"version"`
	SubmittedAt      *time.Time            `json:"submitted_at"`
	UpdatedAt        time.Time             `json:"updated_at"`
}

func (h *Handler) apiResponseJSON(c *fiber.Ctx, status int, orgCode, ref string, r models.ResponseView) error {
	return c.Status(status).JSON(apiResponse{
		OrganisationCode: orgCode, ProposalRef: ref, Stance: r.Stance, Autonomy: r.Autonomy,
		Concerns: strings.Join(r.Concerns, ";"), Comment: r.Comment, Amendments: r.Amendments, Consent: r.Consent,
		QuoteScope: r.QuoteScope.OrDefault(), Status: r.Status, Version: r.Version, SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt,
	})
}

// apiAnswer is what the API's response endpoints act on: the signed-in
// member, their organisation, and the proposal of :ref with its
// consultation.
type apiAnswer struct {
	user         models.User
	org          models.Organisation
	proposal     models.Proposal
	consultation models.Consultation
}

func (h *Handler) apiAnswerParam(c *fiber.Ctx) (apiAnswer, error) {
	var a apiAnswer
	var err error
	a.user, _ = currentUser(c)
	if a.proposal, a.consultation, err = h.proposalParam(c); err != nil {
		return a, err
	}
	a.org, err = h.store.OrganisationByID(c.UserContext(), a.user.OrgID())
	return a, err
}

func (h *Handler) apiGetResponse(c *fiber.Ctx) error {
	a, err := h.apiAnswerParam(c)
	if err != nil {
		return err
	}
	r, err := h.store.ResponseFor(c.UserContext(), a.org.ID, a.proposal.ID)
	if errors.Is(err, models.ErrNotFound) {
		return c.Status(fiber.StatusNotFound).JSON(apiError{Error: "Your organisation has not answered this proposal yet."})
	}
	if err != nil {
		return err
	}
	return h.apiResponseJSON(c, fiber.StatusOK, a.org.Code, a.proposal.Ref, r)
}

// apiResponseBody is what PUT accepts. Autonomy and concerns take the CSV
// forms (a number, a ';'-separated string) and friendlier JSON ones.
type apiResponseBody struct {
	OrganisationCode *string         `json:"organisation_code"`
	ProposalRef      *string         `json:"proposal_ref"`
	Stance           string          `json:"stance"`
	Autonomy         json.RawMessage `json:"autonomy"`
	Concerns         json.RawMessage `json:"concerns"`
	Comment          string          `json:"comment"`
	Amendments       string          `json:"amendments"`
	Consent          string          `json:"consent"`
	QuoteScope       string          `json:"quote_scope"` // optional: absent keeps what is stored
	Status           string          `json:"status"`
	Version          *int            `json:"version"`
}

// deadlinePassed is the API's answer to a save after the member deadline.
const deadlinePassed = "The member deadline for this consultation has passed; responses can no longer be changed."

// apiPutResponse saves the member's response from JSON: 201 for a first
// answer, 200 for a change, 409 when a colleague saved since the version
// sent, 422 with a message per field.
func (h *Handler) apiPutResponse(c *fiber.Ctx) error {
	a, err := h.apiAnswerParam(c)
	if err != nil {
		return err
	}
	body, err := decodeResponseBody(c)
	if err != nil {
		return err
	}
	form, errs := body.form(a.org.Code, a.proposal.Ref)
	if !a.consultation.OpenForMembers(h.store.Now()) {
		return fiber.NewError(fiber.StatusConflict, deadlinePassed)
	}
	ctx := c.UserContext()
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	current, err := h.store.ResponseFor(ctx, a.org.ID, a.proposal.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	base := current.Version // unless the body says which version it changes
	if body.Version != nil {
		base = *body.Version
	}
	form.Version = strconv.Itoa(base)
	in, version, checkErrs := h.check(form, cs)
	for _, e := range checkErrs.List {
		errs.add(e.Field, e.Message)
	}
	if errs.Any() {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(apiError{Error: "Some fields need correcting.", Fields: errs.Fields})
	}
	if ok, wait := h.saves.Take(a.user.ID, h.store.Now()); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(waitSeconds(wait)))
		return c.Status(fiber.StatusTooManyRequests).JSON(apiError{Error: saveWaitMessage(wait, "send it again")})
	}
	saved, err := h.store.Save(ctx, models.SaveResponse{OrganisationID: a.org.ID, ProposalID: a.proposal.ID, UserID: a.user.ID,
		Input: in, Submit: form.Action == "submit", BaseVersion: version})
	if err != nil {
		return apiSaveRefusal(err, version)
	}
	status := fiber.StatusOK
	if current.ID == 0 {
		status = fiber.StatusCreated
	}
	return h.apiResponseJSON(c, status, a.org.Code, a.proposal.Ref, saved)
}

// decodeResponseBody reads PUT's body: one JSON object of known fields.
func decodeResponseBody(c *fiber.Ctx) (apiResponseBody, error) {
	var body apiResponseBody
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return body, fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the response as JSON with Content-Type: application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return body, fiber.NewError(fiber.StatusBadRequest, "The body is not valid JSON for a response: "+jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return body, fiber.NewError(fiber.StatusBadRequest, "The body must hold one JSON object and nothing after it.")
	}
	return body, nil
}

// form is the body as the response form has it, with the problems only a
// script makes: another organisation or proposal than the address names,
// a status that is neither draft nor submitted, autonomy or concerns in
// neither of their shapes. The version is left for the caller.
func (b apiResponseBody) form(orgCode, ref string) (responseForm, fieldErrors) {
	errs := fieldErrors{}
	if b.OrganisationCode != nil && *b.OrganisationCode != orgCode {
		errs.add("organisation_code", "You can answer only for your own organisation ("+orgCode+")")
	}
	if b.ProposalRef != nil && *b.ProposalRef != ref {
		errs.add("proposal_ref", "The proposal in the body does not match the one in the address ("+ref+")")
	}
	form := responseForm{Stance: b.Stance, Comment: b.Comment, Amendments: b.Amendments, Consent: b.Consent, QuoteScope: b.QuoteScope}
	switch models.ResponseStatus(b.Status) {
	case "", models.StatusSubmitted:
		form.Action = "submit"
	case models.StatusDraft:
		form.Action = "draft"
	default:
		errs.add("status", "Status must be draft or submitted")
		form.Action = "draft"
	}
	var err error
	if form.Autonomy, err = rawAutonomy(b.Autonomy); err != nil {
		errs.add("autonomy", responseMessages["autonomy"]["oneof"])
	}
	if form.Concerns, err = rawConcerns(b.Concerns); err != nil {
		errs.add("concerns", "Concerns must be a ';'-separated string of codes or a list of codes")
	}
	return form, errs
}

// apiSaveRefusal answers a save the store refused because a colleague
// saved since version, or the deadline passed; other errors are returned
// as they are.
func apiSaveRefusal(err error, version int) error {
	var conflict models.ConflictError
	switch {
	case errors.As(err, &conflict):
		return fiber.NewError(fiber.StatusConflict, fmt.Sprintf(
			"The response changed since version %d; it is now at version %d. Fetch it, merge, and send again with that version.",
			version, conflict.Current.Version))
	case errors.Is(err, models.ErrClosed):
		return fiber.NewError(fiber.StatusConflict, deadlinePassed)
	}
	return err
}

func rawAutonomy(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

func rawConcerns(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	var out []string
	for _, code := range strings.Split(s, ";") {
		if code = strings.TrimSpace(code); code != "" {
			out = append(out, code)
		}
	}
	return out, nil
}

// jsonProblem describes a decoding error without internal detail.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "it could not be read"
}
