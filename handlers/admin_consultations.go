package handlers

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/models"
)

// consultationForm is a consultation as the admin typed it.
type consultationForm struct {
	Slug           string `form:"slug" validate:"text,required,max=64,slug"`
	Title          string `form:"title" validate:"text,required,max=300"`
	Issuer         string `form:"issuer" validate:"text,required,max=200"`
	Background     string `form:"background" validate:"text,max=20000"`
	Status         string `form:"status" validate:"text,required,consultation_status"`
	PublishedOn    string `form:"published_on" validate:"text,required"`
	ClosesOn       string `form:"closes_on" validate:"text,required"`
	MemberDeadline string `form:"member_deadline" validate:"text,required"`
}

var consultationMessages = fieldMessages{
	"slug": {"required": "Enter a short name for the consultation's web address",
		"max":  "Keep the short name to 64 characters or fewer",
		"slug": "Use lower-case letters, digits and single hyphens only, for example lp-2019"},
	"title":           {"required": "Enter the consultation's title", "max": "Keep the title to 300 characters or fewer"},
	"issuer":          {"required": "Enter who issued the consultation, for example NHS England", "max": "Keep the issuer to 200 characters or fewer"},
	"background":      {"max": "Keep the background to 20,000 characters or fewer"},
	"status":          {"": "Choose draft, open or closed"},
	"published_on":    {"": "Enter the date the consultation was published"},
	"closes_on":       {"": "Enter the date the consultation closes"},
	"member_deadline": {"": "Enter the date and time by which members must respond"},
}

func (f consultationForm) check() (models.ConsultationInput, fieldErrors) {
	errs := validateForm(f, consultationMessages)
	in := models.ConsultationInput{Slug: f.Slug, Title: f.Title, Issuer: f.Issuer, Background: f.Background, Status: models.ConsultationStatus(f.Status)}
	var okPublished, okCloses, okDeadline bool
	if f.PublishedOn != "" {
		if in.PublishedAt, okPublished = parseUKDate(f.PublishedOn); !okPublished {
			errs.add("published_on", "Enter the published date as year-month-day, for example 2019-02-28")
		}
	}
	if f.ClosesOn != "" {
		if in.ClosesAt, okCloses = parseUKDate(f.ClosesOn); !okCloses {
			errs.add("closes_on", "Enter the closing date as year-month-day, for example 2019-04-25")
		}
	}
	if f.MemberDeadline != "" {
		if in.MemberDeadline, okDeadline = parseUKDateTime(f.MemberDeadline); !okDeadline {
			errs.add("member_deadline", "Enter the member deadline as a date and a 24-hour time, for example 2019-04-18 17:00")
		}
	}
	if okPublished && okCloses && in.ClosesAt.Before(in.PublishedAt) {
		errs.add("closes_on", "The closing date must be on or after the published date")
	}
	if okCloses && okDeadline && !in.MemberDeadline.Before(in.ClosesAt.AddDate(0, 0, 1)) {
		errs.add("member_deadline", "The member deadline must be on or before the closing date, so that there is time to collate a response")
	}
	errs.sortBy(formOrder(f))
	return in, errs
}

func consultationFormOf(c models.Consultation) consultationForm {
	return consultationForm{Slug: c.Slug, Title: c.Title, Issuer: c.Issuer, Background: c.Background, Status: string(c.Status),
		PublishedOn: formatDate(c.PublishedAt), ClosesOn: formatDate(c.ClosesAt), MemberDeadline: formatDateTime(c.MemberDeadline)}
}

