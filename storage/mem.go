package storage

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Mem is an in-memory Store (tests, demos). Stores are named: every
// NewMem/Open of "mem://name/..." in the process reaches the same objects,
// so a table written through one handle is read through another.
type Mem struct {
	name string
	b    *memBucket
}

type memBucket struct {
	mu   sync.RWMutex
	objs map[string]memObject
}

type memObject struct {
	data []byte // immutable once committed
	mod  time.Time
}

var memRegistry = struct {
	sync.Mutex
	m map[string]*memBucket
}{m: make(map[string]*memBucket)}

// NewMem returns the in-memory store named name (created on first use).
func NewMem(name string) (*Mem, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return nil, lferr.New(lferr.InvalidInput, "invalid in-memory store name %q", name)
	}
	memRegistry.Lock()
	defer memRegistry.Unlock()
	b := memRegistry.m[name]
	if b == nil {
		b = &memBucket{objs: make(map[string]memObject)}
		memRegistry.m[name] = b
	}
	return &Mem{name: name, b: b}, nil
}

// DropMem forgets the in-memory store name and its objects (test cleanup).
func DropMem(name string) {
	memRegistry.Lock()
	delete(memRegistry.m, name)
	memRegistry.Unlock()
}

var _ Store = (*Mem)(nil)

// Root is "mem://name".
func (m *Mem) Root() string { return "mem://" + m.name }

// List returns the objects under prefix, sorted, skipping hidden ones.
func (m *Mem) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.b.mu.RLock()
	var out []ObjectInfo
	for k, o := range m.b.objs {
		if strings.HasPrefix(k, prefix) && visible(prefix, k) {
			out = append(out, ObjectInfo{Key: k, Size: int64(len(o.data)), ModTime: o.mod})
		}
	}
	m.b.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Open returns a reader over the committed bytes of key.
func (m *Mem) Open(ctx context.Context, key string) (File, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.b.mu.RLock()
	o, ok := m.b.objs[key]
	m.b.mu.RUnlock()
	if !ok {
		return nil, notFound(m.Root(), key)
	}
	return memFile{bytes.NewReader(o.data)}, nil
}

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// Create buffers the object and publishes it on Commit.
func (m *Mem) Create(ctx context.Context, key string) (Writer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &memWriter{m: m, key: key}, nil
}

type memWriter struct {
	m    *Mem
	key  string
	buf  bytes.Buffer
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, lferr.New(lferr.StorageError, "write to %q after commit or abort", w.key)
	}
	return w.buf.Write(p)
}

func (w *memWriter) Commit() error {
	if w.done {
		return lferr.New(lferr.StorageError, "commit of %q after commit or abort", w.key)
	}
	w.done = true
	w.m.b.mu.Lock()
	w.m.b.objs[w.key] = memObject{data: w.buf.Bytes(), mod: time.Now()}
	w.m.b.mu.Unlock()
	return nil
}

func (w *memWriter) Abort() error {
	w.done = true
	w.buf = bytes.Buffer{}
	return nil
}

// Delete removes key.
func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.b.mu.Lock()
	delete(m.b.objs, key)
	m.b.mu.Unlock()
	return nil
}
