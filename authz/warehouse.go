package authz

import (
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// RegisterWarehouse registers the home's warehouse with Lake Formation if
// it is not registered yet, so managed tables get vended credentials
// (VISION rule 11). It is the one administrative step an in-process engine
// takes when it opens a home; the engine contract has no RegisterResource.
func (cp *ControlPlane) RegisterWarehouse(now time.Time) error {
	loc := strings.TrimSuffix(cp.WarehouseURI(), "/")
	return cp.db.Update(func(tx *store.Tx) error {
		if _, found, err := lf.RegistrationFor(tx, loc); err != nil || found {
			return err
		}
		err := lf.RegisterResource(tx, lf.RegisterInput{ResourceArn: loc, UseServiceLinkedRole: true}, now)
		if lferr.CodeOf(err) == lferr.AlreadyExists {
			return nil
		}
		return err
	})
}
