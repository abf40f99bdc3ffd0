package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/sluicedb/sluice/authz/lferr"
)

// ErrInUse is returned (wrapped) by Open when another process holds the
// database's file lock.
var ErrInUse = errors.New("database is in use by another process")

// Stop, returned by a Scan callback, ends the scan early without error.
var Stop = errors.New("stop scan")

// MaxKeyLen is the longest key bbolt accepts.
const MaxKeyLen = bolt.MaxKeySize

// metaBucket holds the store's own records; no other subsystem may use it.
const metaBucket = "sluice.meta"

var versionKey = []byte("catalog_version")

// DefaultLockTimeout is how long Open waits for the file lock. Long enough to
// ride out a process that is just closing, short enough that a second
// `sluice shell` on the same home reports the problem at once.
const DefaultLockTimeout = time.Second

// Options configure Open.
type Options struct {
	// LockTimeout bounds the wait for the file lock (DefaultLockTimeout when 0).
	LockTimeout time.Duration
	// NoSync skips fsync on commit. Only for tests and benchmarks: a crash
	// may then lose committed transactions.
	NoSync bool
}

// DB is an open control-plane database. It is safe for concurrent use:
// bbolt runs one write transaction at a time and any number of readers.
type DB struct {
	bolt *bolt.DB
	path string
	// version caches the committed catalog version. The file lock makes this
	// process the only writer, so the copy can never go stale.
	version atomic.Uint64
}

// Open opens (creating if needed) the database file at path.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot create the directory of %s: %v", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoSync: opts.NoSync})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%s: %w", path, ErrInUse)
		}
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot open %s: %v", path, err)
	}
	db := &DB{bolt: b, path: path}
	err = b.Update(func(btx *bolt.Tx) error {
		_, err := btx.CreateBucketIfNotExists([]byte(metaBucket))
		return err
	})
	if err == nil {
		err = b.View(func(btx *bolt.Tx) error {
			v, err := readVersion(btx)
			db.version.Store(v)
			return err
		})
	}
	if err != nil {
		_ = b.Close()
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot initialize %s: %v", path, err)
	}
	return db, nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close releases the database and its file lock.
func (db *DB) Close() error { return db.bolt.Close() }

// Version is the last committed catalog version (0 for a fresh database).
func (db *DB) Version() uint64 { return db.version.Load() }

// Update runs fn in one write transaction. The transaction commits when fn
// returns nil and rolls back, leaving nothing behind (the version included),
// when it returns an error or panics. A transaction that wrote or deleted
// anything bumps the catalog version by one.
func (db *DB) Update(fn func(*Tx) error) error {
	var committed uint64
	var fnErr error
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		base, err := readVersion(btx)
		if err != nil {
			return err
		}
		tx := &Tx{btx: btx, writable: true, base: base}
		defer func() { tx.done = true }()
		if fnErr = run(fn, tx); fnErr != nil {
			return fnErr
		}
		if !tx.dirty {
			return nil
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], base+1)
		if err := btx.Bucket([]byte(metaBucket)).Put(versionKey, buf[:]); err != nil {
			return lferr.Wrap(lferr.InternalService, err, "cannot bump the catalog version: %v", err)
		}
		committed = base + 1
		return nil
	})
	if err != nil {
		if fnErr != nil && err == fnErr {
			// The caller's own error passes through untouched.
			return err
		}
		return asTyped(err)
	}
	if committed != 0 {
		db.version.Store(committed)
	}
	return nil
}

// View runs fn in a read-only transaction: a consistent snapshot of the
// whole database at one catalog version.
func (db *DB) View(fn func(*Tx) error) error {
	var fnErr error
	err := db.bolt.View(func(btx *bolt.Tx) error {
		base, err := readVersion(btx)
		if err != nil {
			return err
		}
		tx := &Tx{btx: btx, base: base}
		defer func() { tx.done = true }()
		fnErr = run(fn, tx)
		return fnErr
	})
	if err != nil && (fnErr == nil || err != fnErr) {
		return asTyped(err)
	}
	return err
}

