package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/seeds"
)

// TestSignedInReadsTheSameUserAsUserByID: the middleware's one-query read
// of a session and its user gives exactly what the two separate reads give,
// and ends the session of a disabled user.
func TestSignedInReadsTheSameUserAsUserByID(t *testing.T) {
	// SignedIn names the users' columns itself; a new field must be added
	// there too (and then counted here).
	if n := reflect.TypeOf(models.User{}).NumField(); n != 10 {
		t.Fatalf("User has %d fields; SignedIn in models/session.go reads 10: add the new one there", n)
	}
	ctx := context.Background()
	now := time.Now()
	s := openStore(t, filepath.Join(t.TempDir(), "signedin.db"), now)
	defer s.Close()
	if err := seeds.LoadReference(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	org, err := s.EnsureOrganisation(ctx, models.Organisation{Code: "SIG", Name: "Signed In NHS Trust", Type: "acute",
		Region: "London", System: "North Central London", SystemStatus: "ics", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.CreateUser(ctx, models.NewUser{Email: "admin@signed.example", Name: "Ada", Role: models.RoleAdmin, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	member, err := s.CreateUser(ctx, models.NewUser{Email: "m@signed.example", Name: "Mo", Role: models.RoleMember,
		OrganisationCode: org.Code, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []models.User{admin, member} {
		token, sess, err := s.CreateSession(ctx, &u.ID)
		if err != nil {
			t.Fatal(err)
		}
		gotSess, got, err := s.SignedIn(ctx, token)
		if err != nil {
			t.Fatalf("%s: %v", u.Email, err)
		}
		want, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("%s: SignedIn gives %+v, UserByID %+v", u.Email, got, want)
		}
		if gotSess.TokenHash != sess.TokenHash || gotSess.CSRFToken != sess.CSRFToken {
			t.Errorf("%s: another session came back", u.Email)
		}
	}

	token, _, err := s.CreateSession(ctx, &member.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser(ctx, admin.ID, member.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SignedIn(ctx, token); !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrSessionUserGone) {
		t.Errorf("a disabled member's session: %v, want it ended", err)
	}
	if _, _, err := s.SignedIn(ctx, "not a token"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("an unknown token: %v, want not found", err)
	}
	anon, _, err := s.CreateSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, u, err := s.SignedIn(ctx, anon); err != nil || u != nil {
		t.Errorf("a signed-out visitor's session: user %v, %v; want a session without a user", u, err)
	}
}
