package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Local is a Store over a local directory.
//
// Every operation goes through an os.Root opened on the directory, which
// resolves each path component relative to the root and refuses any
// symlink leading outside it (or any absolute symlink) at the moment of
// access, so a symlink planted inside a table directory cannot reach another
// table, and a swap between check and use cannot either (no EvalSymlinks
// time-of-check/time-of-use gap).
//
// The directory need not exist: List of a missing root is empty, and Create
// makes it.
type Local struct {
	dir string // absolute, cleaned
	uri string
}

// NewLocal returns a store rooted at the absolute directory dir.
func NewLocal(dir string) (*Local, error) {
	if !filepath.IsAbs(dir) {
		return nil, lferr.New(lferr.InvalidInput, "local store root %q is not an absolute path", dir)
	}
	if strings.IndexByte(dir, 0) >= 0 {
		return nil, lferr.New(lferr.InvalidInput, "local store root contains a NUL byte")
	}
	d := filepath.Clean(dir)
	return &Local{dir: d, uri: "file://" + filepath.ToSlash(d)}, nil
}

var _ Store = (*Local)(nil)

// Root is the store's file:// URI.
func (l *Local) Root() string { return l.uri }

// Dir is the local directory the store is rooted at.
func (l *Local) Dir() string { return l.dir }

func (l *Local) openRoot() (*os.Root, error) {
	r, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// refused maps the error os.Root gives for an escaping path to AccessDenied.
func (l *Local) refused(key string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes from parent") {
		return &lferr.Error{Code: lferr.AccessDenied, Message: "object " + quote(key) + " in " + l.uri + " refused: a symbolic link leads outside the store root", Resource: key, Err: err}
	}
	return nil
}

// List walks the tree under prefix. Symbolic links are followed only when
// they stay inside the root; one leading outside fails the listing (a
// planted escape is an attack to report, not an object to skip).
// Directories reached through a symbolic link are not descended into.
func (l *Local) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	root, err := l.openRoot()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, ioErr("listing", l.uri, prefix, err)
	}
	defer root.Close()
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	var out []ObjectInfo
	err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll
			}
			if rerr := l.refused(p, err); rerr != nil {
				return rerr
			}
			return ioErr("listing", l.uri, p, err)
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if p == "." {
			return nil
		}
		key := p
		if d.IsDir() {
			// Descend into ancestors of the prefix's directory even when
			// hidden (the caller named them); below it, prune directories
			// that cannot match and hidden ones (_temporary/, .hive-staging/).
			if strings.HasPrefix(prefix, key+"/") {
				return nil
			}
			if !strings.HasPrefix(key+"/", prefix) || Hidden(path.Base(key)) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(key, prefix) || !visible(prefix, key) {
			return nil
		}
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			// Stat through the root: fails if the link escapes it.
			info, err = root.Stat(p)
			if err != nil {
				if rerr := l.refused(key, err); rerr != nil {
					return rerr
				}
				return ioErr("listing", l.uri, key, err)
			}
			if !info.Mode().IsRegular() {
				return nil // a link to a directory, FIFO or device is no object
			}
		} else {
			if !d.Type().IsRegular() {
				return nil
			}
			info, err = d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // deleted while listing
				}
				return ioErr("listing", l.uri, key, err)
			}
		}
		out = append(out, ObjectInfo{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil && !errors.Is(err, fs.SkipAll) {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Open opens key for reading.
func (l *Local) Open(ctx context.Context, key string) (File, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := l.openRoot()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notFound(l.uri, key)
		}
		return nil, ioErr("opening", l.uri, key, err)
	}
	defer root.Close()
	// O_NONBLOCK: opening a FIFO planted in a table directory must not
	// hang the query; it is refused below as not a regular file.
	f, err := root.OpenFile(key, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if rerr := l.refused(key, err); rerr != nil {
			return nil, rerr
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notFound(l.uri, key)
		}
		return nil, ioErr("opening", l.uri, key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, ioErr("opening", l.uri, key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, lferr.New(lferr.InvalidInput, "object %q in %s is not a regular file", key, l.uri)
	}
	return &localFile{File: f, size: st.Size()}, nil
}

type localFile struct {
	*os.File
	size int64
}

func (f *localFile) Size() int64 { return f.size }

// Create writes key atomically: data goes to a hidden temporary file in the
// target directory (".tmp-<random>-<name>", which List skips), and Commit
// fsyncs it, renames it over key and fsyncs the directory, so a crash leaves
// either the old state or the whole new object, never a partial one.
func (l *Local) Create(ctx context.Context, key string) (Writer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, ioErr("creating", l.uri, key, err)
	}
	root, err := l.openRoot()
	if err != nil {
		return nil, ioErr("creating", l.uri, key, err)
	}
	dir := path.Dir(key)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			root.Close()
			if rerr := l.refused(key, err); rerr != nil {
				return nil, rerr
			}
			return nil, ioErr("creating", l.uri, key, err)
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, ".tmp-"+hex.EncodeToString(rnd[:])+"-"+path.Base(key))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		root.Close()
		if rerr := l.refused(key, err); rerr != nil {
			return nil, rerr
		}
		return nil, ioErr("creating", l.uri, key, err)
	}
	return &localWriter{l: l, root: root, f: f, tmp: tmp, key: key}, nil
}

