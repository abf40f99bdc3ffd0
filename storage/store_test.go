package storage

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// factories builds each store implementation (and scoped variants) fresh
// for one test, so one conformance suite covers all of them.
func factories(t *testing.T) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"local": func(t *testing.T) Store {
			st, err := Open(context.Background(), "file://"+t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"local-missing-root": func(t *testing.T) Store {
			st, err := Open(context.Background(), filepath.Join(t.TempDir(), "not", "yet"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"mem": func(t *testing.T) Store {
			name := strings.ReplaceAll(t.Name(), "/", "_")
			t.Cleanup(func() { DropMem(name) })
			st, err := Open(context.Background(), "mem://"+name)
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"mem-sub": func(t *testing.T) Store {
			name := strings.ReplaceAll(t.Name(), "/", "_")
			t.Cleanup(func() { DropMem(name) })
			st, err := Open(context.Background(), "mem://"+name+"/db/table/")
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"local-sub-guarded": func(t *testing.T) Store {
			st, err := NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			s, err := Sub(st, "wh/t1")
			if err != nil {
				t.Fatal(err)
			}
			return WithGuard(s, GuardFunc(func(context.Context, Access) error { return nil }))
		},
	}
}

func put(t *testing.T, st Store, key, data string) {
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

func get(t *testing.T, st Store, key string) string {
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

func keys(t *testing.T, st Store, prefix string) []string {
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

func TestStoreConformance(t *testing.T) {
	ctx := context.Background()
	for name, mk := range factories(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("empty", func(t *testing.T) {
				st := mk(t)
				if got := keys(t, st, ""); len(got) != 0 {
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
					put(t, st, k, "data:"+k)
				}
				want := []string{"a.parquet", "b.parquet", "k=1/x.parquet", "k=10/z.parquet", "k=2/y.parquet"}
				if got := keys(t, st, ""); !reflect.DeepEqual(got, want) {
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
					if got := keys(t, st, tc.prefix); !reflect.DeepEqual(got, tc.want) {
						t.Errorf("list %q: %v want %v", tc.prefix, got, tc.want)
					}
				}
				if got := get(t, st, "k=2/y.parquet"); got != "data:k=2/y.parquet" {
					t.Fatalf("read back %q", got)
				}
				objs, _ := st.List(ctx, "a")
				if objs[0].Size != int64(len("data:a.parquet")) || objs[0].ModTime.IsZero() {
					t.Fatalf("object info %+v", objs[0])
				}
				put(t, st, "a.parquet", "v2") // overwrite replaces atomically
				if got := get(t, st, "a.parquet"); got != "v2" {
					t.Fatalf("overwrite: %q", got)
				}
				if err := st.Delete(ctx, "a.parquet"); err != nil {
					t.Fatal(err)
				}
				if got := keys(t, st, "a"); len(got) != 0 {
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
				if got := keys(t, st, ""); len(got) != 0 {
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
				if got := keys(t, st, ""); len(got) != 0 {
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
		})
	}
}

func TestLocalSymlinks(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	root := filepath.Join(base, "table")
	other := filepath.Join(base, "other")
	for _, d := range []string{root, other, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(filepath.Join(other, "secret.parquet"), []byte("secret"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "sub", "real.parquet"), []byte("real"), 0o644))
	must(t, os.Symlink("../other/secret.parquet", filepath.Join(root, "rel-escape.parquet")))
	must(t, os.Symlink(filepath.Join(other, "secret.parquet"), filepath.Join(root, "abs-escape.parquet")))
	must(t, os.Symlink("../other", filepath.Join(root, "dirlink")))
	must(t, os.Symlink("sub/real.parquet", filepath.Join(root, "inside.parquet")))

	st, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rel-escape.parquet", "abs-escape.parquet", "dirlink/secret.parquet"} {
		f, err := st.Open(ctx, k)
		if err == nil {
			f.Close()
			t.Fatalf("open %s through an escaping symlink succeeded", k)
		}
		if lferr.CodeOf(err) != lferr.AccessDenied {
			t.Errorf("open %s: %v", k, err)
		}
		if _, err := st.Create(ctx, k); err == nil && k == "dirlink/secret.parquet" {
			t.Errorf("create through escaping dir symlink succeeded")
		}
	}
	if _, err := st.List(ctx, "dirlink/"); err == nil {
		t.Errorf("listing through an escaping dir symlink succeeded")
	}
	// A symlink that stays inside the root is an ordinary object.
	if got := get(t, st, "inside.parquet"); got != "real" {
		t.Fatalf("inside symlink read %q", got)
	}
	// Listing the whole root meets the escaping links and refuses.
	if _, err := st.List(ctx, ""); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("list with escaping symlinks: %v", err)
	}
	// The secret was not modified by the create attempts.
	b, _ := os.ReadFile(filepath.Join(other, "secret.parquet"))
	if string(b) != "secret" {
		t.Fatalf("secret changed: %q", b)
	}
}

func TestLocalAtomicCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, _ := NewLocal(dir)
	w, err := st.Create(ctx, "p/x.parquet")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "hello")
	// The temp file exists on disk, hidden; the target does not.
	ents, _ := os.ReadDir(filepath.Join(dir, "p"))
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), ".tmp-") {
		t.Fatalf("temp file layout: %v", ents)
	}
	if got := keys(t, st, ""); len(got) != 0 {
		t.Fatalf("temp file listed: %v", got)
	}
	// A failing write (simulated by closing the file under the writer, as a
	// full disk would fail it) makes Commit fail and leaves nothing behind.
	lw := w.(*localWriter)
	lw.f.Close()
	if _, err := io.WriteString(w, "more"); lferr.CodeOf(err) != lferr.StorageError || !strings.Contains(err.Error(), "p/x.parquet") {
		t.Fatalf("write error %v does not name the object", err)
	}
	if err := w.Commit(); err == nil {
		t.Fatal("commit after write failure succeeded")
	}
	ents, _ = os.ReadDir(filepath.Join(dir, "p"))
	if len(ents) != 0 {
		t.Fatalf("failed write left %v", ents)
	}
}

func TestOpenURIs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		uri  string
		code lferr.Code
		root string
	}{
		{dir, "", "file://" + dir},
		{"file://" + dir, "", "file://" + dir},
		{"file://localhost" + dir, "", "file://" + dir},
		{"mem://bucket", "", "mem://bucket"},
		{"mem://bucket/db/t/", "", "mem://bucket/db/t"},
		{"s3://bucket/key", lferr.Unsupported, ""},
		{"gs://bucket/key", lferr.InvalidInput, ""},
		{"relative/path", lferr.InvalidInput, ""},
		{"file://relative", lferr.InvalidInput, ""},
		{"", lferr.InvalidInput, ""},
		{"/wh/t/../other", lferr.AccessDenied, ""},
		{"mem://bucket/../x", lferr.AccessDenied, ""},
		{"mem://", lferr.InvalidInput, ""},
	} {
		st, err := Open(ctx, tc.uri)
		if lferr.CodeOf(err) != tc.code {
			t.Errorf("Open(%q): %v, want code %q", tc.uri, err, tc.code)
			continue
		}
		if err == nil && st.Root() != tc.root {
			t.Errorf("Open(%q).Root() = %q want %q", tc.uri, st.Root(), tc.root)
		}
	}
	DropMem("bucket")
	// The same mem URI reaches the same data.
	a, _ := Open(ctx, "mem://shared/t")
	b, _ := Open(ctx, "mem://shared/")
	defer DropMem("shared")
	put(t, a, "f.parquet", "x")
	if got := get(t, b, "t/f.parquet"); got != "x" {
		t.Fatalf("shared mem store read %q", got)
	}
}

func TestGuard(t *testing.T) {
	ctx := context.Background()
	m, _ := NewMem("guard")
	defer DropMem("guard")
	put(t, m, "wh/t1/a.parquet", "a")
	put(t, m, "wh/t2/b.parquet", "b")
	var seen []string
	// A guard standing in for a vended credential scoped to mem://guard/wh/t1,
	// read-only.
	g := GuardFunc(func(_ context.Context, a Access) error {
		seen = append(seen, a.Op.String()+" "+a.URI())
		if !strings.HasPrefix(a.URI()+"/", "mem://guard/wh/t1/") {
			return lferr.New(lferr.AccessDenied, "credential does not cover %s", a.URI())
		}
		if a.Op != OpRead && a.Op != OpList {
			return errors.New("read-only credential")
		}
		return nil
	})
	t1, _ := Sub(m, "wh/t1")
	st := WithGuard(t1, g)
	if got := keys(t, st, ""); !reflect.DeepEqual(got, []string{"a.parquet"}) {
		t.Fatalf("guarded list: %v", got)
	}
	if got := get(t, st, "a.parquet"); got != "a" {
		t.Fatal(got)
	}
	if _, err := st.Create(ctx, "new.parquet"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("write with read-only guard: %v", err)
	}
	if err := st.Delete(ctx, "a.parquet"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("delete with read-only guard: %v", err)
	}
	// The same guard on the warehouse root refuses the other table.
	wide := WithGuard(m, g)
	if _, err := wide.Open(ctx, "wh/t2/b.parquet"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("open outside credential scope: %v", err)
	}
	if _, err := wide.Open(ctx, "wh/t1/a.parquet"); err != nil {
		t.Fatalf("open inside scope via root: %v", err)
	}
	// ".." never reaches the guard: it is refused first.
	n := len(seen)
	if _, err := st.Open(ctx, "../t2/b.parquet"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("escape: %v", err)
	}
	if len(seen) != n {
		t.Fatalf("guard consulted with an invalid key: %v", seen[n:])
	}
	want := []string{"list mem://guard/wh/t1", "read mem://guard/wh/t1/a.parquet", "write mem://guard/wh/t1/new.parquet",
		"delete mem://guard/wh/t1/a.parquet", "read mem://guard/wh/t2/b.parquet", "read mem://guard/wh/t1/a.parquet"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("guard saw %q\nwant %q", seen, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
