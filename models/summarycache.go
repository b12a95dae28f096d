package models

import (
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// VersionedCache keeps a bounded number of values, each computed at a
// summary version and served only at that version. Values are shared
// between requests: callers must treat them as read-only.
type VersionedCache[K comparable, V any] struct {
	entries *lru.Cache[K, versioned[V]]
	flight  singleflight.Group
}

type versioned[V any] struct {
	version int64
	value   V
}

// NewVersionedCache makes a cache of at most size values.
func NewVersionedCache[K comparable, V any](size int) *VersionedCache[K, V] {
	entries, err := lru.New[K, versioned[V]](size)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &VersionedCache[K, V]{entries: entries}
}

// Get returns the value for key computed at version, computing it once
// however many requests ask at the same moment. Errors are not cached.
func (c *VersionedCache[K, V]) Get(version int64, key K, compute func() (V, error)) (V, error) {
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
			c.entries.Add(key, versioned[V]{version, v})
		}
		return v, nil
	})
	return v.(V), err
}
