package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// SubmittedResponse returns one submitted response with everything the
// response page shows; a draft is ErrNotSubmitted, a missing id ErrNotFound.
func (s *Store) SubmittedResponse(ctx context.Context, id int64) (_ models.ResponseDetail, err error) {
	defer func() { err = wrapped(err, "read submitted response %d", id) }()
	db := s.r.WithContext(ctx)
	var d models.ResponseDetail
	if err := db.Where("id = ?", id).Take(&d.Response).Error; err != nil {
		return models.ResponseDetail{}, notFound(err)
	}
	if d.Status != models.StatusSubmitted {
		return models.ResponseDetail{}, models.ErrNotSubmitted
	}
	if err := db.Where("id = ?", d.OrganisationID).Take(&d.Organisation).Error; err != nil {
		return models.ResponseDetail{}, err
	}
	if err := db.Where("id = ?", d.ProposalID).Take(&d.Proposal).Error; err != nil {
		return models.ResponseDetail{}, err
	}
	if err := db.Where("id = ?", d.Proposal.ConsultationID).Take(&d.Consultation).Error; err != nil {
		return models.ResponseDetail{}, err
	}
	if d.SubmittedBy != nil {
		if err := db.Model(&models.User{}).Where("id = ?", *d.SubmittedBy).Pluck("name", &d.SubmittedByName).Error; err != nil {
			return models.ResponseDetail{}, err
		}
	}
	if d.MemberConcerns, err = memberCodes(db, id); err != nil {
		return models.ResponseDetail{}, err
	}
	err = db.Table("response_codings").
		Select("concerns.code, COALESCE(users.name, '') AS coded_by_name, response_codings.coded_at").
		Joins("JOIN concerns ON concerns.id = response_codings.concern_id").
		Joins("LEFT JOIN users ON users.id = response_codings.coded_by").
		Where("response_codings.response_id = ?", id).
		Order("concerns.code").Scan(&d.AnalystCodings).Error
	return d, err
}

// submittedForUpdate reads a response inside a write transaction and refuses
// drafts, so that a change never lands on a response the member withdrew.
func submittedForUpdate(tx *gorm.DB, id int64) (models.Response, error) {
	var r models.Response
	if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Response{}, notFound(err)
	}
	if r.Status != models.StatusSubmitted {
		return models.Response{}, models.ErrNotSubmitted
	}
	return r, nil
}

type responseCoding struct {
	ResponseID int64
	ConcernID  int64
	CodedBy    *int64
	CodedAt    time.Time
}

func (responseCoding) TableName() string { return "response_codings" }

// CodeResponse replaces the policy team's codes on a submitted response with
// codes, in one transaction. Codes kept from before keep who added them and
// when; an unknown code is an UnknownConcernError and changes nothing. The
// member's own concerns are never touched. It returns the sets before and
// after, sorted; the audit log records them when they differ.
func (s *Store) CodeResponse(ctx context.Context, responseID, userID int64, codes []string) (before, after []string, err error) {
	after = slices.Compact(sortedCodes(codes))
	err = s.audited(ctx, userID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		if _, err := submittedForUpdate(tx, responseID); err != nil {
			return auditEntry{}, err
		}
		ids, err := concernIDs(tx, after)
		if err != nil {
			return auditEntry{}, err
		}
		var had []int64
		if before, had, err = codingsOf(tx, responseID); err != nil || slices.Equal(before, after) {
			return auditEntry{}, err
		}
		was, err := tally.LoadContributions(tx, []int64{responseID})
		if err != nil {
			return auditEntry{}, err
		}
		del := tx.Where("response_id = ?", responseID)
		if len(ids) > 0 {
			del = del.Where("concern_id NOT IN ?", ids)
		}
		if err := del.Delete(&responseCoding{}).Error; err != nil {
			return auditEntry{}, err
		}
		for _, id := range ids {
			if slices.Contains(had, id) {
				continue
			}
			if err := tx.Create(&responseCoding{ResponseID: responseID, ConcernID: id, CodedBy: userRef(userID), CodedAt: now}).Error; err != nil {
				return auditEntry{}, err
			}
		}
		if err := tally.ApplyChange(tx, was, responseID); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{models.AuditResponseCoded, fmt.Sprintf("response %d", responseID),
			fmt.Sprintf("before: %s; after: %s", codeList(before), codeList(after))}, nil
	})
	if err != nil {
		return nil, nil, wrapped(err, "code response %d", responseID)
	}
	return before, after, nil
}