func (f consultationForm) fields() []formField {
	return []formField{
		{Name: "title", Label: "Title", Kind: "text", Value: f.Title},
		{Name: "slug", Label: "Short name", Hint: "Used in addresses and exports. Lower-case letters, digits and hyphens, for example lp-2019.",
			Kind: "text", Value: f.Slug, Width: "medium"},
		{Name: "issuer", Label: "Issued by", Hint: "For example NHS England and NHS Improvement.", Kind: "text", Value: f.Issuer},
		{Name: "background", Label: "Background", Hint: "What the consultation is about, in a few paragraphs. Members see it above the proposals.",
			Kind: "textarea", Value: f.Background},
		{Name: "status", Label: "Status", Kind: "radio", Value: f.Status, Options: optionsOf(models.ConsultationStatuses, models.ConsultationStatus.Label)},
		{Name: "published_on", Label: "Published on", Hint: "Year-month-day, for example 2019-02-28.", Kind: "date", Value: f.PublishedOn, Width: "medium"},
		{Name: "closes_on", Label: "Consultation closes on", Hint: "The issuer's closing date. Year-month-day, for example 2019-04-25.",
			Kind: "date", Value: f.ClosesOn, Width: "medium"},
		{Name: "member_deadline", Label: "Member deadline", Hint: "When members must have answered, UK time. Date and 24-hour time, for example 2019-04-18 17:00.",
			Kind: "datetime", Value: f.MemberDeadline, Width: "medium"},
	}
}

var consultationsCrumbs = []crumb{adminCrumb, {"/admin/consultations", "Consultations"}}

func (h *Handler) consultationFormPage(c *fiber.Ctx, status int, id int64, f consultationForm, errs fieldErrors) error {
	fp := formPage{Crumbs: consultationsCrumbs, Heading: "New consultation", Action: "/admin/consultations",
		Submit: "Create consultation", Cancel: "/admin/consultations", Fields: f.fields(), Errors: errs}
	if id != 0 {
		fp.Heading, fp.Submit = "Edit consultation", "Save consultation"
		fp.Action = "/admin/consultations/" + strconv.FormatInt(id, 10)
	}
	return h.renderForm(c, status, fp.Heading, fp)
}

func (h *Handler) adminConsultations(c *fiber.Ctx) error {
	rows, err := h.store.ConsultationRows(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, "admin/consultations", page{Title: "Consultations", Nav: "admin", Flash: adminFlash(c), Data: rows})
}

func (h *Handler) newConsultation(c *fiber.Ctx) error {
	return h.consultationFormPage(c, fiber.StatusOK, 0, consultationForm{Status: string(models.ConsultationDraft)}, fieldErrors{})
}

func (h *Handler) createConsultation(c *fiber.Ctx) error {
	return h.saveConsultation(c, 0)
}

func (h *Handler) editConsultation(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cons, err := h.store.ConsultationByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.consultationFormPage(c, fiber.StatusOK, id, consultationFormOf(cons), fieldErrors{})
}

func (h *Handler) updateConsultation(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return h.saveConsultation(c, id)
}

// saveConsultation saves the posted form as consultation id, or as a new
// one when id is 0, and goes on to its proposals.
func (h *Handler) saveConsultation(c *fiber.Ctx, id int64) error {
	var f consultationForm
	readForm(c, &f)
	in, errs := f.check()
	var cons models.Consultation
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() (err error) {
			if id == 0 {
				cons, err = h.store.CreateConsultation(c.UserContext(), currentAdmin(c).ID, in)
			} else {
				cons, err = h.store.UpdateConsultation(c.UserContext(), currentAdmin(c).ID, id, in)
			}
			return err
		},
		field: duplicateIn("slug", "Another consultation already uses this short name; choose a different one"),
		show:  func(status int, errs fieldErrors) error { return h.consultationFormPage(c, status, id, f, errs) },
		done: func() error {
			if id == 0 {
				return redirectDone(c, proposalsPath(cons), "consultation-created")
			}
			return redirectDone(c, "/admin/consultations", "consultation-saved")
		},
	})
}

// ---- proposals ----

// proposalForm is a proposal as the admin typed it.
type proposalForm struct {
	Ref            string `form:"ref" validate:"text,required,proposal_ref"`
	GroupTitle     string `form:"group_title" validate:"text,required,max=200"`
	Title          string `form:"title" validate:"text,required,max=300"`
	Summary        string `form:"summary" validate:"text,required,max=10000"`
	Change         string `form:"change" validate:"text,required,max=10000"`
	PowerDirection string `form:"power_direction" validate:"text,required,power_direction"`
	Position       string `form:"position" validate:"text"`
}

