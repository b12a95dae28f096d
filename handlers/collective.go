package handlers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/document"
	"github.com/nhsproviders/consultation-tracker/models"
)

// buildDocument assembles the collective response from the live data, or
// from the approved snapshot once it is approved. It returns the stored
// response too, and the live summaries it read (none once approved).
func (h *Handler) buildDocument(ctx context.Context, cons models.Consultation) (document.Document, models.CollectiveDoc, map[int64]models.Summary, error) {
	d, doc, err := h.documentHead(ctx, cons)
	if err != nil {
		return d, doc, nil, err
	}
	ps, err := h.store.Proposals(ctx, cons.ID)
	if err != nil {
		return d, doc, nil, err
	}
	src, err := h.documentSource(ctx, &d, doc, ps)
	if err != nil {
		return d, doc, nil, err
	}
	for _, p := range ps {
		sec, ok, err := h.documentSection(ctx, p, d.Frozen, doc, src)
		if err != nil {
			return d, doc, nil, err
		}
		if !ok {
			d.Missing = append(d.Missing, p)
			continue
		}
		d.Sections = append(d.Sections, sec)
	}
	d.Fill(src.figures)
	return d, doc, src.summaries, nil
}

// documentHead is the document as far as the stored response says: its
// status, version and introduction. A consultation without one has a
// draft not yet started.
func (h *Handler) documentHead(ctx context.Context, cons models.Consultation) (document.Document, models.CollectiveDoc, error) {
	d := document.Document{Consultation: cons, Status: models.CollectiveDraft}
	doc, err := h.store.Collective(ctx, cons.ID)
	switch {
	case err == nil:
		d.Started = true
		d.Status, d.Version, d.ApprovedAt = doc.Response.Status, doc.Response.Version, doc.Response.ApprovedAt
		d.Introduction = doc.Response.Introduction
	case errors.Is(err, models.ErrNotFound):
		doc.Sections = map[int64]models.SectionView{}
	default:
		return d, doc, err
	}
	d.Frozen = d.Status == models.CollectiveApproved && doc.Snapshot.Frozen
	return d, doc, nil
}

// documentSource is what the sections are filled from.
type documentSource struct {
	figures   map[string]map[string]string      // proposal ref → figure name → value
	frozen    map[string]models.SnapshotSection // the sections as approved, by proposal ref
	summaries map[int64]models.Summary          // the live summaries, by proposal id
}

// documentSource reads the approved snapshot of a frozen document (its
// introduction, sections and figures, and the quotes whose members have
// withdrawn consent since), or else the live summary of each proposal.
func (h *Handler) documentSource(ctx context.Context, d *document.Document, doc models.CollectiveDoc, ps []models.Proposal) (documentSource, error) {
	src := documentSource{figures: map[string]map[string]string{}, frozen: map[string]models.SnapshotSection{},
		summaries: map[int64]models.Summary{}}
	if d.Frozen {
		snap, withdrawn, err := h.store.PublishableSnapshot(ctx, doc.Snapshot)
		if err != nil {
			return src, err
		}
		d.Withdrawn, d.Introduction = withdrawn, snap.Introduction
		maps.Copy(src.figures, snap.Figures)
		for _, s := range snap.Sections {
			src.frozen[s.Ref] = s
			src.figures[s.Ref] = s.Figures
		}
		return src, nil
	}
	var err error
	src.figures, src.summaries, err = h.liveFigures(ctx, ps)
	return src, err
}

// liveFigures are today's figures of each proposal, by ref, for filling
// {{REF.name}} tokens, and the summaries they come from, by proposal id.
// The summaries come from the store's cache at today's summary version: the
// workspace, every section page and every save read all of them, and
// recounting each proposal every time repeated the same queries.
func (h *Handler) liveFigures(ctx context.Context, ps []models.Proposal) (map[string]map[string]string, map[int64]models.Summary, error) {
	version, err := h.store.SummaryVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	figures, summaries := map[string]map[string]string{}, map[int64]models.Summary{}
	for _, p := range ps {
		sum, err := h.store.CachedProposalSummary(ctx, version, p.Ref, models.Filter{}, models.TallyMember)
		if err != nil {
			return nil, nil, err
		}
		summaries[p.ID] = sum
		figures[p.Ref] = models.Figures(sum)
	}
	return figures, summaries, nil
}

