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
	ID             int64     `json:"id"`
	Slug           string    `json:"slug"`
	Title          string    `json:"title"`
	Issuer         string    `json:"issuer"`
	Status         string    `json:"status"`
	PublishedAt    time.Time `json:"published_at"`
	ClosesAt       time.Time `json:"closes_at"`
	MemberDeadline time.Time `json:"member_deadline"`
	OpenForMembers bool      `json:"open_for_members"`
}

func (h *Handler) apiConsultations(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cs, err := h.store.Consultations(c.UserContext(), u.Role != models.RoleMember)
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
	Ref            string `json:"ref"`
	Group          string `json:"group"`
	Position       int    `json:"position"`
	Title          string `json:"title"`
	Summary        string `json:"summary"`
	Change         string `json:"change"`
	PowerDirection string `json:"power_direction"`
}

func (h *Handler) apiProposals(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c, u)
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
	Attribution string `json:"attribution"`
	Attributed  bool   `json:"attributed"`
	Stance      string `json:"stance"`
	Comment     string `json:"comment"`
}

func (h *Handler) apiSummary(c *fiber.Ctx) error {
	f, err := filterFrom(c)
	if err != nil {
		return err
	}
	tally, err := tallyFrom(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	version, err := h.store.SummaryVersion(ctx)
	if err != nil {
		return err
	}
	ref := c.Params("ref")
	// The encoded answer is kept too, under the same version: most requests
	// are a version read and a copy of bytes.
	body, err := h.summaryJSON.Get(version, summaryRequest{ref, f, tally}, func() ([]byte, error) {
		s, err := h.store.CachedProposalSummary(ctx, version, ref, f, tally)
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

// summaryRequest is what a summary depends on besides the data.
type summaryRequest struct {
	ref   string
	f     models.Filter
	tally string
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
	OrganisationCode string     `json:"organisation_code"`
	ProposalRef      string     `json:"proposal_ref"`
	Stance           string     `json:"stance"`
	Autonomy         *int       `json:"autonomy"`
	Concerns         string     `json:"concerns"`
	Comment          string     `json:"comment"`
	Amendments       string     `json:"amendments"`
	Consent          string     `json:"consent"`
	Status           string     `json:"status"`
	Version          int        `json:"version"`
	SubmittedAt      *time.Time `json:"submitted_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func (h *Handler) apiResponseJSON(c *fiber.Ctx, status int, orgCode, ref string, r models.ResponseView) error {
	return c.Status(status).JSON(apiResponse{
		OrganisationCode: orgCode, ProposalRef: ref, Stance: r.Stance, Autonomy: r.Autonomy,
		Concerns: strings.Join(r.Concerns, ";"), Comment: r.Comment, Amendments: r.Amendments, Consent: r.Consent,
		Status: r.Status, Version: r.Version, SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt,
	})
}

func (h *Handler) apiGetResponse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	p, _, err := h.proposalParam(c, u)
	if err != nil {
		return err
	}
	org, err := h.store.OrganisationByID(ctx, u.OrgID())
	if err != nil {
		return err
	}
	r, err := h.store.ResponseFor(ctx, org.ID, p.ID)
	if errors.Is(err, models.ErrNotFound) {
		return c.Status(fiber.StatusNotFound).JSON(apiError{Error: "Your organisation has not answered this proposal yet."})
	}
	if err != nil {
		return err
	}
	return h.apiResponseJSON(c, fiber.StatusOK, org.Code, p.Ref, r)
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
	Status           string          `json:"status"`
	Version          *int            `json:"version"`
}

func (h *Handler) apiPutResponse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, _ := currentUser(c)
	p, cons, err := h.proposalParam(c, u)
	if err != nil {
		return err
	}
	org, err := h.store.OrganisationByID(ctx, u.OrgID())
	if err != nil {
		return err
	}
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the response as JSON with Content-Type: application/json.")
	}
	var body apiResponseBody
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: "The body is not valid JSON for a response: " + jsonProblem(err)})
	}
	if _, err := dec.Token(); err != io.EOF {
		return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: "The body must hold one JSON object and nothing after it."})
	}
	errs := fieldErrors{}
	if body.OrganisationCode != nil && *body.OrganisationCode != org.Code {
		errs.add("organisation_code", "You can answer only for your own organisation ("+org.Code+")")
	}
	if body.ProposalRef != nil && *body.ProposalRef != p.Ref {
		errs.add("proposal_ref", "The proposal in the body does not match the one in the address ("+p.Ref+")")
	}
	form := responseForm{Stance: body.Stance, Comment: body.Comment, Amendments: body.Amendments, Consent: body.Consent}
	switch body.Status {
	case "", models.StatusSubmitted:
		form.Action = "submit"
	case models.StatusDraft:
		form.Action = "draft"
	default:
		errs.add("status", "Status must be draft or submitted")
		form.Action = "draft"
	}
	if form.Autonomy, err = rawAutonomy(body.Autonomy); err != nil {
		errs.add("autonomy", responseMessages["autonomy"]["oneof"])
	}
	if form.Concerns, err = rawConcerns(body.Concerns); err != nil {
		errs.add("concerns", "Concerns must be a ';'-separated string of codes or a list of codes")
	}
	if !cons.OpenForMembers(h.store.Now()) {
		return c.Status(fiber.StatusConflict).JSON(apiError{Error: "The member deadline for this consultation has passed; responses can no longer be changed."})
	}
	cs, err := h.store.Concerns(ctx)
	if err != nil {
		return err
	}
	current, err := h.store.ResponseFor(ctx, org.ID, p.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	base := current.Version
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
	if ok, wait := h.saves.take(u.ID, h.store.Now()); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(waitSeconds(wait)))
		return c.Status(fiber.StatusTooManyRequests).JSON(apiError{Error: saveWaitMessage(wait, "send it again")})
	}
	saved, err := h.store.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID, UserID: u.ID,
		Input: in, Submit: form.Action == "submit", BaseVersion: version})
	var conflict models.ConflictError
	switch {
	case errors.As(err, &conflict):
		return c.Status(fiber.StatusConflict).JSON(apiError{Error: fmt.Sprintf(
			"The response changed since version %d; it is now at version %d. Fetch it, merge, and send again with that version.",
			version, conflict.Current.Version)})
	case errors.Is(err, models.ErrClosed):
		return c.Status(fiber.StatusConflict).JSON(apiError{Error: "The member deadline for this consultation has passed; responses can no longer be changed."})
	case err != nil:
		return err
	}
	status := fiber.StatusOK
	if current.ID == 0 {
		status = fiber.StatusCreated
	}
	return h.apiResponseJSON(c, status, org.Code, p.Ref, saved)
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
