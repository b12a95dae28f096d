package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"
)

// Search limits: a query is a handful of words, not a document.
const (
	MaxSearchWords = 12
	MaxSearchChars = 200
)

// ErrSearchTooLong says a query has more than MaxSearchWords words or
// MaxSearchChars characters.
var ErrSearchTooLong = errors.New("search query too long")

// SnippetPart is a piece of a snippet; Match marks a searched word.
type SnippetPart struct {
	Text  string
	Match bool
}

// Passage is the part of one field of a response that matched.
type Passage struct {
	Field string // "comment" or "amendments"
	Parts []SnippetPart
}

// SearchHit is a submitted response whose comment and amendments hold every
// word of the query.
type SearchHit struct {
	ResponseID       int64
	ProposalRef      string
	ProposalTitle    string
	OrganisationCode string
	OrganisationName string
	Stance           string
	Consent          string
	Passages         []Passage
}

// SearchWords splits a query into the lower-case words that must all match,
// without repeats.
func SearchWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// likeEscaper makes a word match itself only in LIKE ... ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchResponses finds the submitted responses of a consultation whose
// comment or amendments contain every word of q (case-insensitive, in any
// order, anywhere in either field), optionally for one proposal and one
// member segment. It returns at most limit hits and whether there were more.
// Today this is LIKE on lower(...); the signature allows SQLite FTS5 or
// PostgreSQL full-text search later.
func (s *Store) SearchResponses(ctx context.Context, consultationID int64, q string, proposalRef string, f Filter, limit int) ([]SearchHit, bool, error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	words := SearchWords(q)
	if len(words) == 0 {
		return nil, false, nil
	}
	if len(words) > MaxSearchWords || len([]rune(q)) > MaxSearchChars {
		return nil, false, ErrSearchTooLong
	}
	if limit <= 0 {
		limit = 200
	}
	cond, fargs := f.where()
	sql := `SELECT r.id AS response_id, p.ref AS proposal_ref, p.title AS proposal_title,
			o.code AS organisation_code, o.name AS organisation_name, r.stance, r.consent, r.comment, r.amendments
		FROM responses r
		JOIN proposals p ON p.id = r.proposal_id
		JOIN organisations o ON o.id = r.organisation_id
		WHERE p.consultation_id = ? AND r.status = 'submitted' AND ` + cond
	args := append([]any{consultationID}, fargs...)
	if proposalRef != "" {
		sql += " AND p.ref = ?"
		args = append(args, proposalRef)
	}
	for _, w := range words {
		pattern := "%" + likeEscaper.Replace(w) + "%"
		sql += ` AND (lower(r.comment) LIKE ? ESCAPE '\' OR lower(r.amendments) LIKE ? ESCAPE '\')`
		args = append(args, pattern, pattern)
	}
	sql += " ORDER BY p.position, o.name, r.id LIMIT ?"
	args = append(args, limit+1)

	var rows []struct {
		ResponseID                         int64
		ProposalRef, ProposalTitle         string
		OrganisationCode, OrganisationName string
		Stance, Consent                    string
		Comment, Amendments                string
	}
	if err := s.r.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, false, err
	}
	truncated := len(rows) > limit
	if truncated {
		rows = rows[:limit]
	}
	hits := make([]SearchHit, 0, len(rows))
	for _, r := range rows {
		h := SearchHit{ResponseID: r.ResponseID, ProposalRef: r.ProposalRef, ProposalTitle: r.ProposalTitle,
			OrganisationCode: r.OrganisationCode, OrganisationName: r.OrganisationName, Stance: r.Stance, Consent: r.Consent}
		for _, field := range []struct{ name, text string }{{"comment", r.Comment}, {"amendments", r.Amendments}} {
			if parts := Snippet(field.text, words, snippetWidth); parts != nil {
				h.Passages = append(h.Passages, Passage{Field: field.name, Parts: parts})
			}
		}
		hits = append(hits, h)
	}
	return hits, truncated, nil
}

// snippetWidth is about three lines of text, in characters.
const snippetWidth = 280

// Snippet cuts about width characters of text around the first match of any
// of words (lower case) and marks every match inside. It returns nil when no
// word occurs. Matching folds case rune by rune, so positions in the lower
// case copy are positions in text.
func Snippet(text string, words []string, width int) []SnippetPart {
	src := []rune(normaliseNewlines(text))
	low := make([]rune, len(src))
	for i, r := range src {
		low[i] = unicode.ToLower(r)
	}
	marked := make([]bool, len(src))
	first := -1
	for _, w := range words {
		wr := []rune(w)
		if len(wr) == 0 {
			continue
		}
		for i := 0; i+len(wr) <= len(low); i++ {
			if slices.Equal(low[i:i+len(wr)], wr) {
				for j := i; j < i+len(wr); j++ {
					marked[j] = true
				}
				if first < 0 || i < first {
					first = i
				}
			}
		}
	}
	if first < 0 {
		return nil
	}
	start, end := 0, len(src)
	if len(src) > width {
		start = max(0, first-width/3)
		end = min(len(src), start+width)
		start = max(0, end-width)
		// Cut at spaces so no word is split, unless that would hide the match.
		if start > 0 {
			if i := slices.IndexFunc(src[start:first], unicode.IsSpace); i >= 0 {
				start += i + 1
			}
		}
		if end < len(src) {
			for i := end; i > first; i-- {
				if unicode.IsSpace(src[i]) {
					end = i
					break
				}
			}
		}
	}
	var parts []SnippetPart
	if start > 0 {
		parts = append(parts, SnippetPart{Text: "…"})
	}
	for i := start; i < end; {
		j := i
		for j < end && marked[j] == marked[i] {
			j++
		}
		parts = append(parts, SnippetPart{Text: string(src[i:j]), Match: marked[i]})
		i = j
	}
	if end < len(src) {
		parts = append(parts, SnippetPart{Text: "…"})
	}
	return parts
}