// codingsOf reads the policy team's codes on a response, sorted, and their
// concern ids.
func codingsOf(tx *gorm.DB, responseID int64) (codes []string, ids []int64, err error) {
	var current []struct {
		ConcernID int64
		Code      string
	}
	err = tx.Table("response_codings").Select("response_codings.concern_id, concerns.code").
		Joins("JOIN concerns ON concerns.id = response_codings.concern_id").
		Where("response_codings.response_id = ?", responseID).Order("concerns.code").
		Scan(&current).Error
	for _, c := range current {
		codes, ids = append(codes, c.Code), append(ids, c.ConcernID)
	}
	return codes, ids, err
}

func codeList(codes []string) string {
	if len(codes) == 0 {
		return "(none)"
	}
	return strings.Join(codes, ", ")
}

// groupConcat aggregates expr into one ';'-separated string, in the
// dialect's own words.
func (s *Store) groupConcat(expr string) string {
	return s.dialect.GroupConcat(expr, "")
}

// SubmittedResponses lists a page of submitted responses with their member
// and analyst codes and their quote and note counts, all in one query.
func (s *Store) SubmittedResponses(ctx context.Context, q models.ResponseListQuery) (_ models.ResponseList, err error) {
	defer func() { err = wrapped(err, "list submitted responses of consultation %d", q.ConsultationID) }()
	if err := q.Filter.Validate(); err != nil {
		return models.ResponseList{}, err
	}
	db := s.r.WithContext(ctx)
	cond, fargs := filterWhere(q.Filter)
	from := " FROM responses r JOIN proposals p ON p.id = r.proposal_id JOIN organisations o ON o.id = r.organisation_id " +
		"WHERE p.consultation_id = ? AND r.status = 'submitted' AND " + cond
	args := append([]any{q.ConsultationID}, fargs...)
	if q.ProposalRef != "" {
		from += " AND p.ref = ?"
		args = append(args, q.ProposalRef)
	}
	var list models.ResponseList
	if err := db.Raw("SELECT COUNT(*)"+from, args...).Scan(&list.Total).Error; err != nil {
		return models.ResponseList{}, err
	}
	if list.Rows, err = s.submittedPage(db, from, args, q); err != nil {
		return models.ResponseList{}, err
	}
	if len(list.Rows) == 0 {
		return list, nil
	}
	if list.HasPrev, err = exists(db, from+" AND r.id < ?", append(slices.Clone(args), list.Rows[0].ID)); err != nil {
		return models.ResponseList{}, err
	}
	if list.HasNext, err = exists(db, from+" AND r.id > ?", append(slices.Clone(args), list.Rows[len(list.Rows)-1].ID)); err != nil {
		return models.ResponseList{}, err
	}
	return list, nil
}

