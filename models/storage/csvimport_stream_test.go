package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// The import streams: it checks and writes a file in batches of a few
// hundred rows inside one transaction. These tests put what matters far
// from the start of the file, across batches.

// fileRow is one row of a generated import file.
type fileRow struct {
	org, ref          string
	stance            models.Stance
	autonomy          int
	concerns, comment string
	amendments        string
	consent           models.Consent
}

func (r fileRow) String() string {
	return fmt.Sprintf("%s,%s,%s,%d,%s,%s,%s,%s\n", r.org, r.ref, r.stance, r.autonomy, r.concerns,
		csvQuote(r.comment), csvQuote(r.amendments), r.consent)
}

// proposalRefs lists every proposal's reference, in the order benchFixture
// pairs them with its organisations.
func proposalRefs(t testing.TB, s *storage.Store) []string {
	t.Helper()
	ctx := context.Background()
	var refs []string
	cs, err := s.Consultations(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		ps, err := s.Proposals(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			refs = append(refs, p.Ref)
		}
	}
	return refs
}

// streamRows is n rows over benchFixture's organisations, each pair once
// (row i is on line i+2), with stances, consents, comments and concerns
// varying; edit, if given, changes row i.
func streamRows(refs []string, n int, edit func(i int, r *fileRow)) []fileRow {
	concerns := []string{"", "timescale", "timescale;workforce", "new_central_powers", "workforce;funding_and_capital;timescale"}
	rows := make([]fileRow, n)
	for i := range rows {
		r := fileRow{org: fmt.Sprintf("B%04d", i/len(refs)), ref: refs[i%len(refs)], stance: models.Stances[i%5],
			autonomy: i%5 - 2, concerns: concerns[i%len(concerns)], consent: models.Consents[i%3]}
		if i%4 != 0 {
			r.comment = fmt.Sprintf("Row %d: a comment, with a comma.", i)
		}
		if edit != nil {
			edit(i, &r)
		}
		rows[i] = r
	}
	return rows
}

func streamFile(rows []fileRow) string {
	var b strings.Builder
	b.WriteString(importHeader)
	for _, r := range rows {
		b.WriteString(r.String())
	}
	return b.String()
}

func wantProblems(t *testing.T, err error, want []wantProblem) models.ImportErrors {
	t.Helper()
	var ie models.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("import: got %v, want ImportErrors", err)
	}
	if len(ie.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d: %+v", len(ie.Problems), len(want), ie.Problems)
	}
	for i, w := range want {
		if got := ie.Problems[i]; got.Line != w.line || !strings.Contains(got.Message, w.text) {
			t.Errorf("problem %d: got line %d %q, want line %d containing %q", i, got.Line, got.Message, w.line, w.text)
		}
	}
	return ie
}

