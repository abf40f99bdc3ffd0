package authz

import (
	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/store"
)

// lfModel is the LakeFormation of a home: authz/lf's settings, resolver
// and registered locations, reading the home's own database.
type lfModel struct{}

var _ LakeFormation = lfModel{}

func (lfModel) Settings(tx *store.Tx, catalogID string) (*api.DataLakeSettings, error) {
	s, err := lf.GetSettings(tx, catalogID)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func (lfModel) TableAccess(tx *store.Tx, catalogID string, principals []string, db, table string) (access.TableAccess, error) {
	return lf.TableAccess(tx, catalogID, principals, db, table)
}

func (lfModel) TableAccessFor(tx *store.Tx, catalogID string, principals []string, tbl *api.Table) (access.TableAccess, error) {
	return lf.TableAccessFor(tx, catalogID, principals, tbl)
}

func (lfModel) DatabasePermissions(tx *store.Tx, catalogID string, principals []string, db string) ([]string, error) {
	a, err := lf.DatabaseAccessOf(tx, catalogID, principals, db)
	if err != nil {
		return nil, err
	}
	if a.IAMOnly {
		return []string{"ALL"}, nil
	}
	return a.Permissions, nil
}

func (lfModel) CatalogPermissions(tx *store.Tx, catalogID string, principals []string) ([]string, error) {
	a, err := lf.CatalogAccessOf(tx, catalogID, principals)
	if err != nil {
		return nil, err
	}
	if a.IAMAllowedCreateDatabase {
		return []string{"ALL"}, nil
	}
	return a.Permissions, nil
}

func (lfModel) RegistrationFor(tx *store.Tx, _ string, location string) (*api.ResourceInfo, error) {
	info, ok, err := lf.RegistrationFor(tx, location)
	if err != nil || !ok {
		return nil, err
	}
	return info, nil
}