// run calls fn, turning a panic into an InternalServiceException so that a
// bug in one API call rolls back its transaction and does not take the
// whole control plane down.
func run(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = lferr.AssertionFailedf("panic in transaction: %v", r)
		}
	}()
	return fn(tx)
}

// asTyped gives bbolt's own errors (disk full, closed database, failed
// commit) the InternalServiceException code; typed errors pass through.
func asTyped(err error) error {
	if err == nil || lferr.CodeOf(err) != "" {
		return err
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return lferr.Wrap(lferr.InternalService, err, "the control-plane database is closed")
	}
	return lferr.Wrap(lferr.InternalService, err, "control-plane database error: %v", err)
}

func readVersion(btx *bolt.Tx) (uint64, error) {
	b := btx.Bucket([]byte(metaBucket))
	if b == nil {
		return 0, nil
	}
	v := b.Get(versionKey)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, lferr.New(lferr.InternalService, "corrupt catalog version record (%d bytes)", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// Tx is one transaction. It is valid only inside the Update or View
// callback that received it; values it returns as []byte are valid only
// until the transaction ends.
type Tx struct {
	btx      *bolt.Tx
	writable bool
	dirty    bool
	done     bool
	base     uint64
}

// Writable reports whether tx is a write transaction.
func (tx *Tx) Writable() bool { return tx.writable }

// Version is the catalog version tx reads. In a write transaction that has
// already changed something it is the version the transaction will commit
// as, so records may stamp themselves with it.
func (tx *Tx) Version() uint64 {
	if tx.dirty {
		return tx.base + 1
	}
	return tx.base
}

func (tx *Tx) check(bucket string, write bool) error {
	if tx.done {
		return lferr.AssertionFailedf("store: transaction used after it ended")
	}
	if bucket == "" || bucket == metaBucket {
		return lferr.AssertionFailedf("store: invalid bucket name %q", bucket)
	}
	if write && !tx.writable {
		return lferr.AssertionFailedf("store: write to bucket %q in a read-only transaction", bucket)
	}
	return nil
}

func checkKey(key string) error {
	if key == "" {
		return lferr.AssertionFailedf("store: empty key")
	}
	if len(key) > MaxKeyLen {
		return lferr.New(lferr.InvalidInput, "identifier too long: the key is %d bytes, the limit is %d", len(key), MaxKeyLen)
	}
	return nil
}

// GetRaw returns the stored bytes of key, or nil. The slice is valid only
// until the transaction ends and must not be modified.
func (tx *Tx) GetRaw(bucket, key string) ([]byte, error) {
	if err := tx.check(bucket, false); err != nil {
		return nil, err
	}
	b := tx.btx.Bucket([]byte(bucket))
	if b == nil {
		return nil, nil
	}
	return b.Get([]byte(key)), nil
}

// Has reports whether key exists in bucket.
func (tx *Tx) Has(bucket, key string) (bool, error) {
	raw, err := tx.GetRaw(bucket, key)
	return raw != nil, err
}

// Get decodes the JSON record at key into v; found is false (and v
// untouched) when there is none.
func (tx *Tx) Get(bucket, key string, v any) (found bool, err error) {
	raw, err := tx.GetRaw(bucket, key)
	if err != nil || raw == nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, corrupt(bucket, key, err)
	}
	return true, nil
}

// Put stores v, encoded as JSON, at key, creating the bucket if needed.
func (tx *Tx) Put(bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return lferr.Wrap(lferr.InternalService, err, "cannot encode a %s record: %v", bucket, err)
	}
	return tx.PutRaw(bucket, key, raw)
}

