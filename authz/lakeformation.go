package authz

import (
	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/store"
)

// LakeFormation is what the facade reads from Lake Formation's permission
// model (authz/lf) inside the call's read transaction. It is an interface
// so the facade does not depend on the resolver's internals, and so a home
// opened without one (Options.LakeFormation nil) answers as a lake whose
// every resource is IAM-only (IAMAllowedPrincipals holding ALL).
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
	// RegistrationFor is the registered location containing location
	// (longest prefix), or nil when it is not registered.
	RegistrationFor(tx *store.Tx, catalogID, location string) (*api.ResourceInfo, error)
}

// iamOnly is the LakeFormation of a home without LF configured: fresh
// account settings (external filtering off), everything IAM-only, nothing
// registered.
type iamOnly struct{}

func (iamOnly) Settings(*store.Tx, string) (*api.DataLakeSettings, error) {
	return &api.DataLakeSettings{}, nil
}

func (iamOnly) TableAccess(*store.Tx, string, []string, string, string) (access.TableAccess, error) {
	return access.TableAccess{IAMOnly: true, Permissions: []string{"ALL"},
		Explain: []string{"no Lake Formation permission model is configured: every table is IAM-only"}}, nil
}

func (iamOnly) DatabasePermissions(*store.Tx, string, []string, string) ([]string, error) {
	return []string{"ALL"}, nil
}

func (iamOnly) RegistrationFor(*store.Tx, string, string) (*api.ResourceInfo, error) { return nil, nil }
