package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

var trusted = lf.Caller{Trusted: true}

// realLake is a home with the real permission model: tables are under LF
// (no IAM_ALLOWED_PRINCIPALS defaults), engines authorized, the warehouse
// registered, and the analyst role.
func realLake(t *testing.T) *ControlPlane {
	t.Helper()
	cp, err := Open(t.TempDir(), Options{NoSync: true})
	must(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	now := time.Now()
	must(t, cp.Store().Update(func(tx *store.Tx) error {
		if err := lf.PutSettings(tx, DefaultAccountID, api.DataLakeSettings{AllowExternalDataFiltering: true,
			ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: DefaultAccountID}},
			AuthorizedSessionTagValueList:  []string{engineTag}}); err != nil {
			return err
		}
		if err := lf.RegisterResource(tx, lf.RegisterInput{ResourceArn: strings.TrimSuffix(cp.WarehouseURI(), "/"), UseServiceLinkedRole: true}, now); err != nil {
			return err
		}
		adm := &iam.Admin{Rand: cp.rand, Sealer: cp.sealer}
		recs := iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, now, iam.CreateRoleInput{Account: DefaultAccountID, RoleName: "analyst", AssumeRolePolicyDocument: trustAccount}); err != nil {
			return err
		}
		return adm.PutRolePolicy(recs, DefaultAccountID, "analyst", "p", analystPolicy)
	}))
	admin := cp.ClientFor(cp.Admin())
	must(t, admin.CreateDatabase(bg, api.DatabaseInput{Name: "sales"}))
	must(t, admin.CreateTable(bg, "sales", api.TableInput{Name: "orders",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "string"}, {Name: "b", Type: "int"},
			{Name: "c", Type: "int"}, {Name: "country", Type: "string"}}},
		PartitionKeys: []api.Column{{Name: "year", Type: "int"}}}))
	return cp
}

func grantLF(t *testing.T, cp *ControlPlane, res api.Resource, perms ...string) {
	t.Helper()
	must(t, cp.Store().Update(func(tx *store.Tx) error {
		return lf.GrantPermissions(tx, DefaultAccountID, trusted, lf.GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analystArn}, Resource: &res, Permissions: perms}, time.Now())
	}))
}

func filterLF(t *testing.T, cp *ControlPlane, g access.SelectGrant) {
	t.Helper()
	f := api.DataCellsFilter{TableCatalogId: DefaultAccountID, DatabaseName: "sales", TableName: "orders", Name: g.FilterName}
	if g.RowFilter == "" {
		f.RowFilter = &api.RowFilter{AllRowsWildcard: &struct{}{}}
	} else {
		f.RowFilter = &api.RowFilter{FilterExpression: g.RowFilter}
	}
	if g.AllColumns {
		f.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: g.Excluded}
	} else {
		f.ColumnNames = g.Columns
	}
	must(t, cp.Store().Update(func(tx *store.Tx) error { return lf.CreateDataCellsFilter(tx, DefaultAccountID, trusted, f) }))
	grantLF(t, cp, api.Resource{DataCellsFilter: &api.DataCellsFilterResource{TableCatalogId: DefaultAccountID, DatabaseName: "sales",
		TableName: "orders", Name: g.FilterName}}, "SELECT")
}

