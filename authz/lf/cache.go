package lf

import (
	"sync"
	"sync/atomic"
)

// VersionCache memoizes values computed inside a read transaction at one
// catalog version (store.Tx.Version). Every write transaction bumps the
// version, so a value is a pure function of (version, key): nothing is ever
// invalidated, a value computed at another version is simply never served
// (STYLE §3 item 3).
//
// The cache holds one generation: the newest version any caller has put.
// A Put at a newer version drops the older generation at once (its keys can
// never be hit again); a Put from a reader still on an older snapshot is
// ignored, and a Get at any version but the current generation's misses.
// Size is bounded by Max: when a generation fills up it is emptied and
// refilled, which keeps the hot set without per-entry LRU bookkeeping on the
// read path.
//
// It is safe for concurrent use. Values are shared between callers, so they
// must be treated as immutable once put.
type VersionCache[K comparable, V any] struct {
	// Max bounds the entries of a generation (DefaultCacheMax when 0).
	Max int

	mu      sync.RWMutex
	version uint64
	m       map[K]V

	hits, misses atomic.Uint64
}

// DefaultCacheMax bounds a VersionCache generation when Max is 0: enough
// for a busy engine's working set of (principal set, table) pairs.
const DefaultCacheMax = 16384

// Get returns the value put for key at version, if the cache holds it.
func (c *VersionCache[K, V]) Get(version uint64, key K) (V, bool) {
	c.mu.RLock()
	var v V
	ok := false
	if c.m != nil && c.version == version {
		v, ok = c.m[key]
	}
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

// Put records v as key's value at version. A put for a version older than
// the current generation is dropped: a reader on an old snapshot must not
// overwrite what newer readers see, and nobody will ask for that version
// again once a newer one exists.
func (c *VersionCache[K, V]) Put(version uint64, key K, v V) {
	limit := c.Max
	if limit <= 0 {
		limit = DefaultCacheMax
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.m == nil || version > c.version:
		c.version = version
		c.m = make(map[K]V, 64)
	case version < c.version:
		return
	case len(c.m) >= limit:
		c.m = make(map[K]V, limit/4)
	}
	c.m[key] = v
}

// CacheStats are a cache's lookups since it was made.
type CacheStats struct {
	Hits, Misses uint64
	// Version is the generation held; Len its entries.
	Version uint64
	Len     int
}

// Stats reports hits, misses and the generation held (tests, /debug).
func (c *VersionCache[K, V]) Stats() CacheStats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Version: c.version, Len: len(c.m)}
}
