package storage

import (
	"context"
	"path"
	"strings"
	"testing"
)

// FuzzCheckKey: whatever CheckKey accepts is a clean, relative path that
// stays inside the root, and a Sub store can never be steered outside its
// prefix by it.
//
//	go test ./storage -run '^$' -fuzz FuzzCheckKey -fuzztime 30s
func FuzzCheckKey(f *testing.F) {
	for _, s := range []string{"a", "a/b.parquet", "../x", "a/../b", "/abs", "a//b", "./a", "a/", "a\x00", "k=%2F/..", "..a/b..", "a\\b", "…/x"} {
		f.Add(s)
	}
	m, _ := NewMem("fuzz")
	defer DropMem("fuzz")
	sub, _ := Sub(m, "t1")
	f.Fuzz(func(t *testing.T, key string) {
		if CheckKey(key) != nil {
			if _, err := sub.Open(context.Background(), key); err == nil {
				t.Fatalf("Sub opened rejected key %q", key)
			}
			return
		}
		if path.IsAbs(key) || path.Clean(key) != key || key == ".." || strings.HasPrefix(key, "../") {
			t.Fatalf("CheckKey accepted %q (clean %q)", key, path.Clean(key))
		}
		if !strings.HasPrefix(path.Join("t1", key), "t1/") {
			t.Fatalf("key %q escapes its prefix", key)
		}
	})
}
