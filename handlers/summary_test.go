package handlers_test

import (
	"context"
	"fmt"
	"html"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// The fixture for LP-12, eight member organisations in all:
//
//	org  type           region    system  LP-12 response
//	AAA  acute          London    ics     submitted: strongly_oppose, −2, new_central_powers+cuts_across_board_accountability, attributed
//	BBB  mental_health  Midlands  stp     submitted: oppose, −1, new_central_powers+timescale, anonymised
//	CCC  acute          Midlands  stp     submitted: support, +1, timescale, private
//	DDD  community      London    ics     submitted: neutral, 0, no concerns, attributed, empty comment
//	EEE  mental_health  London    stp     submitted: strongly_support, +2, workforce+new_central_powers, anonymised
//	FFF  community      Midlands  ics     submitted: oppose, −2, loss_of_local_autonomy, attributed
//	GGG  acute          London    stp     none (but a submitted LP-11 response, which must not leak into LP-12)
//	HHH  community      Midlands  stp     draft only: strongly_support, +2, workforce, attributed
//
// Every expected number in TestProposalSummaryJSONMatchesTheHandCountedFixture
// is counted by hand from this table.
const (
	commentAAA     = "Alpha: a directed merger would override our board and governors."
	commentBBB     = "Beta: the regulator would decide for us."
	commentPrivate = "Gamma private: we quietly welcome this."
	commentEEE     = "Echo: faster mergers would help our staff."
	commentFFF     = "Foxtrot: local partners should decide."
	commentDraft   = "Hotel draft: not yet agreed."
	commentOtherLP = "Golf on LP-11 only."
)

type fixtureSave struct {
	org      string
	ref      string
	stance   models.Stance
	autonomy int
	concerns []string
	consent  models.Consent
	comment  string
	submit   bool
}

func buildSummaryFixture(t *testing.T) (*env, *clock) {
	t.Helper()
	e, clk := newEnv(t)
	ctx := context.Background()
	orgs := map[string]models.Organisation{"AAA": e.orgA, "BBB": e.orgB}
	for _, o := range []struct{ code, name, typ, region, status string }{
		{"CCC", "Charlie Acute NHS Trust", "acute", "Midlands", "stp"},
		{"DDD", "Delta Community Health NHS Trust", "community", "London", "ics"},
		{"EEE", "Echo Mental Health NHS Foundation Trust", "mental_health", "London", "stp"},
		{"FFF", "Foxtrot Community NHS Trust", "community", "Midlands", "ics"},
		{"GGG", "Golf Acute NHS Trust", "acute", "London", "stp"},
		{"HHH", "Hotel Community NHS Trust", "community", "Midlands", "stp"},
	} {
		orgs[o.code] = e.addOrg(o.code, o.name, o.typ, o.region, o.status)
	}
	users := map[string]int64{}
	for code := range orgs {
		email := strings.ToLower(code) + "@fixture.example"
		if code == "AAA" || code == "BBB" {
			email = map[string]string{"AAA": "a@alpha.example", "BBB": "b@beta.example"}[code]
			u, err := e.store.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			users[code] = u.ID
			continue
		}
		u, err := e.store.CreateUser(ctx, models.NewUser{Email: email, Name: "Member of " + code, Role: models.RoleMember,
			OrganisationCode: code, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		users[code] = u.ID
	}
	for _, s := range []fixtureSave{
		{"AAA", "LP-12", "strongly_oppose", -2, []string{"new_central_powers", "cuts_across_board_accountability"}, "attributed", commentAAA, true},
		{"BBB", "LP-12", "oppose", -1, []string{"new_central_powers", "timescale"}, "anonymised", commentBBB, true},
		{"CCC", "LP-12", "support", 1, []string{"timescale"}, "private", commentPrivate, true},
		{"DDD", "LP-12", "neutral", 0, nil, "attributed", "", true},
		{"EEE", "LP-12", "strongly_support", 2, []string{"workforce", "new_central_powers"}, "anonymised", commentEEE, true},
		{"FFF", "LP-12", "oppose", -2, []string{"loss_of_local_autonomy"}, "attributed", commentFFF, true},
		{"HHH", "LP-12", "strongly_support", 2, []string{"workforce"}, "attributed", commentDraft, false},
		{"GGG", "LP-11", "strongly_support", 1, []string{"funding_and_capital"}, "attributed", commentOtherLP, true},
	} {
		clk.t = clk.t.Add(time.Minute) // quotes come in the order submitted
		a := s.autonomy
		_, err := e.store.Save(ctx, models.SaveResponse{
			OrganisationID: orgs[s.org].ID, ProposalID: e.proposalID(s.ref), UserID: users[s.org],
			Input:  models.ResponseInput{Stance: s.stance, Autonomy: &a, Concerns: s.concerns, Comment: s.comment, Consent: s.consent},
			Submit: s.submit,
		})
		if err != nil {
			t.Fatalf("save %s %s: %v", s.org, s.ref, err)
		}
	}
	return e, clk
}

type summaryJSON struct {
	Proposal     string         `json:"proposal"`
	Responses    int            `json:"responses"`
	Members      int            `json:"members"`
	ResponseRate float64        `json:"response_rate"`
	Stance       map[string]int `json:"stance"`
	NetSupport   int            `json:"net_support"`
	Autonomy     struct {
		Mean   *float64       `json:"mean"`
		Counts map[string]int `json:"counts"`
	} `json:"autonomy"`
	Concerns       map[string]int            `json:"concerns"`
	ByType         map[string]map[string]int `json:"by_type"`
	ByRegion       map[string]map[string]int `json:"by_region"`
	BySystemStatus map[string]map[string]int `json:"by_system_status"`
	Quotes         []quoteJSON               `json:"quotes"`
	NotResponded   []string                  `json:"not_responded"`
}

type quoteJSON struct {
	Attribution string `json:"attribution"`
	Attributed  bool   `json:"attributed"`
	Stance      string `json:"stance"`
	Comment     string `json:"comment"`
}

// sc is stance counts, in scale order: strongly support, support, neutral,
// oppose, strongly oppose.
func sc(ss, s, n, o, so int) map[string]int {
	return map[string]int{"strongly_support": ss, "support": s, "neutral": n, "oppose": o, "strongly_oppose": so}
}

// ac is autonomy counts from −2 to +2.
func ac(m2, m1, z, p1, p2 int) map[string]int {
	return map[string]int{"-2": m2, "-1": m1, "0": z, "1": p1, "2": p2}
}

func f64(v float64) *float64 { return &v }

// headline is how the summary page's headline figures read.
type headline struct {
	responses, members, rate, net, mean string
}

type summaryCase struct {
	name         string
	query        string
	responses    int
	members      int
	rate         float64
	stance       map[string]int
	net          int
	mean         *float64
	autonomy     map[string]int
	concerns     map[string]int            // only the non-zero ones; every other code must be 0
	byType       map[string]map[string]int // only segments with responses; the others must be all zero
	byRegion     map[string]map[string]int
	bySystem     map[string]map[string]int
	quotes       []quoteJSON
	notResponded []string
	page         headline
}

var (
	quoteAAA = quoteJSON{"Alpha Hospitals NHS Trust", true, "strongly_oppose", commentAAA}
	quoteBBB = quoteJSON{"A trust in the Midlands", false, "oppose", commentBBB}
	quoteEEE = quoteJSON{"A trust in London", false, "strongly_support", commentEEE}
	quoteFFF = quoteJSON{"Foxtrot Community NHS Trust", true, "oppose", commentFFF}
)

// summaryCases are counted by hand from the fixture table above.
var summaryCases = []summaryCase{
	{
		name: "all members", query: "",
		responses: 6, members: 8, rate: 0.75,
		stance: sc(1, 1, 1, 2, 1), net: -1, // 1 + 1 − 2 − 1
		mean:     f64(-0.33), // (−2 −1 +1 +0 +2 −2) / 6 = −2/6
		autonomy: ac(2, 1, 1, 1, 1),
		concerns: map[string]int{"new_central_powers": 3, "cuts_across_board_accountability": 1, "timescale": 2, "workforce": 1, "loss_of_local_autonomy": 1},
		byType: map[string]map[string]int{
			"acute": sc(0, 1, 0, 0, 1), "mental_health": sc(1, 0, 0, 1, 0), "community": sc(0, 0, 1, 1, 0),
		},
		byRegion: map[string]map[string]int{
			"London": sc(1, 0, 1, 0, 1), "Midlands": sc(0, 1, 0, 2, 0),
		},
		bySystem: map[string]map[string]int{
			"ics": sc(0, 0, 1, 1, 1), "stp": sc(1, 1, 0, 1, 0),
		},
		quotes:       []quoteJSON{quoteAAA, quoteBBB, quoteEEE, quoteFFF},
		notResponded: []string{"GGG", "HHH"},
		page:         headline{"6", "8", "75%", "−1", "−0.3"},
	},
	{
		name: "acute trusts", query: "?type=acute", // AAA, CCC, GGG
		responses: 2, members: 3, rate: 0.6667,
		stance: sc(0, 1, 0, 0, 1), net: 0,
		mean:     f64(-0.5), // (−2 + 1) / 2
		autonomy: ac(1, 0, 0, 1, 0),
		concerns: map[string]int{"new_central_powers": 1, "cuts_across_board_accountability": 1, "timescale": 1},
		byType:   map[string]map[string]int{"acute": sc(0, 1, 0, 0, 1)},
		byRegion: map[string]map[string]int{"London": sc(0, 0, 0, 0, 1), "Midlands": sc(0, 1, 0, 0, 0)},
		bySystem: map[string]map[string]int{"ics": sc(0, 0, 0, 0, 1), "stp": sc(0, 1, 0, 0, 0)},
		quotes:   []quoteJSON{quoteAAA}, notResponded: []string{"GGG"},
		page: headline{"2", "3", "67%", "0", "−0.5"},
	},
	{
		name: "Midlands", query: "?region=Midlands", // BBB, CCC, FFF, HHH
		responses: 3, members: 4, rate: 0.75,
		stance: sc(0, 1, 0, 2, 0), net: -1,
		mean:     f64(-0.67), // (−1 + 1 − 2) / 3
		autonomy: ac(1, 1, 0, 1, 0),
		concerns: map[string]int{"new_central_powers": 1, "timescale": 2, "loss_of_local_autonomy": 1},
		byType: map[string]map[string]int{
			"acute": sc(0, 1, 0, 0, 0), "mental_health": sc(0, 0, 0, 1, 0), "community": sc(0, 0, 0, 1, 0),
		},
		byRegion: map[string]map[string]int{"Midlands": sc(0, 1, 0, 2, 0)},
		bySystem: map[string]map[string]int{"ics": sc(0, 0, 0, 1, 0), "stp": sc(0, 1, 0, 1, 0)},
		quotes:   []quoteJSON{quoteBBB, quoteFFF}, notResponded: []string{"HHH"},
		page: headline{"3", "4", "75%", "−1", "−0.7"},
	},
	{
		name: "STP members", query: "?system_status=stp", // BBB, CCC, EEE, GGG, HHH
		responses: 3, members: 5, rate: 0.6,
		stance: sc(1, 1, 0, 1, 0), net: 1,
		mean:     f64(0.67), // (−1 + 1 + 2) / 3
		autonomy: ac(0, 1, 0, 1, 1),
		concerns: map[string]int{"new_central_powers": 2, "timescale": 2, "workforce": 1},
		byType:   map[string]map[string]int{"acute": sc(0, 1, 0, 0, 0), "mental_health": sc(1, 0, 0, 1, 0)},
		byRegion: map[string]map[string]int{"London": sc(1, 0, 0, 0, 0), "Midlands": sc(0, 1, 0, 1, 0)},
		bySystem: map[string]map[string]int{"stp": sc(1, 1, 0, 1, 0)},
		quotes:   []quoteJSON{quoteBBB, quoteEEE}, notResponded: []string{"GGG", "HHH"},
		page: headline{"3", "5", "60%", "+1", "+0.7"},
	},
	{
		name: "mental health trusts in an STP", query: "?type=mental_health&system_status=stp", // BBB, EEE
		responses: 2, members: 2, rate: 1,
		stance: sc(1, 0, 0, 1, 0), net: 0,
		mean:     f64(0.5), // (−1 + 2) / 2
		autonomy: ac(0, 1, 0, 0, 1),
		concerns: map[string]int{"new_central_powers": 2, "timescale": 1, "workforce": 1},
		byType:   map[string]map[string]int{"mental_health": sc(1, 0, 0, 1, 0)},
		byRegion: map[string]map[string]int{"London": sc(1, 0, 0, 0, 0), "Midlands": sc(0, 0, 0, 1, 0)},
		bySystem: map[string]map[string]int{"stp": sc(1, 0, 0, 1, 0)},
		quotes:   []quoteJSON{quoteBBB, quoteEEE}, notResponded: []string{},
		page: headline{"2", "2", "100%", "0", "+0.5"},
	},
	{
		name: "community trusts in the Midlands", query: "?type=community&region=Midlands", // FFF, HHH (draft)
		responses: 1, members: 2, rate: 0.5,
		stance: sc(0, 0, 0, 1, 0), net: -1,
		mean:     f64(-2),
		autonomy: ac(1, 0, 0, 0, 0),
		concerns: map[string]int{"loss_of_local_autonomy": 1},
		byType:   map[string]map[string]int{"community": sc(0, 0, 0, 1, 0)},
		byRegion: map[string]map[string]int{"Midlands": sc(0, 0, 0, 1, 0)},
		bySystem: map[string]map[string]int{"ics": sc(0, 0, 0, 1, 0)},
		quotes:   []quoteJSON{quoteFFF}, notResponded: []string{"HHH"},
		page: headline{"1", "2", "50%", "−1", "−2.0"},
	},
	{
		name: "a segment with no members", query: "?type=ambulance",
		responses: 0, members: 0, rate: 0,
		stance: sc(0, 0, 0, 0, 0), net: 0,
		mean:     nil,
		autonomy: ac(0, 0, 0, 0, 0),
		concerns: map[string]int{},
		quotes:   []quoteJSON{}, notResponded: []string{},
		page: headline{"0", "0", "0%", "0", "–"},
	},
}

func wantSegments(t *testing.T, what string, got, want map[string]map[string]int, keys []string) {
	t.Helper()
	for _, k := range keys {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s has no %q entry", what, k)
			continue
		}
		w, ok := want[k]
		if !ok {
			w = sc(0, 0, 0, 0, 0)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s[%s] = %v, want %v", what, k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && !reflect.DeepEqual(got[k], sc(0, 0, 0, 0, 0)) {
			t.Errorf("%s has unexpected segment %s = %v", what, k, got[k])
		}
	}
}

func TestProposalSummaryJSONMatchesTheHandCountedFixture(t *testing.T) {
	e, _ := buildSummaryFixture(t)
	policy := e.signIn("policy@body.example")
	codebook, err := e.store.Concerns(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range summaryCases {
		t.Run(tc.name, func(t *testing.T) {
			r := policy.get("/api/v1/proposals/LP-12/summary" + tc.query)
			wantStatus(t, r, http.StatusOK)
			var s summaryJSON
			decodeJSON(t, r, &s)

			if s.Proposal != "LP-12" {
				t.Errorf("proposal = %q, want LP-12", s.Proposal)
			}
			if s.Responses != tc.responses || s.Members != tc.members {
				t.Errorf("responses/members = %d/%d, want %d/%d", s.Responses, s.Members, tc.responses, tc.members)
			}
			if math.Abs(s.ResponseRate-tc.rate) > 0.00005 {
				t.Errorf("response_rate = %v, want %v", s.ResponseRate, tc.rate)
			}
			if !reflect.DeepEqual(s.Stance, tc.stance) {
				t.Errorf("stance = %v, want %v", s.Stance, tc.stance)
			}
			if s.NetSupport != tc.net {
				t.Errorf("net_support = %d, want %d", s.NetSupport, tc.net)
			}
			switch {
			case tc.mean == nil && s.Autonomy.Mean != nil:
				t.Errorf("autonomy mean = %v, want null", *s.Autonomy.Mean)
			case tc.mean != nil && (s.Autonomy.Mean == nil || math.Abs(*s.Autonomy.Mean-*tc.mean) > 0.005):
				t.Errorf("autonomy mean = %v, want %v", s.Autonomy.Mean, *tc.mean)
			}
			if !reflect.DeepEqual(s.Autonomy.Counts, tc.autonomy) {
				t.Errorf("autonomy counts = %v, want %v", s.Autonomy.Counts, tc.autonomy)
			}
			for _, c := range codebook {
				got, ok := s.Concerns[c.Code]
				if !ok {
					t.Errorf("concerns has no %q entry", c.Code)
				}
				if got != tc.concerns[c.Code] {
					t.Errorf("concerns[%s] = %d, want %d", c.Code, got, tc.concerns[c.Code])
				}
			}
			wantSegments(t, "by_type", s.ByType, tc.byType, models.OrganisationTypes)
			wantSegments(t, "by_region", s.ByRegion, tc.byRegion, models.Regions)
			wantSegments(t, "by_system_status", s.BySystemStatus, tc.bySystem, models.SystemStatuses)
			if !reflect.DeepEqual(append([]quoteJSON{}, s.Quotes...), tc.quotes) {
				t.Errorf("quotes = %+v\nwant %+v", s.Quotes, tc.quotes)
			}
			if strings.Join(s.NotResponded, ",") != strings.Join(tc.notResponded, ",") {
				t.Errorf("not_responded = %v, want %v", s.NotResponded, tc.notResponded)
			}
			wantNotContains(t, r.Body, `"quotes":null`, `"not_responded":null`)
			// A private comment, a draft and another proposal's answer are never quoted.
			wantNotContains(t, r.Body, commentPrivate, commentDraft, commentOtherLP)
		})
	}
}

var ddPattern = `<dt>%s</dt><dd>%s</dd>`

func TestProposalSummaryPageShowsTheSameHeadlineNumbers(t *testing.T) {
	e, _ := buildSummaryFixture(t)
	policy := e.signIn("policy@body.example")
	for _, tc := range summaryCases {
		t.Run(tc.name, func(t *testing.T) {
			r := policy.get("/proposals/LP-12/summary" + tc.query)
			wantStatus(t, r, http.StatusOK)
			// html/template writes "+" as &#43;; compare what the reader sees.
			wantContains(t, html.UnescapeString(r.Body),
				fmt.Sprintf(ddPattern, "Responses", tc.page.responses+` <span class="muted">of `+tc.page.members+` members</span>`),
				fmt.Sprintf(ddPattern, "Response rate", tc.page.rate),
				fmt.Sprintf(ddPattern, "Net support", tc.page.net),
				fmt.Sprintf(ddPattern, "Mean autonomy impact", tc.page.mean),
				"<svg",
				fmt.Sprintf("Not answered yet (%d)", len(tc.notResponded)),
			)
			for _, q := range tc.quotes {
				wantContains(t, r.Body, "<p>"+q.Comment+"</p>", q.Attribution)
			}
			wantNotContains(t, r.Body, commentPrivate, commentDraft, commentOtherLP)
		})
	}

	t.Run("a draft shows as in progress among those not answered", func(t *testing.T) {
		r := policy.get("/proposals/LP-12/summary")
		wantContains(t, r.Body,
			`Hotel Community NHS Trust <span class="muted">(HHH, Community, Midlands) – draft in progress</span>`,
			`Golf Acute NHS Trust <span class="muted">(GGG, Acute, London)</span>`)
	})
}

// overviewRow returns the overview table's row for a proposal.
func overviewRow(t *testing.T, body, ref string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<tr>\s*<th scope="row"><span class="ref">` + regexp.QuoteMeta(ref) + `</span>.*?</tr>`)
	row := re.FindString(body)
	if row == "" {
		t.Fatalf("no overview row for %s\n%s", ref, snippet(body))
	}
	return row
}

func TestConsultationOverviewRowsMatchTheFixture(t *testing.T) {
	e, _ := buildSummaryFixture(t)
	policy := e.signIn("policy@body.example")
	cases := []struct {
		name, query, ref                                string
		members, responses, rate, net, mean, topConcern string
	}{
		{"LP-12, all members", "", "LP-12", "8", "6", "75%", "−1", "−0.3", `New national powers of direction <span class="muted">(3)</span>`},
		{"LP-12, acute trusts", "?type=acute", "LP-12", "3", "2", "67%", "0", "−0.5", `New national powers of direction <span class="muted">(1)</span>`},
		{"LP-12, Midlands", "?region=Midlands", "LP-12", "4", "3", "75%", "−1", "−0.7", `Timescale <span class="muted">(2)</span>`},
		{"LP-11 counts only its own answer", "", "LP-11", "8", "1", "13%", "+1", "+1.0", `Funding and capital <span class="muted">(1)</span>`},
		{"LP-01 has no answers", "", "LP-01", "8", "0", "0%", "0", "–", `<span class="muted">none</span>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := policy.get(fmt.Sprintf("/consultations/%d/overview%s", e.lp2019ID(), tc.query))
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r.Body, "<strong>"+tc.members+"</strong> organisations")
			row := overviewRow(t, r.Body, tc.ref)
			cells := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(row, -1)
			if len(cells) != 6 {
				t.Fatalf("row has %d cells, want 6\n%s", len(cells), row)
			}
			got := []string{cells[1][1], cells[2][1], html.UnescapeString(cells[3][1]), html.UnescapeString(cells[4][1]), strings.TrimSpace(cells[5][1])}
			want := []string{tc.responses, tc.rate, tc.net, tc.mean, tc.topConcern}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("row %s = %q, want %q", tc.ref, got, want)
			}
		})
	}
}
