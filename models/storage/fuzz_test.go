package storage_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// FuzzCSVImport gives arbitrary bytes to Store.ImportResponses on a seeded
// database. It must never panic; it returns nil or ImportErrors (with at
// least one problem, each at a line), nothing else; and it is all or
// nothing: a refused file changes no row, an accepted one adds exactly one
// revision per row.
func FuzzCSVImport(f *testing.F) {
	fx := newImportFixture(f)
	ctx := context.Background()
	count := func(t *testing.T) map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, table := range []string{"responses", "response_revisions", "response_concerns"} {
			n, err := fx.store.CountRows(ctx, table)
			if err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		return out
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		before := count(t)
		res, err := fx.store.ImportResponses(ctx, bytes.NewReader(file), "fuzz.csv", fx.admin.ID)
		after := count(t)
		if err != nil {
			var ie models.ImportErrors
			if !errors.As(err, &ie) {
				t.Fatalf("an error that is not ImportErrors: %v", err)
			}
			if ie.Total() == 0 {
				t.Error("ImportErrors without a problem")
			}
			for _, p := range ie.Problems {
				if p.Line < 1 || p.Message == "" {
					t.Errorf("problem %+v", p)
				}
			}
			for table, n := range before {
				if after[table] != n {
					t.Errorf("a refused import changed %s from %d to %d rows", table, n, after[table])
				}
			}
			return
		}
		if res.Rows == 0 || res.Created+res.Replaced != res.Rows || res.ImportID == 0 {
			t.Errorf("result %+v", res)
		}
		if got := after["response_revisions"] - before["response_revisions"]; got != int64(res.Rows) {
			t.Errorf("%d rows imported but %d revisions added", res.Rows, got)
		}
		if got := after["responses"] - before["responses"]; got != int64(res.Created) {
			t.Errorf("%d responses created but %d added", res.Created, got)
		}
	})
}