// consultationFigures are today's figures of every proposal of a
// consultation, by ref.
func (h *Handler) consultationFigures(ctx context.Context, consultationID int64) (map[string]map[string]string, error) {
	ps, err := h.store.Proposals(ctx, consultationID)
	if err != nil {
		return nil, err
	}
	figures, _, err := h.liveFigures(ctx, ps)
	return figures, err
}

// documentSection is proposal p's section as written, or false when it has
// none (or had none at approval).
func (h *Handler) documentSection(ctx context.Context, p models.Proposal, frozen bool, doc models.CollectiveDoc, src documentSource) (document.Section, bool, error) {
	sec := document.Section{Proposal: p, HasSection: true}
	if frozen {
		fs, ok := src.frozen[p.Ref]
		if !ok {
			return sec, false, nil
		}
		sec.Position, sec.Source, sec.Quotes, sec.QuoteIDs = fs.Position, fs.Statement, fs.Quotes, fs.QuoteIDs
	} else {
		sv, ok := doc.Sections[p.ID]
		if !ok {
			return sec, false, nil
		}
		quotes, err := h.quotesFor(ctx, p.ID, sv.QuoteIDs)
		if err != nil {
			return sec, false, err
		}
		sec.Position, sec.Source, sec.Quotes, sec.QuoteIDs = sv.Position, sv.Statement, quotes, sv.QuoteIDs
	}
	return sec, true, nil
}

// quotesFor returns the attached quotes of a section, attributed as the
// members' consent says today.
func (h *Handler) quotesFor(ctx context.Context, proposalID int64, ids []int64) ([]models.FrozenQuote, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	all, err := h.store.QuotesForProposal(ctx, proposalID)
	if err != nil {
		return nil, err
	}
	var out []models.FrozenQuote
	for _, q := range all {
		if slices.Contains(ids, q.ID) {
			out = append(out, models.FrozenQuote{ID: q.ID, ResponseID: q.ResponseID, Excerpt: q.Excerpt, Attribution: q.Attribution})
		}
	}
	return out, nil
}

type collectivePage struct {
	Doc        document.Document
	Threshold  int
	CanReview  bool
	CanReturn  bool
	CanApprove bool
	CanReopen  bool
	Flash      string
	IntroForm  string
	// IntroVersion is the introduction's own version, which its form
	// carries: saves of sections never refuse it.
	IntroVersion int
	// IntroPreview is the typed introduction with today's figures, shown
	// when it could not be saved.
	IntroPreview template.HTML
	Errors       fieldErrors
	// IntroConflict is what someone else saved of the introduction since
	// the form was opened, shown beside the text typed.
	IntroConflict *partConflict
	// Note is the current version's note ("Edited during review by …: back
	// to draft").
	Note      string
	TallyMode string
	Suggested map[int64]bool // sections still as the template suggested them, by proposal id
}

var collectiveFlashes = map[string]string{
	"introduction":       "The introduction was saved as a new version.",
	"section":            "The section was saved as a new version.",
	"introduction_draft": "The introduction was saved as a new version. The response was in review, so your edit sent it back to draft: send it for review again when it is ready.",
	"section_draft":      "The section was saved as a new version. The response was in review, so your edit sent it back to draft: send it for review again when it is ready.",
	"restored":           "The earlier version was restored as a new version.",
	"restored_draft":     "The earlier version was restored as a new version. The response was in review, so it is a draft again: send it for review again when it is ready.",
	"template":           "Every proposal without a section now has one suggested from its figures, as a new version. Each is marked as a suggestion until someone edits and saves it.",
	"all_written":        "Every proposal already has a section, so nothing was filled in.",
	"in_review":          "The collective response was sent for review.",
	"draft":              "The collective response is a draft again.",
	"approved":           "The collective response was approved. Its text, figures and quotes are now frozen.",
	"quote_out":          "The quote was taken out of the approved response, as a new version. Nothing else changed, and the response stays approved.",
}

