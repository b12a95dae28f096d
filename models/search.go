package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
// without repeats. Control characters and invalid UTF-8 separate words, as
// spaces do; quotes, brackets, '*', '-' and sentence punctuation around a
// word are dropped ("merger", (merger) and merger* all search for merger); a
// word with no letter or digit is dropped.
func SearchWords(q string) []string {
	var out []string
	separates := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError }
	for _, w := range strings.FieldsFunc(strings.ToLower(q), separates) {
		w = strings.Trim(w, wordEdges)
		if strings.ContainsFunc(w, isWordRune) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// wordEdges is punctuation that wraps a word rather than belonging to it.
const wordEdges = "\"'()[]{}*-:;,.!?“”‘’"

// isWordRune says whether r belongs to a word, as FTS5's unicode61
// tokenizer and PostgreSQL's parser see it (near enough): a letter, a digit
// or a combining mark.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// isPlainWord says whether a search word is letters and digits only. The
// index finds a plain word in any of its forms; a word with punctuation
// inside (100%, s.75, board_papers) must also appear exactly as typed.
func isPlainWord(w string) bool {
	return !strings.ContainsFunc(w, func(r rune) bool { return !isWordRune(r) })
}

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
func (s *Store) SearchResponses(ctx context.Context, consultationID int64, q string, proposalRef string, f Filter, limit int) ([]SearchHit, bool, error) {
	return s.searchResponses(ctx, consultationID, q, proposalRef, f, limit, planFor)
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
func (s *Store) searchResponses(ctx context.Context, consultationID int64, q string, proposalRef string, f Filter, limit int,
	choose func(scope int64) searchPlan) ([]SearchHit, bool, error) {
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
		Stance, Consent                    string
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
	hits := make([]SearchHit, 0, len(rows))
	for _, r := range rows {
		h := SearchHit{ResponseID: r.ResponseID, ProposalRef: r.ProposalRef, ProposalTitle: r.ProposalTitle,
			OrganisationCode: r.OrganisationCode, OrganisationName: r.OrganisationName, Stance: r.Stance, Consent: r.Consent}
		h.Passages = passages(words, r.Comment, r.Amendments)
		hits = append(hits, h)
	}
	return hits, truncated, nil
}

// scopeSize counts the submitted responses a search looks through, from
// the tallies (tally.go): one row per proposal and stance for the filter's
// segment.
func (s *Store) scopeSize(ctx context.Context, consultationID int64, proposalRef string, f Filter) (int64, error) {
	seg := segmentOf(f)
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

// matchingResponses returns a query for the ids of the n oldest submitted
// responses in scope that hold every word, with its arguments.
func (s *Store) matchingResponses(ctx context.Context, plan searchPlan, consultationID int64, words []string, proposalRef string, f Filter, n int) (string, []any, error) {
	const joins = " JOIN proposals p ON p.id = r.proposal_id JOIN organisations o ON o.id = r.organisation_id"
	const responses = "responses r" + joins
	scope, args := searchScope(consultationID, words, proposalRef, f)
	if s.isPostgres() {
		tsquery, err := s.postgresQuery(ctx, words)
		if err != nil {
			return "", nil, err
		}
		switch {
		case tsquery == "":
			// With only stop words ("the", "under"), which are in nearly
			// every text, there is nothing to ask the index.
			return "SELECT r.id FROM " + responses + " WHERE " + scope + " ORDER BY r.id LIMIT ?", append(args, n), nil
		case plan == fromScope:
			// Materialized, the scope is read first: left to guess how
			// common the words are, PostgreSQL can start from the index
			// instead (0.9 s for a scope of 1,624 with a cached plan).
			return "WITH scope AS MATERIALIZED (SELECT r.id, r.search_vector FROM " + responses + " WHERE " + scope + `)
				SELECT id FROM scope WHERE search_vector @@ ?::tsquery ORDER BY id LIMIT ?`, append(args, tsquery, n), nil
		}
		return "SELECT r.id FROM " + responses + " WHERE " + scope + " AND r.search_vector @@ ?::tsquery ORDER BY r.id LIMIT ?",
			append(args, tsquery, n), nil
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = ftsString(w)
	}
	// FTS5 strings side by side must all match, each in either column.
	args = append(args, strings.Join(quoted, " "), n)
	if plan == fromScope {
		// CROSS JOIN keeps the index after the tables on its left: it is
		// asked about one response at a time (rowid = r.id).
		return "SELECT r.id FROM " + responses + " CROSS JOIN responses_fts ON responses_fts.rowid = r.id WHERE " + scope +
			" AND responses_fts MATCH ? ORDER BY r.id LIMIT ?", args, nil
	}
	// FTS5 yields rows in rowid order, so ordering by it costs nothing and
	// the query stops after n rows.
	return "SELECT r.id FROM responses_fts JOIN responses r ON r.id = responses_fts.rowid" + joins + " WHERE " + scope +
		" AND responses_fts MATCH ? ORDER BY responses_fts.rowid LIMIT ?", args, nil
}

// searchScope is the condition, on responses r, proposals p and
// organisations o, that a response is in a search's scope and holds as
// typed each word with punctuation inside, with its arguments.
func searchScope(consultationID int64, words []string, proposalRef string, f Filter) (string, []any) {
	cond, args := f.where()
	conds := []string{"p.consultation_id = ?", "r.status = 'submitted'", cond}
	args = append([]any{consultationID}, args...)
	if proposalRef != "" {
		conds, args = append(conds, "p.ref = ?"), append(args, proposalRef)
	}
	for _, w := range words {
		if !isPlainWord(w) {
			pattern := "%" + likeEscaper.Replace(w) + "%"
			conds = append(conds, `(lower(r.comment) LIKE ? ESCAPE '\' OR lower(r.amendments) LIKE ? ESCAPE '\')`)
			args = append(args, pattern, pattern)
		}
	}
	return strings.Join(conds, " AND "), args
}

// passages are the parts of a response's comment and amendments that show
// the words found.
func passages(words []string, comment, amendments string) []Passage {
	var out []Passage
	for _, field := range []struct{ name, text string }{{"comment", comment}, {"amendments", amendments}} {
		if parts := Snippet(field.text, words, snippetWidth); parts != nil {
			out = append(out, Passage{Field: field.name, Parts: parts})
		}
	}
	if out == nil {
		// The index matched a form of a word that the snippet's rougher
		// stemming does not see: show the start of the text, unmarked.
		field, text := "comment", comment
		if strings.TrimSpace(text) == "" {
			field, text = "amendments", amendments
		}
		out = []Passage{{Field: field, Parts: cut([]rune(normaliseNewlines(text)), nil, 0, snippetWidth)}}
	}
	return out
}

// postgresQuery asks PostgreSQL for the tsquery that needs every word, as
// text: phraseto_tsquery reads its input as words only, never operators, and
// makes a word of several parts (board_papers) a phrase. English stop words
// drop out; a query of nothing else gives "".
func (s *Store) postgresQuery(ctx context.Context, words []string) (string, error) {
	terms := make([]string, len(words))
	args := make([]any, len(words))
	for i, w := range words {
		terms[i], args[i] = "phraseto_tsquery('english', ?)", postgresTextFold.Replace(w)
	}
	var tsquery string
	err := s.r.WithContext(ctx).Raw("SELECT ("+strings.Join(terms, " && ")+")::text", args...).Row().Scan(&tsquery)
	return tsquery, err
}

// snippetWidth is about three lines of text, in characters.
const snippetWidth = 280

// Snippet cuts about width characters of text around the first match of any
// of words (as SearchWords returns them) and marks every match inside. It
// returns nil when no word occurs. A plain word marks each word of the text
// that begins with its root (wordRoot: "mergers" marks "merger" and
// "mergers"), the stemmed forms the index found, roughly; a word with
// punctuation marks where it occurs as typed. Matching folds case rune by
// rune, so positions in the lower case copy are positions in text.
func Snippet(text string, words []string, width int) []SnippetPart {
	src := []rune(normaliseNewlines(text))
	low := make([]rune, len(src))
	for i, r := range src {
		low[i] = unicode.ToLower(r)
	}
	marked := make([]bool, len(src))
	first := -1
	mark := func(i, j int) {
		for k := i; k < j; k++ {
			marked[k] = true
		}
		if first < 0 || i < first {
			first = i
		}
	}
	for _, w := range words {
		if w == "" {
			continue
		}
		if isPlainWord(w) {
			root := []rune(wordRoot(w))
			for i := 0; i < len(low); i++ {
				if !isWordRune(low[i]) || (i > 0 && isWordRune(low[i-1])) {
					continue // not the start of a word
				}
				j := i
				for j < len(low) && isWordRune(low[j]) {
					j++
				}
				if j-i >= len(root) && slices.Equal(low[i:i+len(root)], root) {
					mark(i, j)
				}
				i = j
			}
			continue
		}
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(low); i++ {
			if slices.Equal(low[i:i+len(wr)], wr) {
				mark(i, i+len(wr))
			}
		}
	}
	if first < 0 {
		return nil
	}
	return cut(src, marked, first, width)
}

// cut returns about width runes of src around position first, split into
// marked and unmarked parts, with "…" where text was left out. A nil marked
// marks nothing.
func cut(src []rune, marked []bool, first, width int) []SnippetPart {
	if marked == nil {
		marked = make([]bool, len(src))
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

// wordRoot takes one common English ending off a word, leaving at least
// three letters, so a snippet can mark the forms a stemmer would match:
// "mergers" → "merger", "policies" and "policy" → "polic", "governing" →
// "govern". It is rougher than the index's stemmer and only marks text.
func wordRoot(w string) string {
	for _, ending := range wordEndings {
		if root, ok := strings.CutSuffix(w, ending); ok && utf8.RuneCountInString(root) >= 3 {
			return root
		}
	}
	return w
}

// wordEndings are tried in order, longest first.
var wordEndings = []string{"ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "ly", "s", "e", "y"}
