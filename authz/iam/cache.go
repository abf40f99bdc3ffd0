package iam

import "sync"

// PolicyCache memoizes parsed policies by (name, kind, document text), so
// a hot principal's policies are parsed once. A nil *PolicyCache parses
// every time. The cache is bounded: when full it is simply emptied (the
// documents are small and re-parsing is cheap; no LRU bookkeeping on the
// hot path).
type PolicyCache struct {
	mu  sync.Mutex
	m   map[cacheKey]*Policy
	max int
}

type cacheKey struct {
	name, doc string
	kind      PolicyKind
}

// NewPolicyCache returns a cache holding at most max policies.
func NewPolicyCache(max int) *PolicyCache {
	return &PolicyCache{m: make(map[cacheKey]*Policy), max: max}
}

// Parse returns the parsed policy, from the cache when possible, labelled
// with name.
func (c *PolicyCache) Parse(name, doc string, kind PolicyKind) (*Policy, error) {
	if c == nil {
		p, err := ParsePolicy(doc, kind)
		if err != nil {
			return nil, err
		}
		p.Name = name
		return p, nil
	}
	k := cacheKey{name, doc, kind}
	c.mu.Lock()
	p, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := ParsePolicy(doc, kind)
	if err != nil {
		return nil, err
	}
	p.Name = name
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = p
	c.mu.Unlock()
	return p, nil
}