// collective is the policy team's workspace for the collective response.
func (h *Handler) collective(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	threshold := 25
	if t, err := strconv.Atoi(c.Query("threshold", "25")); err == nil && t >= 1 && t <= 100 {
		threshold = t
	}
	return h.renderCollective(c, u, cons, threshold, collectivePage{Flash: collectiveFlashes[c.Query("saved")]})
}

func (h *Handler) renderCollective(c *fiber.Ctx, u models.User, cons models.Consultation, threshold int, p collectivePage) error {
	ctx := c.UserContext()
	d, doc, summaries, err := h.buildDocument(ctx, cons)
	if err != nil {
		return err
	}
	if !d.Frozen {
		if err := h.attachCoverage(ctx, cons, &d, doc, summaries, threshold); err != nil {
			return err
		}
	}
	p.Doc, p.Threshold, p.Note = d, threshold, doc.Note
	p.Suggested = suggestedSections(doc)
	if p.IntroConflict == nil {
		p.IntroVersion = doc.Response.IntroVersion
	}
	p.CanReview = d.Started && models.CanStep(d.Status, models.CollectiveInReview, u.Role)
	p.CanReturn = d.Started && d.Status == models.CollectiveInReview && models.CanStep(d.Status, models.CollectiveDraft, u.Role)
	p.CanApprove = d.Started && models.CanStep(d.Status, models.CollectiveApproved, u.Role)
	p.CanReopen = d.Started && d.Status == models.CollectiveApproved && models.CanStep(d.Status, models.CollectiveDraft, u.Role)
	if p.IntroForm == "" && !p.Errors.Any() {
		p.IntroForm = d.Introduction
	}
	return h.render(c, "collective", page{Title: "Collective response: " + cons.Title, Nav: "consultations", Data: p})
}

// attachCoverage checks each section of d against what members raised, at
// threshold per cent of the responding members.
func (h *Handler) attachCoverage(ctx context.Context, cons models.Consultation, d *document.Document, doc models.CollectiveDoc,
	summaries map[int64]models.Summary, threshold int) error {
	tallies := map[int64]map[string]int{}
	for id := range summaries {
		t, err := h.store.CombinedConcernTallies(ctx, id, models.Filter{})
		if err != nil {
			return err
		}
		tallies[id] = t
	}
	cov, err := h.store.Coverage(ctx, cons.ID, float64(threshold)/100, doc, summaries, tallies)
	if err != nil {
		return err
	}
	for i, sec := range d.Sections { // coverage has one entry per proposal
		if j := slices.IndexFunc(cov, func(sc models.SectionCoverage) bool { return sc.Proposal.ID == sec.Proposal.ID }); j >= 0 {
			d.Sections[i].Coverage = cov[j]
		}
	}
	return nil
}

// maxStatementChars bounds an introduction or a section statement.
const maxStatementChars = 20000

func (h *Handler) saveIntroduction(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	cons, err := h.consultationParam(c)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(c.FormValue("introduction"), "\r\n", "\n")
	version, _ := strconv.Atoi(c.FormValue("version"))
	p := collectivePage{IntroForm: text}
	figures, err := h.consultationFigures(c.UserContext(), cons.ID)
	if err != nil {
		return err
	}
	filled, unknown := models.FillFigures(text, nil, figures)
	p.IntroPreview = document.HTML(filled)
	if msg := checkStatement(text); msg != "" {
		p.Errors.add("introduction", msg)
	} else if len(unknown) > 0 {
		p.Errors.add("introduction", "These figures do not exist: "+strings.Join(unknown, ", ")+
			". In the introduction, name the proposal too, as REF.name, for example {{LP-12.opposing}}; the names are listed on each section's page.")
	}
	if p.Errors.Any() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderCollective(c, u, cons, 25, p)
	}
	saved, err := h.store.SaveCollective(c.UserContext(), models.CollectiveEdit{ConsultationID: cons.ID, UserID: u.ID,
		PartVersion: version, Introduction: &text})
	status, msg, refused := h.refusedCollectiveSave(c, err)
	switch {
	case !refused && err != nil:
		return err
	case !refused:
		return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=%s", cons.ID, savedFlash("introduction", saved)), fiber.StatusSeeOther)
	}
	p.Errors.add("introduction", msg)
	if conflict, ok := partConflictOf(err); ok {
		if p.IntroConflict, err = h.newPartConflict(c.UserContext(), conflict, models.PartText{Introduction: text}); err != nil {
			return err
		}
		p.IntroVersion = conflict.Version
	}
	c.Status(status)
	shown := h.renderCollective(c, u, cons, 25, p)
	if shown != nil && status >= 500 {
		return err // the page could not be built: the error page shows the text
	}
	return shown
}

