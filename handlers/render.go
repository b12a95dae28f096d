package handlers

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/nhsproviders/consultation-tracker/handlers/chart"
	"github.com/nhsproviders/consultation-tracker/models"
)

// page is what every template gets: the layout's needs plus the page's Data.
type page struct {
	Title     string
	User      *models.User
	CSRF      string
	Flash     string
	RequestID string
	Nav       string // which main navigation item is current
	Data      any
	// Navigation is the main navigation for the user's role with Nav
	// marked current, rendered once per pair (see siteNavigation).
	Navigation template.HTML
}

// sharedPage is a page's title and rendered content: what the layout wraps.
type sharedPage struct {
	Title   string
	Content []byte // never written to: every request shares it
}

// sharedPageKey names a page whose content depends only on the request's
// parameters and the data, never on who asks: the same for every policy
// and admin user, with no form that carries a CSRF token.
type sharedPageKey struct {
	page           string
	summary        summaryRequest
	consultationID int64
}

// sharedContent renders the content of such a page once per summary version
// and serves it from memory until a write moves the version. The layout
// around it (the user's name, the CSRF token) is still rendered per request.
func (h *Handler) sharedContent(c *fiber.Ctx, version int64, key sharedPageKey, nav string, build func() (string, any, error)) error {
	shared, err := h.sharedPages.Get(version, key, func() (sharedPage, error) {
		title, data, err := build()
		if err != nil {
			return sharedPage{}, err
		}
		content, err := h.views.RenderContent(key.page, page{Title: title, Nav: nav, Data: data})
		return sharedPage{Title: title, Content: content}, err
	})
	if err != nil {
		return err
	}
	p := h.layoutFields(c, page{Title: shared.Title, Nav: nav})
	return h.views.RenderAround(c.Response().BodyWriter(), key.page, p, shared.Content)
}

// render fills the layout's fields from the request and writes the page.
func (h *Handler) render(c *fiber.Ctx, name string, p page) error {
	p = h.layoutFields(c, p)
	return h.views.Render(c.Response().BodyWriter(), name, p)
}

// layoutFields fills in what the layout shows about the request (who is
// signed in, their CSRF token, the request id) and sets the content type.
func (h *Handler) layoutFields(c *fiber.Ctx, p page) page {
	if u, ok := currentUser(c); ok {
		p.User = &u
		p.Navigation = h.siteNavigation(u.Role, p.Nav)
	}
	p.CSRF = formToken(c)
	p.RequestID = requestID(c)
	c.Type("html", "utf-8")
	return p
}

// navKey is what the main navigation depends on: nothing about the request
// but the user's role and the section the page belongs to, both set in code.
type navKey struct {
	Role    models.Role
	Current string
}

// siteNavigation renders the main navigation once for each role and section
// and keeps it: on a cached summary page, working it out again through the
// template engine was most of the layout's cost.
func (h *Handler) siteNavigation(role models.Role, current string) template.HTML {
	key := navKey{Role: role, Current: current}
	if nav, ok := h.navigation.Load(key); ok {
		return nav.(template.HTML)
	}
	nav, err := h.views.RenderPartial("site-nav", key)
	if err != nil {
		// The partial is parsed and checked at start; this cannot happen
		// with the templates as shipped. Log it and show no navigation
		// rather than fail the page.
		h.log.Error("render navigation", "err", err)
		return ""
	}
	h.navigation.Store(key, nav)
	return nav
}

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"stanceLabel":   codeLabel(models.Stance.Label),
		"consentLabel":  codeLabel(models.Consent.Label),
		"typeLabel":     func(s string) string { return models.OrganisationTypeLabels[s] },
		"systemLabel":   func(s string) string { return models.SystemStatusLabels[s] },
		"sideLabel":     func(s string) string { return models.ConcernSideLabels[s] },
		"autonomyLabel": func(v int) string { return models.AutonomyLabels[v] },
		"signed":        chart.Signed,
		"pct":           pct,
		"share":         share,
		"mean":          mean,
		"date":          func(t time.Time) string { return t.In(london).Format("2 January 2006") },
		"datetime":      func(t time.Time) string { return t.In(london).Format("2 January 2006 at 15:04") },
		"dateptr": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(london).Format("2 January 2006 at 15:04")
		},
		"iso":           func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"contains":      slices.Contains[[]string],
		"lines":         func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
		"add":           func(a, b int) int { return a + b },
		"query":         filterQuery,
		"stances":       func() []models.Stance { return models.Stances },
		"consents":      func() []models.Consent { return models.Consents },
		"autonomyScale": func() []int { return models.AutonomyScale },
		"maxComment":    func() string { return "5,000" },
		"positions":     func() []string { return models.Positions },
		"positionLabel": func(s string) string { return models.PositionLabels[s] },
		"collectiveStatusLabel": func(s string) string {
			return models.CollectiveStatusLabels[s]
		},
		"segmentLabel": segmentLabel,
		"containsID":   slices.Contains[[]int64],
		"statusButton": newStatusButton,
		"whyWithdrawn": withdrawnReason,
		"truncate":     truncate,
		"now":          time.Now,
		"tallyLabel":   func(m string) string { return tallyLabels[m] },
		"tallyLink":    tallyLink,
		"consNav": func(id int64, current string) consultationNav {
			return consultationNav{ID: id, Current: current}
		},
		// What of a member's words may be quoted (issue 12).
		"quoteScopeLabel": codeLabel(models.QuoteScope.Label),
		"quoteScopes":     func() []models.QuoteScope { return models.QuoteScopes },
		// The workspace's marker of a section the template suggested (issue 12).
		"suggestedMessage": func() string { return models.SuggestedSectionMessage },
	}
}

