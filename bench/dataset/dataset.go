// Package dataset builds a large, reproducible consultation for benchmarks:
// many member organisations, each with a submitted response to each of the
// first proposals of the 2019 consultation, with concerns and comments of
// realistic length. The same seed gives the same database.
package dataset

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// Config says what to build.
type Config struct {
	Organisations int    // member organisations
	Proposals     int    // the first n proposals of the 2019 consultation each organisation answers
	Seed          uint64 // same seed, same data
	Now           time.Time
}

// Responses is how many submitted responses the config builds.
func (c Config) Responses() int { return c.Organisations * c.Proposals }

// Generate builds the dataset into a new SQLite file at path: the schema and
// reference data through the store, then bulk inserts in large transactions
// with durability off (it is a scratch file), then the tallies and ANALYZE.
func Generate(ctx context.Context, path string, cfg Config) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists", path)
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now().UTC().Truncate(time.Second)
	}
	opts := storage.Options{Path: path, Now: func() time.Time { return cfg.Now }}
	proposals, concerns, err := loadReference(ctx, opts, cfg.Now)
	if err != nil {
		return err
	}
	if cfg.Proposals > len(proposals) {
		return fmt.Errorf("the 2019 consultation has %d proposals, not %d", len(proposals), cfg.Proposals)
	}
	g := generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x7a11)), words: vocabulary(),
		proposals: proposals[:cfg.Proposals], concerns: concerns}
	if err := g.insertAll(ctx, path); err != nil {
		return err
	}
	if err := rebuildTallies(ctx, opts); err != nil {
		return err
	}
	return analyze(ctx, path)
}

