package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// orgScope limits a query to one organisation's rows. A zero id would make a
// struct condition match every row, so it is refused outright.
func orgScope(orgID int64) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if orgID <= 0 {
			_ = db.AddError(models.ErrInvalidOrgScope)
			return db
		}
		return db.Where("responses.organisation_id = ?", orgID)
	}
}

// ResponseFor returns an organisation's response to a proposal, or
// ErrNotFound if it has not saved one.
func (s *Store) ResponseFor(ctx context.Context, orgID, proposalID int64) (models.ResponseView, error) {
	r, err := responseFor(s.r.WithContext(ctx), orgID, proposalID)
	return r, wrapped(err, "read response of organisation %d to proposal %d", orgID, proposalID)
}

func responseFor(db *gorm.DB, orgID, proposalID int64) (models.ResponseView, error) {
	var r models.Response
	err := db.Scopes(orgScope(orgID)).Where("proposal_id = ?", proposalID).Take(&r).Error
	if err != nil {
		return models.ResponseView{}, notFound(err)
	}
	codes, err := memberCodes(db, r.ID)
	return models.ResponseView{Response: r, Concerns: codes}, err
}

// memberCodes lists the concern codes the member chose for a response.
func memberCodes(db *gorm.DB, responseID int64) ([]string, error) {
	var codes []string
	err := db.Table("response_concerns").
		Joins("JOIN concerns ON concerns.id = response_concerns.concern_id").
		Where("response_concerns.response_id = ?", responseID).
		Order("concerns.code").Pluck("concerns.code", &codes).Error
	return codes, err
}

// Save stores a member's save: it refuses one after the member deadline
// (ErrClosed) and one over a version newer than BaseVersion (ConflictError,
// after keeping the refused text as a 'conflict' revision). Nothing partial
// is stored.
//
// Colleagues may save the same response at once. SQLite's one writer runs
// their transactions one after the other; on PostgreSQL they overlap, so the
// response's row is locked before its version is read, and a first save
// that meets a colleague's first save on the unique key reads theirs and is
// refused like any other late save, its text kept in the history.
func (s *Store) Save(ctx context.Context, sr models.SaveResponse) (_ models.ResponseView, err error) {
	defer func() { err = wrapped(err, "save response %d/%d", sr.OrganisationID, sr.ProposalID) }()
	if sr.OrganisationID <= 0 {
		return models.ResponseView{}, models.ErrInvalidOrgScope
	}
	var saved models.ResponseView
	var conflict *models.ConflictError
	err = s.audited(ctx, sr.UserID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		var err error
		saved, conflict, err = memberSave{tx: tx, sr: sr, now: now}.run()
		if err != nil || conflict != nil {
			return auditEntry{}, err // a refused save commits its text as a 'conflict' revision
		}
		r := saved.Response
		return auditEntry{models.AuditResponseSaved, fmt.Sprintf("response %d", r.ID),
			fmt.Sprintf("organisation %d, proposal %d, version %d, %s", r.OrganisationID, r.ProposalID, r.Version, r.Status)}, nil
	})
	if err != nil {
		return models.ResponseView{}, err
	}
	if conflict != nil {
		return models.ResponseView{}, *conflict
	}
	return saved, nil
}

// memberSave is one save of Save in its transaction.
type memberSave struct {
	tx  *gorm.DB
	sr  models.SaveResponse
	now time.Time
}

