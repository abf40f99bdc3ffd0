package authz

import (
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// The full-table access path (AllowFullTableExternalDataAccess) lets a
// session without the engine tag read a table it may read whole. A masked
// table is never "whole": the path would hand raw credentials to a caller
// that need not enforce the mask (rules 1 and 5).
func TestFullTableAccessPathRefusesMaskedTables(t *testing.T) {
	cp := realLake(t)
	must(t, cp.Store().Update(func(tx *store.Tx) error {
		s, err := lf.GetSettings(tx, DefaultAccountID)
		if err != nil {
			return err
		}
		s.AllowFullTableExternalDataAccess = true
		return lf.PutSettings(tx, DefaultAccountID, s)
	}))
	grantLF(t, cp, api.Resource{Table: &api.TableResource{CatalogId: DefaultAccountID, DatabaseName: "sales", Name: "orders"}}, "SELECT")
	caller, err := cp.CallerForRole(bg, "analyst", nil) // no LakeFormationAuthorizedCaller tag
	must(t, err)
	cl := cp.ClientFor(caller)
	ask := func() error {
		_, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.SupportedPermissionTypes = []string{api.ColumnPermission, api.CellFilterPermission, api.ColumnMaskPermission}
		}))
		return err
	}
	must(t, ask()) // whole table, no mask: the full-table path applies
	must(t, cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "a-redact", DatabaseName: "sales", TableName: "orders", ColumnName: "a", MaskExpression: "redact"}))
	if err := ask(); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("masked table through the full-table path: %v, want AccessDeniedException", err)
	}
}
