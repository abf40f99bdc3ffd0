package storetest

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

// Run runs the suite; newStore must return a fresh, empty store each call.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	ctx := context.Background()
	mk := newStore
	t.Run("empty", func(t *testing.T) {
		st := mk(t)
		if got := Keys(t, st, ""); len(got) != 0 {
			t.Fatalf("new store lists %v", got)
		}
		if _, err := st.Open(ctx, "nope.parquet"); !errors.Is(err, fs.ErrNotExist) || lferr.CodeOf(err) != lferr.StorageError {
			t.Fatalf("open missing: %v", err)
		}
		if err := st.Delete(ctx, "nope"); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
	})
	t.Run("roundtrip-list-delete", func(t *testing.T) {
		st := mk(t)
		for _, k := range []string{"b.parquet", "a.parquet", "k=1/x.parquet", "k=2/y.parquet", "k=10/z.parquet",
			"_SUCCESS", ".a.parquet.crc", "k=1/_committed", "_temporary/0/part.parquet", "k=1/.hidden/q"} {
			Put(t, st, k, "data:"+k)
		}
		want := []string{"a.parquet", "b.parquet", "k=1/x.parquet", "k=10/z.parquet", "k=2/y.parquet"}
		if got := Keys(t, st, ""); !reflect.DeepEqual(got, want) {
			t.Fatalf("list: %v want %v", got, want)
		}
		for _, tc := range []struct {
			prefix string
			want   []string
		}{
			{"k=1/", []string{"k=1/x.parquet"}},
			{"k=1", []string{"k=1/x.parquet", "k=10/z.parquet"}},
			{"k=", []string{"k=1/x.parquet", "k=10/z.parquet", "k=2/y.parquet"}},
			{"missing/", []string{}},
			{"_temporary/", []string{"_temporary/0/part.parquet"}},
			{"a", []string{"a.parquet"}},
		} {
			if got := Keys(t, st, tc.prefix); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("list %q: %v want %v", tc.prefix, got, tc.want)
			}
		}
		if got := Get(t, st, "k=2/y.parquet"); got != "data:k=2/y.parquet" {
			t.Fatalf("read back %q", got)
		}
		objs, _ := st.List(ctx, "a")
		if objs[0].Size != int64(len("data:a.parquet")) || objs[0].ModTime.IsZero() {
			t.Fatalf("object info %+v", objs[0])
		}
		Put(t, st, "a.parquet", "v2") // overwrite replaces atomically
		if got := Get(t, st, "a.parquet"); got != "v2" {
			t.Fatalf("overwrite: %q", got)
		}
		if err := st.Delete(ctx, "a.parquet"); err != nil {
			t.Fatal(err)
		}
		if got := Keys(t, st, "a"); len(got) != 0 {
			t.Fatalf("after delete: %v", got)
		}
	})
	t.Run("abort-leaves-nothing", func(t *testing.T) {
		st := mk(t)
		w, err := st.Create(ctx, "d/part-1.parquet")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "partial")
		if got := Keys(t, st, ""); len(got) != 0 {
			t.Fatalf("uncommitted object visible: %v", got)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatalf("second abort: %v", err)
		}
		if err := w.Commit(); err == nil {
			t.Fatal("commit after abort succeeded")
		}
		if got := Keys(t, st, ""); len(got) != 0 {
			t.Fatalf("aborted object visible: %v", got)
		}
		if _, err := st.Open(ctx, "d/part-1.parquet"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("aborted object opens: %v", err)
		}
	})
	t.Run("bad-keys", func(t *testing.T) {
		st := mk(t)
		for _, tc := range []struct {
			key  string
			code lferr.Code
		}{
			{"../other/x", lferr.AccessDenied},
			{"a/../../x", lferr.AccessDenied},
			{"..", lferr.AccessDenied},
			{"/etc/passwd", lferr.AccessDenied},
			{"a\x00b", lferr.InvalidInput},
			{"a\\..\\b", lferr.InvalidInput},
			{"a//b", lferr.InvalidInput},
			{"./a", lferr.InvalidInput},
			{"", lferr.InvalidInput},
			{"dir/", lferr.InvalidInput},
		} {
			if _, err := st.Open(ctx, tc.key); lferr.CodeOf(err) != tc.code {
				t.Errorf("open %q: %v, want %s", tc.key, err, tc.code)
			}
			if _, err := st.Create(ctx, tc.key); lferr.CodeOf(err) != tc.code {
				t.Errorf("create %q: %v, want %s", tc.key, err, tc.code)
			}
			if err := st.Delete(ctx, tc.key); lferr.CodeOf(err) != tc.code {
				t.Errorf("delete %q: %v, want %s", tc.key, err, tc.code)
			}
		}
		for _, p := range []string{"../", "a/../..", "/abs", "x\x00"} {
			if _, err := st.List(ctx, p); err == nil {
				t.Errorf("list %q succeeded", p)
			}
		}
	})
}

// Put writes data under key and commits it.
func Put(t *testing.T, st storage.Store, key, data string) {
	t.Helper()
	w, err := st.Create(context.Background(), key)
	if err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("commit %s: %v", key, err)
	}
}

// Get reads back the whole object key.
func Get(t *testing.T, st storage.Store, key string) string {
	t.Helper()
	f, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Keys lists prefix and returns the keys (never nil).
func Keys(t *testing.T, st storage.Store, prefix string) []string {
	t.Helper()
	objs, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	out := []string{}
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}