// run checks that the consultation is open and that the save was made over
// the version stored, then writes it. It returns the saved response, or the
// conflict that refused it.
func (m memberSave) run() (models.ResponseView, *models.ConflictError, error) {
	if err := m.open(); err != nil {
		return models.ResponseView{}, nil, err
	}
	ids, err := concernIDs(m.tx, m.sr.Input.Concerns)
	if err != nil {
		return models.ResponseView{}, nil, err
	}
	current, err := lockedResponseFor(m.tx, m.sr.OrganisationID, m.sr.ProposalID)
	exists := err == nil
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return models.ResponseView{}, nil, err
	}
	if m.sr.Input.QuoteScope == "" {
		// A save that does not say (an API call written before the choice
		// existed) keeps what the member chose.
		m.sr.Input.QuoteScope = current.QuoteScope.OrDefault()
	}
	if current.Version != m.sr.BaseVersion {
		if !exists {
			// a form from a later version, of a response that is not there
			return models.ResponseView{}, &models.ConflictError{}, nil
		}
		return m.refuse()
	}
	var before []tally.Contribution
	if exists {
		if before, err = tally.LoadContributions(m.tx, []int64{current.ID}); err != nil {
			return models.ResponseView{}, nil, err
		}
	}
	r := m.next(current.Response)
	written, err := m.write(&r, exists)
	if err != nil {
		return models.ResponseView{}, nil, err
	}
	if !written {
		return m.refuse()
	}
	if err := recordSave(m.tx, r, ids, before, m.sr, m.now); err != nil {
		return models.ResponseView{}, nil, err
	}
	if err := tellWithdrawnConsent(m.tx, m.now, m.sr.UserID, r.ID, consentOf(current.Response), consentOf(r)); err != nil {
		return models.ResponseView{}, nil, err
	}
	return models.ResponseView{Response: r, Concerns: sortedCodes(m.sr.Input.Concerns)}, nil, nil
}

// open refuses a save to a proposal that does not exist (ErrNotFound) or
// after the member deadline (ErrClosed).
func (m memberSave) open() error {
	var c models.Consultation
	err := m.tx.Joins("JOIN proposals ON proposals.consultation_id = consultations.id").
		Where("proposals.id = ?", m.sr.ProposalID).Take(&c).Error
	if err != nil {
		return notFound(err)
	}
	if !c.OpenForMembers(m.now) {
		return models.ErrClosed
	}
	return nil
}

// next is the response r as this save leaves it, one version on.
func (m memberSave) next(r models.Response) models.Response {
	in := m.sr.Input
	r.OrganisationID, r.ProposalID = m.sr.OrganisationID, m.sr.ProposalID
	r.Stance, r.Autonomy, r.Comment, r.Amendments, r.Consent = in.Stance, in.Autonomy, in.Comment, in.Amendments, in.Consent
	r.QuoteScope = in.QuoteScope.OrDefault()
	r.Version++
	r.UpdatedBy, r.UpdatedAt = userRef(m.sr.UserID), m.now
	r.Status = models.StatusDraft
	if m.sr.Submit {
		r.Status, r.SubmittedBy, r.SubmittedAt = models.StatusSubmitted, userRef(m.sr.UserID), &m.now
	}
	return r
}

// write inserts the response or updates the version it was read at, and
// says false when a colleague's save got there first.
func (m memberSave) write(r *models.Response, exists bool) (bool, error) {
	if !exists {
		r.CreatedAt = m.now
		// A colleague's first save that committed meanwhile makes this
		// insert do nothing (PostgreSQL waits for theirs to end).
		res := m.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(r)
		return res.RowsAffected == 1, res.Error
	}
	res := m.tx.Model(&models.Response{}).Scopes(orgScope(m.sr.OrganisationID)).
		Where("id = ? AND version = ?", r.ID, r.Version-1).
		Updates(map[string]any{
			"stance": r.Stance, "autonomy": r.Autonomy, "comment": r.Comment,
			"amendments": r.Amendments, "consent": r.Consent, "quote_scope": r.QuoteScope, "status": r.Status,
			"version": r.Version, "updated_by": r.UpdatedBy, "updated_at": r.UpdatedAt,
			"submitted_by": r.SubmittedBy, "submitted_at": r.SubmittedAt,
		})
	if res.Error != nil || res.RowsAffected != 1 {
		return false, res.Error // the row lock makes a miss unreachable; never write blind
	}
	return true, m.tx.Where("response_id = ?", r.ID).Delete(&responseConcern{}).Error
}

