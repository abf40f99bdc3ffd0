package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

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

func TestLocalRemoveStaleTemp(t *testing.T) {
	ctx := context.Background()
	st, _ := NewLocal(t.TempDir())
	w, err := st.Create(ctx, "d/x.parquet")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "abandoned")
	// Simulate a crash: the writer is never committed or aborted; its file
	// handle is closed by process exit.
	w.(*localWriter).f.Close()
	put(t, st, "d/y.parquet", "kept")
	now := time.Now()
	if got, err := st.RemoveStaleTemp(ctx, time.Hour, now); err != nil || len(got) != 0 {
		t.Fatalf("young temp file removed: %v %v", got, err)
	}
	got, err := st.RemoveStaleTemp(ctx, time.Hour, now.Add(2*time.Hour))
	if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "d/.tmp-") {
		t.Fatalf("stale temp: %v %v", got, err)
	}
	if k := keys(t, st, ""); !reflect.DeepEqual(k, []string{"d/y.parquet"}) {
		t.Fatalf("after cleanup: %v", k)
	}
}

func TestLocalRefusesSpecialFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.parquet"), 0o644); err != nil {
		t.Skipf("cannot create a FIFO here: %v", err)
	}
	must(t, os.Symlink("pipe.parquet", filepath.Join(dir, "link.parquet")))
	st, _ := NewLocal(dir)
	done := make(chan error, 1)
	go func() {
		_, err := st.Open(ctx, "pipe.parquet")
		done <- err
	}()
	select {
	case err := <-done:
		if lferr.CodeOf(err) != lferr.InvalidInput {
			t.Fatalf("open FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO blocked")
	}
	if got := keys(t, st, ""); len(got) != 0 {
		t.Fatalf("special files listed: %v", got)
	}
}
