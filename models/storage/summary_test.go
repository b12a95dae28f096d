package storage_test

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// recount is an independent count of one proposal's summary, made in Go from
// raw rows read over a separate connection, without any of the store's SQL.
type recount struct {
	members, responses int
	stances            map[string]int
	autonomySum        int
	autonomy           map[int]int
	concerns           map[string]int
	byType             map[string]map[string]int
	quotes             int
	nonResponders      int
}

func independentRecount(t *testing.T, db *sql.DB, proposalID int64, f models.Filter) recount {
	t.Helper()
	type org struct{ typ, region, status string }
	orgs := map[int64]org{}
	rows, err := db.Query("SELECT id, type, region, system_status FROM organisations")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var o org
		rows.Scan(&id, &o.typ, &o.region, &o.status)
		orgs[id] = o
	}
	rows.Close()
	in := func(o org) bool {
		return (f.Type == "" || o.typ == f.Type) && (f.Region == "" || o.region == f.Region) &&
			(f.SystemStatus == "" || o.status == f.SystemStatus)
	}
	rc := recount{stances: map[string]int{}, autonomy: map[int]int{}, concerns: map[string]int{}, byType: map[string]map[string]int{}}
	for _, o := range orgs {
		if in(o) {
			rc.members++
		}
	}
	answered := map[int64]bool{}
	rows, err = db.Query("SELECT id, organisation_id, stance, autonomy, status, consent, comment FROM responses WHERE proposal_id = " + strconv.FormatInt(proposalID, 10))
	if err != nil {
		t.Fatal(err)
	}
	submitted := map[int64]bool{}
	for rows.Next() {
		var id, orgID int64
		var stance, status, consent, comment string
		var autonomy sql.NullInt64
		rows.Scan(&id, &orgID, &stance, &autonomy, &status, &consent, &comment)
		o := orgs[orgID]
		if status != "submitted" || !in(o) {
			continue
		}
		submitted[id] = true
		answered[orgID] = true
		rc.responses++
		rc.stances[stance]++
		rc.autonomy[int(autonomy.Int64)]++
		rc.autonomySum += int(autonomy.Int64)
		if rc.byType[o.typ] == nil {
			rc.byType[o.typ] = map[string]int{}
		}
		rc.byType[o.typ][stance]++
		if consent != "private" && comment != "" {
			rc.quotes++
		}
	}
	rows.Close()
	for id, o := range orgs {
		if in(o) && !answered[id] {
			rc.nonResponders++
		}
	}
	rows, err = db.Query("SELECT rc.response_id, c.code FROM response_concerns rc JOIN concerns c ON c.id = rc.concern_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var code string
		rows.Scan(&id, &code)
		if submitted[id] {
			rc.concerns[code]++
		}
	}
	rows.Close()
	return rc
}

// TestSummariesMatchAnIndependentRecount checks every figure of every demo
// proposal's summary, with and without filters, against a count made from
// the raw rows.
func TestSummariesMatchAnIndependentRecount(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "recount.db")
	now := time.Now()
	s := demoStore(t, path, now)
	defer s.Close()
	db := testdb.Raw(t, testdb.Path(t, path))

	filters := []models.Filter{
		{}, {Type: "acute"}, {Region: "Midlands"}, {SystemStatus: "ics"},
		{Type: "mental_health", SystemStatus: "stp"}, {Type: "ambulance", Region: "London", SystemStatus: "stp"},
	}
	cons, _ := s.Consultations(ctx, true)
	for _, c := range cons {
		ps, _ := s.Proposals(ctx, c.ID)
		for _, f := range filters {
			ov, err := s.ConsultationOverview(ctx, c.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				want := independentRecount(t, db, p.ID, f)
				got, err := s.ProposalSummary(ctx, p.Ref, f)
				if err != nil {
					t.Fatal(err)
				}
				name := p.Ref + " " + filterName(f)
				if got.Members != want.members || got.Responses != want.responses {
					t.Errorf("%s: members %d responses %d, recount %d and %d", name, got.Members, got.Responses, want.members, want.responses)
				}
				for _, st := range models.Stances {
					if got.Stances.Get(st) != want.stances[string(st)] {
						t.Errorf("%s: %s %d, recount %d", name, st, got.Stances.Get(st), want.stances[string(st)])
					}
				}
				wantNet := want.stances["strongly_support"] + want.stances["support"] - want.stances["oppose"] - want.stances["strongly_oppose"]
				if got.NetSupport() != wantNet {
					t.Errorf("%s: net support %d, recount %d", name, got.NetSupport(), wantNet)
				}
				for _, v := range models.AutonomyScale {
					if got.AutonomyCounts[v] != want.autonomy[v] {
						t.Errorf("%s: autonomy %d counted %d, recount %d", name, v, got.AutonomyCounts[v], want.autonomy[v])
					}
				}
				if want.responses > 0 {
					wantMean := float64(want.autonomySum) / float64(want.responses)
					if got.AutonomyMean == nil || math.Abs(*got.AutonomyMean-wantMean) > 1e-9 {
						t.Errorf("%s: autonomy mean %v, recount %v", name, got.AutonomyMean, wantMean)
					}
				} else if got.AutonomyMean != nil {
					t.Errorf("%s: autonomy mean %v with no responses", name, *got.AutonomyMean)
				}
				for _, ct := range got.Concerns {
					if ct.Count != want.concerns[ct.Code] {
						t.Errorf("%s: concern %s %d, recount %d", name, ct.Code, ct.Count, want.concerns[ct.Code])
					}
				}
				for _, seg := range got.ByType {
					for _, st := range models.Stances {
						if seg.Stances.Get(st) != want.byType[seg.Segment][string(st)] {
							t.Errorf("%s: %s %s %d, recount %d", name, seg.Segment, st, seg.Stances.Get(st), want.byType[seg.Segment][string(st)])
						}
					}
				}
				if len(got.Quotes) != want.quotes || len(got.NonResponders) != want.nonResponders {
					t.Errorf("%s: %d quotes and %d non-responders, recount %d and %d", name, len(got.Quotes), len(got.NonResponders), want.quotes, want.nonResponders)
				}
				row := ov.Rows[i]
				if row.Proposal.Ref != p.Ref || row.Responses != want.responses || row.NetSupport() != wantNet {
					t.Errorf("%s: overview row %s has %d responses, net %d; recount %d, net %d", name, row.Proposal.Ref, row.Responses, row.NetSupport(), want.responses, wantNet)
				}
				if topCount := maxConcern(want.concerns); (row.TopConcern == nil) != (topCount == 0) ||
					(row.TopConcern != nil && row.TopConcern.Count != topCount) {
					t.Errorf("%s: overview top concern %+v, recount's largest count %d", name, row.TopConcern, topCount)
				}
			}
		}
	}
}

func maxConcern(m map[string]int) int {
	best := 0
	for _, n := range m {
		best = max(best, n)
	}
	return best
}

func filterName(f models.Filter) string {
	if f.IsZero() {
		return "(no filter)"
	}
	return "(" + f.Type + "|" + f.Region + "|" + f.SystemStatus + ")"
}
