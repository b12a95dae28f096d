//go:build !sqlite_fts5

package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// Built without the tag, every other test fails at Open; this one checks
// that the failure says what to do. CI runs it on its own.
func TestOpenWithoutFTS5SaysHowToBuild(t *testing.T) {
	testdb.SkipOnPostgres(t, "about the SQLite linked into the binary")
	_, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(t.TempDir(), "nofts.db")})
	if err == nil || !strings.Contains(err.Error(), "build it with -tags sqlite_fts5") {
		t.Errorf("Open without FTS5: err = %v, want one that names the build tag", err)
	}
}
