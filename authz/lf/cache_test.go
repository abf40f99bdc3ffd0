package lf

import (
	"sync"
	"testing"
)

func TestVersionCache(t *testing.T) {
	type op struct {
		put     bool
		version uint64
		key     string
		val     int
		wantOK  bool // for a get
		wantVal int
	}
	cases := []struct {
		name string
		max  int
		ops  []op
	}{
		{name: "empty misses", ops: []op{{version: 1, key: "a"}}},
		{name: "hit at the same version", ops: []op{{put: true, version: 3, key: "a", val: 7}, {version: 3, key: "a", wantOK: true, wantVal: 7}}},
		{name: "miss at a newer version", ops: []op{{put: true, version: 3, key: "a", val: 7}, {version: 4, key: "a"}}},
		{name: "miss at an older version", ops: []op{{put: true, version: 3, key: "a", val: 7}, {version: 2, key: "a"}}},
		{name: "newer put drops the old generation", ops: []op{
			{put: true, version: 3, key: "a", val: 7}, {put: true, version: 4, key: "b", val: 8},
			{version: 3, key: "a"}, {version: 4, key: "a"}, {version: 4, key: "b", wantOK: true, wantVal: 8}}},
		{name: "older put is ignored", ops: []op{
			{put: true, version: 4, key: "a", val: 8}, {put: true, version: 3, key: "a", val: 7},
			{version: 4, key: "a", wantOK: true, wantVal: 8}, {version: 3, key: "a"}}},
		{name: "bounded: a full generation is emptied", max: 2, ops: []op{
			{put: true, version: 1, key: "a", val: 1}, {put: true, version: 1, key: "b", val: 2}, {put: true, version: 1, key: "c", val: 3},
			{version: 1, key: "a"}, {version: 1, key: "c", wantOK: true, wantVal: 3}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &VersionCache[string, int]{Max: tc.max}
			for i, o := range tc.ops {
				if o.put {
					c.Put(o.version, o.key, o.val)
					continue
				}
				v, ok := c.Get(o.version, o.key)
				if ok != o.wantOK || v != o.wantVal {
					t.Fatalf("op %d: Get(%d, %q) = %d, %v; want %d, %v", i, o.version, o.key, v, ok, o.wantVal, o.wantOK)
				}
			}
			if s := c.Stats(); tc.max > 0 && s.Len > tc.max {
				t.Fatalf("%d entries, bound %d", s.Len, tc.max)
			}
		})
	}
}

// Readers and writers at interleaved versions never see a value put at a
// version other than the one they ask for (values encode their version).
func TestVersionCacheConcurrent(t *testing.T) {
	c := &VersionCache[int, uint64]{Max: 64}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				v := uint64(i / 50)
				if got, ok := c.Get(v, i%100); ok && got != v {
					t.Errorf("Get at version %d served a value of version %d", v, got)
					return
				}
				c.Put(v, i%100, v)
			}
		}()
	}
	wg.Wait()
}
