package models_test

import (
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

func TestMembersNeverSeeDraftConsultations(t *testing.T) {
	for _, tc := range []struct {
		status models.ConsultationStatus
		role   models.Role
		want   bool
	}{
		{models.ConsultationDraft, models.RoleMember, false},
		{models.ConsultationDraft, models.RolePolicy, true},
		{models.ConsultationDraft, models.RoleAdmin, true},
		{models.ConsultationOpen, models.RoleMember, true},
		{models.ConsultationClosed, models.RoleMember, true},
	} {
		c := models.Consultation{Status: tc.status}
		if got := c.VisibleTo(models.User{Role: tc.role}); got != tc.want {
			t.Errorf("a %s consultation visible to a %s: %v, want %v", tc.status, tc.role, got, tc.want)
		}
	}
}

func TestEveryCodeOfAVocabularyIsValidAndLabelled(t *testing.T) {
	check := func(name string, valid, labelled bool) {
		t.Helper()
		if !valid || !labelled {
			t.Errorf("%s: valid %v, labelled %v", name, valid, labelled)
		}
	}
	for _, s := range models.Stances {
		check(string(s), s.Valid(), s.Label() != "")
	}
	for _, c := range models.Consents {
		check(string(c), c.Valid(), c.Label() != "")
	}
	for _, s := range models.ConsultationStatuses {
		check(string(s), s.Valid(), s.Label() != "")
	}
	for _, d := range models.PowerDirections {
		check(string(d), d.Valid(), d.Label() != "")
	}
	for _, r := range models.Roles {
		check(string(r), r.Valid(), r.Label() != "")
	}
	for _, s := range []models.ResponseStatus{models.StatusDraft, models.StatusSubmitted} {
		check(string(s), true, s.Label() != "")
	}
	for _, bad := range []string{"", "Support", "strongly support", "oppose "} {
		if models.Stance(bad).Valid() || models.Consent(bad).Valid() {
			t.Errorf("%q taken as a stance or consent", bad)
		}
	}
}

func TestOnlyAttributedAndAnonymisedConsentAllowQuoting(t *testing.T) {
	for c, want := range map[models.Consent]bool{
		models.ConsentAttributed: true, models.ConsentAnonymised: true, models.ConsentPrivate: false, "": false,
	} {
		if got := c.Quotable(); got != want {
			t.Errorf("%q quotable: %v, want %v", c, got, want)
		}
	}
}
