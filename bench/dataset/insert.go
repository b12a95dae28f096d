package dataset

import (
	"context"
	"database/sql"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Response is one submitted response as the bare loops write it.
type Response struct {
	OrganisationID, ProposalID int64
	Stance                     models.Stance
	Autonomy                   int
	Comment, Amendments        string
	Consent                    models.Consent
	At                         time.Time // submitted, created and updated
	ConcernIDs                 []int64
}

// Inserter writes submitted responses and their concern links straight into
// a SQLite file's tables with two prepared statements: no checks, no
// history, no tallies. The generator fills the dataset with it, and measure
// uses it as the bare loop the import is compared with.
type Inserter struct {
	response, link *sql.Stmt
}

// NewInserter prepares the statements in tx; Close them before tx ends.
func NewInserter(ctx context.Context, tx *sql.Tx) (*Inserter, error) {
	response, err := tx.PrepareContext(ctx, `INSERT INTO responses (organisation_id, proposal_id, stance, autonomy,
		comment, amendments, consent, status, version, submitted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', 1, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	link, err := tx.PrepareContext(ctx, "INSERT INTO response_concerns (response_id, concern_id) VALUES (?, ?)")
	if err != nil {
		response.Close()
		return nil, err
	}
	return &Inserter{response: response, link: link}, nil
}

// Insert writes r and its concern links.
func (in *Inserter) Insert(ctx context.Context, r Response) error {
	res, err := in.response.ExecContext(ctx, r.OrganisationID, r.ProposalID, r.Stance, r.Autonomy, r.Comment,
		r.Amendments, r.Consent, r.At, r.At, r.At)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, concernID := range r.ConcernIDs {
		if _, err := in.link.ExecContext(ctx, id, concernID); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the prepared statements.
func (in *Inserter) Close() {
	in.response.Close()
	in.link.Close()
}
