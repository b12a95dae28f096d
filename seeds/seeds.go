// Package seeds loads the reference data every install needs (the concern
// codebook and the seeded consultations) and, on request, demo organisations,
// accounts and responses. Loading is idempotent: rows are matched on their
// natural keys (slug, ref, code, email) and existing rows are never changed.
package seeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/credential"
	"github.com/nhsproviders/consultation-tracker/models/storage"
)

// LoadReference stores the codebook, consultations and proposals. Dates are
// set relative to now when a consultation is first stored, so the member
// window is open on a fresh install and stays as it was on later starts.
func LoadReference(ctx context.Context, store *storage.Store, now time.Time) error {
	for i, c := range Concerns {
		if _, err := store.EnsureConcern(ctx, models.Concern{Code: c.Code, Label: c.Label,
			Description: c.Description, Side: c.Side, Position: i + 1, CreatedAt: now}); err != nil {
			return fmt.Errorf("seed concern %s: %w", c.Code, err)
		}
	}
	day := func(t time.Time) time.Time { return t.Truncate(time.Hour) }
	for _, cs := range Consultations {
		cons, err := store.EnsureConsultation(ctx, models.Consultation{
			Slug: cs.Key, Title: cs.Title, Issuer: cs.Issuer, Background: cs.Background, Status: "open",
			PublishedAt:    day(now.Add(-cs.PublishedAgo)),
			ClosesAt:       day(now.Add(cs.ClosesIn)),
			MemberDeadline: day(now.Add(cs.MemberDeadlineIn)),
			CreatedAt:      now, UpdatedAt: now,
		})
		if err != nil {
			return fmt.Errorf("seed consultation %s: %w", cs.Key, err)
		}
		for i, p := range cs.Proposals {
			if _, err := store.EnsureProposal(ctx, models.Proposal{
				ConsultationID: cons.ID, Ref: p.Ref, GroupTitle: p.Group, Position: i + 1, Title: p.Title,
				Summary: p.Summary, Change: p.Change, PowerDirection: p.PowerDirection, CreatedAt: now, UpdatedAt: now,
			}); err != nil {
				return fmt.Errorf("seed proposal %s: %w", p.Ref, err)
			}
		}
	}
	return nil
}

// DemoAccount is a demo sign-in, with the password generated for it.
type DemoAccount struct {
	Email, Password string
	Role            models.Role
	Org             string
	RecoveryCodes   []string // policy and admin: one-time second factors
}

// demoAccounts are the demo sign-ins: the policy team, an admin, and members
// of three organisations (two colleagues at the first, to try concurrent edits).
var demoAccounts = []struct {
	Email, Name string
	Role        models.Role
	Org         string
}{
	{"admin@tracker.example", "Sam Admin", models.RoleAdmin, ""},
	{"policy@tracker.example", "Priya Policy", models.RolePolicy, ""},
	{"member@fleetbrook.example", "Amara Okafor", models.RoleMember, "FLB"},
	{"colleague@fleetbrook.example", "Jon Reyes", models.RoleMember, "FLB"},
	{"member@harwellvale.example", "Fiona Carraway", models.RoleMember, "HVH"},
}

// demoSeed makes the demo responses the same on every machine.
const demoSeed = 2019

// LoadDemo stores the demo organisations, accounts and responses. New
// accounts get generated passwords, appended to loginsFile (mode 0600) so the
// operator can read them again; it returns the accounts created this time.
func LoadDemo(ctx context.Context, store *storage.Store, now time.Time, loginsFile string) ([]DemoAccount, error) {
	orgs := map[string]models.Organisation{}
	for _, o := range DemoOrganisations {
		org, err := store.EnsureOrganisation(ctx, models.Organisation{Code: o.Code, Name: o.Name, Type: o.Type,
			Region: o.Region, System: o.System, SystemStatus: o.SystemStatus, ContactName: o.ContactName,
			ContactEmail: o.ContactEmail, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			return nil, fmt.Errorf("seed organisation %s: %w", o.Code, err)
		}
		orgs[o.Code] = org
	}
	var created []DemoAccount
	for _, a := range demoAccounts {
		if _, err := store.UserByEmail(ctx, a.Email); err == nil {
			continue
		} else if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		pw := credential.GeneratePassword()
		u, err := store.CreateUser(ctx, models.NewUser{Email: a.Email, Name: a.Name, Role: a.Role,
			OrganisationCode: a.Org, Password: pw})
		if err != nil {
			return nil, fmt.Errorf("seed user %s: %w", a.Email, err)
		}
		acct := DemoAccount{Email: a.Email, Password: pw, Role: a.Role, Org: a.Org}
		if models.NeedsSecondFactor(a.Role) {
			if _, acct.RecoveryCodes, err = store.EnrolTOTP(ctx, u); err != nil {
				return nil, fmt.Errorf("seed two-factor for %s: %w", a.Email, err)
			}
		}
		created = append(created, acct)
	}
	if len(created) > 0 && loginsFile != "" {
		if err := appendLogins(loginsFile, created); err != nil {
			return created, err
		}
	}
	if err := loadDemoResponses(ctx, store, now, orgs); err != nil {
		return created, err
	}
	return created, nil
}

func appendLogins(path string, accounts []DemoAccount) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write demo sign-ins: %w", err)
	}
	defer f.Close()
	return WriteLogins(f, accounts)
}

