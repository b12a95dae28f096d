package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/responsecsv"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

const importHeader = "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n"

// importFixture is a store with the reference data, three organisations and
// an admin who imports.
type importFixture struct {
	store *storage.Store
	path  string // the SQLite file (or PostgreSQL URL)
	now   *time.Time
	admin models.User
}

func newImportFixture(t testing.TB) importFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f := importFixture{now: &now, path: testdb.Path(t, filepath.Join(t.TempDir(), "import.db"))}
	s, err := storage.Open(ctx, storage.Options{Path: f.path, Now: func() time.Time { return *f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.store = s
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []models.Organisation{
		{Code: "AAA", Name: "Alpha Hospitals", Type: "acute", Region: "London", System: "North London", SystemStatus: "ics"},
		{Code: "BBB", Name: "Beta Mental Health", Type: "mental_health", Region: "Midlands", System: "Black Country", SystemStatus: "stp"},
		{Code: "CCC", Name: "Gamma Community", Type: "community", Region: "London", System: "South London", SystemStatus: "stp"},
	} {
		o.CreatedAt, o.UpdatedAt = now, now
		if _, err := s.EnsureOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	f.admin, err = s.CreateUser(ctx, models.NewUser{Email: "admin@body.example", Name: "Ada Admin", Role: models.RoleAdmin,
		Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f importFixture) importCSV(t testing.TB, body string) (models.ImportResult, error) {
	t.Helper()
	return f.store.ImportResponses(context.Background(), strings.NewReader(body), "responses.csv", f.admin.ID)
}

// rowCounts counts what an import writes.
func (f importFixture) rowCounts(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"responses", "response_concerns", "response_revisions"} {
		n, err := f.store.CountRows(context.Background(), table)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	imports, err := f.store.Imports(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	out["imports"] = int64(len(imports))
	audit, err := f.store.AuditLog(context.Background(), models.AuditFilter{Action: models.AuditImport})
	if err != nil {
		t.Fatal(err)
	}
	out["audit"] = int64(len(audit))
	return out
}

type wantProblem struct {
	line int
	text string // the message contains this
}

func TestImportRefusesEachKindOfBadRow(t *testing.T) {
	good := "AAA,LP-01,support,1,timescale,Fine.,,attributed\n"
	long := strings.Repeat("é", models.MaxCommentChars+1)
	cases := []struct {
		name string
		body string
		want []wantProblem
	}{
		{"unknown organisation", importHeader + good + "ZZZ,LP-01,support,1,,,,attributed\n",
			[]wantProblem{{3, `No member organisation has the code "ZZZ"`}}},
		{"organisation codes are case-sensitive", importHeader + "aaa,LP-01,support,1,,,,attributed\n",
			[]wantProblem{{2, `No member organisation has the code "aaa" (codes are case-sensitive)`}}},
		{"empty organisation", importHeader + ",LP-01,support,1,,,,attributed\n",
			[]wantProblem{{2, "organisation_code is empty"}}},
		{"unknown proposal", importHeader + "AAA,LP-99,support,1,,,,attributed\n",
			[]wantProblem{{2, `No proposal has the reference "LP-99"`}}},
		{"bad stance code", importHeader + "AAA,LP-01,maybe,1,,,,attributed\n",
			[]wantProblem{{2, `stance "maybe" is not allowed. Use one of: strongly_support, support, neutral, oppose, strongly_oppose.`}}},
		{"empty stance", importHeader + "AAA,LP-01,,1,,,,attributed\n",
			[]wantProblem{{2, "stance is empty."}}},
		{"bad consent", importHeader + "AAA,LP-01,support,1,,,,public\n",
			[]wantProblem{{2, `consent "public" is not allowed. Use one of: attributed, anonymised, private.`}}},
		{"autonomy not a number", importHeader + "AAA,LP-01,support,lots,,,,attributed\n",
			[]wantProblem{{2, `autonomy "lots" is not allowed. Give a whole number from -2`}}},
		{"autonomy out of range", importHeader + "AAA,LP-01,support,3,,,,attributed\n",
			[]wantProblem{{2, `autonomy "3" is not allowed`}}},
		{"autonomy not whole", importHeader + "AAA,LP-01,support,1.5,,,,attributed\n",
			[]wantProblem{{2, `autonomy "1.5" is not allowed`}}},
		{"autonomy empty", importHeader + "AAA,LP-01,support,,,,,attributed\n",
			[]wantProblem{{2, "autonomy is empty."}}},
		{"unknown concern code", importHeader + "AAA,LP-01,support,1,timescale;made_up,,,attributed\n",
			[]wantProblem{{2, `The concern code "made_up" is not in the codebook`}}},
		{"comment too long", importHeader + "AAA,LP-01,support,1,,\"" + long + "\",,attributed\n",
			[]wantProblem{{2, "The comment is 5,001 characters long; the limit is 5,000."}}},
		{"amendments too long", importHeader + "AAA,LP-01,support,1,,,\"" + long + "\",attributed\n",
			[]wantProblem{{2, "The amendments is 5,001 characters long; the limit is 5,000."}}},
		{"several problems in one row", importHeader + "ZZZ,LP-01,maybe,1,,,,attributed\n",
			[]wantProblem{{2, `code "ZZZ"`}, {2, `stance "maybe"`}}},
		{"bare quote", importHeader + good + "AAA,LP-02,support,1,,He said \"no\",,attributed\n",
			[]wantProblem{{3, "The CSV is malformed here: a double quote (\") appears inside a field that is not in quotes"}}},
		{"quote never closed", importHeader + good + "AAA,LP-02,support,1,,\"Open quote,,attributed\nBBB,LP-01,support,1,,,,attributed\n",
			[]wantProblem{{3, "The CSV is malformed here: a quoted field is not closed"}}},
		{"too few columns", importHeader + good + "AAA,LP-02,support,1,,attributed\n",
			[]wantProblem{{3, "This row has 6 columns; every row needs 8"}}},
		{"too many columns", importHeader + "AAA,LP-02,support,1,,Yes, we agree,,attributed\n",
			[]wantProblem{{2, "This row has 9 columns; every row needs 8"}}},
		{"not UTF-8 (Windows-1252 pound sign)", importHeader + "AAA,LP-01,support,1,,Costs \xa3100m,,attributed\n",
			[]wantProblem{{2, "not valid UTF-8"}}},
		{"UTF-16 little-endian", "\xff\xfeo\x00r\x00g\x00", []wantProblem{{1, "Save the file as UTF-8"}}},
		{"UTF-16 big-endian", "\xfe\xff\x00o\x00r", []wantProblem{{1, "Save the file as UTF-8"}}},
		{"an Excel workbook", "PK\x03\x04\x14\x00\x06\x00", []wantProblem{{1, "not a CSV file"}}},
		{"UTF-16 without a byte order mark", "o\x00r\x00g\x00,\x00\n\x00", []wantProblem{{1, "UTF-16"}}},
		{"wrong header", strings.Replace(importHeader, "stance", "Stance", 1) + good,
			[]wantProblem{{1, `Column 3 of the header row is "Stance" where "stance" was expected`}}},
		{"header in another order", "proposal_ref,organisation_code,stance,autonomy,concerns,comment,amendments,consent\n" + good,
			[]wantProblem{{1, `Column 1 of the header row is "proposal_ref"`}}},
		{"missing header", good, []wantProblem{{1, "The header row is missing: line 1 looks like a response"}}},
		{"header with too few columns", "organisation_code,proposal_ref\n" + good,
			[]wantProblem{{1, "The header row has 2 columns"}}},
		{"duplicate organisation and proposal", importHeader + good + "BBB,LP-01,oppose,-1,,,,private\n" + "AAA,LP-01,oppose,-2,,,,private\n",
			[]wantProblem{{4, "Organisation AAA and proposal LP-01 appear again; line 2 already gives this response"}}},
		{"empty file", "", []wantProblem{{1, "The file is empty"}}},
		{"only a byte order mark", "\xef\xbb\xbf", []wantProblem{{1, "The file is empty"}}},
		{"header only", importHeader, []wantProblem{{2, "There are no responses after the header row"}}},
		{"export file with a draft", strings.Join(responsecsv.ExportColumns, ",") + "\n" +
			"AAA,LP-01,support,1,,,,attributed,draft,,Alpha Hospitals,acute,London,North London,ics,comment_only\n",
			[]wantProblem{{2, `The status column says "draft"; imports store submitted responses only`}}},
		{"a row spanning lines is named by its first line", importHeader +
			"AAA,LP-01,support,1,,\"Line one\nline two\",,attributed\nAAA,LP-02,maybe,1,,,,attributed\n",
			[]wantProblem{{4, `stance "maybe"`}}},
	}
	// A refused import changes nothing, so every case can share one store.
	f := newImportFixture(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.rowCounts(t)
			_, err := f.importCSV(t, tc.body)
			var ie models.ImportErrors
			if !errors.As(err, &ie) {
				t.Fatalf("import: got %v, want ImportErrors", err)
			}
			if len(ie.Problems) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %+v", len(ie.Problems), len(tc.want), ie.Problems)
			}
			for i, w := range tc.want {
				got := ie.Problems[i]
				if got.Line != w.line || !strings.Contains(got.Message, w.text) {
					t.Errorf("problem %d: got line %d %q, want line %d containing %q", i, got.Line, got.Message, w.line, w.text)
				}
			}
			if after := f.rowCounts(t); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a refused import changed the database: before %v, after %v", before, after)
			}
		})
	}
}

func TestImportWithThreeGoodRowsAndOneBadChangesNothing(t *testing.T) {
	f := newImportFixture(t)
	// An existing response that a good row would replace.
	if _, err := f.importCSV(t, importHeader+"AAA,LP-01,support,1,timescale,First.,,attributed\n"); err != nil {
		t.Fatal(err)
	}
	before := f.rowCounts(t)
	_, err := f.importCSV(t, importHeader+
		"AAA,LP-01,oppose,-2,new_central_powers,Changed our mind.,,anonymised\n"+
		"BBB,LP-01,support,2,,,,private\n"+
		"CCC,LP-01,neutral,0,,,,attributed\n"+
		"CCC,LP-02,neutral,7,,,,attributed\n")
	var ie models.ImportErrors
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Line != 5 {
		t.Fatalf("got %v (%+v), want one problem on line 5", err, ie.Problems)
	}
	if after := f.rowCounts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("counts changed: before %v, after %v", before, after)
	}
	org, _ := f.store.OrganisationByCode(context.Background(), "AAA")
	p, _, _ := f.store.ProposalByRef(context.Background(), "LP-01")
	r, err := f.store.ResponseFor(context.Background(), org.ID, p.ID)
	if err != nil || r.Stance != models.Support || r.Comment != "First." {
		t.Errorf("AAA's response is now %+v (%v); the refused file must not touch it", r, err)
	}
}

func TestImportListsEveryBadRowUpToTheLimit(t *testing.T) {
	f := newImportFixture(t)
	var b strings.Builder
	b.WriteString(importHeader)
	for i := 0; i < models.MaxImportProblems+250; i++ {
		b.WriteString("ZZZ,LP-01,support,1,,,,attributed\n")
	}
	_, err := f.importCSV(t, b.String())
	var ie models.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatal(err)
	}
	if len(ie.Problems) != models.MaxImportProblems || ie.Omitted != 250 || ie.Total() != models.MaxImportProblems+250 {
		t.Errorf("got %d listed and %d omitted", len(ie.Problems), ie.Omitted)
	}
	if last := ie.Problems[len(ie.Problems)-1]; last.Line != models.MaxImportProblems+1 {
		t.Errorf("last listed problem is on line %d, want %d", last.Line, models.MaxImportProblems+1)
	}
}

