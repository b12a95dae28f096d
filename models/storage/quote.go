package storage

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"gorm.io/gorm"
)

// quoteRecord is a row of the quotes table.
type quoteRecord struct {
	ID         int64
	ResponseID int64
	Excerpt    string
	CreatedBy  *int64
	CreatedAt  time.Time
}

func (quoteRecord) TableName() string { return "quotes" }

// inMemberText says whether excerpt is an exact passage of the response's
// comment or amendments.
func inMemberText(excerpt, comment, amendments string) bool {
	return excerpt != "" && (strings.Contains(models.NormaliseNewlines(comment), excerpt) ||
		strings.Contains(models.NormaliseNewlines(amendments), excerpt))
}

// AddQuote picks a passage of a submitted response for the collective
// response. The passage must be copied exactly from the member's comment or
// amendments (ErrExcerptNotInText) and the member must allow quoting
// (ErrNotQuotable), and allow quoting the amendments when the passage is
// only there (ErrAmendmentsNotQuotable); the same passage twice is
// ErrDuplicate.
func (s *Store) AddQuote(ctx context.Context, responseID, userID int64, excerpt string) (_ models.QuoteView, err error) {
	defer func() { err = wrapped(err, "add quote to response %d", responseID) }()
	excerpt = models.NormaliseExcerpt(excerpt)
	var id int64
	err = s.audited(ctx, userID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		r, err := submittedForUpdate(tx, responseID)
		if err != nil {
			return auditEntry{}, err
		}
		if r.Consent == models.ConsentPrivate {
			return auditEntry{}, models.ErrNotQuotable
		}
		if !inMemberText(excerpt, r.Comment, r.Amendments) {
			return auditEntry{}, models.ErrExcerptNotInText
		}
		if !r.QuoteScope.Covers(excerpt, r.Comment, r.Amendments) {
			return auditEntry{}, models.ErrAmendmentsNotQuotable
		}
		var n int64
		if err := tx.Model(&quoteRecord{}).Where("response_id = ? AND excerpt = ?", responseID, excerpt).Count(&n).Error; err != nil {
			return auditEntry{}, err
		}
		if n > 0 {
			return auditEntry{}, models.ErrDuplicate
		}
		q := quoteRecord{ResponseID: responseID, Excerpt: excerpt, CreatedBy: userRef(userID), CreatedAt: now}
		if err := tx.Create(&q).Error; err != nil {
			return auditEntry{}, err
		}
		id = q.ID
		return q.audit(models.AuditQuoteAdded), nil
	})
	if err != nil {
		return models.QuoteView{}, err
	}
	qs, err := s.quotes(ctx, "q.id = ?", id)
	if err != nil || len(qs) == 0 {
		return models.QuoteView{}, cmp.Or(err, models.ErrNotFound)
	}
	return qs[0], nil
}

// RemoveQuote deletes a quote (and its place in any collective response) and
// returns the response it came from.
func (s *Store) RemoveQuote(ctx context.Context, quoteID, userID int64) (int64, error) {
	q, err := updateAudited(ctx, s, userID, quoteID, func(tx *gorm.DB, q *quoteRecord, _ time.Time) (auditEntry, error) {
		err := tx.Where("id = ?", quoteID).Delete(&quoteRecord{}).Error
		return q.audit(models.AuditQuoteRemoved), err
	})
	return q.ResponseID, wrapped(err, "remove quote %d", quoteID)
}

// audit is the audit entry of adding or removing the quote.
func (q quoteRecord) audit(action string) auditEntry {
	return auditEntry{action, fmt.Sprintf("response %d", q.ResponseID), fmt.Sprintf("quote %d: %q", q.ID, clipRunes(q.Excerpt, auditValueMax))}
}

// QuotesForResponse lists every quote picked from a response, usable or
// not, oldest first, for the policy team's response page.
func (s *Store) QuotesForResponse(ctx context.Context, responseID int64) ([]models.QuoteView, error) {
	qs, err := s.quotes(ctx, "q.response_id = ?", responseID)
	return qs, wrapped(err, "list quotes of response %d", responseID)
}