// WriteLogins prints demo sign-ins one per line.
func WriteLogins(w io.Writer, accounts []DemoAccount) error {
	for _, a := range accounts {
		org := ""
		if a.Org != "" {
			org = " (" + a.Org + ")"
		}
		if _, err := fmt.Fprintf(w, "%-30s %-28s %s%s\n", a.Email, a.Password, a.Role, org); err != nil {
			return err
		}
		if len(a.RecoveryCodes) > 0 {
			if _, err := fmt.Fprintf(w, "%-30s   two-factor: run 'go run -tags sqlite_fts5 . user code -email %s', or use a recovery code: %s\n",
				"", a.Email, strings.Join(a.RecoveryCodes, " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// memberOrgsLeftOpen are the demo members' own organisations: they get only
// a few demo answers, so that signing in as them leaves proposals to answer.
var memberOrgsLeftOpen = []string{"FLB", "HVH"}

func loadDemoResponses(ctx context.Context, store *storage.Store, now time.Time, orgs map[string]models.Organisation) error {
	rng := rand.New(rand.NewPCG(demoSeed, demoSeed))
	directions := map[string]models.PowerDirection{}
	consultationOf := map[string]string{}
	for _, cs := range Consultations {
		for _, p := range cs.Proposals {
			directions[p.Ref] = p.PowerDirection
			consultationOf[p.Ref] = cs.Key
		}
	}
	consents := []models.Consent{models.ConsentAttributed, models.ConsentAttributed, models.ConsentAnonymised, models.ConsentAnonymised, models.ConsentPrivate}
	for pi, dp := range DemoProposals {
		p, _, err := store.ProposalByRef(ctx, dp.Ref)
		if err != nil {
			return fmt.Errorf("demo answers for %s: %w", dp.Ref, err)
		}
		for _, o := range DemoOrganisations {
			// Draw every random number whether or not it is used, so that a
			// change to one organisation does not reshuffle the rest.
			skip, draft, pick, cons, ago := rng.Float64(), rng.Float64(), rng.IntN(1<<30), rng.IntN(len(consents)), rng.IntN(10*24*60)
			stance := drawStance(rng, dp.Mix, o, directions[dp.Ref])
			if slices.Contains(memberOrgsLeftOpen, o.Code) && (consultationOf[dp.Ref] != "lp-2019" || pi%3 != 0) {
				continue
			}
			if skip < 0.12 {
				continue // not every member answers every proposal
			}
			answer, ok := pickAnswer(dp.Answers, stance, o, pick)
			if !ok {
				continue
			}
			autonomy := answer.Autonomy
			err := store.SeedResponse(ctx, models.SaveResponse{
				OrganisationID: orgs[o.Code].ID, ProposalID: p.ID,
				Input: models.ResponseInput{Stance: answer.Stance, Autonomy: &autonomy, Concerns: answer.Concerns,
					Comment: answer.Comment, Amendments: answer.Amendments, Consent: consents[cons]},
				Submit: draft >= 0.07,
			}, now.Add(-time.Duration(ago+60)*time.Minute))
			if err != nil {
				return fmt.Errorf("demo answer %s/%s: %w", o.Code, dp.Ref, err)
			}
		}
	}
	return nil
}

// drawStance picks a stance from the proposal's mix, nudged by the kind of
// member: organisations already in an ICS lean towards proposals that hand
// systems more say, and mental health and community trusts are warier of
// central powers.
func drawStance(rng *rand.Rand, mix StanceMix, o OrganisationSeed, direction models.PowerDirection) models.Stance {
	w := make([]float64, len(mix))
	for i, v := range mix {
		w[i] = float64(v)
	}
	if o.SystemStatus == "ics" && (direction == "devolving" || direction == "mixed") {
		w[0], w[1] = w[0]*1.4, w[1]*1.2
	}
	if (o.Type == "mental_health" || o.Type == "community") && direction == "centralising" {
		w[3], w[4] = w[3]*1.3, w[4]*1.5
	}
	total := 0.0
	for _, v := range w {
		total += v
	}
	x := rng.Float64() * total
	for i, v := range w {
		if x < v {
			return models.Stances[i]
		}
		x -= v
	}
	return models.Stances[len(models.Stances)-1]
}

// pickAnswer chooses an answer with the stance that suits the organisation,
// preferring one written for its type or system status.
func pickAnswer(answers []DemoAnswer, stance models.Stance, o OrganisationSeed, pick int) (DemoAnswer, bool) {
	var specific, general []DemoAnswer
	for _, a := range answers {
		if a.Stance != stance {
			continue
		}
		if a.SystemStatus != "" && a.SystemStatus != o.SystemStatus {
			continue
		}
		if len(a.Types) > 0 && !slices.Contains(a.Types, o.Type) {
			continue
		}
		if a.SystemStatus != "" || len(a.Types) > 0 {
			specific = append(specific, a)
		} else {
			general = append(general, a)
		}
	}
	// Specific answers win half the time, so that general ones still appear.
	if len(specific) > 0 && (len(general) == 0 || pick%2 == 0) {
		return specific[pick%len(specific)], true
	}
	if len(general) > 0 {
		return general[pick%len(general)], true
	}
	return DemoAnswer{}, false
}
