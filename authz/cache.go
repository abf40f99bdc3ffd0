package authz

import (
	"maps"
	"slices"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/store"
)

// resolveKey names what one integration call reads from the store: the
// table as the caller spelled it and the caller's principal set. The
// catalog version is the cache's own key (lf.VersionCache), so an entry is
// a pure function of the snapshot it was read from.
type resolveKey struct {
	catalogID, db, table     string
	principal, role, account string
	admin                    bool
}

// resolvedEntry is a resolved call as read at one version. It is shared
// by every caller that hits it and never written after Put; tbl is cloned
// for each call because the decision consumes (and returns) the table.
type resolvedEntry struct {
	tbl      *api.Table
	settings *api.DataLakeSettings
	acc      access.TableAccess
	reg      *api.ResourceInfo
	masks    []MaskCandidate
}

// resolveCache is the control plane's decision-input cache; nil when a
// substituted LakeFormation model answers from outside the store, whose
// changes would not bump the version.
type resolveCache = lf.VersionCache[resolveKey, *resolvedEntry]

// readResolved fills r with the table, registration, settings, access and
// masks for the call, from the cache when this snapshot's version already
// resolved them for the same principals, else from the store. Caller
// validation depends on the session (tags), not only on the principals, so
// it runs on every call; errors are never cached.
func (c *client) readResolved(tx *store.Tx, catalogID, db, table string, r *resolved) error {
	cache := c.cp.resolved
	if tx.Writable() {
		// A write transaction's version is not yet committed: what it
		// reads must not be served to anyone else.
		cache = nil
	}
	key := resolveKey{catalogID: catalogID, db: db, table: table, principal: c.caller.Principal, role: c.caller.RoleArn(), account: c.caller.Account, admin: c.isAdmin()}
	if cache != nil {
		if e, ok := cache.Get(tx.Version(), key); ok {
			r.tbl, r.settings, r.acc, r.reg, r.masks = cloneTable(e.tbl), e.settings, e.acc, e.reg, e.masks
			if c.isAdmin() {
				return nil
			}
			return ValidateCaller(r.settings, c.caller.Account, c.sessionTags(), unrestricted(r))
		}
	}
	var err error
	if r.tbl, err = c.cp.cat.In(tx, "").GetTable(catalogID, db, table); err != nil {
		if !c.isAdmin() {
			return notVisible(err, db, table)
		}
		return err
	}
	if r.tbl.StorageDescriptor != nil && r.tbl.StorageDescriptor.Location != "" {
		if r.reg, err = c.cp.lf.RegistrationFor(tx, catalogID, r.tbl.StorageDescriptor.Location); err != nil {
			return err
		}
	}
	if c.isAdmin() {
		r.acc = access.TableAccess{Permissions: []string{"ALL"},
			Select:  []access.SelectGrant{{AllColumns: true, Source: "account administrator " + c.caller.Principal}},
			Explain: []string{"the account administrator (" + c.caller.Principal + ") has every permission on " + db + "." + table}}
	} else {
		if r.settings, err = c.cp.lf.Settings(tx, catalogID); err != nil {
			return err
		}
		if r.acc, err = c.tableAccess(tx, catalogID, r.tbl); err != nil {
			return err
		}
		// Masks first: a masked table is never "full access" (the
		// full-table path would hand out credentials to the raw data).
		if r.masks, err = c.cp.masksFor(tx, r.tbl); err != nil {
			return err
		}
		if err := ValidateCaller(r.settings, c.caller.Account, c.sessionTags(), unrestricted(r)); err != nil {
			return err
		}
	}
	if cache != nil {
		cache.Put(tx.Version(), key, &resolvedEntry{tbl: cloneTable(r.tbl), settings: r.settings, acc: r.acc, reg: r.reg, masks: r.masks})
	}
	return nil
}

// tableAccessFor is implemented by the home's own model: the resolver
// given the table the facade has just decoded, so the record is decoded
// once per call rather than twice.
type tableAccessFor interface {
	TableAccessFor(tx *store.Tx, catalogID string, principals []string, tbl *api.Table) (access.TableAccess, error)
}

func (c *client) tableAccess(tx *store.Tx, catalogID string, tbl *api.Table) (access.TableAccess, error) {
	if m, ok := c.cp.lf.(tableAccessFor); ok {
		return m.TableAccessFor(tx, catalogID, c.principals(), tbl)
	}
	return c.cp.lf.TableAccess(tx, catalogID, c.principals(), tbl.DatabaseName, tbl.Name)
}

// cloneTable deep-copies a table: the copy shares no slice, map or pointer
// with t, so the decision and the engine may change it freely.
func cloneTable(t *api.Table) *api.Table {
	if t == nil {
		return nil
	}
	out := *t
	out.CreateTime = cloneTime(t.CreateTime)
	out.UpdateTime = cloneTime(t.UpdateTime)
	out.Parameters = maps.Clone(t.Parameters)
	out.PartitionKeys = cloneColumns(t.PartitionKeys)
	if sd := t.StorageDescriptor; sd != nil {
		c := *sd
		c.Columns = cloneColumns(sd.Columns)
		c.Parameters = maps.Clone(sd.Parameters)
		if sd.SerdeInfo != nil {
			s := *sd.SerdeInfo
			s.Parameters = maps.Clone(sd.SerdeInfo.Parameters)
			c.SerdeInfo = &s
		}
		out.StorageDescriptor = &c
	}
	return &out
}

func cloneTime(t *api.Time) *api.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func cloneColumns(cs []api.Column) []api.Column {
	if cs == nil {
		return nil
	}
	out := slices.Clone(cs)
	for i := range out {
		out[i].Parameters = maps.Clone(cs[i].Parameters)
	}
	return out
}

// iamKey names one IAM record: kind is "role", "user" or "policy".
type iamKey struct{ kind, a, b string }

// cachedDirectory serves the IAM records an authorization reads from the
// per-version cache. It is used only for read transactions and only by
// authorize, which never changes a record it is given (the records are
// shared between calls). Errors (NoSuchEntity included) are not cached.
type cachedDirectory struct {
	iam.Directory
	version uint64
	cache   *lf.VersionCache[iamKey, any]
}

func cachedRecord[T any](d *cachedDirectory, k iamKey, read func() (*T, error)) (*T, error) {
	if v, ok := d.cache.Get(d.version, k); ok {
		if r, ok := v.(*T); ok {
			return r, nil
		}
	}
	r, err := read()
	if err != nil || r == nil {
		return r, err
	}
	d.cache.Put(d.version, k, r)
	return r, nil
}

func (d *cachedDirectory) Role(account, name string) (*iam.Role, error) {
	return cachedRecord(d, iamKey{"role", account, name}, func() (*iam.Role, error) { return d.Directory.Role(account, name) })
}

func (d *cachedDirectory) User(account, name string) (*iam.User, error) {
	return cachedRecord(d, iamKey{"user", account, name}, func() (*iam.User, error) { return d.Directory.User(account, name) })
}

func (d *cachedDirectory) ManagedPolicy(arn string) (*iam.ManagedPolicy, error) {
	return cachedRecord(d, iamKey{kind: "policy", a: arn}, func() (*iam.ManagedPolicy, error) { return d.Directory.ManagedPolicy(arn) })
}

// unrestricted is the full-table access path's condition (spec §3.3 step 4):
// whole table, all rows, all columns, and no mask on any of them.
func unrestricted(r *resolved) bool {
	return fullAccess(&r.acc) && len(r.masks) == 0
}
