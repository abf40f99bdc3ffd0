package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

type rec struct {
	Name string
	N    int
}

func openT(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{NoSync: true, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func tempDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "catalog.db")
	return openT(t, path), path
}

func TestPutGetDeleteList(t *testing.T) {
	db, _ := tempDB(t)
	if db.Version() != 0 {
		t.Fatalf("fresh version = %d, want 0", db.Version())
	}
	err := db.Update(func(tx *Tx) error {
		for _, k := range []string{Key("c", "a", "t1"), Key("c", "a", "t2"), Key("c", "ab", "t1"), Key("d", "a", "t1")} {
			if err := tx.Put("things", k, rec{Name: k, N: len(k)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Version(); got != 1 {
		t.Fatalf("version after one write tx = %d, want 1", got)
	}
	err = db.View(func(tx *Tx) error {
		if tx.Version() != 1 {
			t.Errorf("tx.Version = %d, want 1", tx.Version())
		}
		got, err := List[rec](tx, "things", Prefix("c", "a"))
		if err != nil {
			return err
		}
		want := []rec{{Key("c", "a", "t1"), 6}, {Key("c", "a", "t2"), 6}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("List(c/a) = %v, want %v (the prefix must not match database ab)", got, want)
		}
		v, ok, err := GetAs[rec](tx, "things", Key("d", "a", "t1"))
		if err != nil || !ok || v.N != 6 {
			t.Errorf("GetAs = %v %v %v", v, ok, err)
		}
		if _, ok, _ := GetAs[rec](tx, "things", "missing"); ok {
			t.Error("missing key reported found")
		}
		if _, ok, _ := GetAs[rec](tx, "nobucket", "k"); ok {
			t.Error("missing bucket reported found")
		}
		n, err := tx.Count("things", Prefix("c"))
		if err != nil || n != 3 {
			t.Errorf("Count(c) = %d, %v; want 3", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		n, err := tx.DeletePrefix("things", Prefix("c"))
		if err != nil || n != 3 {
			t.Errorf("DeletePrefix = %d, %v; want 3", n, err)
		}
		ok, err := tx.Delete("things", Key("d", "a", "t1"))
		if err != nil || !ok {
			t.Errorf("Delete existing = %v, %v", ok, err)
		}
		ok, err = tx.Delete("things", "nope")
		if err != nil || ok {
			t.Errorf("Delete missing = %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if db.Version() != 2 {
		t.Fatalf("version = %d, want 2", db.Version())
	}
}

func TestVersionOnlyBumpsOnChange(t *testing.T) {
	db, _ := tempDB(t)
	// A write transaction that only reads changes nothing, so caches keyed
	// on the version stay valid.
	if err := db.Update(func(tx *Tx) error { _, err := tx.Has("b", "k"); return err }); err != nil {
		t.Fatal(err)
	}
	if db.Version() != 0 {
		t.Fatalf("read-only Update bumped the version to %d", db.Version())
	}
	// Deleting something absent is no change either.
	if err := db.Update(func(tx *Tx) error { _, err := tx.Delete("b", "k"); return err }); err != nil {
		t.Fatal(err)
	}
	if db.Version() != 0 {
		t.Fatalf("no-op delete bumped the version to %d", db.Version())
	}
	for i := 1; i <= 3; i++ {
		err := db.Update(func(tx *Tx) error {
			if tx.Version() != uint64(i-1) {
				t.Errorf("before write: tx.Version = %d, want %d", tx.Version(), i-1)
			}
			if err := tx.Put("b", "k", i); err != nil {
				return err
			}
			if tx.Version() != uint64(i) {
				t.Errorf("after write: tx.Version = %d, want %d", tx.Version(), i)
			}
			return tx.Put("b", "k2", i) // a second write in the same tx is the same version
		})
		if err != nil {
			t.Fatal(err)
		}
		if db.Version() != uint64(i) {
			t.Fatalf("version = %d, want %d", db.Version(), i)
		}
	}
}

func TestFailedUpdateLeavesNoTrace(t *testing.T) {
	boom := lferr.New(lferr.InvalidInput, "boom")
	cases := []struct {
		name string
		fn   func(*Tx) error
		code lferr.Code
	}{
		{"error after writes", func(tx *Tx) error {
			if err := tx.Put("b", "new", 1); err != nil {
				return err
			}
			if _, err := tx.Delete("b", "keep"); err != nil {
				return err
			}
			return boom
		}, lferr.InvalidInput},
		{"panic after writes", func(tx *Tx) error {
			if err := tx.Put("b", "new", 1); err != nil {
				return err
			}
			var m map[string]int
			m["x"] = 1 // nil map write: a bug must roll back, not crash the control plane
			return nil
		}, lferr.InternalService},
		{"key too long", func(tx *Tx) error {
			if err := tx.Put("b", "new", 1); err != nil {
				return err
			}
			return tx.Put("b", string(make([]byte, MaxKeyLen+1)), 1)
		}, lferr.InvalidInput},
		{"empty key", func(tx *Tx) error { return tx.Put("b", "", 1) }, lferr.InternalService},
		{"reserved bucket", func(tx *Tx) error { return tx.Put(metaBucket, "version", 1) }, lferr.InternalService},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, _ := tempDB(t)
			if err := db.Update(func(tx *Tx) error { return tx.Put("b", "keep", 7) }); err != nil {
				t.Fatal(err)
			}
			err := db.Update(c.fn)
			if lferr.CodeOf(err) != c.code {
				t.Fatalf("err = %v, want code %s", err, c.code)
			}
			if db.Version() != 1 {
				t.Errorf("version = %d after a failed Update, want 1", db.Version())
			}
			_ = db.View(func(tx *Tx) error {
				if tx.Version() != 1 {
					t.Errorf("stored version = %d, want 1", tx.Version())
				}
				if ok, _ := tx.Has("b", "new"); ok {
					t.Error("write of the failed transaction is visible")
				}
				if ok, _ := tx.Has("b", "keep"); !ok {
					t.Error("delete of the failed transaction is visible")
				}
				return nil
			})
		})
	}
}

func TestMisuse(t *testing.T) {
	db, _ := tempDB(t)
	err := db.View(func(tx *Tx) error { return tx.Put("b", "k", 1) })
	if lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("write in View: err = %v, want InternalServiceException", err)
	}
	var leaked *Tx
	_ = db.View(func(tx *Tx) error { leaked = tx; return nil })
	if _, err := leaked.GetRaw("b", "k"); lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("tx used after end: err = %v", err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.PutRaw("b", "bad", []byte("{not json")) }); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error { _, _, err := GetAs[rec](tx, "b", "bad"); return err })
	if lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("corrupt record: err = %v, want InternalServiceException", err)
	}
}

func TestScanAfterPages(t *testing.T) {
	db, _ := tempDB(t)
	keys := []string{Key("t", "a"), Key("t", "b"), Key("t", "c"), Key("t", "d"), Key("u", "a")}
	_ = db.Update(func(tx *Tx) error {
		for _, k := range keys {
			if err := tx.Put("b", k, k); err != nil {
				return err
			}
		}
		return nil
	})
	var pages [][]string
	after := ""
	for {
		var page []string
		err := db.View(func(tx *Tx) error {
			return tx.ScanAfter("b", Prefix("t"), after, func(k string, _ []byte) error {
				page = append(page, k)
				if len(page) == 2 {
					return Stop
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, page)
		after = page[len(page)-1]
	}
	want := [][]string{{keys[0], keys[1]}, {keys[2], keys[3]}}
	if !reflect.DeepEqual(pages, want) {
		t.Fatalf("pages = %q, want %q", pages, want)
	}
}

func TestReopenPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := db.Update(func(tx *Tx) error { return tx.Put("b", "k", i) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openT(t, path)
	if db.Version() != 3 {
		t.Errorf("version after reopen = %d, want 3", db.Version())
	}
	_ = db.View(func(tx *Tx) error {
		v, ok, err := GetAs[int](tx, "b", "k")
		if err != nil || !ok || v != 2 {
			t.Errorf("after reopen k = %v %v %v, want 2", v, ok, err)
		}
		return nil
	})
}

func TestSecondOpenFailsFast(t *testing.T) {
	_, path := tempDB(t)
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: err = %v, want ErrInUse", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v; it must fail fast", d)
	}
}

func TestErrorsPassThroughAndClosedDB(t *testing.T) {
	db, _ := tempDB(t)
	plain := errors.New("plain caller error")
	if err := db.Update(func(*Tx) error { return plain }); err != plain {
		t.Errorf("Update: caller error = %v, want it untouched", err)
	}
	if err := db.View(func(*Tx) error { return plain }); err != plain {
		t.Errorf("View: caller error = %v, want it untouched", err)
	}
	_ = db.Close()
	if err := db.View(func(*Tx) error { return nil }); lferr.CodeOf(err) != lferr.InternalService || !strings.Contains(err.Error(), "closed") {
		t.Errorf("View on a closed database: %v", err)
	}
	if err := db.Update(func(*Tx) error { return nil }); lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("Update on a closed database: %v", err)
	}
}
