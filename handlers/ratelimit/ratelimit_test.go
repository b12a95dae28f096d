package ratelimit_test

import (
	"testing"
	"time"

	"github.com/nhsproviders/consultation-tracker/handlers/ratelimit"
)

func TestABucketEmptiesThenRefillsEvenlyOverAMinute(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r := ratelimit.New(60)
	for i := range 60 {
		if ok, _ := r.Take(7, now); !ok {
			t.Fatalf("take %d of a full bucket of 60 refused", i+1)
		}
	}
	if ok, wait := r.Take(7, now); ok || wait != time.Second {
		t.Errorf("the 61st take: ok %v, wait %v; want refused with a second to wait", ok, wait)
	}
	if ok, _ := r.Take(8, now); !ok {
		t.Error("another key's bucket is empty too")
	}
	if ok, _ := r.Take(7, now.Add(time.Second)); !ok {
		t.Error("a second later the bucket has no token back")
	}
	if ok, _ := ratelimit.New(0).Take(7, now); !ok {
		t.Error("no limit refused a take")
	}
}
