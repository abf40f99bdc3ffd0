package authz

import (
	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/store"
)

// LakeFormation is what the facade reads from Lake Formation's permission
// model inside the call's read transaction. The home's own is lfModel
// (authz/lf); it is an interface so the decision's tests can supply a
// hand-made model, and so the facade depends on four questions, not on
// the resolver's internals.
type LakeFormation interface {
	// Settings are the catalog's DataLakeSettings (the defaults of a fresh
	// account when never set).
	Settings(tx *store.Tx, catalogID string) (*api.DataLakeSettings, error)
	// TableAccess resolves principals' effective access to one table.
	TableAccess(tx *store.Tx, catalogID string, principals []string, db, table string) (access.TableAccess, error)
	// DatabasePermissions are the principals' effective permissions on a
	// database (CREATE_TABLE, ALTER, DROP, DESCRIBE, ALL), or ["ALL"] when
	// IAMAllowedPrincipals holds ALL on it.
	DatabasePermissions(tx *store.Tx, catalogID string, principals []string, db string) ([]string, error)
	// CatalogPermissions are the principals' effective permissions on the
	// catalog (CREATE_DATABASE, ...), or ["ALL"] when IAM alone decides
	// who creates databases (IAMAllowedPrincipals holds CREATE_DATABASE).
	CatalogPermissions(tx *store.Tx, catalogID string, principals []string) ([]string, error)
	// RegistrationFor is the registered location containing location
	// (longest prefix), or nil when it is not registered.
	RegistrationFor(tx *store.Tx, catalogID, location string) (*api.ResourceInfo, error)
}
