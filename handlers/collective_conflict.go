package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers/document"
	"github.com/nhsproviders/consultation-tracker/models"
)

// partConflict is what the 409 page shows when someone saved the same part
// after the editor opened it: their saved text beside the text typed (which
// stays in the form), and what differs between them.
type partConflict struct {
	Part        string // "the introduction", "section LP-12"
	SavedByName string
	SavedAt     time.Time
	Theirs      shownPart
	Yours       shownPart
	Diff        document.Change
}

// shownPart is one side of a conflict: the part's text, quotes as text.
type shownPart struct {
	Intro  bool
	Text   models.PartText
	Quotes []string
}

// partConflictOf finds a PartConflictError in err.
func partConflictOf(err error) (models.PartConflictError, bool) {
	var conflict models.PartConflictError
	return conflict, errors.As(err, &conflict)
}

// partConflictMessage says what happened, for the error summary.
func partConflictMessage(c models.PartConflictError) string {
	who := "Someone"
	if c.SavedByName != "" {
		who = c.SavedByName
	}
	what := "this section"
	if c.Part == models.PartIntroduction {
		what = "the introduction"
	}
	if c.Version == 0 {
		return fmt.Sprintf("%s was taken out of the collective response after you opened it, so your text was not saved. It is kept below and in the history: save again to put it back.", capitalise(what))
	}
	return fmt.Sprintf("%s saved %s at %s, after you opened it, so your text was not saved. Their text is shown beside yours, which is kept in the form and in the history. Take what you need from theirs, then save again: saving replaces their text.",
		who, what, c.SavedAt.In(london).Format("15:04 on 2 January"))
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// newPartConflict prepares the conflict for the page: quotes as text, and
// the word-by-word difference from their text to the one typed.
func (h *Handler) newPartConflict(ctx context.Context, c models.PartConflictError, typed models.PartText) (*partConflict, error) {
	intro := c.Part == models.PartIntroduction
	pc := &partConflict{Part: "the introduction", SavedByName: c.SavedByName, SavedAt: c.SavedAt,
		Theirs: shownPart{Intro: intro, Text: c.Saved}, Yours: shownPart{Intro: intro, Text: typed}}
	if !intro {
		pc.Part = "section " + c.Part
	}
	quotes, err := h.quoteTexts(ctx, c.Saved.QuoteIDs, typed.QuoteIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range c.Saved.QuoteIDs {
		pc.Theirs.Quotes = append(pc.Theirs.Quotes, document.QuoteOrGone(quotes, id))
	}
	for _, id := range typed.QuoteIDs {
		pc.Yours.Quotes = append(pc.Yours.Quotes, document.QuoteOrGone(quotes, id))
	}
	pc.Diff = document.CompareParts("What differs", c.Saved, typed, quotes)
	return pc, nil
}

// quoteTexts are quotes as text, by id, as they may be shown today: a quote
// that is gone, or whose member no longer allows it, is left out.
func (h *Handler) quoteTexts(ctx context.Context, idLists ...[]int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, ids := range idLists {
		for _, id := range ids {
			if _, ok := out[id]; ok {
				continue
			}
			q, err := h.store.QuoteByID(ctx, id)
			switch {
			case errors.Is(err, models.ErrNotFound):
				continue
			case err != nil:
				return nil, err
			}
			out[id] = document.QuoteText(q.Excerpt, q.Attribution)
		}
	}
	return out, nil
}