func TestImportStoresSubmittedResponses(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	// Received by email after the member deadline: imports still apply.
	*f.now = f.now.AddDate(1, 0, 0)
	body := "\xef\xbb\xbf" + importHeader +
		"AAA,LP-01,strongly_oppose,-2,new_central_powers; timescale;timescale,\"Our board, unanimously, opposes this.\nSecond paragraph.\",\"Drop \"\"direct\"\".\",attributed\n" +
		"BBB,LP-01,support,+1,,'=1+1,,anonymised\n"
	res, err := f.importCSV(t, body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.Created != 2 || res.Replaced != 0 || res.ImportID == 0 {
		t.Errorf("result %+v, want 2 rows, 2 new", res)
	}
	org, _ := f.store.OrganisationByCode(ctx, "AAA")
	p, _, _ := f.store.ProposalByRef(ctx, "LP-01")
	r, err := f.store.ResponseFor(ctx, org.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != models.StatusSubmitted || r.Stance != models.StronglyOppose || *r.Autonomy != -2 ||
		r.Comment != "Our board, unanimously, opposes this.\nSecond paragraph." || r.Amendments != `Drop "direct".` ||
		strings.Join(r.Concerns, ";") != "new_central_powers;timescale" || r.Version != 1 {
		t.Errorf("stored %+v", r)
	}
	if r.SubmittedBy == nil || *r.SubmittedBy != f.admin.ID {
		t.Errorf("submitted by %v, want the importing admin %d", r.SubmittedBy, f.admin.ID)
	}
	orgB, _ := f.store.OrganisationByCode(ctx, "BBB")
	rb, _ := f.store.ResponseFor(ctx, orgB.ID, p.ID)
	if rb.Comment != "=1+1" {
		t.Errorf("comment %q: the export's formula guard (a leading apostrophe) should be removed on import", rb.Comment)
	}
	sum, err := f.store.ProposalSummary(ctx, "LP-01", models.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Responses != 2 || sum.Stances.StronglyOppose != 1 || sum.Stances.Support != 1 {
		t.Errorf("summary counts %d responses %+v", sum.Responses, sum.Stances)
	}
}

func TestReimportReplacesAndKeepsHistory(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	org, _ := f.store.OrganisationByCode(ctx, "AAA")
	p, _, _ := f.store.ProposalByRef(ctx, "LP-03")
	// The member saved a draft first.
	member, err := f.store.CreateUser(ctx, models.NewUser{Email: "m@alpha.example", Name: "Mo Member", Role: models.RoleMember,
		OrganisationCode: "AAA", Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	auto := 1
	if _, err := f.store.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID, UserID: member.ID,
		Input: models.ResponseInput{Stance: models.Support, Autonomy: &auto, Comment: "Draft thoughts."}}); err != nil {
		t.Fatal(err)
	}
	first, err := f.importCSV(t, importHeader+"AAA,LP-03,support,1,timescale,By email.,,attributed\nBBB,LP-03,neutral,0,,,,private\n")
	if err != nil {
		t.Fatal(err)
	}
	if first.Created != 1 || first.Replaced != 1 {
		t.Errorf("first import %+v, want 1 new and 1 replaced (the draft)", first)
	}
	second, err := f.importCSV(t, importHeader+"AAA,LP-03,oppose,-1,workforce,Corrected by email.,Amend it.,private\n")
	if err != nil {
		t.Fatal(err)
	}
	if second.Rows != 1 || second.Created != 0 || second.Replaced != 1 {
		t.Errorf("second import %+v, want 1 replaced", second)
	}
	r, _ := f.store.ResponseFor(ctx, org.ID, p.ID)
	if r.Version != 3 || r.Stance != models.Oppose || strings.Join(r.Concerns, ";") != "workforce" || r.Status != models.StatusSubmitted {
		t.Errorf("after re-import: %+v", r)
	}
	hist, err := f.store.History(ctx, org.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist {
		got = append(got, fmt.Sprintf("v%d %s %s %s %q", h.Version, h.Kind, h.Status, h.Stance, h.Concerns))
	}
	want := []string{
		`v3 import submitted oppose "workforce"`,
		`v2 import submitted support "timescale"`,
		`v1 saved draft support ""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	imports, err := f.store.Imports(ctx, 10)
	if err != nil || len(imports) != 2 {
		t.Fatalf("imports %+v (%v)", imports, err)
	}
	if im := imports[0]; im.ID != second.ImportID || im.RowCount != 1 || im.ReplacedCount != 1 || im.Filename != "responses.csv" ||
		im.ImportedName != "Ada Admin" {
		t.Errorf("latest import recorded as %+v", im)
	}
	audit, _ := f.store.AuditLog(ctx, models.AuditFilter{Action: models.AuditImport})
	if len(audit) != 2 || !strings.Contains(audit[0].Detail, "1 rows, 0 new, 1 replaced") {
		t.Errorf("audit %+v", audit)
	}
}

func TestImportKeepsTheFilesBaseName(t *testing.T) {
	f := newImportFixture(t)
	res, err := f.store.ImportResponses(context.Background(), strings.NewReader(importHeader+"AAA,LP-01,support,1,,,,private\n"),
		`C:\Users\pat\Desktop\emailed responses.csv`, f.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.store.ImportByID(context.Background(), res.ImportID)
	if err != nil || rec.Filename != "emailed responses.csv" {
		t.Errorf("filename %q (%v)", rec.Filename, err)
	}
}

func TestExportThenImportGivesBackTheSameText(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	comments := []string{"=cmd|' /C calc'!A0", "'=guarded by the member", "'Tis plain", "-2+3", "@SUM(1)", "\tindented", "Line one\nline two, with \"quotes\""}
	var b strings.Builder
	b.WriteString(importHeader)
	for i, c := range comments {
		// written as an export would write it, so that the first store holds c
		fmt.Fprintf(&b, "AAA,LP-%02d,support,-1,,%s,,private\n", i+1, csvQuote(models.NeutraliseCell(c)))
	}
	if _, err := f.importCSV(t, b.String()); err != nil {
		t.Fatal(err)
	}
	if first := f.comments(t, len(comments)); strings.Join(first, "|") != strings.Join(comments, "|") {
		t.Fatalf("first import stored %q", first)
	}
	var out bytes.Buffer
	if _, err := f.store.ExportResponses(ctx, &out, models.ExportQuery{}); err != nil {
		t.Fatal(err)
	}
	g := newImportFixture(t)
	if _, err := g.importCSV(t, out.String()); err != nil {
		t.Fatalf("re-importing the export: %v\n%s", err, out.String())
	}
	for i, got := range g.comments(t, len(comments)) {
		if got != comments[i] {
			t.Errorf("comment %q came back as %q", comments[i], got)
		}
	}
}

// comments returns AAA's comments on LP-01 … LP-n.
func (f importFixture) comments(t *testing.T, n int) []string {
	t.Helper()
	ctx := context.Background()
	org, _ := f.store.OrganisationByCode(ctx, "AAA")
	var out []string
	for i := 1; i <= n; i++ {
		p, _, _ := f.store.ProposalByRef(ctx, fmt.Sprintf("LP-%02d", i))
		r, err := f.store.ResponseFor(ctx, org.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Comment)
	}
	return out
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// benchFixture has enough organisations for n distinct responses.
func benchFixture(b testing.TB, n int) (importFixture, []byte) {
	b.Helper()
	f := newImportFixture(b)
	ctx := context.Background()
	var refs []string
	cs, _ := f.store.Consultations(ctx, true)
	for _, c := range cs {
		ps, _ := f.store.Proposals(ctx, c.ID)
		for _, p := range ps {
			refs = append(refs, p.Ref)
		}
	}
	orgs := (n + len(refs) - 1) / len(refs)
	for i := 0; i < orgs; i++ {
		if _, err := f.store.EnsureOrganisation(ctx, models.Organisation{Code: fmt.Sprintf("B%04d", i), Name: fmt.Sprintf("Bench Trust %d", i),
			Type: models.OrganisationTypes[i%6], Region: models.Regions[i%7], System: "System", SystemStatus: models.SystemStatuses[i%2],
			CreatedAt: *f.now, UpdatedAt: *f.now}); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	buf.WriteString(importHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "B%04d,%s,%s,%d,timescale;workforce,\"A comment of a realistic length, with a comma, for row %d.\",,anonymised\n",
			i/len(refs), refs[i%len(refs)], models.Stances[i%5], i%5-2, i)
	}
	return f, buf.Bytes()
}

// BenchmarkImport measures importing 20,000 rows: into an empty table, then
// again over the same responses (every row replaced).
//
//	go test -tags sqlite_fts5 ./models -run '^$' -bench 'Import|Export' -benchtime 3x
func BenchmarkImport20000(b *testing.B) {
	const n = 20000
	f, file := benchFixture(b, n)
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			g, _ := benchFixture(b, n)
			b.StartTimer()
			if _, err := g.store.ImportResponses(ctx, bytes.NewReader(file), "bench.csv", g.admin.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	if _, err := f.store.ImportResponses(ctx, bytes.NewReader(file), "bench.csv", f.admin.ID); err != nil {
		b.Fatal(err)
	}
	b.Run("replace", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.store.ImportResponses(ctx, bytes.NewReader(file), "bench.csv", f.admin.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	})
}

// BenchmarkExport20000 measures streaming 20,000 responses as CSV.
func BenchmarkExport20000(b *testing.B) {
	const n = 20000
	f, file := benchFixture(b, n)
	ctx := context.Background()
	if _, err := f.store.ImportResponses(ctx, bytes.NewReader(file), "bench.csv", f.admin.ID); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := f.store.ExportResponses(ctx, io.Discard, models.ExportQuery{})
		if err != nil || rows != n {
			b.Fatalf("%d rows, %v", rows, err)
		}
	}
}

// BenchmarkValidateMillionRows reads a million-row file that is refused (all
// rows repeat one response), to show that validation streams: memory stays
// flat however long the file is.
func BenchmarkValidateMillionRows(b *testing.B) {
	f := newImportFixture(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		r := &repeatReader{head: []byte(importHeader), row: []byte("AAA,LP-01,support,1,timescale,\"Same again, and again.\",,private\n"), n: 1_000_000}
		_, err := f.store.ImportResponses(ctx, r, "million.csv", f.admin.ID)
		var ie models.ImportErrors
		if !errors.As(err, &ie) || ie.Total() != 999_999 {
			b.Fatalf("got %v", err)
		}
	}
}

// repeatReader yields a header and then one row n times, without holding the file.
type repeatReader struct {
	head, row []byte
	n         int
	pending   []byte
}

// Seek fails: the file is refused on its first reading, so never read again.
func (r *repeatReader) Seek(int64, int) (int64, error) {
	return 0, errors.New("repeatReader is read once")
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.pending) == 0 {
		switch {
		case r.head != nil:
			r.pending, r.head = r.head, nil
		case r.n > 0:
			r.pending = r.row
			r.n--
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}