var proposalMessages = fieldMessages{
	"ref": {"required": "Enter the proposal's reference, for example LP-12",
		"proposal_ref": "Use up to 32 letters, digits, hyphens, dots or underscores, starting with a letter or digit, for example LP-12"},
	"group_title":     {"required": "Enter the group the proposal belongs to", "max": "Keep the group to 200 characters or fewer"},
	"title":           {"required": "Enter the proposal's title", "max": "Keep the title to 300 characters or fewer"},
	"summary":         {"required": "Enter a summary of the proposal", "max": "Keep the summary to 10,000 characters or fewer"},
	"change":          {"required": "Say what the proposal would change", "max": "Keep this to 10,000 characters or fewer"},
	"power_direction": {"": "Choose the proposal's power direction"},
}

func (f proposalForm) check() (models.ProposalInput, fieldErrors) {
	errs := validateForm(f, proposalMessages)
	pos := optionalPosition(f.Position, "Enter the position as a whole number, 1 for first, or leave it empty to put the proposal last", &errs)
	errs.sortBy(formOrder(f))
	return models.ProposalInput{Ref: f.Ref, GroupTitle: f.GroupTitle, Title: f.Title, Summary: f.Summary, Change: f.Change,
		PowerDirection: models.PowerDirection(f.PowerDirection), Position: pos}, errs
}

func (f proposalForm) fields(groups []string) []formField {
	return []formField{
		{Name: "ref", Label: "Reference", Hint: "Unique across all consultations; capitals matter. For example LP-12.",
			Kind: "text", Value: f.Ref, Width: "short"},
		{Name: "group_title", Label: "Group", Hint: "Proposals of the same group are shown together. Type a new group or pick one already used.",
			Kind: "text", Value: f.GroupTitle, Suggestions: groups},
		{Name: "title", Label: "Title", Kind: "text", Value: f.Title},
		{Name: "summary", Label: "Summary", Hint: "What is proposed, in our own words.", Kind: "textarea", Value: f.Summary},
		{Name: "change", Label: "What it would change", Kind: "textarea", Value: f.Change},
		{Name: "power_direction", Label: "Power direction", Hint: "The policy team's assessment of where the proposal moves power.",
			Kind: "radio", Value: f.PowerDirection, Options: optionsOf(models.PowerDirections, models.PowerDirection.Label)},
		{Name: "position", Label: "Position in the consultation", Hint: "1 puts it first. Leave empty to put it last.",
			Kind: "number", Value: f.Position, Width: "short"},
	}
}

// proposalsPath is the admin list of a consultation's proposals.
func proposalsPath(cons models.Consultation) string {
	return "/admin/consultations/" + strconv.FormatInt(cons.ID, 10) + "/proposals"
}

func proposalsCrumbs(cons models.Consultation) []crumb {
	return append(consultationsCrumbs[:len(consultationsCrumbs):len(consultationsCrumbs)],
		crumb{proposalsPath(cons), "Proposals of " + cons.Title})
}

func (h *Handler) proposalFormPage(c *fiber.Ctx, status int, cons models.Consultation, id int64, f proposalForm, errs fieldErrors) error {
	groups, err := h.store.ProposalGroups(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	list := proposalsPath(cons)
	fp := formPage{Crumbs: proposalsCrumbs(cons), Heading: "New proposal", Intro: "For the consultation “" + cons.Title + "”.",
		Action: list, Submit: "Add proposal", Cancel: list, Fields: f.fields(groups), Errors: errs}
	if id != 0 {
		fp.Heading, fp.Submit = "Edit proposal", "Save proposal"
		fp.Action = "/admin/proposals/" + strconv.FormatInt(id, 10)
	}
	return h.renderForm(c, status, fp.Heading, fp)
}

type adminProposalsPage struct {
	Consultation models.Consultation
	Proposals    []models.Proposal
}

func (h *Handler) adminConsultationParam(c *fiber.Ctx) (models.Consultation, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.Consultation{}, err
	}
	return h.store.ConsultationByID(c.UserContext(), id)
}

