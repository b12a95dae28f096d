package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// storeFaults are real failures of the database under a running server.
var storeFaults = []struct {
	name       string
	sqliteOnly bool
	apply      func(*storage.Store) error
}{
	{"full disk", true, func(s *storage.Store) error { return s.FillForTest(context.Background()) }},
	{"read-only database", false, func(s *storage.Store) error { return s.RefuseWritesForTest(context.Background()) }},
}

// typedSaves are the forms whose text must survive a save the database
// cannot take: each posts a long text (more than a page of the database
// file, so that a full disk refuses it) into the textarea named field.
var typedSaves = []struct {
	name    string
	email   string
	path    func(e *env) string
	form    func(text string) url.Values
	field   string
	stored  func(e *env) error // ErrNotFound when nothing of the save was stored
	summary bool               // the reason is in the error summary (otherwise above the form)
}{
	{
		name: "member's response", email: "a@alpha.example",
		path:   func(*env) string { return "/proposals/LP-01/response" },
		form:   func(text string) url.Values { return withValues(validAnswer(), map[string][]string{"comment": {text}}) },
		field:  "comment",
		stored: func(e *env) error { _, err := e.stored(e.orgA, "LP-01"); return err },
	},
	{
		name: "collective introduction", email: "policy@body.example",
		path:   func(e *env) string { return fmt.Sprintf("/consultations/%d/collective/introduction", e.lpID()) },
		form:   func(text string) url.Values { return url.Values{"introduction": {text}, "version": {"0"}} },
		field:  "introduction",
		stored: func(e *env) error { _, err := e.store.Collective(context.Background(), e.lpID()); return err },
	},
	{
		name: "collective section", email: "policy@body.example",
		path:   func(e *env) string { return fmt.Sprintf("/consultations/%d/collective/sections/LP-01", e.lpID()) },
		form:   func(text string) url.Values { return sectionForm("oppose", text, "0") },
		field:  "statement",
		stored: func(e *env) error { _, err := e.store.Collective(context.Background(), e.lpID()); return err },
	},
	{
		name: "admin's new consultation", email: "admin@body.example",
		path: func(*env) string { return "/admin/consultations" },
		form: func(text string) url.Values {
			return withValues(validConsultation(), map[string][]string{"background": {text}})
		},
		field: "background", summary: true,
		stored: func(e *env) error {
			_, err := e.store.ConsultationBySlug(context.Background(), "bill-2027")
			return err
		},
	},
}

// TestASaveTheDatabaseCannotTakeAnswers503AndKeepsTheTypedForm: on a full
// disk or a read-only database, each form is shown again with status 503,
// the reason in words and the text as typed; nothing is stored.
func TestASaveTheDatabaseCannotTakeAnswers503AndKeepsTheTypedForm(t *testing.T) {
	text := strings.TrimSpace(strings.Repeat("We ask the policy team to press for local accountability. ", 80))
	for _, fault := range storeFaults {
		for _, form := range typedSaves {
			t.Run(fault.name+"/"+form.name, func(t *testing.T) {
				if fault.sqliteOnly {
					testdb.SkipOnPostgres(t, "PostgreSQL's disk cannot be filled from a test")
				}
				e, _ := newEnv(t)
				c := e.signIn(form.email)
				path := form.path(e)
				c.get(path) // the page the form is on, for its CSRF token
				if err := fault.apply(e.store); err != nil {
					t.Fatal(err)
				}
				r := c.postForm(path, form.form(text))
				wantStatus(t, r, http.StatusServiceUnavailable)
				wantContains(t, r.Body, "The server cannot save right now, so nothing was saved. Your text is below")
				wantTextarea(t, r.Body, form.field, text)
				if form.summary {
					wantContains(t, r.Body, `class="error-summary"`)
				}
				if err := form.stored(e); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("something was stored (lookup: %v)", err)
				}
			})
		}
	}
}

// TestAnAPISaveTheDatabaseCannotTakeAnswersAJSON503: the API says the same
// in JSON, with Retry-After.
func TestAnAPISaveTheDatabaseCannotTakeAnswersAJSON503(t *testing.T) {
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	if err := e.store.RefuseWritesForTest(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := a.putJSON("/api/v1/proposals/LP-01/response",
		`{"stance":"oppose","autonomy":-2,"concerns":"timescale","comment":"No.","consent":"private","status":"submitted"}`)
	wantStatus(t, r, http.StatusServiceUnavailable)
	var body struct{ Error string }
	decodeJSON(t, r, &body)
	if !strings.Contains(body.Error, "cannot save right now; nothing was saved") {
		t.Errorf("error = %q, want it to say nothing was saved", body.Error)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header on the 503")
	}
	e.wantNothingStored(t, e.orgA, "LP-01")
}

// TestAFormPostedWhenTheDatabaseCannotBeReachedShowsTheTypedText: when not
// even the form can be built (PostgreSQL cannot be reached: every query
// fails), the error page says so in words and shows the text typed.
func TestAFormPostedWhenTheDatabaseCannotBeReachedShowsTheTypedText(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("PostgreSQL only: a SQLite file is not reached over a network")
	}
	e, _ := newEnv(t)
	a := e.signIn("a@alpha.example")
	a.get("/proposals/LP-01")
	if err := e.store.CutOffForTest(context.Background()); err != nil {
		t.Fatal(err)
	}
	comment := "Our board met on Tuesday & agreed: <oppose>."
	r := a.postForm("/proposals/LP-01/response", withValues(validAnswer(), map[string][]string{"comment": {comment}}))
	wantStatus(t, r, http.StatusServiceUnavailable)
	wantContains(t, r.Body, "The server cannot save right now, so nothing was saved. Your text is below",
		"Our board met on Tuesday &amp; agreed: &lt;oppose&gt;.")
	wantNotContains(t, r.Body, "Something went wrong")

	page := a.get("/consultations")
	wantStatus(t, page, http.StatusServiceUnavailable)
	wantContains(t, page.Body, "The server cannot show this right now")
}