// TestRealLFMultiFilterCombination builds data cells filters and a column
// grant with authz/lf's APIs, asks GetUnfilteredTableMetadata as the
// role's session, and checks RowFilter and CellFilters row by row and cell
// by cell against the naive §6.3 model of the same grants.
func TestRealLFMultiFilterCombination(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	restricted := 0
	for trial := 0; trial < 12; trial++ {
		cp := realLake(t)
		var gs []access.SelectGrant
		for i := 0; i < 2+r.IntN(3); i++ {
			g := randGrant(r, i)
			// LF refuses column lists and exclusions naming partition keys.
			notYear := func(c string) bool { return c == "year" }
			g.Columns = slices.DeleteFunc(g.Columns, notYear)
			g.Excluded = slices.DeleteFunc(g.Excluded, notYear)
			if !g.AllColumns && len(g.Columns) == 0 {
				g.Columns = []string{"a"}
			}
			// LF refuses a filter whose wildcard excludes every column.
			if g.AllColumns && len(g.Excluded) == len(randCols)-1 {
				g.Excluded = g.Excluded[1:]
			}
			filterLF(t, cp, g)
			gs = append(gs, g)
		}
		col := randCols[r.IntN(len(randCols)-1)] // not the partition key
		grantLF(t, cp, api.Resource{TableWithColumns: &api.TableWithColumnsResource{CatalogId: DefaultAccountID, DatabaseName: "sales",
			Name: "orders", ColumnNames: []string{col}}}, "SELECT")
		gs = append(gs, access.SelectGrant{Columns: []string{col}})

		caller, err := cp.CallerForRole(bg, "analyst", tagged())
		must(t, err)
		out, err := cp.ClientFor(caller).GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.SupportedPermissionTypes = []string{api.CellFilterPermission}
		}))
		must(t, err)
		var wantCols []string
		for _, c := range randCols {
			for _, g := range gs {
				if covers(g, c) {
					wantCols = append(wantCols, c)
					break
				}
			}
		}
		if !slices.Equal(out.AuthorizedColumns, wantCols) {
			t.Fatalf("trial %d: AuthorizedColumns %v, want %v", trial, out.AuthorizedColumns, wantCols)
		}
		cellExpr := map[string]string{}
		for _, f := range out.CellFilters {
			cellExpr[f.ColumnName] = f.RowFilterExpression
		}
		if len(out.CellFilters) > 0 {
			restricted++
		}
		for k := 0; k < 200; k++ {
			row := randRow(r)
			naiveRow := false
			for _, g := range gs {
				if holds(t, g.RowFilter, row) {
					naiveRow = true
				}
			}
			if holds(t, out.RowFilter, row) != naiveRow {
				t.Fatalf("trial %d: RowFilter %q disagrees on %v", trial, out.RowFilter, row)
			}
			for _, c := range out.AuthorizedColumns {
				naive := false
				for _, g := range gs {
					naive = naive || (covers(g, c) && holds(t, g.RowFilter, row))
				}
				got := len(out.CellFilters) == 0 || holds(t, cellExpr[c], row)
				if got != naive {
					t.Fatalf("trial %d: cell %s %q gives %v on %v, naive %v", trial, c, cellExpr[c], got, row, naive)
				}
			}
		}
	}
	if restricted < 8 {
		t.Fatalf("weak test: only %d of 12 trials had cell filters", restricted)
	}
}

func TestRealLFDecisions(t *testing.T) {
	cp := realLake(t)
	caller, err := cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	cl := cp.ClientFor(caller)
	// Nothing granted: the same answers as for tables that do not exist.
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.orders")
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "nope"))
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.nope")
	_, err1 := cl.GetPartitions(bg, "sales", "orders", "")
	_, err2 := cl.GetPartitions(bg, "sales", "nope", "")
	if err1 == nil || err2 == nil || strings.ReplaceAll(err1.Error(), "orders", "X") != strings.ReplaceAll(err2.Error(), "nope", "X") {
		t.Errorf("existing vs missing table differ: %v / %v", err1, err2)
	}
	_, err1 = cl.GetTable(bg, "sales", "orders")
	_, err2 = cl.GetTable(bg, "sales", "nope")
	if err1 == nil || err2 == nil || strings.ReplaceAll(err1.Error(), "orders", "X") != strings.ReplaceAll(err2.Error(), "nope", "X") {
		t.Errorf("GetTable existing vs missing differ: %v / %v", err1, err2)
	}
	// DESCRIBE only.
	tres := api.Resource{Table: &api.TableResource{CatalogId: DefaultAccountID, DatabaseName: "sales", Name: "orders"}}
	grantLF(t, cp, tres, "DESCRIBE")
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	must(t, err)
	if len(out.AuthorizedColumns) != 0 || !out.IsRegisteredWithLakeFormation {
		t.Errorf("DESCRIBE only: %v registered %v", out.AuthorizedColumns, out.IsRegisteredWithLakeFormation)
	}
	// Whole-table SELECT: full answer, credentials vended.
	grantLF(t, cp, tres, "SELECT")
	out, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.SupportedPermissionTypes = []string{api.ColumnPermission}
	}))
	must(t, err)
	if len(out.AuthorizedColumns) != 5 || out.RowFilter != "" || len(out.CellFilters) != 0 {
		t.Errorf("full SELECT: %+v", out)
	}
	vc, err := cl.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: TableARN(DefaultRegion, DefaultAccountID, "sales", "orders")})
	must(t, err)
	if want := cp.WarehouseURI() + "sales.db/orders/"; len(vc.VendedS3Path) != 1 || vc.VendedS3Path[0] != want {
		t.Errorf("vended path %v, want %s", vc.VendedS3Path, want)
	}
	x, err := cp.Explain(bg, "analyst", "sales", "orders")
	must(t, err)
	if x.Outcome != OutcomeFull || len(x.Lines) == 0 {
		t.Errorf("explain: %+v", x)
	}
	t.Log(strings.Join(x.Lines, "\n"))
	_ = fmt.Sprint()
}

