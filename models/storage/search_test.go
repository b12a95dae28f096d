package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// found searches consultation lp-2019 and returns the codes of the
// organisations hit, sorted.
func (a *analysisStore) found(q string) []string {
	a.t.Helper()
	ctx := context.Background()
	cons, err := a.s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		a.t.Fatal(err)
	}
	hits, _, err := a.s.SearchResponses(ctx, cons.ID, q, "", models.Filter{}, 50)
	if err != nil {
		a.t.Fatalf("search %q: %v", q, err)
	}
	var codes []string
	for _, h := range hits {
		codes = append(codes, h.OrganisationCode)
	}
	slices.Sort(codes)
	return codes
}

// marked lists the marked text of a hit's passages.
func marked(h models.SearchHit) []string {
	var out []string
	for _, p := range h.Passages {
		for _, part := range p.Parts {
			if part.Match {
				out = append(out, part.Text)
			}
		}
	}
	return out
}

func TestSearchFindsEveryFormOfAWord(t *testing.T) {
	a := newAnalysisStore(t)
	a.respond("AAA", "LP-12", true, models.ConsentAttributed, "Two mergers were proposed.")
	a.respond("BBB", "LP-12", true, models.ConsentAttributed, "The merger of boards.")
	a.respond("CCC", "LP-12", true, models.ConsentAttributed, "Policies differ.")
	a.respond("DDD", "LP-12", true, models.ConsentAttributed, "One policy only.")
	a.respond("EEE", "LP-12", true, models.ConsentAttributed, "Merge is a verb.")
	for _, tc := range []struct {
		name, q string
		want    []string
	}{
		{"a singular finds the plural", "merger", []string{"AAA", "BBB"}},
		{"a plural finds the singular", "mergers", []string{"AAA", "BBB"}},
		{"y and ies are one word", "policy", []string{"CCC", "DDD"}},
		{"ies and y are one word", "POLICIES", []string{"CCC", "DDD"}},
		{"every word still required", "mergers board", []string{"BBB"}},
		{"another word with the same start is not a form", "merge", []string{"EEE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.found(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %q found %v, want %v", tc.q, got, tc.want)
			}
		})
	}

	t.Run("the forms found are marked", func(t *testing.T) {
		cons, _ := a.s.ConsultationBySlug(context.Background(), "lp-2019")
		hits, _, err := a.s.SearchResponses(context.Background(), cons.ID, "merger boards", "", models.Filter{}, 10)
		if err != nil || len(hits) != 1 {
			t.Fatalf("hits %+v, err %v", hits, err)
		}
		if got := marked(hits[0]); !slices.Equal(got, []string{"merger", "boards"}) {
			t.Errorf("marked %q, want merger and boards", got)
		}
	})
}

