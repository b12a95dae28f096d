package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// adminStore is a seeded store with an admin, two organisations and a small
// open consultation of three proposals.
type adminStore struct {
	*storage.Store
	admin      models.User
	alpha      models.Organisation
	beta       models.Organisation
	cons       models.Consultation
	proposals  []models.Proposal
	memberUser models.User
}

func newAdminStore(t *testing.T) *adminStore {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := openStore(t, filepath.Join(t.TempDir(), "admin.db"), now)
	t.Cleanup(func() { s.Close() })
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	a := &adminStore{Store: s}
	var err error
	a.admin, err = s.CreateUser(ctx, models.NewUser{Email: "admin@body.example", Name: "Ada", Role: models.RoleAdmin, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	a.alpha, err = s.CreateOrganisation(ctx, a.admin.ID, models.OrganisationInput{Code: "AAA", Name: "Alpha", Type: "acute",
		Region: "London", System: "NCL", SystemStatus: "ics", ContactName: "Ann", ContactEmail: "ann@alpha.example"})
	if err != nil {
		t.Fatal(err)
	}
	a.beta, err = s.CreateOrganisation(ctx, a.admin.ID, models.OrganisationInput{Code: "BBB", Name: "Beta", Type: "mental_health",
		Region: "Midlands", System: "BSOL", SystemStatus: "stp"})
	if err != nil {
		t.Fatal(err)
	}
	a.memberUser, err = s.CreateUser(ctx, models.NewUser{Email: "m@alpha.example", Role: models.RoleMember, OrganisationCode: "AAA", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	a.cons, err = s.CreateConsultation(ctx, a.admin.ID, models.ConsultationInput{Slug: "bill", Title: "Bill", Issuer: "DHSC", Status: "open",
		PublishedAt: now.AddDate(0, 0, -1), ClosesAt: now.AddDate(0, 1, 0), MemberDeadline: now.AddDate(0, 0, 20)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"B-1", "B-2", "B-3"} {
		p, err := s.CreateProposal(ctx, a.admin.ID, a.cons.ID, models.ProposalInput{Ref: ref, GroupTitle: "G", Title: ref,
			Summary: "s", Change: "c", PowerDirection: "neutral"})
		if err != nil {
			t.Fatal(err)
		}
		a.proposals = append(a.proposals, p)
	}
	return a
}

func (a *adminStore) order(t *testing.T) string {
	t.Helper()
	ps, err := a.Proposals(context.Background(), a.cons.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s@%d", p.Ref, p.Position))
	}
	return strings.Join(out, " ")
}

func TestProposalPositionsStayNumberedOneToN(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"created in order", func() error { return nil }, "B-1@1 B-2@2 B-3@3"},
		{"a new one at 2", func() error {
			_, err := a.CreateProposal(ctx, a.admin.ID, a.cons.ID, models.ProposalInput{Ref: "B-4", GroupTitle: "G", Title: "t",
				Summary: "s", Change: "c", PowerDirection: "mixed", Position: 2})
			return err
		}, "B-1@1 B-4@2 B-2@3 B-3@4"},
		{"a position past the end puts it last", func() error {
			_, err := a.UpdateProposal(ctx, a.admin.ID, a.proposals[0].ID, models.ProposalInput{Ref: "B-1", GroupTitle: "G",
				Title: "B-1", Summary: "s", Change: "c", PowerDirection: "neutral", Position: 99})
			return err
		}, "B-4@1 B-2@2 B-3@3 B-1@4"},
		{"moving the last down changes nothing", func() error { return a.MoveProposal(ctx, a.admin.ID, a.proposals[0].ID, 1) },
			"B-4@1 B-2@2 B-3@3 B-1@4"},
		{"moving up swaps with the one above", func() error { return a.MoveProposal(ctx, a.admin.ID, a.proposals[0].ID, -1) },
			"B-4@1 B-2@2 B-1@3 B-3@4"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := a.order(t); got != st.want {
			t.Errorf("%s: order %s, want %s", st.name, got, st.want)
		}
	}
}

func TestUniqueFieldsAreDuplicateErrorsAndLeaveNoAuditEntry(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	before, _ := a.AuditLog(ctx, models.AuditFilter{})
	cases := []struct {
		name  string
		field string
		do    func() error
	}{
		{"consultation slug", "slug", func() error {
			_, err := a.CreateConsultation(ctx, a.admin.ID, models.ConsultationInput{Slug: "lp-2019", Title: "x", Issuer: "x", Status: "draft"})
			return err
		}},
		{"proposal ref in another consultation", "ref", func() error {
			_, err := a.CreateProposal(ctx, a.admin.ID, a.cons.ID, models.ProposalInput{Ref: "LP-01", GroupTitle: "G", Title: "t",
				Summary: "s", Change: "c", PowerDirection: "neutral"})
			return err
		}},
		{"proposal ref on edit", "ref", func() error {
			_, err := a.UpdateProposal(ctx, a.admin.ID, a.proposals[1].ID, models.ProposalInput{Ref: "B-1", GroupTitle: "G", Title: "t",
				Summary: "s", Change: "c", PowerDirection: "neutral"})
			return err
		}},
		{"concern code", "code", func() error {
			_, err := a.CreateConcern(ctx, a.admin.ID, models.ConcernInput{Code: "timescale", Label: "x", Description: "x", Side: "local"})
			return err
		}},
		{"organisation code", "code", func() error {
			_, err := a.UpdateOrganisation(ctx, a.admin.ID, a.beta.ID, models.OrganisationInput{Code: "AAA", Name: "Beta", Type: "acute",
				Region: "London", System: "x", SystemStatus: "ics"})
			return err
		}},
		{"user email, any case", "email", func() error {
			_, _, err := a.InviteUser(ctx, a.admin.ID, models.NewInvite{Email: "M@Alpha.example", Name: "M", Role: models.RolePolicy})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var dup models.DuplicateError
			if !errors.As(err, &dup) || dup.Field != tc.field || !errors.Is(err, models.ErrDuplicate) {
				t.Errorf("err = %v, want a DuplicateError on %s", err, tc.field)
			}
		})
	}
	if after, _ := a.AuditLog(ctx, models.AuditFilter{}); len(after) != len(before) {
		t.Errorf("refused changes left %d audit entries", len(after)-len(before))
	}
	if got := a.order(t); got != "B-1@1 B-2@2 B-3@3" {
		t.Errorf("a refused edit moved proposals: %s", got)
	}
}

func TestUsedConcernCodeCannotChange(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	autonomy := -1
	if _, err := a.Save(ctx, models.SaveResponse{OrganisationID: a.alpha.ID, ProposalID: a.proposals[0].ID, UserID: a.memberUser.ID,
		Input: models.ResponseInput{Stance: "oppose", Autonomy: &autonomy, Concerns: []string{"timescale"}, Consent: "private"}, Submit: true}); err != nil {
		t.Fatal(err)
	}
	rows, err := a.ConcernRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]models.ConcernRow{}
	for _, r := range rows {
		byCode[r.Code] = r
	}
	ts := byCode["timescale"]
	if ts.MemberUses != 1 || !ts.InUse() || byCode["funding_and_capital"].InUse() {
		t.Fatalf("uses: timescale %+v, funding %+v", ts, byCode["funding_and_capital"])
	}
	_, err = a.UpdateConcern(ctx, a.admin.ID, ts.ID, models.ConcernInput{Code: "pace", Label: ts.Label, Description: ts.Description, Side: ts.Side})
	var inUse models.ConcernInUseError
	if !errors.As(err, &inUse) || inUse.Code != "timescale" || inUse.Uses != 1 {
		t.Fatalf("err = %v, want ConcernInUseError", err)
	}
	// Moving it to another side is allowed, and both sides it touches are
	// numbered 1..n (the seeds number the whole codebook in one run).
	if _, err := a.UpdateConcern(ctx, a.admin.ID, ts.ID, models.ConcernInput{Code: "timescale", Label: "Pace",
		Description: ts.Description, Side: "central", Position: 1}); err != nil {
		t.Fatal(err)
	}
	rows, _ = a.ConcernRows(ctx)
	next := map[string]int{}
	for _, r := range rows {
		if r.Side == "local" {
			continue
		}
		next[r.Side]++
		if r.Position != next[r.Side] {
			t.Errorf("%s is at %d on the %s side, want %d", r.Code, r.Position, r.Side, next[r.Side])
		}
		if r.Code == "timescale" && (r.Side != "central" || r.Position != 1 || r.Label != "Pace") {
			t.Errorf("timescale after the move: %+v", r)
		}
	}
	entries, _ := a.AuditLog(ctx, models.AuditFilter{Action: models.AuditAdminChange, Limit: 1})
	if want := "label “Timescale” → “Pace”; side “delivery” → “central”; position 1 → 1"; entries[0].Detail != want {
		t.Errorf("audit detail = %q, want %q", entries[0].Detail, want)
	}
}

func TestInviteIsUsedOnceEvenWhenTwoArriveTogether(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	u, token, err := a.InviteUser(ctx, a.admin.ID, models.NewInvite{Email: "new@alpha.example", Name: "New", Role: models.RoleMember, OrganisationID: a.alpha.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 {
		t.Errorf("token %q is not 32 bytes in unpadded base64url", token)
	}
	if n, _ := a.CountRows(ctx, "users"); n != 3 {
		t.Errorf("%d users", n)
	}
	if got, err := a.InvitedUser(ctx, token); err != nil || got.ID != u.ID {
		t.Fatalf("InvitedUser = %+v, %v", got, err)
	}
	if _, err := a.AcceptInvite(ctx, token, "too short"); !errors.As(err, new(credential.ErrWeakPassword)) {
		t.Errorf("weak password: err = %v", err)
	}
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = a.AcceptInvite(ctx, token, fmt.Sprintf("password number %d is long", i))
		}()
	}
	wg.Wait()
	ok, gone := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, models.ErrNotFound):
			gone++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 || gone != 1 {
		t.Errorf("%d succeeded and %d found the link used; want 1 and 1", ok, gone)
	}
	row, err := a.UserRowByID(ctx, u.ID)
	if err != nil || row.Status != models.UserActive || row.OrganisationCode != "AAA" {
		t.Errorf("user after accepting = %+v, %v", row, err)
	}
}

func TestInviteRoleAndOrganisationRules(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   models.NewInvite
		want error
	}{
		{"member without organisation", models.NewInvite{Email: "x@y.example", Name: "X", Role: models.RoleMember}, models.ErrRoleOrganisation},
		{"policy with organisation", models.NewInvite{Email: "x@y.example", Name: "X", Role: models.RolePolicy, OrganisationID: a.alpha.ID}, models.ErrRoleOrganisation},
		{"member of no such organisation", models.NewInvite{Email: "x@y.example", Name: "X", Role: models.RoleMember, OrganisationID: 9999}, models.ErrUnknownOrganisation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := a.InviteUser(ctx, a.admin.ID, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if n, _ := a.CountRows(ctx, "users"); n != 2 {
		t.Errorf("refused invites left %d users, want 2", n)
	}
}

func TestDisableEndsSessionsAndStopsSignIn(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	token, _, err := a.CreateSession(ctx, &a.memberUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser(ctx, a.admin.ID, a.admin.ID); !errors.Is(err, models.ErrOwnAccount) {
		t.Errorf("disabling oneself: err = %v", err)
	}
	if err := a.DisableUser(ctx, a.admin.ID, a.memberUser.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionByToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the session survived: %v", err)
	}
	if _, err := a.Authenticate(ctx, "m@alpha.example", "correct horse battery"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a disabled user signed in: %v", err)
	}
	row, _ := a.UserRowByID(ctx, a.memberUser.ID)
	if row.Status != models.UserDisabled || row.Sessions != 0 {
		t.Errorf("row = %+v", row)
	}
	if err := a.EnableUser(ctx, a.admin.ID, a.memberUser.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, "m@alpha.example", "correct horse battery"); err != nil {
		t.Errorf("a re-enabled user cannot sign in: %v", err)
	}
}

func TestNonRespondersAreComputedFromSubmittedResponses(t *testing.T) {
	a := newAdminStore(t)
	ctx := context.Background()
	autonomy := 0
	save := func(org models.Organisation, p models.Proposal, submit bool) {
		t.Helper()
		if _, err := a.Save(ctx, models.SaveResponse{OrganisationID: org.ID, ProposalID: p.ID, UserID: a.memberUser.ID,
			Input: models.ResponseInput{Stance: "neutral", Autonomy: &autonomy, Consent: "private"}, Submit: submit}); err != nil {
			t.Fatal(err)
		}
	}
	save(a.alpha, a.proposals[0], true)
	save(a.alpha, a.proposals[1], false) // a draft is not submitted
	save(a.beta, a.proposals[0], true)
	save(a.beta, a.proposals[1], true)
	save(a.beta, a.proposals[2], true)

	describe := func(rep models.NonResponseReport) string {
		var out []string
		for _, o := range rep.Outstanding {
			var refs []string
			for _, m := range o.Missing {
				if m.Draft {
					refs = append(refs, m.Ref+"*")
				} else {
					refs = append(refs, m.Ref)
				}
			}
			out = append(out, o.Code+":"+strings.Join(refs, ","))
		}
		return fmt.Sprintf("%d orgs, %d complete; %s", rep.Organisations, rep.Complete(), strings.Join(out, " "))
	}
	for _, tc := range []struct {
		filter models.Filter
		want   string
	}{
		{models.Filter{}, "2 orgs, 1 complete; AAA:B-2*,B-3"},
		{models.Filter{Region: "London"}, "1 orgs, 0 complete; AAA:B-2*,B-3"},
		{models.Filter{SystemStatus: "stp"}, "1 orgs, 1 complete; "},
		{models.Filter{Type: "community"}, "0 orgs, 0 complete; "},
	} {
		rep, err := a.NonResponders(ctx, a.cons.ID, tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(rep); got != tc.want {
			t.Errorf("filter %+v: %s, want %s", tc.filter, got, tc.want)
		}
	}
	if _, err := a.NonResponders(ctx, 99999, models.Filter{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown consultation: %v", err)
	}
}