type localWriter struct {
	l    *Local
	root *os.Root
	f    *os.File
	tmp  string
	key  string

	mu   sync.Mutex
	err  error // sticky: the first write failure
	done bool
}

func (w *localWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, lferr.New(lferr.StorageError, "write to %q after commit or abort", w.key)
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = ioErr("writing", w.l.uri, w.key, err)
		return n, w.err
	}
	return n, nil
}

func (w *localWriter) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return lferr.New(lferr.StorageError, "commit of %q after commit or abort", w.key)
	}
	w.done = true
	defer w.root.Close()
	fail := func(err error) error {
		w.f.Close()
		_ = w.root.Remove(w.tmp)
		return err
	}
	if w.err != nil {
		return fail(w.err)
	}
	if err := w.f.Sync(); err != nil {
		return fail(ioErr("syncing", w.l.uri, w.key, err))
	}
	if err := w.f.Close(); err != nil {
		_ = w.root.Remove(w.tmp)
		return ioErr("closing", w.l.uri, w.key, err)
	}
	if err := w.root.Rename(w.tmp, w.key); err != nil {
		_ = w.root.Remove(w.tmp)
		if rerr := w.l.refused(w.key, err); rerr != nil {
			return rerr
		}
		return ioErr("committing", w.l.uri, w.key, err)
	}
	// Make the rename durable: fsync the directory holding the new entry.
	if d, err := w.root.Open(path.Dir(w.key)); err == nil {
		serr := d.Sync()
		d.Close()
		if serr != nil {
			return ioErr("syncing directory of", w.l.uri, w.key, serr)
		}
	}
	return nil
}

func (w *localWriter) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	w.done = true
	defer w.root.Close()
	w.f.Close()
	if err := w.root.Remove(w.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ioErr("aborting", w.l.uri, w.key, err)
	}
	return nil
}

// Delete removes key; a missing key is not an error. Directories are not
// objects and are refused.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := l.openRoot()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return ioErr("deleting", l.uri, key, err)
	}
	defer root.Close()
	st, err := root.Lstat(key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if rerr := l.refused(key, err); rerr != nil {
			return rerr
		}
		return ioErr("deleting", l.uri, key, err)
	}
	if st.IsDir() {
		return lferr.New(lferr.InvalidInput, "object %q in %s is a directory", key, l.uri)
	}
	if err := root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		if rerr := l.refused(key, err); rerr != nil {
			return rerr
		}
		return ioErr("deleting", l.uri, key, err)
	}
	return nil
}

// RemoveStaleTemp deletes temporary files (".tmp-*", from writers that were
// neither committed nor aborted, e.g. after a crash) older than age, and
// returns their keys. They are invisible to List either way; this only
// reclaims space.
func (l *Local) RemoveStaleTemp(ctx context.Context, age time.Duration, now time.Time) ([]string, error) {
	root, err := l.openRoot()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, ioErr("cleaning", l.uri, "", err)
	}
	defer root.Close()
	var removed []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable or escaping entries are not ours to clean
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasPrefix(path.Base(p), ".tmp-") {
			return nil
		}
		info, err := d.Info()
		if err != nil || now.Sub(info.ModTime()) < age {
			return nil
		}
		if err := root.Remove(p); err == nil {
			removed = append(removed, p)
		}
		return nil
	})
	return removed, err
}