func verifyTallies(t *testing.T, s *storage.Store) {
	t.Helper()
	if err := s.VerifyTallies(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestImportWithABadRowAfterThousandsOfGoodOnesChangesNothing(t *testing.T) {
	ctx := context.Background()
	const n = 5000
	f, _ := benchFixture(t, n)
	refs := proposalRefs(t, f.store)
	// A response that the file's first row would replace.
	if _, err := f.importCSV(t, importHeader+"B0000,"+refs[0]+",support,1,timescale,First.,,attributed\n"); err != nil {
		t.Fatal(err)
	}
	before := f.rowCounts(t)
	sumBefore, err := f.store.ProposalSummary(ctx, refs[0], models.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	rows := streamRows(refs, n, func(i int, r *fileRow) {
		if i == 2999 { // line 3,001: six batches of good rows are written before it
			r.stance = "maybe"
		}
	})
	_, err = f.importCSV(t, streamFile(rows))
	wantProblems(t, err, []wantProblem{{3001, `stance "maybe" is not allowed`}})
	if after := f.rowCounts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a refused import changed the database: before %v, after %v", before, after)
	}
	org, _ := f.store.OrganisationByCode(ctx, "B0000")
	p, _, _ := f.store.ProposalByRef(ctx, refs[0])
	if r, err := f.store.ResponseFor(ctx, org.ID, p.ID); err != nil || r.Comment != "First." || r.Version != 1 {
		t.Errorf("B0000's response is now %+v (%v); the refused file must not touch it", r, err)
	}
	sumAfter, err := f.store.ProposalSummary(ctx, refs[0], models.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sumAfter.Responses != sumBefore.Responses || sumAfter.Stances != sumBefore.Stances {
		t.Errorf("summary of %s changed: %d %+v, was %d %+v", refs[0], sumAfter.Responses, sumAfter.Stances,
			sumBefore.Responses, sumBefore.Stances)
	}
	verifyTallies(t, f.store)

	// The same file, corrected, goes in whole.
	rows[2999].stance = models.Neutral
	res, err := f.importCSV(t, streamFile(rows))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != n || res.Created != n-1 || res.Replaced != 1 {
		t.Errorf("corrected import %+v, want %d rows, %d new, 1 replaced", res, n, n-1)
	}
	verifyTallies(t, f.store)
}

func TestImportReportsARepeatedPairFarFromItsFirstLine(t *testing.T) {
	const n = 4000
	f, _ := benchFixture(t, n)
	refs := proposalRefs(t, f.store)
	before := f.rowCounts(t)
	rows := streamRows(refs, n, func(i int, r *fileRow) {
		switch i + 2 { // the line
		case 2001:
			r.consent = "public"
		case 2002: // line 2's pair again, 2,000 lines later
			r.org, r.ref = "B0000", refs[0]
		case 2003:
			r.stance = ""
		case 2500: // line 2,400's pair again, in the same batch
			r.org, r.ref = fmt.Sprintf("B%04d", 2398/len(refs)), refs[2398%len(refs)]
		}
	})
	_, err := f.importCSV(t, streamFile(rows))
	wantProblems(t, err, []wantProblem{
		{2001, `consent "public" is not allowed`},
		{2002, fmt.Sprintf("Organisation B0000 and proposal %s appear again; line 2 already gives this response.", refs[0])},
		{2003, "stance is empty."},
		{2500, "appear again; line 2400 already gives this response."},
	})
	if after := f.rowCounts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a refused import changed the database: before %v, after %v", before, after)
	}

	// A refused import leaves nothing behind that the next one trips over.
	rows = streamRows(refs, n, nil)
	if res, err := f.importCSV(t, streamFile(rows)); err != nil || res.Created != n {
		t.Fatalf("the next import: %+v, %v", res, err)
	}
	verifyTallies(t, f.store)
}

func TestImportListsRepeatsAndBadRowsInLineOrderUpToTheLimit(t *testing.T) {
	const unique, problems = 800, 1600
	f, _ := benchFixture(t, unique)
	refs := proposalRefs(t, f.store)
	rows := streamRows(refs, unique, nil)
	// Then, alternately, a pair given before and a row with a bad stance:
	// the repeats are found as each batch is written, the bad stances as
	// they are read; the list is still in line order.
	for k := 0; k < problems; k++ {
		if k%2 == 0 {
			rows = append(rows, rows[k/2])
		} else {
			bad := rows[k/2]
			bad.stance = "maybe"
			rows = append(rows, bad)
		}
	}
	_, err := f.importCSV(t, streamFile(rows))
	var ie models.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	if len(ie.Problems) != models.MaxImportProblems || ie.Total() != problems {
		t.Fatalf("got %d listed, %d in all; want %d listed, %d in all", len(ie.Problems), ie.Total(), models.MaxImportProblems, problems)
	}
	for j, p := range ie.Problems {
		line := unique + 2 + j
		want := fmt.Sprintf("appear again; line %d already gives this response", j/2+2)
		if j%2 == 1 {
			want = `stance "maybe"`
		}
		if p.Line != line || !strings.Contains(p.Message, want) {
			t.Fatalf("problem %d: got line %d %q, want line %d containing %q", j, p.Line, p.Message, line, want)
		}
	}
}

func TestReimportOfThousandsOfRowsReplacesAndKeepsHistory(t *testing.T) {
	ctx := context.Background()
	const n = 2500
	f, _ := benchFixture(t, n)
	refs := proposalRefs(t, f.store)
	first, err := f.importCSV(t, streamFile(streamRows(refs, n, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if first.Created != n || first.Replaced != 0 {
		t.Fatalf("first import %+v", first)
	}
	second, err := f.importCSV(t, streamFile(streamRows(refs, n, func(i int, r *fileRow) {
		r.stance = models.Stances[(i+2)%5]
		r.concerns = "unclear_ics_governance"
		r.comment = fmt.Sprintf("Corrected by email, row %d.", i)
	})))
	if err != nil {
		t.Fatal(err)
	}
	if second.Rows != n || second.Created != 0 || second.Replaced != n {
		t.Errorf("second import %+v, want %d replaced", second, n)
	}
	counts := f.rowCounts(t)
	if counts["responses"] != n || counts["response_revisions"] != 2*n || counts["imports"] != 2 {
		t.Errorf("counts %v, want %d responses with two revisions each, two imports", counts, n)
	}
	for _, i := range []int{0, 1234, n - 1} {
		org, _ := f.store.OrganisationByCode(ctx, fmt.Sprintf("B%04d", i/len(refs)))
		p, _, _ := f.store.ProposalByRef(ctx, refs[i%len(refs)])
		r, err := f.store.ResponseFor(ctx, org.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 2 || r.Stance != models.Stances[(i+2)%5] || strings.Join(r.Concerns, ";") != "unclear_ics_governance" {
			t.Errorf("row %d now %+v", i, r)
		}
		hist, err := f.store.History(ctx, org.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, fmt.Sprintf("v%d %s %s", h.Version, h.Kind, h.Stance))
		}
		want := []string{
			fmt.Sprintf("v2 import %s", models.Stances[(i+2)%5]),
			fmt.Sprintf("v1 import %s", models.Stances[i%5]),
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d history %q, want %q", i, got, want)
		}
	}
	verifyTallies(t, f.store)
}

func TestTalliesMatchARecountAfterALargeImport(t *testing.T) {
	ctx := context.Background()
	const n = 6000
	f, _ := benchFixture(t, n)
	refs := proposalRefs(t, f.store)
	rows := streamRows(refs, n, nil)
	// What the file will replace: drafts and submitted answers saved by
	// members, an earlier import, and the policy team's codes on some.
	replaced := 0
	for i := 0; i < 90; i++ {
		r := rows[i*61]
		if !strings.HasPrefix(r.ref, "LP-") { // the other consultation is closed to members
			continue
		}
		org, _ := f.store.OrganisationByCode(ctx, r.org)
		p, _, _ := f.store.ProposalByRef(ctx, r.ref)
		a := 2 - i%5
		in := models.ResponseInput{Stance: models.Stances[(i+1)%5], Autonomy: &a, Consent: models.ConsentAttributed,
			Comment: "Said before the import.", Concerns: []string{"workforce"}}
		switch i % 3 {
		case 0, 1:
			saved, err := f.store.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID, Input: in, Submit: i%3 == 1})
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 1 {
				if _, _, err := f.store.CodeResponse(ctx, saved.ID, f.admin.ID, []string{"timescale", "new_central_powers"}); err != nil {
					t.Fatal(err)
				}
			}
		case 2:
			if _, err := f.importCSV(t, importHeader+fileRow{org: r.org, ref: r.ref, stance: in.Stance, autonomy: a,
				concerns: "workforce", comment: in.Comment, consent: in.Consent}.String()); err != nil {
				t.Fatal(err)
			}
		}
		replaced++
	}
	verifyTallies(t, f.store)
	res, err := f.importCSV(t, streamFile(rows))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != n || res.Replaced != replaced || res.Created != n-replaced {
		t.Errorf("import %+v, want %d rows, %d replaced", res, n, replaced)
	}
	verifyTallies(t, f.store)
}

// cancellingReader cancels the import's context once it has given after
// bytes, as a client hanging up mid-upload would.
type cancellingReader struct {
	r      io.ReadSeeker
	after  int
	cancel context.CancelFunc
}

func (c *cancellingReader) Seek(offset int64, whence int) (int64, error) {
	return c.r.Seek(offset, whence)
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.after <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p[:min(len(p), 4096)])
	c.after -= n
	return n, err
}

func TestImportCancelledMidwayStoresNothing(t *testing.T) {
	const n = 3000
	f, _ := benchFixture(t, n)
	refs := proposalRefs(t, f.store)
	before := f.rowCounts(t)
	file := streamFile(streamRows(refs, n, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := f.store.ImportResponses(ctx, &cancellingReader{r: strings.NewReader(file), after: len(file) / 2, cancel: cancel},
		"cancelled.csv", f.admin.ID)
	if err == nil {
		t.Fatal("a cancelled import succeeded")
	}
	if after := f.rowCounts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a cancelled import changed the database: before %v, after %v", before, after)
	}
	if res, err := f.importCSV(t, file); err != nil || res.Created != n {
		t.Fatalf("the next import: %+v, %v", res, err)
	}
	verifyTallies(t, f.store)
}
