package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage/sqldb"
	"gorm.io/gorm"
)

// quoteConsent is what a frozen quote's member says today.
type quoteConsent struct {
	consent     models.Consent
	anonymously string // the anonymous attribution of the member
	// amendmentsOnly says the quote is a passage of the member's amendments
	// alone, which they no longer allow to be quoted.
	amendmentsOnly bool
}

// quoting is what a member allows the policy team to quote, at one save.
type quoting struct {
	consent models.Consent
	scope   models.QuoteScope
}

// consentOf is what a response allows to be quoted.
func consentOf(r models.Response) quoting { return quoting{r.Consent, r.QuoteScope} }

// withheldAmendment says whether a frozen passage is one of the member's
// amendments alone, under a scope that allows their comment only. A passage
// in neither text is left as it was frozen, as any other change of text is.
func withheldAmendment(scope models.QuoteScope, excerpt, comment, amendments string) bool {
	return inMemberText(excerpt, comment, amendments) && !scope.Covers(excerpt, comment, amendments)
}

// consentOfQuotes reads the current consent of the members behind quotes,
// by quote id: through the response id kept at approval, or, for a quote
// frozen before it was kept, through the quotes table.
func consentOfQuotes(db *gorm.DB, quotes []models.FrozenQuote) (map[int64]quoteConsent, error) {
	byResponse := map[int64][]int64{} // response id → quote ids
	excerpts := map[int64]string{}    // quote id → excerpt
	var unlinked []int64
	for _, q := range quotes {
		excerpts[q.ID] = q.Excerpt
		if q.ResponseID > 0 {
			byResponse[q.ResponseID] = append(byResponse[q.ResponseID], q.ID)
		} else {
			unlinked = append(unlinked, q.ID)
		}
	}
	for _, ids := range sqldb.Chunks(unlinked, 500) {
		var links []struct{ ID, ResponseID int64 }
		if err := db.Table("quotes").Select("id, response_id").Where("id IN ?", ids).Scan(&links).Error; err != nil {
			return nil, err
		}
		for _, l := range links {
			byResponse[l.ResponseID] = append(byResponse[l.ResponseID], l.ID)
		}
	}
	members, err := memberCounts(db)
	if err != nil {
		return nil, err
	}
	out := map[int64]quoteConsent{}
	for _, ids := range sqldb.Chunks(slices.Sorted(maps.Keys(byResponse)), 500) {
		var rows []struct {
			ID                  int64
			Type, Region        string
			Consent             models.Consent
			QuoteScope          models.QuoteScope
			Comment, Amendments string
		}
		if err := db.Table("responses r").Select("r.id, r.consent, r.quote_scope, r.comment, r.amendments, o.type, o.region").
			Joins("JOIN organisations o ON o.id = r.organisation_id").
			Where("r.id IN ?", ids).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			for _, q := range byResponse[r.ID] {
				anonymously, _ := models.AnonymousAttribution(r.Type, r.Region, members)
				out[q] = quoteConsent{consent: r.Consent, anonymously: anonymously,
					amendmentsOnly: withheldAmendment(r.QuoteScope, excerpts[q], r.Comment, r.Amendments)}
			}
		}
	}
	return out, nil
}

// withdrawnFrom checks a frozen snapshot's quotes against the members'
// consent today. It returns the snapshot with every quote as it may be
// published now, and the quotes whose consent was withdrawn.
func withdrawnFrom(db *gorm.DB, snap models.Snapshot) (models.Snapshot, []models.WithdrawnQuote, error) {
	var all []models.FrozenQuote
	for _, sec := range snap.Sections {
		all = append(all, sec.Quotes...)
	}
	if len(all) == 0 {
		return snap, nil, nil
	}
	now, err := consentOfQuotes(db, all)
	if err != nil {
		return snap, nil, err
	}
	var withdrawn []models.WithdrawnQuote
	sections := slices.Clone(snap.Sections)
	for i, sec := range sections {
		var kept []models.FrozenQuote
		for _, q := range sec.Quotes {
			c, known := now[q.ID]
			switch {
			case !known:
				withdrawn = append(withdrawn, models.WithdrawnQuote{Ref: sec.Ref, Quote: q, Reason: models.WithdrawnUnknown})
			case !c.consent.Quotable():
				withdrawn = append(withdrawn, models.WithdrawnQuote{Ref: sec.Ref, Quote: q, Reason: models.WithdrawnDoNotQuote})
			case c.amendmentsOnly:
				withdrawn = append(withdrawn, models.WithdrawnQuote{Ref: sec.Ref, Quote: q, Reason: models.WithdrawnAmendments})
			case c.consent == models.ConsentAttributed:
				kept = append(kept, q)
			case c.consent == models.ConsentAnonymised && q.Attribution == c.anonymously:
				kept = append(kept, q)
			default: // anonymised, and frozen with another attribution
				withdrawn = append(withdrawn, models.WithdrawnQuote{Ref: sec.Ref, Quote: q, Reason: models.WithdrawnName, Shown: c.anonymously})
				q.Attribution = c.anonymously
				kept = append(kept, q)
			}
		}
		sections[i].Quotes = kept
	}
	snap.Sections = sections
	return snap, withdrawn, nil
}

// PublishableSnapshot returns an approved snapshot with its quotes as the
// members' consent allows them today, and the quotes whose consent was
// withdrawn since approval, for the policy team to act on.
func (s *Store) PublishableSnapshot(ctx context.Context, snap models.Snapshot) (models.Snapshot, []models.WithdrawnQuote, error) {
	out, withdrawn, err := withdrawnFrom(s.r.WithContext(ctx), snap)
	if err != nil {
		return snap, nil, fmt.Errorf("checking consent of frozen quotes: %w", err)
	}
	return out, withdrawn, nil
}

