package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/bench/dataset"
	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// importBench imports an export's generated rows twice, into two copies of
// the generated organisations: through a bare INSERT loop, then through
// Store.ImportResponses, and prints both times and memory peaks.
//
//	measure import -csv EXPORT.csv -dir DIR
func importBench(args []string) error {
	fs := flag.NewFlagSet("import", flag.ExitOnError)
	csvPath := fs.String("csv", "", "a response export of the generated dataset")
	dir := fs.String("dir", os.TempDir(), "where to build the target databases")
	orgs := fs.Int("orgs", 50000, "organisations of the generated dataset")
	fs.Parse(args)
	ctx := context.Background()

	// Only the generated organisations' rows: the targets hold only those.
	rowsPath := filepath.Join(*dir, "import.csv")
	rows, err := filterGenerated(*csvPath, rowsPath)
	if err != nil {
		return err
	}
	fmt.Printf("import_rows: %d\n", rows)
	bare, err := measureBareInsert(ctx, *dir, *orgs, rowsPath)
	if err != nil {
		return err
	}
	return measureImport(ctx, *dir, *orgs, rowsPath, bare)
}

// timing is how long a load took: wall-clock and CPU time.
type timing struct{ wall, cpu time.Duration }

// importTarget generates an empty copy of the dataset's organisations (no
// responses) at dir/name, replacing any earlier one.
func importTarget(ctx context.Context, dir, name string, orgs int) (string, error) {
	path := filepath.Join(dir, name)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	return path, dataset.Generate(ctx, path, dataset.Config{Organisations: orgs, Proposals: 0, Seed: 1})
}

// measureBareInsert times the bare loop: the same rows into the same tables,
// one transaction, prepared statements, no checks, no history, no tallies.
func measureBareInsert(ctx context.Context, dir string, orgs int, rowsPath string) (timing, error) {
	barePath, err := importTarget(ctx, dir, "import-bare.db", orgs)
	if err != nil {
		return timing{}, err
	}
	cpu0 := cpuTime()
	wall, err := bareInsert(ctx, barePath, rowsPath)
	if err != nil {
		return timing{}, err
	}
	bare := timing{wall: wall, cpu: cpuTime() - cpu0}
	fmt.Printf("bare_insert_s: %.1f\n", bare.wall.Seconds())
	fmt.Printf("bare_insert_cpu_s: %.1f\n", bare.cpu.Seconds())
	fmt.Printf("bare_peak_rss_mb: %d\n", peakRSSMiB())
	return bare, nil
}

// measureImport times Store.ImportResponses on the same rows and compares
// it with the bare loop.
func measureImport(ctx context.Context, dir string, orgs int, rowsPath string, bare timing) error {
	storePath, err := importTarget(ctx, dir, "import-store.db", orgs)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Options{Path: storePath})
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := os.Open(rowsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	resetPeakRSS := restartPeakRSS()
	fmt.Printf("rss_before_import_mb: %d\n", rssMiB())
	cpu0 := cpuTime()
	start := time.Now()
	res, err := store.ImportResponses(ctx, f, "bench.csv", 0)
	if err != nil {
		var ie models.ImportErrors
		if errors.As(err, &ie) && len(ie.Problems) > 0 {
			return fmt.Errorf("%w: line %d: %s", err, ie.Problems[0].Line, ie.Problems[0].Message)
		}
		return err
	}
	took := timing{wall: time.Since(start), cpu: cpuTime() - cpu0}
	fmt.Printf("import_s: %.1f\n", took.wall.Seconds())
	fmt.Printf("import_created: %d\n", res.Created)
	fmt.Printf("import_vs_bare: %.2f\n", took.wall.Seconds()/bare.wall.Seconds())
	// CPU time (user + system, every thread of the process) varies less
	// than wall time when other work shares the machine.
	fmt.Printf("import_cpu_s: %.1f\n", took.cpu.Seconds())
	fmt.Printf("import_vs_bare_cpu: %.2f\n", took.cpu.Seconds()/bare.cpu.Seconds())
	if resetPeakRSS {
		fmt.Printf("import_peak_rss_mb: %d\n", peakRSSMiB())
	} else {
		fmt.Printf("process_peak_rss_mb: %d\n", peakRSSMiB()) // the kernel cannot restart VmHWM: the whole run's peak
	}
	return nil
}

