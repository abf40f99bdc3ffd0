package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/storetest"
)

// factories builds each store implementation (and scoped variants) fresh
// for one test, so one conformance suite covers all of them.
func factories(t *testing.T) map[string]func(t *testing.T) storage.Store {
	return map[string]func(t *testing.T) storage.Store{
		"local": func(t *testing.T) storage.Store {
			st, err := storage.Open(context.Background(), "file://"+t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"local-missing-root": func(t *testing.T) storage.Store {
			st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "not", "yet"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"mem": func(t *testing.T) storage.Store {
			name := strings.ReplaceAll(t.Name(), "/", "_")
			t.Cleanup(func() { storage.DropMem(name) })
			st, err := storage.Open(context.Background(), "mem://"+name)
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"mem-sub": func(t *testing.T) storage.Store {
			name := strings.ReplaceAll(t.Name(), "/", "_")
			t.Cleanup(func() { storage.DropMem(name) })
			st, err := storage.Open(context.Background(), "mem://"+name+"/db/table/")
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"local-sub-guarded": func(t *testing.T) storage.Store {
			st, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			s, err := storage.Sub(st, "wh/t1")
			if err != nil {
				t.Fatal(err)
			}
			return storage.WithGuard(s, storage.GuardFunc(func(context.Context, storage.Access) error { return nil }))
		},
	}
}

func TestStoreConformance(t *testing.T) {
	for name, mk := range factories(t) {
		t.Run(name, func(t *testing.T) { storetest.Run(t, mk) })
	}
}
