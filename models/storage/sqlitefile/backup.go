package sqlitefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupInfo describes a backup that was written and verified.
type BackupInfo struct {
	Path  string
	Bytes int64
	Took  time.Duration
}

// Backup writes a consistent copy of the live database at live to path
// while the server keeps taking writes: VACUUM INTO reads one snapshot.
// The copy is written under a temporary name, flushed to disk, verified
// (Verify, with schema) and only then renamed into place, so a backup that
// exists is a good one.
func Backup(ctx context.Context, live, path string, schema SchemaCheck) (BackupInfo, error) {
	start := time.Now()
	if _, err := os.Stat(path); err == nil {
		return BackupInfo{}, fmt.Errorf("%s already exists; choose a new name", path)
	}
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".partial")
	_ = os.Remove(tmp) // a leftover from an interrupted run
	if err := writeVerified(ctx, live, tmp, schema); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
	}
	if err := syncFile(dir); err != nil {
		return BackupInfo{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{Path: path, Bytes: st.Size(), Took: time.Since(start)}, nil
}

// writeVerified writes the copy of live to tmp, flushes and verifies it.
func writeVerified(ctx context.Context, live, tmp string, schema SchemaCheck) error {
	// VACUUM INTO runs on a connection of its own that opens the database
	// read-only, so it neither takes the writer nor waits for it.
	src, err := sql.Open("sqlite3", "file:"+EscapePath(live)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	return Verify(ctx, tmp, schema)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Verify opens a database file read-only, checks that it holds the
// tracker's tables (an empty file does not pass) with a schema that schema
// accepts, and runs PRAGMA integrity_check on it.
func Verify(ctx context.Context, path string, schema SchemaCheck) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return errEmptyDatabase(path, "is empty (0 bytes)")
	}
	db, err := sql.Open("sqlite3", "file:"+EscapePath(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkTrackerTables(ctx, db, path, false, schema); err != nil {
		return err
	}
	problems, err := checkRows(ctx, db, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if len(problems) > 0 {
		return errors.New("integrity check failed: " + strings.Join(problems, "; "))
	}
	return nil
}
