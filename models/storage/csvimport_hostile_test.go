package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// concernsCell is n codes separated by ';', each made by code(i).
func concernsCell(n int, code func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(code(i))
	}
	return b.String()
}

func TestImportRefusesACellListingMoreConcernCodesThanAResponseMayHave(t *testing.T) {
	unknown := func(i int) string { return fmt.Sprintf("q%05d", i) }
	known := func(int) string { return "timescale" }
	for _, tc := range []struct {
		name  string
		cell  string
		want  []wantProblem // nil: imported
		total int
	}{
		{"150,700 unknown codes are one problem, not a thousand", concernsCell(150_700, unknown),
			[]wantProblem{{2, "This row lists 150,700 concern codes; a response can have at most 100"}}, 1},
		{"101 copies of a known code are too many", concernsCell(101, known),
			[]wantProblem{{2, "lists 101 concern codes"}}, 1},
		{"empty entries between separators do not count", concernsCell(100, known) + strings.Repeat(";", 500), nil, 0},
		{"a few unknown codes are each named once", "timescale;nope;nope;also_not",
			[]wantProblem{{2, `"nope" is not in the codebook`}, {2, `"also_not" is not in the codebook`}}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newImportFixture(t)
			_, err := f.importCSV(t, importHeader+"AAA,LP-01,support,1,\""+tc.cell+"\",A comment.,,private\n")
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie models.ImportErrors
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want ImportErrors", err)
			}
			if ie.Total() != tc.total || len(ie.Problems) != len(tc.want) {
				t.Fatalf("%d problems (%d listed), want %d: %+v", ie.Total(), len(ie.Problems), tc.total, first(ie.Problems, 3))
			}
			for i, w := range tc.want {
				if p := ie.Problems[i]; p.Line != w.line || !strings.Contains(p.Message, w.text) {
					t.Errorf("problem %d is line %d %q; want line %d saying %q", i, p.Line, p.Message, w.line, w.text)
				}
			}
		})
	}
}

func first(ps []models.ImportProblem, n int) []models.ImportProblem { return ps[:min(n, len(ps))] }

// TestARefusedImportNeverWaitsForTheWriter holds SQLite's write lock from
// another connection while a file with problems is imported: the file is
// checked before the import asks for the writer, so it is refused at once
// with its problems, where it used to wait for the lock (and for every
// other writer of the process) and then fail.
func TestARefusedImportNeverWaitsForTheWriter(t *testing.T) {
	testdb.SkipOnPostgres(t, "PostgreSQL has no single writer")
	f := newImportFixture(t)
	other, err := sql.Open("sqlite3", "file:"+f.path+"?_txlock=immediate&_busy_timeout=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	if _, err := held.Exec("UPDATE organisations SET name = name WHERE code = 'AAA'"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // only a bound on a failing run
	defer cancel()
	file := importHeader + "AAA,LP-01,support,1,timescale,Fine.,,private\n" +
		"AAA,LP-01,oppose,1,,Again.,,private\n" +
		"ZZZ,LP-02,support,1,,Unknown organisation.,,private\n"
	_, err = f.store.ImportResponses(ctx, strings.NewReader(file), "refused.csv", f.admin.ID)
	var ie models.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("got %v; want the file's problems without waiting for the writer", err)
	}
	if len(ie.Problems) != 2 || ie.Problems[0].Line != 3 || ie.Problems[1].Line != 4 {
		t.Errorf("problems %+v; want line 3 (a repeat of line 2) and line 4 (unknown organisation)", ie.Problems)
	}
}