func checkStatement(text string) string {
	if !utf8.ValidString(text) {
		return "The text contains characters that could not be read; paste it again as plain text"
	}
	if n := utf8.RuneCountInString(text); n > maxStatementChars {
		return fmt.Sprintf("Keep this to %d characters or fewer (it has %d)", maxStatementChars, n)
	}
	if n := document.Nesting(text); n > document.MaxNesting {
		return fmt.Sprintf("Quotations and lists are nested %s levels deep here (each “>” or list marker at the start of a line opens one more); keep to %d or fewer",
			thousandsInt(n), document.MaxNesting)
	}
	return ""
}

// refusedCollectiveSave says why a save of the collective response was
// refused, and with what status to show the form again: a refusal of the
// store's (collectiveRefusal), or the database or the time running out.
func (h *Handler) refusedCollectiveSave(c *fiber.Ctx, err error) (status int, message string, refused bool) {
	if status, msg := collectiveRefusal(err); status != 0 {
		return status, msg, true
	}
	return h.refusedSave(c, err)
}

// savedFlash names the message shown after a save of part.
func savedFlash(part string, saved models.CollectiveSave) string {
	if saved.BackToDraft {
		return part + "_draft"
	}
	return part
}

// collectiveRefusal turns the store's refusals into a status and a message.
func collectiveRefusal(err error) (int, string) {
	var conflict models.CollectiveConflictError
	var part models.PartConflictError
	var unknownQuote models.UnknownQuoteError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &part):
		return fiber.StatusConflict, partConflictMessage(part)
	case errors.As(err, &conflict):
		return fiber.StatusConflict, fmt.Sprintf("Someone changed the collective response (it is now version %d) after you opened this page, so nothing was done. Open the collective response again to see the latest version, then try again.", conflict.Current.Version)
	case errors.Is(err, models.ErrApproved):
		return fiber.StatusConflict, "The collective response is approved, so it can no longer be changed. An admin can reopen it as a draft."
	case errors.Is(err, models.ErrTransition):
		return fiber.StatusForbidden, "You cannot take that step: only admins approve or reopen, and only a response in review can be approved."
	case errors.As(err, &unknownQuote):
		return fiber.StatusUnprocessableEntity, "One of the chosen quotes is not a quote on this proposal; reload the page and choose again."
	}
	return 0, ""
}

type sectionPage struct {
	Consultation models.Consultation
	Proposal     models.Proposal
	Summary      models.Summary
	Figures      map[string]string
	FigureNames  []string
	Quotes       []models.QuoteView
	Position     string
	Statement    string
	QuoteIDs     []int64
	Version      int // the section's own version, which the form carries
	Status       string
	Errors       fieldErrors
	Preview      template.HTML
	Unknown      []string
	Conflict     *partConflict                // what someone else saved since the form was opened
	Suggested    bool                         // still as the template suggested it
	byRef        map[string]map[string]string // every proposal's figures, for {{REF.name}}
}

func (h *Handler) sectionForm(c *fiber.Ctx) error {
	p, err := h.sectionPageData(c)
	if err != nil {
		return err
	}
	return h.render(c, "collective/section", page{Title: "Section " + p.Proposal.Ref, Nav: "consultations", Data: p})
}