// PutRaw stores raw bytes at key, creating the bucket if needed.
func (tx *Tx) PutRaw(bucket, key string, raw []byte) error {
	if err := tx.check(bucket, true); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	b, err := tx.btx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return lferr.Wrap(lferr.InternalService, err, "cannot create bucket %s: %v", bucket, err)
	}
	if err := b.Put([]byte(key), raw); err != nil {
		return lferr.Wrap(lferr.InternalService, err, "cannot write to bucket %s: %v", bucket, err)
	}
	tx.dirty = true
	return nil
}

// Delete removes key; existed reports whether it was there.
func (tx *Tx) Delete(bucket, key string) (existed bool, err error) {
	if err := tx.check(bucket, true); err != nil {
		return false, err
	}
	b := tx.btx.Bucket([]byte(bucket))
	if b == nil || b.Get([]byte(key)) == nil {
		return false, nil
	}
	if err := b.Delete([]byte(key)); err != nil {
		return true, lferr.Wrap(lferr.InternalService, err, "cannot delete from bucket %s: %v", bucket, err)
	}
	tx.dirty = true
	return true, nil
}

// DeletePrefix removes every key starting with prefix and returns how many.
func (tx *Tx) DeletePrefix(bucket, prefix string) (int, error) {
	if err := tx.check(bucket, true); err != nil {
		return 0, err
	}
	b := tx.btx.Bucket([]byte(bucket))
	if b == nil {
		return 0, nil
	}
	// Collect first: deleting under a live cursor skips keys in bbolt.
	var keys [][]byte
	c := b.Cursor()
	p := []byte(prefix)
	for k, _ := c.Seek(p); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, lferr.Wrap(lferr.InternalService, err, "cannot delete from bucket %s: %v", bucket, err)
		}
	}
	if len(keys) > 0 {
		tx.dirty = true
	}
	return len(keys), nil
}

// Scan calls fn for every key starting with prefix, in key order. raw is
// valid only during the call. fn may return Stop to end the scan early.
func (tx *Tx) Scan(bucket, prefix string, fn func(key string, raw []byte) error) error {
	return tx.ScanAfter(bucket, prefix, "", fn)
}

// ScanAfter is Scan starting strictly after the key after (which must start
// with prefix to have any effect); it is how callers page through a range.
func (tx *Tx) ScanAfter(bucket, prefix, after string, fn func(key string, raw []byte) error) error {
	if err := tx.check(bucket, false); err != nil {
		return err
	}
	b := tx.btx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	c := b.Cursor()
	var k, v []byte
	if after != "" && strings.HasPrefix(after, prefix) {
		k, v = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
	} else {
		k, v = c.Seek([]byte(prefix))
	}
	for ; k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(string(k), v); err != nil {
			if errors.Is(err, Stop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Count returns how many keys start with prefix.
func (tx *Tx) Count(bucket, prefix string) (int, error) {
	n := 0
	err := tx.Scan(bucket, prefix, func(string, []byte) error { n++; return nil })
	return n, err
}

// GetAs is Get returning the decoded value.
func GetAs[T any](tx *Tx, bucket, key string) (v T, found bool, err error) {
	found, err = tx.Get(bucket, key, &v)
	return v, found, err
}

// List decodes every record whose key starts with prefix, in key order.
func List[T any](tx *Tx, bucket, prefix string) ([]T, error) {
	var out []T
	err := tx.Scan(bucket, prefix, func(key string, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return corrupt(bucket, key, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// Sep separates the parts of a composite key. Glue and LF names cannot
// contain it (NameString starts at U+0020), so prefixes never collide:
// the tables of database "a" never list those of database "ab".
const Sep = "\x00"

// Key joins parts into a composite key.
func Key(parts ...string) string { return strings.Join(parts, Sep) }

// Prefix is the scan prefix of every key that extends parts.
func Prefix(parts ...string) string { return strings.Join(parts, Sep) + Sep }

func hasPrefix(k []byte, prefix string) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == prefix
}

func corrupt(bucket, key string, err error) error {
	return lferr.Wrap(lferr.InternalService, err, "corrupt record %q in bucket %s: %v", strings.ReplaceAll(key, Sep, "/"), bucket, err)
}
