package storage

import (
	"context"
	"io"
	"time"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key     string // relative to the store's root, '/'-separated
	Size    int64
	ModTime time.Time
}

// Store is an object store rooted at a location URI (a table or partition
// location, a warehouse root, ...). Keys are '/'-separated and relative to
// the root; a key that would escape the root ("..", absolute paths, and for
// the local store symlinks leading outside) is refused with an error, so a
// store handed out for one table can never read another.
type Store interface {
	// Root is the URI the store is rooted at (for messages and EXPLAIN).
	Root() string
	// List returns every object whose key starts with prefix, recursively,
	// sorted by key. A missing prefix is an empty list, not an error.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Open opens an object for random-access reading.
	Open(ctx context.Context, key string) (File, error)
	// Create starts writing an object; it becomes visible atomically on
	// Commit and never if the writer is aborted.
	Create(ctx context.Context, key string) (Writer, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// File is an open object.
type File interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Writer writes a new object.
type Writer interface {
	io.Writer
	// Commit makes the object visible (atomically: readers see the old
	// state or the whole new object).
	Commit() error
	// Abort discards the object. Abort after Commit is a no-op.
	Abort() error
}