// refuse keeps the refused text as a 'conflict' revision against the
// version a colleague saved, and returns the conflict that says so.
func (m memberSave) refuse() (models.ResponseView, *models.ConflictError, error) {
	current, err := lockedResponseFor(m.tx, m.sr.OrganisationID, m.sr.ProposalID)
	if err != nil {
		return models.ResponseView{}, nil, err
	}
	rev := revisionOf(current.ID, current.Version, "conflict", m.sr, m.now)
	if err := m.tx.Create(&rev).Error; err != nil {
		return models.ResponseView{}, nil, err
	}
	conflict := &models.ConflictError{Current: current}
	if current.UpdatedBy != nil {
		m.tx.Model(&models.User{}).Where("id = ?", *current.UpdatedBy).Pluck("name", &conflict.CurrentByName)
	}
	return models.ResponseView{}, conflict, nil
}

// recordSave writes what goes with a response's new version: its concerns,
// the change to the tallies from before, and the revision.
func recordSave(tx *gorm.DB, r models.Response, concernIDs []int64, before []tally.Contribution, sr models.SaveResponse, now time.Time) error {
	for _, id := range concernIDs {
		if err := tx.Create(&responseConcern{ResponseID: r.ID, ConcernID: id}).Error; err != nil {
			return err
		}
	}
	if err := tally.ApplyChange(tx, before, r.ID); err != nil {
		return err
	}
	rev := revisionOf(r.ID, r.Version, "saved", sr, now)
	return tx.Create(&rev).Error
}

// lockedResponseFor reads an organisation's response inside a save. On
// PostgreSQL it first takes the row's lock, waiting for a colleague's save
// of the same response to end, so that the version read is the latest one.
// SQLite's one writer has already serialised the saves.
func lockedResponseFor(tx *gorm.DB, orgID, proposalID int64) (models.ResponseView, error) {
	if sqldb.DialectOf(tx).ConcurrentWriters() {
		var ids []int64
		err := tx.Model(&models.Response{}).Clauses(clause.Locking{Strength: "UPDATE"}).Scopes(orgScope(orgID)).
			Where("proposal_id = ?", proposalID).Pluck("id", &ids).Error
		if err != nil {
			return models.ResponseView{}, err
		}
	}
	return responseFor(tx, orgID, proposalID)
}

type responseConcern struct {
	ResponseID int64
	ConcernID  int64
}

func (responseConcern) TableName() string { return "response_concerns" }

func revisionOf(responseID int64, version int, kind string, sr models.SaveResponse, now time.Time) models.ResponseRevision {
	status := models.StatusDraft
	if sr.Submit {
		status = models.StatusSubmitted
	}
	in := sr.Input
	return models.ResponseRevision{
		ResponseID: responseID, Version: version, Kind: kind, Status: status,
		Stance: in.Stance, Autonomy: in.Autonomy, Concerns: strings.Join(sortedCodes(in.Concerns), ";"),
		Comment: in.Comment, Amendments: in.Amendments, Consent: in.Consent, QuoteScope: in.QuoteScope.OrDefault(),
		SavedBy: userRef(sr.UserID), SavedAt: now,
	}
}

func sortedCodes(codes []string) []string {
	return slices.Sorted(slices.Values(codes))
}

// History lists every save of an organisation's response to a proposal,
// newest first.
func (s *Store) History(ctx context.Context, orgID, proposalID int64) ([]models.RevisionView, error) {
	var out []models.RevisionView
	err := withSaver(revisionsOf(s.r.WithContext(ctx), orgID, proposalID)).Order("response_revisions.id DESC").Scan(&out).Error
	return out, wrapped(err, "list saves of organisation %d on proposal %d", orgID, proposalID)
}

