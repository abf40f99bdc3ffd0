package authz

import (
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Defaults of a sluice home (VISION: Defaults).
const (
	DefaultAccountID = "111122223333"
	DefaultRegion    = "us-east-1"
)

// Layout of a sluice home.
const (
	CatalogFile  = "catalog.db"
	WarehouseDir = "warehouse"
)

// Options configure Open. The zero value gives the defaults.
type Options struct {
	// AccountID is the home's account: the default catalog and the account
	// of its principals (DefaultAccountID when empty).
	AccountID string
	// Region is the home's region (DefaultRegion when empty).
	Region string
	// LockTimeout bounds the wait for another process's lock on the home
	// (store.DefaultLockTimeout when 0).
	LockTimeout time.Duration
	// NoSync skips fsync on commit: tests and benchmarks only.
	NoSync bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand is the source of QueryAuthorizationIds (crypto/rand when nil).
	// It need not be safe for concurrent use: reads are serialized.
	Rand io.Reader
}

// ControlPlane is an open sluice home. It is safe for concurrent use.
type ControlPlane struct {
	home      string
	warehouse string
	account   string
	region    string
	now       func() time.Time
	rand      io.Reader
	randMu    *sync.Mutex // nil for crypto/rand, which is safe for concurrent use
	db        *store.DB
	cat       *catalog.Catalog
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Open opens the sluice home at home, creating its layout if needed. A
// home held by another process fails within LockTimeout with an error
// saying so (wrapping store.ErrInUse), rather than waiting.
func Open(home string, opts Options) (*ControlPlane, error) {
	if home == "" {
		return nil, lferr.New(lferr.InvalidInput, "The sluice home directory must not be empty.")
	}
	abs, err := filepath.Abs(home)
	if err != nil {
		return nil, lferr.Wrap(lferr.InvalidInput, err, "Cannot resolve the sluice home %s: %v", home, err)
	}
	cp := &ControlPlane{home: abs, warehouse: filepath.Join(abs, WarehouseDir), account: opts.AccountID, region: opts.Region, now: opts.Now, rand: opts.Rand}
	if cp.account == "" {
		cp.account = DefaultAccountID
	}
	if cp.region == "" {
		cp.region = DefaultRegion
	}
	if cp.now == nil {
		cp.now = time.Now
	}
	if cp.rand == nil {
		cp.rand = rand.Reader
	} else {
		cp.randMu = new(sync.Mutex)
	}
	if !accountRE.MatchString(cp.account) {
		return nil, lferr.New(lferr.InvalidInput, "Account id %q is not 12 digits.", cp.account)
	}
	if !regionRE.MatchString(cp.region) {
		return nil, lferr.New(lferr.InvalidInput, "Region %q is not a region name such as us-east-1.", cp.region)
	}
	if err := os.MkdirAll(cp.warehouse, 0o700); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "Cannot create the sluice home %s: %v", abs, err)
	}
	db, err := store.Open(filepath.Join(abs, CatalogFile), store.Options{LockTimeout: opts.LockTimeout, NoSync: opts.NoSync})
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return nil, lferr.Wrap(lferr.ResourceNotReady, err, "sluice home %s is in use by another process", abs)
		}
		return nil, err
	}
	cp.db = db
	cp.cat = catalog.New(db, catalog.Config{Now: cp.now, DatabaseLocation: cp.databaseLocation})
	return cp, nil
}

// Close closes the home and releases its lock.
func (cp *ControlPlane) Close() error { return cp.db.Close() }

// Home is the absolute path of the home directory.
func (cp *ControlPlane) Home() string { return cp.home }

// Warehouse is the absolute path of the local warehouse directory.
func (cp *ControlPlane) Warehouse() string { return cp.warehouse }

// AccountID is the home's account id, the default CatalogId.
func (cp *ControlPlane) AccountID() string { return cp.account }

// Region is the home's region.
func (cp *ControlPlane) Region() string { return cp.region }

// CatalogVersion is the committed control-plane version; any change to
// the catalog (or to any other control-plane record) increases it.
func (cp *ControlPlane) CatalogVersion() uint64 { return cp.db.Version() }

// Store is the control-plane database, for subsystems that keep their own
// buckets in it and join its transactions.
func (cp *ControlPlane) Store() *store.DB { return cp.db }

// Catalog is the Data Catalog, unauthorized: administration only. Engines
// use ClientFor.
func (cp *ControlPlane) Catalog() *catalog.Catalog { return cp.cat }

// WarehouseURI is the root of default locations: file://HOME/warehouse/.
// Locations are raw strings (as Glue's S3 locations are), not
// percent-encoded URIs; storage.Open reads them the same way.
func (cp *ControlPlane) WarehouseURI() string {
	return "file://" + filepath.ToSlash(cp.warehouse) + "/"
}

// databaseLocation is the default LocationUri of a new database:
// file://HOME/warehouse/<db>.db/ in the home's own catalog, and
// file://HOME/warehouse/<catalog>/<db>.db/ in any other, so that two
// catalogs' databases of the same name never share a directory.
func (cp *ControlPlane) databaseLocation(catalogID, database string) string {
	root := cp.WarehouseURI()
	if catalogID != cp.account {
		root += catalog.EscapePathName(catalogID) + "/"
	}
	return root + catalog.EscapePathName(database+".db") + "/"
}

// ClientFor returns the engine contract bound to caller. Every call is
// authorized for that caller; a caller the control plane cannot verify is
// refused with AccessDeniedException.
func (cp *ControlPlane) ClientFor(caller Caller) api.Client {
	return &client{cp: cp, caller: caller}
}
