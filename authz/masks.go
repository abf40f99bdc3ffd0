package authz

import (
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
)

// Column mask administration (sluice's extension; authz/maskpolicy), one
// transaction per call. Unauthorized: the home's administrator only (the
// declarative setup and the admin CLI); a policy's CatalogId defaults to
// the home's account.

// CreateColumnMask creates a mask policy, type-checked against its column.
func (cp *ControlPlane) CreateColumnMask(p api.ColumnMaskPolicy) error {
	return cp.db.Update(func(tx *store.Tx) error { return maskpolicy.Create(tx, cp.cat, cp.account, p) })
}

// UpdateColumnMask replaces an existing mask policy.
func (cp *ControlPlane) UpdateColumnMask(p api.ColumnMaskPolicy) error {
	return cp.db.Update(func(tx *store.Tx) error { return maskpolicy.Update(tx, cp.cat, cp.account, p) })
}

// DeleteColumnMask deletes a mask policy of the home's catalog.
func (cp *ControlPlane) DeleteColumnMask(name string) error {
	return cp.db.Update(func(tx *store.Tx) error { return maskpolicy.Delete(tx, cp.account, name) })
}

// GetColumnMask returns a mask policy of the home's catalog.
func (cp *ControlPlane) GetColumnMask(name string) (*api.ColumnMaskPolicy, error) {
	var p *api.ColumnMaskPolicy
	err := cp.db.View(func(tx *store.Tx) (err error) { p, err = maskpolicy.Get(tx, cp.account, name); return })
	return p, err
}

// ListColumnMasks lists the home catalog's mask policies by name.
func (cp *ControlPlane) ListColumnMasks() ([]api.ColumnMaskPolicy, error) {
	var ps []api.ColumnMaskPolicy
	err := cp.db.View(func(tx *store.Tx) (err error) { ps, err = maskpolicy.List(tx, cp.account); return })
	return ps, err
}