// HistoryPage returns one page of an organisation's saves of its response
// to a proposal, so that however often it was saved, the page stays small.
func (s *Store) HistoryPage(ctx context.Context, q models.HistoryQuery) (_ models.HistoryPage, err error) {
	defer func() { err = wrapped(err, "list saves of organisation %d on proposal %d", q.OrgID, q.ProposalID) }()
	if q.Limit <= 0 || q.Limit > models.MaxHistoryPage {
		q.Limit = models.MaxHistoryPage
	}
	db := s.r.WithContext(ctx)
	base := func() *gorm.DB { return revisionsOf(db, q.OrgID, q.ProposalID) }
	var page models.HistoryPage
	var total int64
	if err := base().Count(&total).Error; err != nil {
		return models.HistoryPage{}, err
	}
	page.Total = int(total)
	sel := withSaver(base()).Limit(q.Limit)
	switch {
	case q.After > 0:
		sel = sel.Where("response_revisions.id > ?", q.After).Order("response_revisions.id")
	case q.Before > 0:
		sel = sel.Where("response_revisions.id < ?", q.Before).Order("response_revisions.id DESC")
	default:
		sel = sel.Order("response_revisions.id DESC")
	}
	if err := sel.Scan(&page.Revisions).Error; err != nil {
		return models.HistoryPage{}, err
	}
	if q.After > 0 {
		slices.Reverse(page.Revisions)
	}
	if n := len(page.Revisions); n > 0 {
		var newer, older int64
		if err := base().Where("response_revisions.id > ?", page.Revisions[0].ID).Count(&newer).Error; err != nil {
			return models.HistoryPage{}, err
		}
		if err := base().Where("response_revisions.id < ?", page.Revisions[n-1].ID).Count(&older).Error; err != nil {
			return models.HistoryPage{}, err
		}
		page.HasNewer, page.HasOlder = newer > 0, older > 0
	}
	return page, nil
}

// revisionsOf selects an organisation's saves of its response to a proposal.
func revisionsOf(db *gorm.DB, orgID, proposalID int64) *gorm.DB {
	return db.Table("response_revisions").
		Joins("JOIN responses ON responses.id = response_revisions.response_id").
		Scopes(orgScope(orgID)).
		Where("responses.proposal_id = ?", proposalID)
}

// withSaver reads revisions with the name of who saved each.
func withSaver(revisions *gorm.DB) *gorm.DB {
	return revisions.Select("response_revisions.*, COALESCE(users.name, '') AS saved_by_name").
		Joins("LEFT JOIN users ON users.id = response_revisions.saved_by")
}

// StatusesFor returns an organisation's status on every proposal of a
// consultation, keyed by proposal id.
func (s *Store) StatusesFor(ctx context.Context, orgID, consultationID int64) (map[int64]models.ProposalStatus, error) {
	var rows []models.ProposalStatus
	err := s.r.WithContext(ctx).Table("responses").
		Select("responses.proposal_id, responses.status, responses.updated_at, responses.submitted_at").
		Joins("JOIN proposals ON proposals.id = responses.proposal_id").
		Scopes(orgScope(orgID)).
		Where("proposals.consultation_id = ?", consultationID).
		Scan(&rows).Error
	out := make(map[int64]models.ProposalStatus, len(rows))
	for _, r := range rows {
		out[r.ProposalID] = r
	}
	return out, wrapped(err, "read statuses of organisation %d in consultation %d", orgID, consultationID)
}

// SeedResponse stores a demo response if the organisation has none for the
// proposal yet, with one revision, bypassing the member deadline.
func (s *Store) SeedResponse(ctx context.Context, sr models.SaveResponse, at time.Time) (err error) {
	defer func() { err = wrapped(err, "seed response %d/%d", sr.OrganisationID, sr.ProposalID) }()
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Response{}).Scopes(orgScope(sr.OrganisationID)).
			Where("proposal_id = ?", sr.ProposalID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		ids, err := concernIDs(tx, sr.Input.Concerns)
		if err != nil {
			return err
		}
		r := memberSave{sr: sr, now: at}.next(models.Response{CreatedAt: at})
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return recordSave(tx, r, ids, nil, sr, at)
	})
}
