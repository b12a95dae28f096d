package handlers

import (
	"context"
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

// filterFrom reads the segment filter from the query string.
func filterFrom(c *fiber.Ctx) (models.Filter, error) {
	f := models.Filter{Type: c.Query("type"), Region: c.Query("region"), SystemStatus: c.Query("system_status")}
	var fe models.FilterError
	if err := f.Validate(); errors.As(err, &fe) {
		return f, fiber.NewError(fiber.StatusBadRequest,
			"The filter "+filterNames[fe.Field]+" has a value that is not one of the choices. Clear the filters and choose again.")
	}
	return f, nil
}

// consultationAndFilter reads :id and the segment filter, as every
// consultation-wide page of the policy team does.
func (h *Handler) consultationAndFilter(c *fiber.Ctx) (models.Consultation, models.Filter, error) {
	cons, err := h.consultationParam(c)
	if err != nil {
		return cons, models.Filter{}, err
	}
	f, err := filterFrom(c)
	return cons, f, err
}

var filterNames = map[string]string{"type": "“organisation type”", "region": "“region”", "system_status": "“system status”"}

// filterOptions are the choices of the filter form.
type filterOptions struct {
	Filter         models.Filter
	Types          []string
	Regions        []string
	SystemStatuses []string
}

func newFilterOptions(f models.Filter) filterOptions {
	return filterOptions{Filter: f, Types: models.OrganisationTypes, Regions: models.Regions, SystemStatuses: models.SystemStatuses}
}

type overviewPage struct {
	Overview models.Overview
	Filters  filterOptions
}

func (h *Handler) overview(c *fiber.Ctx) error {
	// Policy and admin only (see routes.go), so a draft consultation is
	// theirs to see; the consultation is read only when the page is not
	// already in memory at this version.
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, err := filterFrom(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	version, err := h.store.SummaryVersion(ctx)
	if err != nil {
		return err
	}
	return h.sharedContent(c, version, sharedPageKey{page: "overview", consultationID: id, summary: summaryRequest{f: f}},
		"consultations", func() (string, any, error) {
			// Requests waiting on this page share it: one going away must not fail the others.
			cons, err := h.store.ConsultationByID(context.WithoutCancel(ctx), id)
			if err != nil {
				return "", nil, err
			}
			ov, err := h.store.CachedConsultationOverview(ctx, version, cons.ID, f)
			return "Overview: " + cons.Title, overviewPage{Overview: ov, Filters: newFilterOptions(f)}, err
		})
}

type summaryPage struct {
	Summary        models.Summary
	Tally          string
	TallyModes     []string
	Filters        filterOptions
	StanceChart    chart.BarChart
	AutonomyChart  chart.BarChart
	ConcernCharts  []chart.BarChart
	ByType         chart.SegmentTable
	ByRegion       chart.SegmentTable
	BySystemStatus chart.SegmentTable
}

func (h *Handler) summary(c *fiber.Ctx) error {
	req, version, err := h.summaryRequestFrom(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	return h.sharedContent(c, version, sharedPageKey{page: "summary", summary: req}, "consultations", func() (string, any, error) {
		s, err := h.store.CachedProposalSummary(ctx, version, req.ref, req.f, req.tally)
		if err != nil {
			return "", nil, err
		}
		return "Summary: " + s.Proposal.Ref + " " + s.Proposal.Title, newSummaryPage(s, req.tally), nil
	})
}

// summaryRequest is what a summary depends on besides the data.
type summaryRequest struct {
	ref   string
	f     models.Filter
	tally string
}

// summaryRequestFrom reads a summary's request (the proposal, the segment
// filter, the concern tally), as the page and the API both take it, and
// the version of the data to answer it at.
func (h *Handler) summaryRequestFrom(c *fiber.Ctx) (summaryRequest, int64, error) {
	f, err := filterFrom(c)
	if err != nil {
		return summaryRequest{}, 0, err
	}
	tally, err := tallyFrom(c)
	if err != nil {
		return summaryRequest{}, 0, err
	}
	version, err := h.store.SummaryVersion(c.UserContext())
	return summaryRequest{c.Params("ref"), f, tally}, version, err
}

func newSummaryPage(s models.Summary, tally string) summaryPage {
	return summaryPage{
		Summary:       s,
		Tally:         tally,
		TallyModes:    models.TallyModes,
		Filters:       newFilterOptions(s.Filter),
		StanceChart:   chart.Stances("stance", "Stance of responding members", s.Stances),
		AutonomyChart: chart.Autonomy(s.AutonomyCounts, s.Responses),
		ConcernCharts: chart.Concerns(s.Concerns, s.Responses),
		ByType: chart.NewSegmentTable("by-type", "Stance by organisation type", "Organisation type", s.ByType,
			func(k string) string { return models.OrganisationTypeLabels[k] }),
		ByRegion: chart.NewSegmentTable("by-region", "Stance by region", "Region", s.ByRegion,
			func(k string) string { return k }),
		BySystemStatus: chart.NewSegmentTable("by-system", "Stance by system status", "System status", s.BySystemStatus,
			func(k string) string { return models.SystemStatusLabels[k] }),
	}
}

// tallyFrom reads which source the concern tallies are counted from.
func tallyFrom(c *fiber.Ctx) (string, error) {
	tally := c.Query("tally", models.TallyMember)
	if !slices.Contains(models.TallyModes, tally) {
		return "", fiber.NewError(fiber.StatusBadRequest, "The concern tally must be member, analyst or both.")
	}
	return tally, nil
}
