package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// colleagues has several members of one organisation answer the same
// proposal through the response form for a while, each opening the form
// and saving it over and over, as colleagues racing each other do. It
// prints how the server answered (303 saved, 409 refused as a colleague's
// conflict, 5xx, other), whether every 409 page showed the colleague's
// version and the refused text, and whether every refused text is in the
// response's history.
//
//	measure colleagues -url http://127.0.0.1:3918 -db DB -colleagues 6 -seconds 20
func colleagues(args []string) error {
	fs, c := newCrowd("colleagues", "http://127.0.0.1:3918", 20)
	n := fs.Int("colleagues", 6, "members of the one organisation")
	ref := fs.String("proposal", "LP-01", "the proposal they all answer")
	fs.Parse(args)
	ctx := context.Background()
	store, err := storage.Open(ctx, storage.Options{Path: c.dbPath})
	if err != nil {
		return err
	}
	defer store.Close()
	org, users, err := colleagueAccounts(ctx, store, *n)
	if err != nil {
		return err
	}
	ms, err := signInAll(c.base, users)
	if err != nil {
		return err
	}
	race := saveRace{statuses: map[int]int{}}
	untilDeadline(ms, c.duration(), func(i, j int, m member) {
		comment := fmt.Sprintf("Colleague %d, save %d: our board's view.", i, j)
		status, problem := saveOnce(c.base, *ref, m, comment)
		race.record(status, comment, problem)
	})
	kept, err := keptHistory(ctx, store, org, *ref)
	if err != nil {
		return err
	}
	race.print(*n, kept)
	return nil
}

// colleagueAccounts makes the one organisation and n member accounts in it.
func colleagueAccounts(ctx context.Context, store *storage.Store, n int) (models.Organisation, []models.NewUser, error) {
	now := store.Now()
	org, err := store.EnsureOrganisation(ctx, models.Organisation{Code: "ZCOLL", Name: "Colleagues Bench NHS Trust", Type: "acute",
		Region: "London", System: "London system", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return models.Organisation{}, nil, err
	}
	users := make([]models.NewUser, n)
	for i := range users {
		users[i] = models.NewUser{Email: fmt.Sprintf("colleague%02d@zcoll.example", i), Name: fmt.Sprintf("Colleague %d", i),
			Role: models.RoleMember, OrganisationCode: org.Code, Password: "bench password for colleagues"}
	}
	return org, users, createMembers(ctx, store, users)
}

// saveRace tallies how the server answered the colleagues' saves.
type saveRace struct {
	mu       sync.Mutex
	statuses map[int]int
	refused  []string // comments answered 409
	failed   []string // comments answered 5xx
	problems []string
}

func (r *saveRace) record(status int, comment, problem string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses[status]++
	if status == http.StatusConflict {
		r.refused = append(r.refused, comment)
	}
	if status >= 500 {
		r.failed = append(r.failed, comment)
	}
	if problem != "" && len(r.problems) < 10 {
		r.problems = append(r.problems, problem)
	}
}

// history is the response's revisions after the race: each comment kept,
// with the kind of revision that kept it.
type history struct {
	kinds     map[string]string
	revisions int
}

func keptHistory(ctx context.Context, store *storage.Store, org models.Organisation, ref string) (history, error) {
	p, _, err := store.ProposalByRef(ctx, ref)
	if err != nil {
		return history{}, err
	}
	revs, err := store.History(ctx, org.ID, p.ID)
	if err != nil {
		return history{}, err
	}
	kept := history{kinds: map[string]string{}, revisions: len(revs)}
	for _, r := range revs {
		kept.kinds[r.Comment] = r.Kind
	}
	return kept, nil
}

// print writes the answers, status by status, and how many refused or
// failed texts the history lost.
func (r *saveRace) print(colleagues int, kept history) {
	lost, failedLost := 0, 0
	for _, c := range r.refused {
		if kept.kinds[c] != "conflict" {
			lost++
		}
	}
	for _, c := range r.failed {
		if kept.kinds[c] == "" {
			failedLost++
		}
	}
	total, server, other := 0, 0, 0
	for code, k := range r.statuses {
		total += k
		switch {
		case code >= 500:
			server += k
		case code != http.StatusSeeOther && code != http.StatusConflict:
			other += k
		}
	}
	fmt.Printf("colleagues: %d\nsaves_sent: %d\nsaved_303: %d\nconflict_409: %d\nserver_error_5xx: %d\nother: %d\n",
		colleagues, total, r.statuses[http.StatusSeeOther], r.statuses[http.StatusConflict], server, other)
	for _, code := range slices.Sorted(maps.Keys(r.statuses)) {
		fmt.Printf("status_%d: %d\n", code, r.statuses[code])
	}
	fmt.Printf("refused_texts_missing_from_history: %d\n5xx_texts_missing_from_history: %d\nhistory_revisions: %d\n",
		lost, failedLost, kept.revisions)
	for _, p := range r.problems {
		fmt.Printf("problem: %s\n", p)
	}
}

var formVersion = regexp.MustCompile(`name="version" value="(\d+)"`)
var commentArea = regexp.MustCompile(`(?s)<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>`)

// saveOnce opens the response form and saves it with comment, as a member
// does; it returns the status and, for an answer that is not right, why.
func saveOnce(base, ref string, m member, comment string) (int, string) {
	resp, err := m.client.Get(base + "/proposals/" + ref)
	if err != nil {
		return 0, err.Error()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v := formVersion.FindSubmatch(b)
	if v == nil {
		return resp.StatusCode, fmt.Sprintf("GET: status %d, no form", resp.StatusCode)
	}
	form := url.Values{"_csrf": {m.csrf}, "version": {string(v[1])}, "stance": {"oppose"}, "autonomy": {"-1"},
		"concerns": {"timescale"}, "comment": {comment}, "consent": {"anonymised"}, "action": {"submit"}}
	resp, err = m.client.PostForm(base+"/proposals/"+ref+"/response", form)
	if err != nil {
		return 0, err.Error()
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	switch resp.StatusCode {
	case http.StatusSeeOther:
		return resp.StatusCode, ""
	case http.StatusConflict:
		typed := commentArea.FindStringSubmatch(body)
		switch {
		case !strings.Contains(body, "changed this response after you opened it"):
			return resp.StatusCode, "409 without the colleague's version"
		case typed == nil || html.UnescapeString(typed[1]) != comment:
			return resp.StatusCode, "409 without the refused text in the form"
		}
		return resp.StatusCode, ""
	}
	return resp.StatusCode, fmt.Sprintf("POST: status %d", resp.StatusCode)
}