// tellWithdrawnConsent records in the audit log, in tx, each approved
// collective response that froze a quote of a response whose consent or
// quote scope has just changed from was to now, when the change withdraws
// what the quote was frozen with: quoting at all, quoting by name, or
// quoting the amendments. The workspace says so too, from the data, on
// every view. The response is already stored as now.
func tellWithdrawnConsent(tx *gorm.DB, at time.Time, userID, responseID int64, was, now quoting) error {
	consentNarrowed, scopeNarrowed := was.consent.NarrowedBy(now.consent), was.scope.NarrowedBy(now.scope)
	if !consentNarrowed && !scopeNarrowed {
		return nil
	}
	var quoteIDs []int64
	if err := tx.Table("quotes").Where("response_id = ?", responseID).Pluck("id", &quoteIDs).Error; err != nil {
		return err
	}
	var text struct{ Comment, Amendments string }
	if err := tx.Table("responses").Select("comment, amendments").Where("id = ?", responseID).Take(&text).Error; err != nil {
		return err
	}
	var approved []struct {
		ID, Version int64
		Snapshot    string
	}
	err := tx.Raw(`SELECT c.id, c.version, v.snapshot FROM collective_responses c
		JOIN collective_versions v ON v.collective_id = c.id AND v.version = c.version
		JOIN proposals p ON p.consultation_id = c.consultation_id
		JOIN responses r ON r.proposal_id = p.id
		WHERE r.id = ? AND c.status = ?`, responseID, models.CollectiveApproved).Scan(&approved).Error
	if err != nil {
		return err
	}
	for _, a := range approved {
		var snap models.Snapshot
		if err := json.Unmarshal([]byte(a.Snapshot), &snap); err != nil {
			return fmt.Errorf("collective snapshot: %w", err)
		}
		for _, sec := range snap.Sections {
			for _, q := range sec.Quotes {
				if q.ResponseID != responseID && (q.ResponseID != 0 || !slices.Contains(quoteIDs, q.ID)) {
					continue
				}
				var what string
				switch {
				case consentNarrowed && !now.consent.Quotable():
					what = "now asks not to be quoted: the quote is left out of every view and export"
				case scopeNarrowed && withheldAmendment(now.scope, q.Excerpt, text.Comment, text.Amendments):
					what = "now allows their comment only to be quoted, and this quote is from their amendments: it is left out of every view and export"
				case consentNarrowed:
					what = "now asks not to be named: the quote is shown without the name"
				default:
					continue // a passage of the comment, which may still be quoted
				}
				if err := auditTx(tx, at, userID, models.AuditQuoteWithdrawn, fmt.Sprintf("collective response %d", a.ID),
					fmt.Sprintf("quote %d in section %s (response %d): the member %s; remove it from the approved response on the workspace",
						q.ID, sec.Ref, responseID, what)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// RemoveWithdrawnQuote takes a quote whose member has withdrawn consent out
// of an approved collective response, as a new version that stays approved
// and frozen: nothing else changes and nothing needs reopening. A quote
// whose member has not withdrawn consent is ErrQuoteNotWithdrawn.
func (s *Store) RemoveWithdrawnQuote(ctx context.Context, consultationID, quoteID, userID int64, baseVersion int) (models.CollectiveResponse, error) {
	var cr models.CollectiveResponse
	err := s.audited(ctx, userID, func(tx *gorm.DB, now time.Time) (auditEntry, error) {
		var err error
		if cr, err = collectiveAt(tx, consultationID, baseVersion); err != nil {
			return auditEntry{}, err
		}
		snap, err := storedSnapshot(tx, cr)
		if err != nil {
			return auditEntry{}, err
		}
		if cr.Status != models.CollectiveApproved || !snap.Frozen {
			return auditEntry{}, models.ErrQuoteNotWithdrawn // a draft's quotes follow consent already
		}
		_, withdrawn, err := withdrawnFrom(tx, snap)
		if err != nil {
			return auditEntry{}, err
		}
		i := slices.IndexFunc(withdrawn, func(w models.WithdrawnQuote) bool { return w.Quote.ID == quoteID })
		if i < 0 {
			return auditEntry{}, models.ErrQuoteNotWithdrawn
		}
		for j := range snap.Sections {
			sec := &snap.Sections[j]
			sec.Quotes = slices.DeleteFunc(sec.Quotes, func(q models.FrozenQuote) bool { return q.ID == quoteID })
			sec.QuoteIDs = slices.DeleteFunc(sec.QuoteIDs, func(id int64) bool { return id == quoteID })
		}
		if err := tx.Exec(`DELETE FROM collective_section_quotes WHERE quote_id = ? AND section_id IN
			(SELECT id FROM collective_sections WHERE collective_id = ?)`, quoteID, cr.ID).Error; err != nil {
			return auditEntry{}, err
		}
		err = nextVersion(tx, &cr, map[string]any{}, &snap, "", userID, now)
		return auditEntry{models.AuditQuoteRemoved, fmt.Sprintf("collective response %d", cr.ID),
			fmt.Sprintf("quote %d taken out of the approved response, section %s, version %d: the member withdrew consent",
				quoteID, withdrawn[i].Ref, cr.Version)}, err
	})
	return cr, wrapped(err, "remove withdrawn quote %d from the collective response of consultation %d", quoteID, consultationID)
}