// submittedPage reads the page of submitted responses q asks for, from
// among those that from and args select.
func (s *Store) submittedPage(db *gorm.DB, from string, args []any, q models.ResponseListQuery) ([]models.ResponseRow, error) {
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	page, order := from, "r.id"
	pageArgs := slices.Clone(args)
	switch {
	case q.Before > 0:
		page, order = page+" AND r.id < ?", "r.id DESC"
		pageArgs = append(pageArgs, q.Before)
	case q.After > 0:
		page += " AND r.id > ?"
		pageArgs = append(pageArgs, q.After)
	}
	codes := func(table string) string {
		return "COALESCE((SELECT " + s.groupConcat("c.code") + " FROM " + table + " x JOIN concerns c ON c.id = x.concern_id WHERE x.response_id = r.id), '')"
	}
	var rows []struct {
		ID                                 int64
		ProposalRef, ProposalTitle         string
		OrganisationCode, OrganisationName string
		Stance                             models.Stance
		Autonomy                           int
		Consent                            models.Consent
		SubmittedAt                        *time.Time
		MemberCodes, AnalystCodes          string
		QuoteCount, NoteCount              int
	}
	// The page's ids are chosen first, so the per-row subqueries run for the
	// page only, not for every response before the sort.
	if err := db.Raw(`SELECT r.id, p.ref AS proposal_ref, p.title AS proposal_title,
			o.code AS organisation_code, o.name AS organisation_name,
			r.stance, r.autonomy, r.consent, r.submitted_at,
			`+codes("response_concerns")+` AS member_codes,
			`+codes("response_codings")+` AS analyst_codes,
			(SELECT COUNT(*) FROM quotes q WHERE q.response_id = r.id) AS quote_count,
			(SELECT COUNT(*) FROM response_notes n WHERE n.response_id = r.id) AS note_count
		FROM (SELECT r.id`+page+" ORDER BY "+order+` LIMIT ?) pg
		JOIN responses r ON r.id = pg.id
		JOIN proposals p ON p.id = r.proposal_id
		JOIN organisations o ON o.id = r.organisation_id
		ORDER BY `+order, append(pageArgs, limit)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if q.Before > 0 {
		slices.Reverse(rows)
	}
	var out []models.ResponseRow
	for _, r := range rows {
		out = append(out, models.ResponseRow{ID: r.ID, ProposalRef: r.ProposalRef, ProposalTitle: r.ProposalTitle,
			OrganisationCode: r.OrganisationCode, OrganisationName: r.OrganisationName, Stance: r.Stance,
			Autonomy: r.Autonomy, Consent: r.Consent, SubmittedAt: r.SubmittedAt,
			MemberConcerns: splitCodes(r.MemberCodes), AnalystConcerns: splitCodes(r.AnalystCodes),
			QuoteCount: r.QuoteCount, NoteCount: r.NoteCount})
	}
	return out, nil
}

func exists(db *gorm.DB, from string, args []any) (bool, error) {
	var n int
	err := db.Raw("SELECT COUNT(*) FROM (SELECT 1"+from+" LIMIT 1) e", args...).Scan(&n).Error
	return n > 0, err
}

// splitCodes splits an aggregated ';' list; the aggregate's order is not
// defined, so the codes are sorted here.
func splitCodes(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, ";")
	slices.Sort(out)
	return out
}

// AnalystConcernTallies counts, per concern code, the submitted responses to
// a proposal that the policy team coded with it, for the organisations the
// filter selects (as ProposalSummary does). Every code of the codebook is
// present, zeros included.
func (s *Store) AnalystConcernTallies(ctx context.Context, proposalID int64, f models.Filter) (map[string]int, error) {
	return s.concernTallies(ctx, models.TallyAnalyst, proposalID, f)
}

// CombinedConcernTallies counts, per concern code, the submitted responses
// to a proposal where the member or the policy team (or both) chose it: a
// response counts once per code.
func (s *Store) CombinedConcernTallies(ctx context.Context, proposalID int64, f models.Filter) (map[string]int, error) {
	return s.concernTallies(ctx, models.TallyBoth, proposalID, f)
}

// concernTallies reads one source's concern tallies (tally.go) by code.
func (s *Store) concernTallies(ctx context.Context, source string, proposalID int64, f models.Filter) (_ map[string]int, err error) {
	defer func() { err = wrapped(err, "count %s concerns on proposal %d", source, proposalID) }()
	if err := f.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.concernCounts(ctx, proposalID, tally.SegmentOf(f), source)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Count
	}
	return out, nil
}