func (h *Handler) adminProposals(c *fiber.Ctx) error {
	cons, err := h.adminConsultationParam(c)
	if err != nil {
		return err
	}
	ps, err := h.store.Proposals(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	return h.render(c, "admin/proposals", page{Title: "Proposals of " + cons.Title, Nav: "admin", Flash: adminFlash(c),
		Data: adminProposalsPage{Consultation: cons, Proposals: ps}})
}

func (h *Handler) newProposal(c *fiber.Ctx) error {
	cons, err := h.adminConsultationParam(c)
	if err != nil {
		return err
	}
	return h.proposalFormPage(c, fiber.StatusOK, cons, 0, proposalForm{}, fieldErrors{})
}

func (h *Handler) createProposal(c *fiber.Ctx) error {
	cons, err := h.adminConsultationParam(c)
	if err != nil {
		return err
	}
	return h.saveProposal(c, cons, 0)
}

// adminProposalParam reads :id as a proposal and returns its consultation too.
func (h *Handler) adminProposalParam(c *fiber.Ctx) (models.Proposal, models.Consultation, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.Proposal{}, models.Consultation{}, err
	}
	p, err := h.store.ProposalByID(c.UserContext(), id)
	if err != nil {
		return models.Proposal{}, models.Consultation{}, err
	}
	cons, err := h.store.ConsultationByID(c.UserContext(), p.ConsultationID)
	return p, cons, err
}

func (h *Handler) editProposal(c *fiber.Ctx) error {
	p, cons, err := h.adminProposalParam(c)
	if err != nil {
		return err
	}
	// The position shown is the place in the list, whatever numbers are stored.
	ps, err := h.store.Proposals(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	place := slices.IndexFunc(ps, func(x models.Proposal) bool { return x.ID == p.ID }) + 1
	f := proposalForm{Ref: p.Ref, GroupTitle: p.GroupTitle, Title: p.Title, Summary: p.Summary, Change: p.Change,
		PowerDirection: string(p.PowerDirection), Position: strconv.Itoa(place)}
	return h.proposalFormPage(c, fiber.StatusOK, cons, p.ID, f, fieldErrors{})
}

func (h *Handler) updateProposal(c *fiber.Ctx) error {
	p, cons, err := h.adminProposalParam(c)
	if err != nil {
		return err
	}
	return h.saveProposal(c, cons, p.ID)
}

// saveProposal saves the posted form as proposal id of cons, or as a new
// one when id is 0.
func (h *Handler) saveProposal(c *fiber.Ctx, cons models.Consultation, id int64) error {
	var f proposalForm
	readForm(c, &f)
	in, errs := f.check()
	return h.saveAdminForm(c, adminSave{errs: errs,
		save: func() (err error) {
			if id == 0 {
				_, err = h.store.CreateProposal(c.UserContext(), currentAdmin(c).ID, cons.ID, in)
			} else {
				_, err = h.store.UpdateProposal(c.UserContext(), currentAdmin(c).ID, id, in)
			}
			return err
		},
		field: duplicateIn("ref", "Another proposal already has this reference (references are unique across all consultations); choose a different one"),
		show:  func(status int, errs fieldErrors) error { return h.proposalFormPage(c, status, cons, id, f, errs) },
		done:  func() error { return redirectDone(c, proposalsPath(cons), createdOrSaved("proposal", id)) },
	})
}

// moveProposal moves a proposal one place up or down the list.
func (h *Handler) moveProposal(c *fiber.Ctx) error {
	p, cons, err := h.adminProposalParam(c)
	if err != nil {
		return err
	}
	by := map[string]int{"up": -1, "down": 1}[c.FormValue("direction")]
	if by == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "Choose whether to move the proposal up or down.")
	}
	if err := h.store.MoveProposal(c.UserContext(), currentAdmin(c).ID, p.ID, by); err != nil {
		return err
	}
	return redirectDone(c, proposalsPath(cons), "proposal-moved")
}