// Tag-based masks through the real LF-tag service: a mask on pii=yes
// reaches every column whose effective tags carry it (a table tag reaches
// all its columns, a column's own value overrides it); a column mask wins;
// two different tag masks on one column fail closed.
func TestRealLFTagMasks(t *testing.T) {
	cp := realLake(t)
	grantLF(t, cp, api.Resource{Table: &api.TableResource{CatalogId: DefaultAccountID, DatabaseName: "sales", Name: "orders"}}, "SELECT")
	tags := cp.LFTags()
	must(t, tags.CreateLFTag(bg, api.CreateLFTagInput{TagKey: "pii", TagValues: []string{"yes", "no"}}))
	must(t, tags.CreateLFTag(bg, api.CreateLFTagInput{TagKey: "class", TagValues: []string{"secret"}}))
	tableRes := &api.Resource{Table: &api.TableResource{DatabaseName: "sales", Name: "orders"}}
	colRes := func(c string) *api.Resource {
		return &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: "sales", Name: "orders", ColumnNames: []string{c}}}
	}
	_, err := tags.AddLFTagsToResource(bg, api.AddLFTagsToResourceInput{Resource: tableRes, LFTags: []api.LFTagPair{{TagKey: "pii", TagValues: []string{"yes"}}}})
	must(t, err)
	_, err = tags.AddLFTagsToResource(bg, api.AddLFTagsToResourceInput{Resource: colRes("country"), LFTags: []api.LFTagPair{{TagKey: "pii", TagValues: []string{"no"}}}})
	must(t, err)
	must(t, cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "pii-null", TagKey: "pii", TagValue: "yes", MaskExpression: "null"}))
	must(t, cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "a-redact", DatabaseName: "sales", TableName: "orders", ColumnName: "a", MaskExpression: "redact"}))
	caller, err := cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	cl := cp.ClientFor(caller)
	ask := func() (*api.GetUnfilteredTableMetadataOutput, error) {
		return cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.SupportedPermissionTypes = []string{api.ColumnPermission, api.ColumnMaskPermission}
		}))
	}
	out, err := ask()
	must(t, err)
	var got []string
	for _, m := range out.ColumnMasks {
		got = append(got, m.ColumnName+":"+m.MaskName)
	}
	if want := []string{"a:a-redact", "b:pii-null", "c:pii-null", "year:pii-null"}; !slices.Equal(got, want) {
		t.Errorf("masks = %v, want %v", got, want)
	}
	// A second, different tag mask reaching the same columns fails closed.
	_, err = tags.AddLFTagsToResource(bg, api.AddLFTagsToResourceInput{Resource: colRes("b"), LFTags: []api.LFTagPair{{TagKey: "class", TagValues: []string{"secret"}}}})
	must(t, err)
	must(t, cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "secret-default", TagKey: "class", TagValue: "secret", MaskExpression: "default"}))
	_, err = ask()
	wantErr(t, err, lferr.Conflict, "Column b of sales.orders carries tags with two different masks")
	// A tag mask that does not fit a column it reaches fails closed too.
	must(t, cp.DeleteColumnMask("secret-default"))
	must(t, cp.UpdateColumnMask(api.ColumnMaskPolicy{Name: "pii-null", TagKey: "pii", TagValue: "yes", MaskExpression: "redact"}))
	_, err = ask()
	wantErr(t, err, lferr.InternalService, "does not fit column b of type bigint")
}
