package models

import (
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
	Stance           Stance
	Consent          Consent
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
func IsPlainWord(w string) bool {
	return !strings.ContainsFunc(w, func(r rune) bool { return !isWordRune(r) })
}

// Snippet cuts about width characters of text around the first match of any
// of words (as SearchWords returns them) and marks every match inside. It
// returns nil when no word occurs. A plain word marks each word of the text
// that begins with its root (wordRoot: "mergers" marks "merger" and
// "mergers"), the stemmed forms the index found, roughly; a word with
// punctuation marks where it occurs as typed. Matching folds case rune by
// rune, so positions in the lower case copy are positions in text.
func Snippet(text string, words []string, width int) []SnippetPart {
	src := []rune(NormaliseNewlines(text))
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
		if IsPlainWord(w) {
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
	return Cut(src, marked, first, width)
}

// cut returns about width runes of src around position first, split into
// marked and unmarked parts, with "…" where text was left out. A nil marked
// marks nothing.
func Cut(src []rune, marked []bool, first, width int) []SnippetPart {
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