// QuotesForProposal lists the quotes of a proposal that may be published
// now, in the order they were picked. Consent is checked as it is now, not as
// it was when the quote was picked: a member who has since asked not to be
// quoted, taken the response back to a draft or changed the passage drops
// out.
func (s *Store) QuotesForProposal(ctx context.Context, proposalID int64) (_ []models.QuoteView, err error) {
	defer func() { err = wrapped(err, "list quotes of proposal %d", proposalID) }()
	all, err := s.quotes(ctx, "r.proposal_id = ? AND r.status = 'submitted' AND r.consent IN ('attributed', 'anonymised')", proposalID)
	if err != nil {
		return nil, err
	}
	var out []models.QuoteView
	for _, q := range all {
		if q.Usable() {
			out = append(out, q)
		}
	}
	return out, nil
}

// QuoteByID returns one quote that may be published now; a quote that is
// withheld (see QuotesForProposal) is ErrNotFound, so it is never printed by
// mistake.
func (s *Store) QuoteByID(ctx context.Context, id int64) (_ models.QuoteView, err error) {
	defer func() { err = wrapped(err, "read quote %d", id) }()
	qs, err := s.quotes(ctx, "q.id = ?", id)
	if err != nil {
		return models.QuoteView{}, err
	}
	if len(qs) == 0 || !qs[0].Usable() {
		return models.QuoteView{}, models.ErrNotFound
	}
	return qs[0], nil
}

// quotes reads quotes with their response's current consent and text, and
// resolves each one's attribution. cond is fixed SQL from this file.
func (s *Store) quotes(ctx context.Context, cond string, args ...any) ([]models.QuoteView, error) {
	var rows []struct {
		ID, ResponseID, ProposalID, OrganisationID int64
		ProposalRef, OrganisationCode              string
		OrganisationName, OrganisationType, Region string
		Stance                                     models.Stance
		Consent                                    models.Consent
		QuoteScope                                 models.QuoteScope
		Status                                     models.ResponseStatus
		Comment, Amendments, Excerpt               string
		CreatedByName                              string
		CreatedAt                                  time.Time
	}
	err := s.r.WithContext(ctx).Raw(`SELECT q.id, q.response_id, q.excerpt, q.created_at,
			COALESCE(u.name, '') AS created_by_name,
			r.proposal_id, p.ref AS proposal_ref, r.organisation_id, o.code AS organisation_code,
			o.name AS organisation_name, o.type AS organisation_type, o.region,
			r.stance, r.consent, r.quote_scope, r.status, r.comment, r.amendments
		FROM quotes q
		JOIN responses r ON r.id = q.response_id
		JOIN proposals p ON p.id = r.proposal_id
		JOIN organisations o ON o.id = r.organisation_id
		LEFT JOIN users u ON u.id = q.created_by
		WHERE `+cond+` ORDER BY q.created_at, q.id`, args...).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	members, err := memberCounts(s.r.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]models.QuoteView, 0, len(rows))
	for _, r := range rows {
		q := models.QuoteView{ID: r.ID, ResponseID: r.ResponseID, ProposalID: r.ProposalID, ProposalRef: r.ProposalRef,
			OrganisationID: r.OrganisationID, OrganisationCode: r.OrganisationCode, Stance: r.Stance,
			Consent: r.Consent, Excerpt: r.Excerpt, CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt}
		switch {
		case r.Consent != models.ConsentAttributed && r.Consent != models.ConsentAnonymised:
			q.Withheld = models.WithheldPrivate
		case r.Status != models.StatusSubmitted:
			q.Withheld = models.WithheldNotSubmitted
		case !inMemberText(r.Excerpt, r.Comment, r.Amendments):
			q.Withheld = models.WithheldTextChanged
		case !r.QuoteScope.Covers(r.Excerpt, r.Comment, r.Amendments):
			q.Withheld = models.WithheldCommentOnly
		case r.Consent == models.ConsentAttributed:
			q.Attributed, q.Attribution = true, r.OrganisationName
		default:
			q.Attribution, _ = models.AnonymousAttribution(r.OrganisationType, r.Region, members)
		}
		out = append(out, q)
	}
	return out, nil
}
