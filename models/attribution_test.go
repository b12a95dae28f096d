package models_test

import (
	"testing"

	"github.com/nhsproviders/consultation-tracker/models"
)

// Issue 12, defect 6: an anonymised quote never describes a group of fewer
// than three member organisations; it falls back to type alone, then
// region alone, then "a member trust".
func TestAnAnonymisedQuoteNeverDescribesFewerThanThreeMembers(t *testing.T) {
	for _, tc := range []struct {
		name          string
		counts        map[[2]string]int // (type, region) → members; "" means any
		want          string
		wantBroadened bool
	}{
		{"three acute trusts in London", map[[2]string]int{{"acute", "London"}: 3}, "An acute trust in London", false},
		{"alone in London, one of 5 acute", map[[2]string]int{{"acute", "London"}: 1, {"acute", ""}: 5}, "An acute trust", true},
		{"the only acute trust, one of 4 in London", map[[2]string]int{{"acute", "London"}: 1, {"acute", ""}: 1, {"", "London"}: 4}, "A trust in London", true},
		{"two of its type, two in its region", map[[2]string]int{{"acute", "London"}: 2, {"acute", ""}: 2, {"", "London"}: 2}, "A member trust", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			members := func(typ, region string) int { return tc.counts[[2]string{typ, region}] }
			got, broadened := models.AnonymousAttribution("acute", "London", members)
			if got != tc.want || broadened != tc.wantBroadened {
				t.Errorf("got %q (broadened %v), want %q (%v)", got, broadened, tc.want, tc.wantBroadened)
			}
		})
	}
	got, _ := models.AnonymousAttribution("ambulance", "South West", func(string, string) int { return 10 })
	if got != "An ambulance trust in the South West" {
		t.Errorf("a large group: %q", got)
	}
}