func TestSearchReadsQuerySyntaxAsPlainWords(t *testing.T) {
	a := newAnalysisStore(t)
	a.respond("AAA", "LP-12", true, models.ConsentAttributed, "The merger would weaken the board or its chair, and not near the end.")
	a.respond("BBB", "LP-12", true, models.ConsentAttributed, "A merger alone.")
	a.respond("CCC", "LP-12", true, models.ConsentAttributed, "The board alone.")
	both := []string{"AAA", "BBB"}
	for _, tc := range []struct {
		name, q string
		want    []string
	}{
		{"quotes around a word", `"merger"`, both},
		{"an unbalanced quote", `merger "`, both},
		{"quotes around two words are two words", `"merger board"`, []string{"AAA"}},
		{"a quote inside a word", `mer"ger`, nil},
		{"only quotes", `""""`, nil},
		{"a star is not a prefix search", "merg*", nil},
		{"a star after a word", "merger*", both},
		{"a lone star", "*", nil},
		{"OR is a word, not either", "merger OR board", []string{"AAA"}},
		{"AND is a word", "merger AND board", []string{"AAA"}},
		{"NOT is a word, not a refusal", "merger NOT board", []string{"AAA"}},
		{"a minus is not a refusal", "merger -board", []string{"AAA"}},
		{"NEAR is a word", "near merger", []string{"AAA"}},
		{"NEAR with brackets is text", "NEAR(merger board)", nil},
		{"brackets around a word", "(merger)", both},
		{"a column filter is text", "comment:merger", nil},
		{"a colon after a word", "merger:", both},
		{"a caret is text", "^merger", nil},
		{"a plus between words", "merger + board", []string{"AAA"}},
		{"braces", "{comment amendments}: merger", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.found(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %q found %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestSearchIndexFollowsEveryWrite(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	importCSV := func(rows ...string) {
		t.Helper()
		file := "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n" + strings.Join(rows, "\n") + "\n"
		if _, err := a.s.ImportResponses(ctx, strings.NewReader(file), "search.csv", a.analy); err != nil {
			t.Fatal(err)
		}
	}
	// Each step builds on the ones before.
	for _, step := range []struct {
		name   string
		change func()
		want   map[string][]string // query → organisations found
	}{
		{"a submitted response is found", func() {
			a.respond("AAA", "LP-12", true, models.ConsentAttributed, "The merger weakens boards.")
		}, map[string][]string{"merger": {"AAA"}, "boards": {"AAA"}}},
		{"an edit that drops a word stops it matching", func() {
			a.respond("AAA", "LP-12", true, models.ConsentAttributed, "Partnership weakens boards.")
		}, map[string][]string{"merger": nil, "partnership": {"AAA"}, "boards": {"AAA"}}},
		{"a draft is not found", func() {
			a.respond("AAA", "LP-12", false, models.ConsentAttributed, "A merger after all.")
		}, map[string][]string{"merger": nil, "partnership": nil}},
		{"the draft submitted is found", func() {
			a.respond("AAA", "LP-12", true, models.ConsentAttributed, "A merger after all.")
		}, map[string][]string{"merger": {"AAA"}, "partnership": nil}},
		{"a change that keeps the text keeps it found", func() {
			a.respond("AAA", "LP-12", true, models.ConsentPrivate, "A merger after all.")
		}, map[string][]string{"merger": {"AAA"}}},
		{"an import is found, amendments too", func() {
			importCSV("BBB,LP-12,oppose,-1,,Imported view,Amend the merger clause,attributed")
		}, map[string][]string{"merger": {"AAA", "BBB"}, "imported": {"BBB"}, "clause": {"BBB"}}},
		{"an import that replaces a response replaces its words", func() {
			importCSV("BBB,LP-12,oppose,-1,,Replaced view,,attributed")
		}, map[string][]string{"merger": {"AAA"}, "imported": nil, "clause": nil, "replaced": {"BBB"}}},
		// Imports index their new rows at the end, with the row trigger
		// set aside meanwhile: a refused import must put it back too.
		{"a refused import leaves nothing to find", func() {
			file := "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n" +
				"CCC,LP-12,oppose,-1,,Refused words,,attributed\nZZZ,LP-12,oppose,-1,,,,attributed\n"
			if _, err := a.s.ImportResponses(ctx, strings.NewReader(file), "refused.csv", a.analy); err == nil {
				t.Fatal("an import naming an unknown organisation was accepted")
			}
		}, map[string][]string{"refused": nil}},
		{"a save after the imports is found", func() {
			a.respond("CCC", "LP-12", true, models.ConsentAttributed, "Saved after the imports.")
		}, map[string][]string{"imports": {"CCC"}, "replaced": {"BBB"}}},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.change()
			for q, want := range step.want {
				if got := a.found(q); !slices.Equal(got, want) {
					t.Errorf("search %q found %v, want %v", q, got, want)
				}
			}
		})
	}
}

func TestSearchShowsTheStartOfATextWhoseFormIsNotMarked(t *testing.T) {
	// The index stems "happiness" and "happy" alike; the snippet's simpler
	// stemming does not, so the hit shows its text unmarked.
	a := newAnalysisStore(t)
	a.respond("AAA", "LP-12", true, models.ConsentAttributed, "We are happy with this.")
	cons, _ := a.s.ConsultationBySlug(context.Background(), "lp-2019")
	hits, _, err := a.s.SearchResponses(context.Background(), cons.ID, "happiness", "", models.Filter{}, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %+v, err %v", hits, err)
	}
	want := []models.Passage{{Field: "comment", Parts: []models.SnippetPart{{Text: "We are happy with this."}}}}
	if !slices.EqualFunc(hits[0].Passages, want, func(a, b models.Passage) bool {
		return a.Field == b.Field && slices.Equal(a.Parts, b.Parts)
	}) {
		t.Errorf("passages %+v, want %+v", hits[0].Passages, want)
	}
}

func TestSearchKeepsTheOldestHitsInProposalOrder(t *testing.T) {
	a := newAnalysisStore(t)
	// Saved in this order: ids rise from DDD to AAA.
	for _, r := range []struct{ org, ref string }{{"DDD", "LP-12"}, {"CCC", "LP-11"}, {"BBB", "LP-12"}, {"AAA", "LP-12"}} {
		a.respond(r.org, r.ref, true, models.ConsentAttributed, "merger")
	}
	cons, _ := a.s.ConsultationBySlug(context.Background(), "lp-2019")
	for _, tc := range []struct {
		limit     int
		want      []string
		truncated bool
	}{
		{10, []string{"CCC", "AAA", "BBB", "DDD"}, false},
		{3, []string{"CCC", "BBB", "DDD"}, true},
	} {
		hits, truncated, err := a.s.SearchResponses(context.Background(), cons.ID, "merger", "", models.Filter{}, tc.limit)
		var got []string
		for _, h := range hits {
			got = append(got, h.OrganisationCode)
		}
		if err != nil || !slices.Equal(got, tc.want) || truncated != tc.truncated {
			t.Errorf("limit %d: %v truncated %v err %v; want %v truncated %v", tc.limit, got, truncated, err, tc.want, tc.truncated)
		}
	}
}

// searchStore opens a store at path (a file name; on PostgreSQL it stands
// for a database of its own) with the reference data, two organisations and
// their responses to LP-12, imported.
func searchStore(t testing.TB, path string) *storage.Store {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	s, err := storage.Open(ctx, storage.Options{Path: testdb.Path(t, path), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"AAA", "BBB"} {
		if _, err := s.EnsureOrganisation(ctx, models.Organisation{Code: code, Name: "Trust " + code, Type: "acute",
			Region: "London", System: "North London", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := s.CreateUser(ctx, models.NewUser{Email: "admin@body.example", Name: "Ada Admin", Role: models.RoleAdmin,
		Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	const file = `organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent
AAA,LP-12,oppose,-1,,"Two mergers were forced on us; the board was not asked.",Amend the merger clause.,attributed
BBB,LP-12,support,1,,"We support the proposal.","No merger without consent, please.",anonymised
`
	if _, err := s.ImportResponses(ctx, strings.NewReader(file), "search.csv", admin.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

// rawDB opens a store's database without the store, to do what the product
// never does.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+path+"?_busy_timeout=10000"
	if storage.IsPostgresURL(path) {
		driver, dsn = "pgx", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSearchIndexIsFilledFromStoredResponsesWhenMigrating(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "migrate.db")
	s := searchStore(t, path)
	cons, err := s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	search := func(s *storage.Store) []models.SearchHit {
		t.Helper()
		hits, _, err := s.SearchResponses(ctx, cons.ID, "mergers", "", models.Filter{}, 50)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	before := search(s)
	if len(before) != 2 {
		t.Fatalf("%d hits before, want 2", len(before))
	}
	s.Close()

	// Back to the schema before migration 50, with the responses kept.
	db := rawDB(t, testdb.Path(t, path))
	undo := []string{"DROP TRIGGER responses_fts_insert", "DROP TRIGGER responses_fts_update",
		"DROP TRIGGER responses_fts_delete", "DROP TABLE responses_fts"}
	if testdb.Postgres() {
		undo = []string{"ALTER TABLE responses DROP COLUMN search_vector"}
	}
	for _, stmt := range append(undo, "DELETE FROM schema_migrations WHERE version = 50") {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	s, err = storage.Open(ctx, storage.Options{Path: testdb.Path(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := search(s)
	if len(after) != len(before) {
		t.Fatalf("%d hits after migrating, %d before", len(after), len(before))
	}
	for i := range after {
		if after[i].ResponseID != before[i].ResponseID || !slices.Equal(marked(after[i]), marked(before[i])) {
			t.Errorf("hit %d: %+v after migrating, %+v before", i, after[i], before[i])
		}
	}
}

func TestSearchIndexMatchesTheResponsesTable(t *testing.T) {
	testdb.SkipOnPostgres(t, "FTS5's own integrity check; PostgreSQL keeps its generated column itself")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "integrity.db")
	s := searchStore(t, path)
	db := rawDB(t, path)
	// FTS5's own check, with 1: the index holds exactly the content table's text.
	check := func() {
		t.Helper()
		if _, err := db.ExecContext(ctx, "INSERT INTO responses_fts (responses_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
			t.Fatalf("integrity-check: %v", err)
		}
	}
	check()
	var id int64
	if err := db.QueryRowContext(ctx, "SELECT MIN(id) FROM responses WHERE comment LIKE '%merger%'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	// This connection does not enforce foreign keys, so the response can go
	// without its revisions.
	for _, stmt := range []string{
		"UPDATE responses SET comment = comment || ' Amalgamation.' WHERE id = ?",
		"UPDATE responses SET comment = comment, amendments = amendments WHERE id = ?",
		"UPDATE responses SET amendments = 'Another merger.' WHERE id = ?",
		"DELETE FROM responses WHERE id = ?",
	} {
		if _, err := db.ExecContext(ctx, stmt, id); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		check()
	}
	cons, _ := s.ConsultationBySlug(ctx, "lp-2019")
	hits, _, err := s.SearchResponses(ctx, cons.ID, "merger", "", models.Filter{}, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.ResponseID == id {
			t.Errorf("a deleted response is still found")
		}
	}
}

func TestSearchQueryLimits(t *testing.T) {
	a := newAnalysisStore(t)
	cons, _ := a.s.ConsultationBySlug(context.Background(), "lp-2019")
	for _, tc := range []struct {
		name, q string
		err     error
	}{
		{"12 words", strings.Repeat("word ", 12), nil},
		{"13 words", "a b c d e f g h i j k l m", models.ErrSearchTooLong},
		{"words without letters or digits do not count", strings.Repeat("word ", 12) + "- -- * %", nil},
		{"too many characters", strings.Repeat("x", models.MaxSearchChars+1), models.ErrSearchTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := a.s.SearchResponses(context.Background(), cons.ID, tc.q, "", models.Filter{}, 10); !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestSearchWordsDropsWhatCannotBeSearched(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{`Merger merger MERGER`, []string{"merger"}},
		{`"merger" (board) trust's 100% s.75 -- * —`, []string{"merger", "board", "trust's", "100%", "s.75"}},
		{`“quoted” ‘words’`, []string{"quoted", "words"}},
		{`   `, nil},
	} {
		if got := models.SearchWords(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("SearchWords(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// FuzzSearchQuery gives arbitrary text to SearchResponses: it answers hits
// or ErrSearchTooLong, never an error from the engine's query syntax.
func FuzzSearchQuery(f *testing.F) {
	ctx := context.Background()
	s := searchStore(f, filepath.Join(f.TempDir(), "fuzz.db"))
	cons, err := s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []string{"merger", `"merger" OR board`, "NEAR(merger board, 2)", "comment:merger*", "-merger ^board",
		`a"b`, "100% under_this", `\`, "(", "{comment}: x", "merger + board", "\x00", "é"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		hits, _, err := s.SearchResponses(ctx, cons.ID, q, "", models.Filter{}, 20)
		if err != nil && !errors.Is(err, models.ErrSearchTooLong) {
			t.Fatalf("search %q: %v", q, err)
		}
		for _, h := range hits {
			if len(h.Passages) == 0 {
				t.Errorf("search %q: hit %d shows no text", q, h.ResponseID)
			}
		}
	})
}

func TestSearchFindsTheSameHitsFromTheIndexAndFromTheScope(t *testing.T) {
	a := newAnalysisStore(t)
	ctx := context.Background()
	// 36 organisations over three regions, every type and both statuses,
	// named so that name order is not id order; each answers three
	// proposals of lp-2019 and one of the other consultation with a few of
	// the words below.
	file := "organisation_code,proposal_ref,stance,autonomy,concerns,comment,amendments,consent\n"
	vocabulary := []string{"merger", "mergers", "board", "boards", "policy", "policies", "trust", "accountability", "s.75", "100%", "under", "the"}
	rng := rand.New(rand.NewPCG(5, 5))
	text := func() string {
		var ws []string
		for range rng.IntN(4) {
			ws = append(ws, vocabulary[rng.IntN(len(vocabulary))])
		}
		return strings.Join(ws, " ")
	}
	for i := range 36 {
		code := fmt.Sprintf("P%02d", i)
		if _, err := a.s.EnsureOrganisation(ctx, models.Organisation{Code: code, Name: fmt.Sprintf("Trust %02d", 35-i),
			Type: models.OrganisationTypes[i%6], Region: models.Regions[i%3], System: "System", SystemStatus: models.SystemStatuses[i/3%2],
			CreatedAt: *a.now, UpdatedAt: *a.now}); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"LP-12", "LP-01", "GC-01", "LP-11"} {
			file += fmt.Sprintf("%s,%s,support,1,,%s,%s,attributed\n", code, ref, text(), text())
		}
	}
	if _, err := a.s.ImportResponses(ctx, strings.NewReader(file), "plans.csv", a.analy); err != nil {
		t.Fatal(err)
	}
	// Drafts hold words too, and are never found.
	a.respond("AAA", "LP-12", false, models.ConsentAttributed, "merger board trust policy")
	a.respond("CCC", "LP-01", false, models.ConsentAttributed, "merger board trust policy")
	a.respond("EEE", "LP-12", true, models.ConsentAttributed, "The board's merger policy, under s.75.")

	lp, err := a.s.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		t.Fatal(err)
	}
	gc, err := a.s.ConsultationBySlug(ctx, "ltp-governance")
	if err != nil {
		t.Fatal(err)
	}
	var hitsSeen, truncatedSeen bool
	for _, q := range []string{"merger", "mergers board", "policies trust", "accountability", "s.75", "100% merger", "the", "under board", "pharmacy"} {
		for _, sc := range []struct {
			name         string
			consultation int64
			ref          string
			f            models.Filter
		}{
			{"the consultation", lp.ID, "", models.Filter{}},
			{"one proposal", lp.ID, "LP-12", models.Filter{}},
			{"a type", lp.ID, "", models.Filter{Type: "acute"}},
			{"a region and a status", lp.ID, "", models.Filter{Region: "London", SystemStatus: "stp"}},
			{"a proposal and a whole segment", lp.ID, "LP-01", models.Filter{Type: "community", Region: "Midlands", SystemStatus: "ics"}},
			{"a region with no members", lp.ID, "", models.Filter{Region: "South West"}},
			{"a proposal without responses", lp.ID, "LP-02", models.Filter{}},
			{"a proposal of another consultation", lp.ID, "GC-01", models.Filter{}},
			{"the other consultation", gc.ID, "", models.Filter{}},
		} {
			for _, limit := range []int{3, 200} {
				t.Run(fmt.Sprintf("%s in %s, limit %d", q, sc.name, limit), func(t *testing.T) {
					fromIndex, moreFromIndex, err := a.s.SearchResponsesWithPlan(ctx, storage.SearchFromIndex, sc.consultation, q, sc.ref, sc.f, limit)
					if err != nil {
						t.Fatal(err)
					}
					fromScope, moreFromScope, err := a.s.SearchResponsesWithPlan(ctx, storage.SearchFromScope, sc.consultation, q, sc.ref, sc.f, limit)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(fromIndex, fromScope) || moreFromIndex != moreFromScope {
						t.Errorf("from the index: %v (more %v); from the scope: %v (more %v)",
							responseIDs(fromIndex), moreFromIndex, responseIDs(fromScope), moreFromScope)
					}
					hitsSeen = hitsSeen || len(fromIndex) > 0
					truncatedSeen = truncatedSeen || moreFromIndex
				})
			}
		}
	}
	if !hitsSeen || !truncatedSeen {
		t.Errorf("the searches found hits: %v, more than their limit: %v; want both", hitsSeen, truncatedSeen)
	}
}

func responseIDs(hits []models.SearchHit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.ResponseID)
	}
	return out
}
