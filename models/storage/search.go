package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nhsproviders/consultation-tracker/models/storage/tally"

	"github.com/nhsproviders/consultation-tracker/models"
)

// likeEscaper makes a word match itself only in LIKE ... ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchResponses finds the submitted responses of a consultation whose
// comment and amendments between them hold every word of q, optionally for
// one proposal and one member segment. Words are matched through the
// engine's full-text index (SQLite FTS5, PostgreSQL tsvector) in any of
// their forms ("merger" also finds "mergers"); case does not matter. When
// more than limit responses match, the hits are the limit oldest (lowest
// id, the responses list's order); they come in proposal order, then by
// organisation name. It returns the hits and whether there were more. The
// tallies say how many responses are in scope: none returns at once; a few
// are read one by one, many through the index (planFor).
func (s *Store) SearchResponses(ctx context.Context, consultationID int64, q string, proposalRef string, f models.Filter, limit int) ([]models.SearchHit, bool, error) {
	hits, more, err := s.searchResponses(ctx, consultationID, q, proposalRef, f, limit, planFor)
	if err != nil {
		return nil, false, fmt.Errorf("search responses of consultation %d: %w", consultationID, err)
	}
	return hits, more, nil
}

// searchPlan is where a search starts.
type searchPlan int

const (
	// fromIndex walks the words' matches in the index, oldest first, and
	// stops after enough of them are in scope: quick when the scope holds
	// many of the matches. PostgreSQL's planner may still start elsewhere.
	fromIndex searchPlan = iota
	// fromScope reads the scope's responses through the proposal and
	// organisation indexes and asks the index about each one: quick when the
	// scope is small, however common the words.
	fromScope
)

// scopeSearchMax is the largest scope, in submitted responses, searched
// fromScope, which asks the index about each response: on SQLite about
// 30 µs a word (a seek in each of its segments), 60 ms a word for 2,000.
// fromIndex reads matches until limit+1 are in scope: for a scope of 2,000
// out of 1,000,000 responses some 100,000 of them (180 ms), and more for a
// smaller scope (all 440,000 of "merger board", 0.8 s, for one of 130).
const scopeSearchMax = 2000

// planFor chooses the plan for a scope of n submitted responses.
func planFor(n int64) searchPlan {
	if n <= scopeSearchMax {
		return fromScope
	}
	return fromIndex
}

// searchResponses is SearchResponses with the plan chosen by choose from
// the number of responses in scope.
func (s *Store) searchResponses(ctx context.Context, consultationID int64, q string, proposalRef string, f models.Filter, limit int,
	choose func(scope int64) searchPlan) ([]models.SearchHit, bool, error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	words := models.SearchWords(q)
	if len(words) == 0 {
		return nil, false, nil
	}
	if len(words) > models.MaxSearchWords || len([]rune(q)) > models.MaxSearchChars {
		return nil, false, models.ErrSearchTooLong
	}
	if limit <= 0 {
		limit = 200
	}
	scope, err := s.scopeSize(ctx, consultationID, proposalRef, f)
	if err != nil || scope == 0 {
		return nil, false, err
	}
	ids, args, err := s.matchingResponses(ctx, choose(scope), consultationID, words, proposalRef, f, limit+1)
	if err != nil {
		return nil, false, err
	}
	var rows []struct {
		ResponseID                         int64
		ProposalRef, ProposalTitle         string
		OrganisationCode, OrganisationName string
		Stance                             models.Stance
		Consent                            models.Consent
		Comment, Amendments                string
	}
	err = s.r.WithContext(ctx).Raw(`SELECT r.id AS response_id, p.ref AS proposal_ref, p.title AS proposal_title,
			o.code AS organisation_code, o.name AS organisation_name, r.stance, r.consent, r.comment, r.amendments
		FROM responses r
		JOIN proposals p ON p.id = r.proposal_id
		JOIN organisations o ON o.id = r.organisation_id
		WHERE r.id IN (`+ids+`)
		ORDER BY p.position, o.name, r.id`, args...).Scan(&rows).Error
	if err != nil {
		return nil, false, err
	}
	truncated := len(rows) > limit
	if truncated {
		// The newest of limit+1 only says that there are more.
		newest := 0
		for i, r := range rows {
			if r.ResponseID > rows[newest].ResponseID {
				newest = i
			}
		}
		rows = slices.Delete(rows, newest, newest+1)
	}
	hits := make([]models.SearchHit, 0, len(rows))
	for _, r := range rows {
		h := models.SearchHit{ResponseID: r.ResponseID, ProposalRef: r.ProposalRef, ProposalTitle: r.ProposalTitle,
			OrganisationCode: r.OrganisationCode, OrganisationName: r.OrganisationName, Stance: r.Stance, Consent: r.Consent}
		h.Passages = passages(words, r.Comment, r.Amendments)
		hits = append(hits, h)
	}
	return hits, truncated, nil
}

