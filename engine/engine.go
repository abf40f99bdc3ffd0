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
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage/cred"
)

// SupportedPermissionTypes is what this engine declares it can enforce.
// Rule 5: declaring a capability the engine cannot enforce would widen
// results, so this list grows only with the secure scan's abilities.
var SupportedPermissionTypes = []string{api.ColumnPermission, api.CellFilterPermission, api.ColumnMaskPermission}

// Options configure Open.
type Options struct {
	// Home is the lake's home directory (created if missing).
	Home string
	// Warehouse overrides the root URI new databases are placed under
	// (default file://HOME/warehouse). The sqllogictest runner uses an
	// in-memory warehouse ("mem://...").
	Warehouse string
	// AuthorizedCallerTag is the value of the LakeFormationAuthorizedCaller
	// session tag principal sessions carry (default "sluice"); the lake's
	// DataLakeSettings must list it in AuthorizedSessionTagValueList.
	AuthorizedCallerTag string
	// CredentialSeconds is the DurationSeconds asked for vended table
	// credentials (default 3600; LF accepts 900 to 43200).
	CredentialSeconds int32
	// Now is the clock shared by the control plane, the credential checks
	// and session refresh (time.Now when nil). Tests move it.
	Now func() time.Time
	// NoSync skips fsync in the control plane: tests only.
	NoSync bool
}

// DefaultAuthorizedCallerTag is the session tag value of sluice's engine
// sessions (VISION Defaults).
const DefaultAuthorizedCallerTag = "sluice"

// Engine is an open lake.
type Engine struct {
	home      string
	cp        *authz.ControlPlane
	alloc     memory.Allocator
	warehouse string // override of the default database location root, or ""
	tagValue  string
	credSecs  int32
	now       func() time.Time
	// signer verifies vended credentials on the data plane's side: the
	// local store is the "server" that shares the home's vending key, as
	// S3 shares secrets with STS. The engine never mints with it.
	signer *cred.Signer
	// remote is set by OpenRemote: the control plane is then reached over
	// the wire and cp is nil.
	remote *remoteLake

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
	if opts.CredentialSeconds != 0 && (opts.CredentialSeconds < 900 || opts.CredentialSeconds > 43200) {
		return nil, lferr.New(lferr.InvalidInput, "CredentialSeconds %d is out of range: vended credentials last 900 to 43200 seconds", opts.CredentialSeconds)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	cp, err := authz.Open(home, authz.Options{Now: opts.Now, NoSync: opts.NoSync})
	if err != nil {
		return nil, err
	}
	wh := opts.Warehouse
	if wh != "" && !strings.HasSuffix(wh, "/") {
		wh += "/"
	}
	e := &Engine{home: home, cp: cp, alloc: memory.DefaultAllocator, warehouse: wh, tagValue: opts.AuthorizedCallerTag,
		credSecs: opts.CredentialSeconds, now: now}
	if e.tagValue == "" {
		e.tagValue = DefaultAuthorizedCallerTag
	}
	if e.credSecs == 0 {
		e.credSecs = authz.DefaultCredentialSeconds
	}
	// authz.Open created the key under the home's lock; this only reads it.
	key, err := cred.LoadOrCreateKey(filepath.Join(home, authz.KeysDir, authz.VendingKeyFile), nil)
	if err == nil {
		e.signer, err = cred.NewSigner(key)
	}
	if err == nil {
		err = e.cp.RegisterWarehouse(e.now())
	}
	if err == nil {
		err = e.ensureDefaultDatabase(ctx)
	}
	if err != nil {
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
	if e.cp == nil {
		return nil
	}
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

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *Engine) String() string { return fmt.Sprintf("sluice engine at %s", e.home) }
