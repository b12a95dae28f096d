// Package versioned keeps computed values labelled with the version of the
// data they were computed from, and serves one only at that version: the
// store and the handlers cache summaries this way, the version being the
// database's summary version (models/storage).
package versioned

import (
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Cache keeps a bounded number of values, each computed at a
// summary version and served only at that version. Values are shared
// between requests: callers must treat them as read-only.
type Cache[K comparable, V any] struct {
	entries *lru.Cache[K, entry[V]]
	flight  singleflight.Group
}

type entry[V any] struct {
	version int64
	value   V
}

// NewCache makes a cache of at most size values.
func NewCache[K comparable, V any](size int) *Cache[K, V] {
	entries, err := lru.New[K, entry[V]](size)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &Cache[K, V]{entries: entries}
}

// Get returns the value for key computed at version, computing it once
// however many requests ask at the same moment. Errors are not cached.
func (c *Cache[K, V]) Get(version int64, key K, compute func() (V, error)) (V, error) {
	if e, ok := c.entries.Get(key); ok && e.version == version {
		return e.value, nil
	}
	v, err, _ := c.flight.Do(fmt.Sprintf("%d %v", version, key), func() (any, error) {
		v, err := compute()
		if err != nil {
			return v, err
		}
		// Never replace a newer entry with an older one.
		if e, ok := c.entries.Peek(key); !ok || e.version <= version {
			c.entries.Add(key, entry[V]{version, v})
		}
		return v, nil
	})
	return v.(V), err
}