// scopeSize counts the submitted responses a search looks through, from
// the tallies (tally.go): one row per proposal and stance for the filter's
// segment.
func (s *Store) scopeSize(ctx context.Context, consultationID int64, proposalRef string, f models.Filter) (int64, error) {
	seg := tally.SegmentOf(f)
	sql := `SELECT COALESCE(SUM(t.n), 0) FROM proposals p
		JOIN stance_tallies t ON t.proposal_id = p.id AND t.org_type = ? AND t.region = ? AND t.system_status = ?
		WHERE p.consultation_id = ?`
	args := []any{seg.Type, seg.Region, seg.SystemStatus, consultationID}
	if proposalRef != "" {
		sql, args = sql+" AND p.ref = ?", append(args, proposalRef)
	}
	var n int64
	err := s.r.WithContext(ctx).Raw(sql, args...).Row().Scan(&n)
	return n, err
}

// searchJoins and searchFrom join a search's responses r to their
// proposals p and organisations o.
const (
	searchJoins = " JOIN proposals p ON p.id = r.proposal_id JOIN organisations o ON o.id = r.organisation_id"
	searchFrom  = "responses r" + searchJoins
)

// matchingResponses returns a query for the ids of the n oldest submitted
// responses in scope that hold every word, with its arguments.
func (s *Store) matchingResponses(ctx context.Context, plan searchPlan, consultationID int64, words []string, proposalRef string, f models.Filter, n int) (string, []any, error) {
	scope, args := searchScope(consultationID, words, proposalRef, f)
	return textIndexOf(s.r).matching(ctx, s.r, plan, scope, args, words, n)
}

// searchScope is the condition, on responses r, proposals p and
// organisations o, that a response is in a search's scope and holds as
// typed each word with punctuation inside, with its arguments.
func searchScope(consultationID int64, words []string, proposalRef string, f models.Filter) (string, []any) {
	cond, args := filterWhere(f)
	conds := []string{"p.consultation_id = ?", "r.status = 'submitted'", cond}
	args = append([]any{consultationID}, args...)
	if proposalRef != "" {
		conds, args = append(conds, "p.ref = ?"), append(args, proposalRef)
	}
	for _, w := range words {
		if !models.IsPlainWord(w) {
			pattern := "%" + likeEscaper.Replace(w) + "%"
			conds = append(conds, `(lower(r.comment) LIKE ? ESCAPE '\' OR lower(r.amendments) LIKE ? ESCAPE '\')`)
			args = append(args, pattern, pattern)
		}
	}
	return strings.Join(conds, " AND "), args
}

// passages are the parts of a response's comment and amendments that show
// the words found.
func passages(words []string, comment, amendments string) []models.Passage {
	var out []models.Passage
	for _, field := range []struct{ name, text string }{{"comment", comment}, {"amendments", amendments}} {
		if parts := models.Snippet(field.text, words, snippetWidth); parts != nil {
			out = append(out, models.Passage{Field: field.name, Parts: parts})
		}
	}
	if out == nil {
		// The index matched a form of a word that the snippet's rougher
		// stemming does not see: show the start of the text, unmarked.
		field, text := "comment", comment
		if strings.TrimSpace(text) == "" {
			field, text = "amendments", amendments
		}
		out = []models.Passage{{Field: field, Parts: models.Cut([]rune(models.NormaliseNewlines(text)), nil, 0, snippetWidth)}}
	}
	return out
}

// snippetWidth is about three lines of text, in characters.
const snippetWidth = 280
