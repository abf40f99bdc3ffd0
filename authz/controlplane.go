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
	"github.com/sluicedb/sluice/authz/audit"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
	"github.com/sluicedb/sluice/storage/cred"
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
	// KeysDir holds the home's secret keys (0700): SealingKeyFile seals
	// STS session secrets and access-key secrets (AES-256-GCM);
	// VendingKeyFile signs vended local credentials (HMAC-SHA256). Both
	// are 32 random bytes, 0600, created on first open.
	KeysDir        = "keys"
	SealingKeyFile = "sealing.key"
	VendingKeyFile = "vending.key"
	// AuditFile is the audit log (JSON lines, authz/audit).
	AuditFile = audit.File
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
	// Rand is the source of QueryAuthorizationIds, STS ids and secrets,
	// and credential nonces (crypto/rand when nil). It need not be safe
	// for concurrent use: reads are serialized.
	Rand io.Reader
	// LakeFormation is the permission model the decisions read; nil is
	// the home's own (authz/lf over the home's database). Tests substitute
	// a hand-made model.
	LakeFormation LakeFormation
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
	lf        LakeFormation
	tags      *lftag.Service
	sealer    *iam.Sealer
	signer    *cred.Signer
	policies  *iam.PolicyCache
	filters   *FilterCache
	masks     *maskpolicy.CompileCache
	audit     *audit.Log
	// resolved caches decision inputs per catalog version (cache.go);
	// nil with a substituted LakeFormation model.
	resolved *resolveCache
	// sessions caches stored STS sessions per catalog version (caller.go).
	sessions *lf.VersionCache[string, sessionRec]
	// iamRecords caches decoded IAM roles, users and managed policies per
	// catalog version for authorization (cache.go).
	iamRecords *lf.VersionCache[iamKey, any]
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
		cp.rand = &lockedReader{r: cp.rand, mu: cp.randMu}
	}
	cp.lf = opts.LakeFormation
	if cp.lf == nil {
		cp.lf = lfModel{}
		// A few KiB per entry (the table, its access explained): 4096
		// entries bound the cache to tens of MiB.
		cp.resolved = &resolveCache{Max: 4096}
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
	// Creating a database or table records its creator and the default
	// IAM_ALLOWED_PRINCIPALS grant (lf); dropping one drops the grants,
	// filters, tag assignments and column masks that named it, in the
	// same transaction.
	cp.cat = catalog.New(db, catalog.Config{Now: cp.now, DatabaseLocation: cp.databaseLocation,
		OnCreate: []func(*store.Tx, catalog.Resource, string) error{lf.OnCreate},
		OnDelete: []func(*store.Tx, catalog.Resource) error{lf.OnDelete, maskpolicy.OnDelete}})
	cp.tags = lftag.New(db, cp.cat, lftag.Config{AccountID: cp.account,
		OnDeleteTag: []func(*store.Tx, string, string) error{lf.OnDeleteTag}, OnDeleteExpression: []func(*store.Tx, string, string) error{lf.OnDeleteExpression}})
	if err := cp.openSecrets(opts.NoSync); err != nil {
		_ = db.Close()
		return nil, err
	}
	// Expired STS sessions are dead weight (CallerForRole opens two per
	// call): drop them once per open rather than on a hot path.
	if err := db.Update(func(tx *store.Tx) error {
		_, err := sts.BoltStore{Tx: tx}.PurgeExpired(cp.now())
		return err
	}); err != nil {
		_ = cp.Close()
		return nil, err
	}
	return cp, nil
}

// openSecrets loads (creating on first use) the home's keys and opens the
// audit log. Keys are read with the database lock held, so two processes
// never race to create them.
func (cp *ControlPlane) openSecrets(noSync bool) error {
	keys := filepath.Join(cp.home, KeysDir)
	sk, err := cred.LoadOrCreateKey(filepath.Join(keys, SealingKeyFile), cp.rand)
	if err != nil {
		return err
	}
	if cp.sealer, err = iam.NewSealer(sk, cp.rand); err != nil {
		return err
	}
	vk, err := cred.LoadOrCreateKey(filepath.Join(keys, VendingKeyFile), cp.rand)
	if err != nil {
		return err
	}
	if cp.signer, err = cred.NewSigner(vk); err != nil {
		return err
	}
	cp.policies = iam.NewPolicyCache(4096)
	cp.sessions = &lf.VersionCache[string, sessionRec]{}
	cp.iamRecords = &lf.VersionCache[iamKey, any]{Max: 4096}
	cp.filters = &FilterCache{}
	cp.masks = &maskpolicy.CompileCache{}
	cp.audit, err = audit.Open(cp.home, noSync)
	return err
}

// lockedReader serializes a caller-supplied random source.
type lockedReader struct {
	r  io.Reader
	mu *sync.Mutex
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// Close closes the home and releases its lock.
func (cp *ControlPlane) Close() error {
	aerr := cp.audit.Close()
	if err := cp.db.Close(); err != nil {
		return err
	}
	return aerr
}

// Signer verifies (and mints) the home's vended local credentials: the
// storage guard of an engine reading with them (cred.Signer.Open).
func (cp *ControlPlane) Signer() *cred.Signer { return cp.signer }

// Sealer seals and opens the home's secrets (STS session secrets, IAM
// access-key secrets) under HOME/keys/sealing.key: what a SigV4 verifier
// serving this home needs.
func (cp *ControlPlane) Sealer() *iam.Sealer { return cp.sealer }

// AuditLog is the home's audit log.
func (cp *ControlPlane) AuditLog() *audit.Log { return cp.audit }

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

// LFTags is the LF-tag service (unauthorized: administration only), wired
// so that deleting a tag or a saved expression drops the grants using it.
func (cp *ControlPlane) LFTags() *lftag.Service { return cp.tags }

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
