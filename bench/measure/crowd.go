package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// crowd is what the commands that load a running server share: where the
// server is, its database (to create the member accounts in) and how long
// the members keep saving.
type crowd struct {
	base    string
	dbPath  string
	seconds int
}

// newCrowd starts the flag set of a command that loads a running server:
// -url, -db and -seconds, with the command's defaults.
func newCrowd(command, defaultURL string, defaultSeconds int) (*flag.FlagSet, *crowd) {
	fs := flag.NewFlagSet(command, flag.ExitOnError)
	c := &crowd{}
	fs.StringVar(&c.base, "url", defaultURL, "the running server")
	fs.StringVar(&c.dbPath, "db", "", "the server's database (SQLite file or PostgreSQL URL), to create the member accounts in")
	fs.IntVar(&c.seconds, "seconds", defaultSeconds, "how long to run")
	return fs, c
}

func (c *crowd) duration() time.Duration { return time.Duration(c.seconds) * time.Second }

// createMembers adds the member accounts; those a previous run made are kept.
func createMembers(ctx context.Context, store *storage.Store, users []models.NewUser) error {
	for _, u := range users {
		if _, err := store.CreateUser(ctx, u); err != nil && !errors.Is(err, models.ErrDuplicate) {
			return err
		}
	}
	return nil
}

// signInAll signs every member in, one after the other.
func signInAll(base string, users []models.NewUser) ([]member, error) {
	ms := make([]member, len(users))
	for i, u := range users {
		var err error
		if ms[i], err = signIn(base, u.Email, u.Password); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// untilDeadline has every member call save over and over, all at once,
// until d has passed; j counts member i's saves.
func untilDeadline(ms []member, d time.Duration, save func(i, j int, m member)) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; time.Now().Before(deadline); j++ {
				save(i, j, m)
			}
		}()
	}
	wg.Wait()
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// member is one signed-in member with its CSRF token.
type member struct {
	client *http.Client
	csrf   string
}

func signIn(base, email, password string) (member, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := func(path string) (string, error) {
		resp, err := c.Get(base + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := csrfField.FindSubmatch(b)
		if m == nil {
			return "", fmt.Errorf("GET %s: status %d, no CSRF token", path, resp.StatusCode)
		}
		return string(m[1]), nil
	}
	tok, err := token("/login")
	if err != nil {
		return member{}, err
	}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {tok}})
	if err != nil {
		return member{}, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return member{}, fmt.Errorf("sign in as %s: status %d", email, resp.StatusCode)
	}
	tok, err = token("/consultations/1")
	if err != nil {
		return member{}, err
	}
	return member{client: c, csrf: tok}, nil
}
