package versioned

import (
	"errors"
	"testing"
)

func TestAValueIsServedOnlyAtTheVersionItWasComputedAt(t *testing.T) {
	c := NewCache[string, int](4)
	computed := 0
	get := func(version int64, fail bool) (int, error) {
		return c.Get(version, "LP-03", func() (int, error) {
			computed++
			if fail {
				return 0, errors.New("database gone")
			}
			return int(version) * 10, nil
		})
	}
	for _, step := range []struct {
		name      string
		version   int64
		fail      bool
		want      int
		computed  int
		wantError bool
	}{
		{"first read computes", 1, false, 10, 1, false},
		{"same version is served from the cache", 1, false, 10, 1, false},
		{"a newer version computes again", 2, false, 20, 2, false},
		{"an error is returned", 3, true, 0, 3, true},
		{"and not kept", 3, false, 30, 4, false},
		{"an older version computes without replacing the newer value", 1, false, 10, 5, false},
		{"the newer value is still served", 3, false, 30, 5, false},
	} {
		v, err := get(step.version, step.fail)
		if v != step.want || (err != nil) != step.wantError || computed != step.computed {
			t.Errorf("%s: got %d, %v after %d computations; want %d after %d", step.name, v, err, computed, step.want, step.computed)
		}
	}
}