// restartPeakRSS makes the next peak the import's own: it gives back what
// generating the target and the bare loop held, then restarts the kernel's
// high-water mark from here. It reports whether the kernel could.
func restartPeakRSS() bool {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// filterGenerated copies the header and the rows of organisations G… .
func filterGenerated(from, to string) (int, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	w := csv.NewWriter(bufio.NewWriterSize(out, 1<<20))
	n := 0
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		if i > 0 && !strings.HasPrefix(rec[0], "G") {
			continue
		}
		if i > 0 {
			n++
		}
		if err := w.Write(rec); err != nil {
			return n, err
		}
	}
	w.Flush()
	return n, w.Error()
}

// bareInsert loads the export's rows with nothing but INSERTs, in one
// transaction, and says how long that took.
func bareInsert(ctx context.Context, dbPath, csvPath string) (time.Duration, error) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ids, err := readReferenceIDs(ctx, db)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := withSearchIndexAfter(ctx, tx, func() error { return insertRows(ctx, tx, f, ids) }); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// referenceIDs are the target's ids by the codes and refs the export names.
type referenceIDs struct {
	organisations, proposals, concerns map[string]int64
}

func readReferenceIDs(ctx context.Context, db *sql.DB) (referenceIDs, error) {
	var ids referenceIDs
	var err error
	if ids.organisations, err = dataset.IDsByKey(ctx, db, "organisations", "code"); err != nil {
		return ids, err
	}
	if ids.proposals, err = dataset.IDsByKey(ctx, db, "proposals", "ref"); err != nil {
		return ids, err
	}
	ids.concerns, err = dataset.IDsByKey(ctx, db, "concerns", "code")
	return ids, err
}

// withSearchIndexAfter fills the search index the fastest way there is, as
// the import does: its row trigger set aside while fn inserts, then one
// INSERT … SELECT at the end and the trigger put back.
func withSearchIndexAfter(ctx context.Context, tx *sql.Tx, fn func() error) error {
	var searchTrigger string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'responses_fts_insert'").
		Scan(&searchTrigger); err != nil {
		return fmt.Errorf("the schema has no search trigger: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DROP TRIGGER responses_fts_insert"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO responses_fts (rowid, comment, amendments) SELECT id, comment, amendments FROM responses"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, searchTrigger)
	return err
}

// insertRows inserts each export row as a submitted response with its
// concern links.
func insertRows(ctx context.Context, tx *sql.Tx, export io.Reader, ids referenceIDs) error {
	ins, err := dataset.NewInserter(ctx, tx)
	if err != nil {
		return err
	}
	defer ins.Close()
	r := csv.NewReader(bufio.NewReaderSize(export, 1<<20))
	if _, err := r.Read(); err != nil {
		return err
	}
	now := time.Now().UTC()
	var concernIDs []int64 // reused from row to row
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		autonomy, _ := strconv.Atoi(rec[3])
		concernIDs = concernIDs[:0]
		for _, code := range strings.Split(rec[4], ";") {
			if code != "" {
				concernIDs = append(concernIDs, ids.concerns[code])
			}
		}
		err = ins.Insert(ctx, dataset.Response{OrganisationID: ids.organisations[rec[0]], ProposalID: ids.proposals[rec[1]],
			Stance: models.Stance(rec[2]), Autonomy: autonomy, Comment: rec[5], Amendments: rec[6], Consent: models.Consent(rec[7]), At: now,
			ConcernIDs: concernIDs})
		if err != nil {
			return err
		}
	}
}
