package authz

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// A role session with CREATE_TABLE on a database must not create a table
// (or partition) over another table's files: credentials are vended for
// the location a table names, so that would read around the other table's
// policy. Overlapping locations need DATA_LOCATION_ACCESS.
func TestRoleSessionCannotPointATableAtAnotherTablesData(t *testing.T) {
	cp := realLake(t)
	const builderArn = "arn:aws:iam::111122223333:role/builder"
	now := time.Now()
	must(t, cp.Store().Update(func(tx *store.Tx) error {
		adm := &iam.Admin{Rand: cp.rand, Sealer: cp.sealer}
		recs := iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, now, iam.CreateRoleInput{Account: DefaultAccountID, RoleName: "builder", AssumeRolePolicyDocument: trustAccount}); err != nil {
			return err
		}
		if err := adm.PutRolePolicy(recs, DefaultAccountID, "builder", "p",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:*","lakeformation:GetDataAccess"],"Resource":"*"}]}`); err != nil {
			return err
		}
		return lf.GrantPermissions(tx, DefaultAccountID, trusted, lf.GrantInput{
			Principal:   &api.DataLakePrincipal{DataLakePrincipalIdentifier: builderArn},
			Resource:    &api.Resource{Database: &api.DatabaseResource{Name: "sales"}},
			Permissions: []string{"CREATE_TABLE"}}, now)
	}))
	caller, err := cp.CallerForRole(bg, "builder", tagged())
	must(t, err)
	cl := cp.ClientFor(caller)
	orders, err := cp.ClientFor(cp.Admin()).GetTable(bg, "sales", "orders")
	must(t, err)
	ordersLoc := orders.StorageDescriptor.Location

	cols := &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "string"}}}
	// Its own default location is fine.
	must(t, cl.CreateTable(bg, "sales", api.TableInput{Name: "mine", StorageDescriptor: cols}))

	plain := strings.TrimPrefix(ordersLoc, "file://") // the same place spelled as a bare path
	for _, loc := range []string{ordersLoc, ordersLoc + "year=2025/", ordersLoc[:len(ordersLoc)-len("orders/")],
		plain, strings.Replace(plain, "/sales.db/", "//sales.db/", 1), strings.Replace(plain, "/sales.db/", "/./sales.db/", 1),
		strings.TrimSuffix(ordersLoc, "/"), strings.Replace(ordersLoc, "/sales.db/", "/sales.db/./", 1),
		strings.Replace(ordersLoc, "/orders/", "//orders/", 1)} {
		sd := *cols
		sd.Location = loc
		err := cl.CreateTable(bg, "sales", api.TableInput{Name: "spy", StorageDescriptor: &sd})
		// Refused either by the location check (AccessDenied) or, for
		// non-canonical spellings, by the catalog's location validation.
		if c := lferr.CodeOf(err); c != lferr.AccessDenied && c != lferr.InvalidInput {
			t.Errorf("CreateTable over %s: %v, want AccessDeniedException or InvalidInputException", loc, err)
		}
		if _, err := cp.ClientFor(cp.Admin()).GetTable(bg, "sales", "spy"); lferr.CodeOf(err) != lferr.EntityNotFound {
			t.Errorf("refused CreateTable over %s left the table behind: %v", loc, err)
		}
	}
	// Moving its own table onto another's data is refused too.
	sd := *cols
	sd.Location = ordersLoc
	if err := cl.UpdateTable(bg, "sales", api.TableInput{Name: "mine", StorageDescriptor: &sd}); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("UpdateTable onto orders' location: %v, want AccessDeniedException", err)
	}
	// The administrator may (data lake administrators hold
	// DATA_LOCATION_ACCESS implicitly).
	sd.Location = ordersLoc
	must(t, cp.ClientFor(cp.Admin()).CreateTable(bg, "sales", api.TableInput{Name: "alias", StorageDescriptor: &sd}))
}
