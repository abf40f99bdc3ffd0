package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// SupportedPermissionTypes is what this engine declares it can enforce.
// Rule 5: declaring a capability the engine cannot enforce would widen
// results, so this list grows only with the secure scan's abilities.
var SupportedPermissionTypes = []string{api.ColumnPermission}

// Options configure Open.
type Options struct {
	// Home is the lake's home directory (created if missing).
	Home string
	// Warehouse overrides the root URI new databases are placed under
	// (default file://HOME/warehouse). The sqllogictest runner uses an
	// in-memory warehouse ("mem://...").
	Warehouse string
}

// Engine is an open lake.
type Engine struct {
	home      string
	cp        *authz.ControlPlane
	alloc     memory.Allocator
	warehouse string // override of the default database location root, or ""

	mu         sync.Mutex
	closed     bool
	tableLocks map[string]*sync.Mutex
}

// lockTable serializes this process's writers of one table location, as
// the Parquet file protocols (compaction, copy-on-write) require.
func (e *Engine) lockTable(location string) (unlock func()) {
	e.mu.Lock()
	if e.tableLocks == nil {
		e.tableLocks = make(map[string]*sync.Mutex)
	}
	m := e.tableLocks[location]
	if m == nil {
		m = &sync.Mutex{}
		e.tableLocks[location] = m
	}
	e.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// Open opens (creating if needed) the lake at opts.Home.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Home == "" {
		return nil, lferr.New(lferr.InvalidInput, "no home directory given")
	}
	home, err := filepath.Abs(opts.Home)
	if err != nil {
		return nil, lferr.Wrap(lferr.InvalidInput, err, "invalid home %q: %v", opts.Home, err)
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, lferr.Wrap(lferr.StorageError, err, "cannot create home %s: %v", home, err)
	}
	cp, err := authz.Open(home, authz.Options{})
	if err != nil {
		return nil, err
	}
	wh := opts.Warehouse
	if wh != "" && !strings.HasSuffix(wh, "/") {
		wh += "/"
	}
	e := &Engine{home: home, cp: cp, alloc: memory.DefaultAllocator, warehouse: wh}
	if err := e.ensureDefaultDatabase(ctx); err != nil {
		cp.Close()
		return nil, err
	}
	return e, nil
}

// Home is the absolute home directory.
func (e *Engine) Home() string { return e.home }

// ControlPlane exposes the in-process control plane for administration
// commands (the CLI's apply/admin). The engine itself only uses api.Client.
func (e *Engine) ControlPlane() *authz.ControlPlane { return e.cp }

// Close closes the lake. Sessions must not be used afterwards.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.cp.Close()
}

func (e *Engine) ensureDefaultDatabase(ctx context.Context) error {
	c := e.cp.ClientFor(e.cp.Admin())
	if _, err := c.GetDatabase(ctx, "default"); err == nil {
		return nil
	} else if lferr.CodeOf(err) != lferr.EntityNotFound {
		return err
	}
	err := c.CreateDatabase(ctx, api.DatabaseInput{Name: "default", Description: "default database", LocationUri: e.databaseLocation("default")})
	if lferr.CodeOf(err) == lferr.AlreadyExists {
		return nil
	}
	return err
}

// NewSession starts a session. principal "" runs as the lake's data lake
// administrator (in-process only), so a newcomer can create and load tables.
func (e *Engine) NewSession(ctx context.Context, principal string) (*Session, error) {
	if principal != "" {
		return nil, lferr.New(lferr.Unsupported, "sessions as a principal (--as %s) are not available yet: this build runs as the data lake administrator only", principal)
	}
	return &Session{e: e, client: e.cp.ClientFor(e.cp.Admin()), database: "default", admin: true}, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *Engine) String() string { return fmt.Sprintf("sluice engine at %s", e.home) }