// pct formats a fraction as a whole percentage.
func pct(x float64) string { return fmt.Sprintf("%.0f%%", math.Round(x*100)) }

// share formats n of total as a whole percentage ("–" for no total).
func share(n, total int) string {
	if total == 0 {
		return "–"
	}
	return pct(float64(n) / float64(total))
}

// mean formats an average autonomy impact to one decimal place.
func mean(m *float64) string {
	if m == nil {
		return "–"
	}
	v := math.Round(*m*10) / 10
	switch {
	case v > 0:
		return fmt.Sprintf("+%.1f", v)
	case v < 0:
		return fmt.Sprintf("−%.1f", -v)
	}
	return "0.0"
}

// filterQuery renders a filter as a query string, for links that keep it.
func filterQuery(f models.Filter) string {
	v := filterValues(f)
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// filterValues are the parts of a filter that are set, as query parameters.
func filterValues(f models.Filter) url.Values {
	v := url.Values{}
	for _, p := range []struct{ key, value string }{{"type", f.Type}, {"region", f.Region}, {"system_status", f.SystemStatus}} {
		if p.value != "" {
			v.Set(p.key, p.value)
		}
	}
	return v
}

// segmentLabel names a member segment for people: "Mental health trusts",
// "Midlands", "Trusts in an ICS".
func segmentLabel(dimension, segment string) string {
	switch dimension {
	case "type":
		return models.OrganisationTypeLabels[segment] + " trusts"
	case "system_status":
		if segment == "ics" {
			return "Trusts in an ICS"
		}
		return "Trusts in an STP"
	}
	return segment
}

// statusButton is what the workflow button partial needs.
type statusButton struct {
	ConsultationID int64
	CSRF           string
	Version        int
	To, Label      string
}

func newStatusButton(csrf, to, label string, consultationID int64, version int) statusButton {
	return statusButton{ConsultationID: consultationID, CSRF: csrf, Version: version, To: to, Label: label}
}

var tallyLabels = map[string]string{
	models.TallyMember:  "concerns chosen by members",
	models.TallyAnalyst: "codes added by the policy team",
	models.TallyBoth:    "chosen by members or coded by the policy team",
}

// tallyLink keeps the filter and sets the concern tally source.
func tallyLink(f models.Filter, mode string) string {
	q := filterQuery(f)
	if mode == models.TallyMember {
		if q == "" {
			return "?"
		}
		return q
	}
	if q == "" {
		return "?tally=" + mode
	}
	return q + "&tally=" + mode
}

// consultationNav is what the policy team's consultation navigation needs.
type consultationNav struct {
	ID      int64
	Current string
}

// codeLabel lets a template label a code whether it holds it as the domain's
// type (a stored response) or as a plain string (a form as typed): a
// template function taking reflect.Value accepts either.
func codeLabel[T ~string](label func(T) string) func(reflect.Value) string {
	return func(v reflect.Value) string { return label(T(v.String())) }
}
