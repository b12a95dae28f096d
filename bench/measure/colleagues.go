package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

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
	fs := flag.NewFlagSet("colleagues", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:3918", "the running server")
	dbPath := fs.String("db", "", "the server's database (SQLite file or PostgreSQL URL), to create the accounts in")
	n := fs.Int("colleagues", 6, "members of the one organisation")
	seconds := fs.Int("seconds", 20, "how long to run")
	ref := fs.String("proposal", "LP-01", "the proposal they all answer")
	fs.Parse(args)
	ctx := context.Background()
	const password = "bench password for colleagues"
	store, err := storage.Open(ctx, storage.Options{Path: *dbPath})
	if err != nil {
		return err
	}
	defer store.Close()
	now := store.Now()
	org, err := store.EnsureOrganisation(ctx, models.Organisation{Code: "ZCOLL", Name: "Colleagues Bench NHS Trust", Type: "acute",
		Region: "London", System: "London system", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return err
	}
	emails := make([]string, *n)
	for i := range emails {
		emails[i] = fmt.Sprintf("colleague%02d@zcoll.example", i)
		_, err := store.CreateUser(ctx, models.NewUser{Email: emails[i], Name: fmt.Sprintf("Colleague %d", i),
			Role: models.RoleMember, OrganisationCode: org.Code, Password: password})
		if err != nil && !errors.Is(err, models.ErrDuplicate) {
			return err
		}
	}
	ms := make([]member, *n)
	for i := range ms {
		if ms[i], err = signIn(*base, emails[i], password); err != nil {
			return err
		}
	}

	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		refused  []string // comments answered 409
		failed   []string // comments answered 5xx
		problems []string
	)
	deadline := time.Now().Add(time.Duration(*seconds) * time.Second)
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; time.Now().Before(deadline); j++ {
				comment := fmt.Sprintf("Colleague %d, save %d: our board's view.", i, j)
				status, problem := saveOnce(*base, *ref, m, comment)
				mu.Lock()
				statuses[status]++
				if status == http.StatusConflict {
					refused = append(refused, comment)
				}
				if status >= 500 {
					failed = append(failed, comment)
				}
				if problem != "" && len(problems) < 10 {
					problems = append(problems, problem)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	p, _, err := store.ProposalByRef(ctx, *ref)
	if err != nil {
		return err
	}
	revs, err := store.History(ctx, org.ID, p.ID)
	if err != nil {
		return err
	}
	kept := map[string]string{}
	for _, r := range revs {
		kept[r.Comment] = r.Kind
	}
	lost, failedLost := 0, 0
	for _, c := range refused {
		if kept[c] != "conflict" {
			lost++
		}
	}
	for _, c := range failed {
		if kept[c] == "" {
			failedLost++
		}
	}
	total, server, other := 0, 0, 0
	var codes []int
	for code, k := range statuses {
		total += k
		codes = append(codes, code)
		switch {
		case code >= 500:
			server += k
		case code != http.StatusSeeOther && code != http.StatusConflict:
			other += k
		}
	}
	sort.Ints(codes)
	fmt.Printf("colleagues: %d\nsaves_sent: %d\nsaved_303: %d\nconflict_409: %d\nserver_error_5xx: %d\nother: %d\n",
		*n, total, statuses[http.StatusSeeOther], statuses[http.StatusConflict], server, other)
	for _, code := range codes {
		fmt.Printf("status_%d: %d\n", code, statuses[code])
	}
	fmt.Printf("refused_texts_missing_from_history: %d\n5xx_texts_missing_from_history: %d\nhistory_revisions: %d\n",
		lost, failedLost, len(revs))
	for _, p := range problems {
		fmt.Printf("problem: %s\n", p)
	}
	return nil
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
