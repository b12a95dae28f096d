package storage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nhsproviders/consultation-tracker/models"
	"github.com/nhsproviders/consultation-tracker/models/storage"
	"github.com/nhsproviders/consultation-tracker/models/testdb"
)

// TestThrottleKeysHoldNoEmailOrAddress: what the throttle stores about a
// failed sign-in names neither the account nor the address, and is short
// whatever was typed.
func TestThrottleKeysHoldNoEmailOrAddress(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "keys.db"), time.Now())
	defer s.Close()
	email := "someone." + strings.Repeat("long", 60) + "@trust.example"
	a, throttled, _, err := s.BeginLoginAttempt(ctx, email, "203.0.113.9")
	if err != nil || throttled {
		t.Fatalf("begin: throttled %v, %v", throttled, err)
	}
	if err := s.Failed(ctx, a); err != nil {
		t.Fatal(err)
	}
	keys, err := storage.StoredThrottleKeys(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("the failure was not stored")
	}
	for _, k := range keys {
		if strings.Contains(k, "someone") || strings.Contains(k, "trust.example") || strings.Contains(k, "203.0.113") || len(k) > 80 {
			t.Errorf("stored key %q names what was typed or is long", k)
		}
	}
}

// TestAnAddressOverItsLimitIsRefusedAndReported: failures spread over many
// accounts from one address are refused once the address reaches its limit,
// an alert is written once, and the address is let in again when they age.
func TestAnAddressOverItsLimitIsRefusedAndReported(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	clock := now
	s, err := storage.Open(ctx, storage.Options{Path: testdb.Path(t, filepath.Join(t.TempDir(), "address.db")), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const from = "192.0.2.77"
	for i := 0; i < models.MaxAddressFailures; i++ {
		a, throttled, _, err := s.BeginLoginAttempt(ctx, fmt.Sprintf("person%d@trust.example", i), from)
		if err != nil || throttled {
			t.Fatalf("failure %d: throttled %v, %v", i+1, throttled, err)
		}
		if err := s.Failed(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		_, throttled, wait, err := s.BeginLoginAttempt(ctx, "next.person@trust.example", from)
		if err != nil || !throttled || wait <= 0 || wait > models.AddressWindow {
			t.Fatalf("attempt over the limit: throttled %v, wait %v, %v", throttled, wait, err)
		}
	}
	if _, throttled, _, _ := s.BeginLoginAttempt(ctx, "next.person@trust.example", "192.0.2.78"); throttled {
		t.Error("another address was refused")
	}
	alerts, err := s.AuditLog(ctx, models.AuditFilter{Action: models.AuditSignInAttack})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Subject != from {
		t.Errorf("alerts %+v, want one naming the address", alerts)
	}
	clock = clock.Add(models.AddressWindow + time.Second)
	if _, throttled, _, err := s.BeginLoginAttempt(ctx, "next.person@trust.example", from); err != nil || throttled {
		t.Errorf("after the window: throttled %v, %v", throttled, err)
	}
}

// TestAuditSubjectsAndDetailsAreCapped: whatever is passed, an audit entry
// stays small.
func TestAuditSubjectsAndDetailsAreCapped(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "audit.db"), time.Now())
	defer s.Close()
	if err := s.Audit(ctx, 0, models.AuditSignInFailed, strings.Repeat("é", 100_000), strings.Repeat("d", 100_000)); err != nil {
		t.Fatal(err)
	}
	entries, err := s.AuditLog(ctx, models.AuditFilter{})
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	if n := utf8.RuneCountInString(entries[0].Subject); n > 255 {
		t.Errorf("subject kept %d characters, want at most 255", n)
	}
	if n := utf8.RuneCountInString(entries[0].Detail); n > 2001 {
		t.Errorf("detail kept %d characters, want at most 2001", n)
	}
}