// sectionPageData reads :id and :ref and loads the section as stored.
func (h *Handler) sectionPageData(c *fiber.Ctx) (sectionPage, error) {
	cons, err := h.consultationParam(c)
	if err != nil {
		return sectionPage{}, err
	}
	ctx := c.UserContext()
	prop, pc, err := h.store.ProposalByRef(ctx, c.Params("ref"))
	if err != nil {
		return sectionPage{}, err
	}
	if pc.ID != cons.ID {
		return sectionPage{}, fiber.ErrNotFound
	}
	sum, err := h.store.ProposalSummary(ctx, prop.Ref, models.Filter{})
	if err != nil {
		return sectionPage{}, err
	}
	quotes, err := h.store.QuotesForProposal(ctx, prop.ID)
	if err != nil {
		return sectionPage{}, err
	}
	p := sectionPage{Consultation: cons, Proposal: prop, Summary: sum, Figures: models.Figures(sum), Quotes: quotes,
		Position: "no_position", Status: models.CollectiveDraft}
	p.FigureNames = models.FigureNames(p.Figures)
	doc, err := h.store.Collective(ctx, cons.ID)
	if err == nil {
		p.Status = doc.Response.Status
		if sec, ok := doc.Sections[prop.ID]; ok {
			p.Position, p.Statement, p.QuoteIDs, p.Version = sec.Position, sec.Statement, sec.QuoteIDs, sec.Version
			p.Suggested = sec.Suggested
		}
	} else if !errors.Is(err, models.ErrNotFound) {
		return p, err
	}
	if p.byRef, err = h.consultationFigures(ctx, cons.ID); err != nil {
		return p, err
	}
	filled, unknown := models.FillFigures(p.Statement, p.Figures, p.byRef)
	p.Preview, p.Unknown = document.HTML(filled), unknown
	return p, nil
}

func (h *Handler) saveSection(c *fiber.Ctx) error {
	u, _ := currentUser(c)
	p, err := h.sectionPageData(c)
	if err != nil {
		return err
	}
	cons := p.Consultation
	// What was typed replaces what was stored, whatever happens next.
	p.Position = c.FormValue("position")
	p.Statement = strings.ReplaceAll(c.FormValue("statement"), "\r\n", "\n")
	p.QuoteIDs = nil
	for _, v := range c.Request().PostArgs().PeekMulti("quotes") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			p.Errors.add("quotes", "Choose quotes from the list")
			continue
		}
		p.QuoteIDs = append(p.QuoteIDs, id)
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	p.Version = version
	if !slices.Contains(models.Positions, p.Position) {
		p.Errors.add("position", "Choose the body's position on this proposal")
	}
	if msg := checkStatement(p.Statement); msg != "" {
		p.Errors.add("statement", msg)
	}
	filled, unknown := models.FillFigures(p.Statement, p.Figures, p.byRef)
	p.Preview, p.Unknown = document.HTML(filled), unknown
	if len(unknown) > 0 && !strings.Contains(p.Statement, ".") {
		p.Errors.add("statement", "These figures do not exist: "+strings.Join(unknown, ", ")+". Use the names listed beside the box.")
	} else if len(unknown) > 0 {
		p.Errors.add("statement", "These figures do not exist: "+strings.Join(unknown, ", ")+". Use the names listed beside the box, or REF.name for another proposal's figure.")
	}
	if p.Errors.Any() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "collective/section", page{Title: "Error: section " + p.Proposal.Ref, Nav: "consultations", Data: p})
	}
	saved, err := h.store.SaveCollective(c.UserContext(), models.CollectiveEdit{ConsultationID: cons.ID, UserID: u.ID,
		PartVersion: version, Section: &models.SectionEdit{ProposalID: p.Proposal.ID, Position: p.Position,
			Statement: p.Statement, QuoteIDs: p.QuoteIDs}})
	if status, msg, refused := h.refusedCollectiveSave(c, err); refused {
		p.Errors.add("statement", msg)
		if conflict, ok := partConflictOf(err); ok {
			typed := models.PartText{Position: p.Position, Statement: p.Statement, QuoteIDs: p.QuoteIDs}
			if p.Conflict, err = h.newPartConflict(c.UserContext(), conflict, typed); err != nil {
				return err
			}
			p.Version = conflict.Version // saving again, on purpose, succeeds
		}
		c.Status(status)
		return h.render(c, "collective/section", page{Title: "Not saved: section " + p.Proposal.Ref, Nav: "consultations", Data: p})
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/consultations/%d/collective?saved=%s#section-%s", cons.ID, savedFlash("section", saved), p.Proposal.Ref), fiber.StatusSeeOther)
}