// loadReference creates the schema and reference data through the store and
// returns the 2019 consultation's proposals and the concern codebook.
func loadReference(ctx context.Context, opts storage.Options, now time.Time) ([]models.Proposal, []models.Concern, error) {
	store, err := storage.Open(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	defer store.Close()
	if err := seeds.LoadReference(ctx, store, now); err != nil {
		return nil, nil, err
	}
	cons, err := store.ConsultationBySlug(ctx, "lp-2019")
	if err != nil {
		return nil, nil, err
	}
	proposals, err := store.Proposals(ctx, cons.ID)
	if err != nil {
		return nil, nil, err
	}
	concerns, err := store.Concerns(ctx)
	if err != nil {
		return nil, nil, err
	}
	return proposals, concerns, nil
}

// generator draws the organisations and responses from one random stream:
// the order of the draws is the dataset, so the same seed gives the same rows.
type generator struct {
	cfg        Config
	rng        *rand.Rand
	words      []string
	proposals  []models.Proposal
	concerns   []models.Concern
	comment    strings.Builder // reused: comments run to several paragraphs
	concernIDs []int64         // reused: the concerns of the response being written
}

// insertAll bulk-inserts the organisations and their responses straight
// into the file, with durability off: it is a scratch file until it is done.
func (g *generator) insertAll(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=OFF&_foreign_keys=off&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil { // 256 MiB while loading
		return err
	}
	orgIDs, err := g.insertOrganisations(ctx, db)
	if err != nil {
		return fmt.Errorf("organisations: %w", err)
	}
	// A batch of organisations per transaction.
	const perTx = 2000
	for first := 0; first < len(orgIDs); first += perTx {
		batch := orgIDs[first:min(first+perTx, len(orgIDs))]
		if err := inTx(ctx, db, func(tx *sql.Tx) error { return g.insertResponses(ctx, tx, batch) }); err != nil {
			return fmt.Errorf("responses: %w", err)
		}
	}
	return db.Close()
}

// insertOrganisations adds the member organisations, G00000 onwards, and
// returns their ids in order.
func (g *generator) insertOrganisations(ctx context.Context, db *sql.DB) ([]int64, error) {
	orgIDs := make([]int64, g.cfg.Organisations)
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO organisations (code, name, type, region, system, system_status,
			contact_name, contact_email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		rng, words, now := g.rng, g.words, g.cfg.Now
		for i := range orgIDs {
			typ := pick(rng, models.OrganisationTypes, []int{40, 15, 15, 5, 5, 20})
			region := models.Regions[rng.IntN(len(models.Regions))]
			status := pick(rng, models.SystemStatuses, []int{60, 40})
			code := fmt.Sprintf("G%05d", i)
			name := fmt.Sprintf("%s %s NHS Trust %05d", strings.ToUpper(words[rng.IntN(len(words))][:1])+words[rng.IntN(len(words))][1:],
				models.OrganisationTypeLabels[typ], i)
			res, err := ins.ExecContext(ctx, code, name, typ, region, region+" system "+fmt.Sprint(rng.IntN(6)), status,
				"", fmt.Sprintf("strategy@g%05d.example", i), now, now)
			if err != nil {
				return err
			}
			if orgIDs[i], err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
	return orgIDs, err
}

// insertResponses adds each organisation's submitted response to every
// proposal, with its concerns.
func (g *generator) insertResponses(ctx context.Context, tx *sql.Tx, orgIDs []int64) error {
	ins, err := NewInserter(ctx, tx)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, orgID := range orgIDs {
		for _, p := range g.proposals {
			r := g.drawResponse(p)
			r.OrganisationID = orgID
			g.concernIDs = g.drawConcerns(g.concernIDs[:0])
			r.ConcernIDs = g.concernIDs
			if err := ins.Insert(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// drawResponse makes up an organisation's answer to p, leaning the way
// members tend to lean on a proposal of its kind.
func (g *generator) drawResponse(p models.Proposal) Response {
	rng, words := g.rng, g.words
	lean := leaning(p.PowerDirection)
	stance := models.Stances[clamp(lean+rng.IntN(3)-1+rng.IntN(2)-rng.IntN(2), 0, 4)]
	autonomy := clamp(2-lean+rng.IntN(3)-1, 0, 4) - 2
	g.comment.Reset()
	// Comments run from a sentence to several paragraphs.
	for n := 15 + rng.IntN(rng.IntN(400)+1); n > 0; n-- {
		g.comment.WriteString(words[rng.IntN(len(words))])
		g.comment.WriteByte(' ')
	}
	amend := ""
	if rng.IntN(3) == 0 {
		amend = "Amend the proposal so that " + words[rng.IntN(len(words))] + " stays with trust boards."
	}
	consent := pick(rng, models.Consents, []int{30, 40, 30})
	start := g.cfg.Now.Add(-30 * 24 * time.Hour)
	at := start.Add(time.Duration(rng.Int64N(int64(29 * 24 * time.Hour))))
	return Response{ProposalID: p.ID, Stance: stance, Autonomy: autonomy, Comment: strings.TrimSpace(g.comment.String()),
		Amendments: amend, Consent: consent, At: at}
}

// drawConcerns appends a response's concerns to ids: two on average, none
// to four, without repeats.
func (g *generator) drawConcerns(ids []int64) []int64 {
	n := g.rng.IntN(5)
	for _, k := range g.rng.Perm(len(g.concerns))[:n] {
		ids = append(ids, g.concerns[k].ID)
	}
	return ids
}

// analyze gathers statistics for the query planner, as a long-running
// server gathers them with PRAGMA optimize when it closes.
func analyze(ctx context.Context, path string) error {
	stats, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer stats.Close()
	_, err = stats.ExecContext(ctx, "ANALYZE")
	return err
}

// rebuildTallies counts the summaries' tallies from the rows just loaded.
func rebuildTallies(ctx context.Context, opts storage.Options) error {
	store, err := storage.Open(ctx, opts)
	if err != nil {
		return err
	}
	if err := store.RebuildTallies(ctx); err != nil {
		store.Close()
		return err
	}
	return store.Close()
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// leaning is where members tend to stand on a proposal, as an index into
// the stance scale: centralising proposals draw opposition.
func leaning(direction models.PowerDirection) int {
	switch direction {
	case models.Centralising:
		return 3
	case models.Devolving:
		return 1
	}
	return 2
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

func pick[T any](rng *rand.Rand, values []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return values[i]
		}
		n -= w
	}
	return values[len(values)-1]
}

// vocabulary is the words comments are made of: the product's own domain.
func vocabulary() []string {
	return strings.Fields(`the board trust system local national powers direction accountability integrated care
		merger capital regulator tariff procurement competition duty collaborate autonomy patients staff
		workforce funding timescale governance partnership commissioner provider licence oversight foundation
		we our members believe support oppose concern risk would should could must legislation proposal change
		clarity consultation evidence outcome quality safety services community mental health acute ambulance
		region England NHS improvement statutory framework decision point of care subsidiarity arrangement
		relationships ready underplayed consequences unintended legal layer double jeopardy new central and
		of to in for with on that this is be not by as are it at from which have has an or its their more`)
}
