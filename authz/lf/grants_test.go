package lf

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// salesEnv: database sales with table orders (id, product, price:double,
// customer | region) created by engineer, and a view.
func salesEnv(t *testing.T) *env {
	e := newEnv(t)
	e.createDB("sales", engineer)
	e.createTable("sales", "orders", engineer, "id:bigint", "product", "price:double", "customer", "|", "region")
	e.createTable("sales", "items", "", "sku", "qty:int")
	e.must(func(tx *store.Tx) error {
		return e.cat.In(tx, "").CreateTable(acct, "sales", api.TableInput{Name: "v", TableType: api.VirtualView, ViewOriginalText: "select 1"})
	})
	e.createTag("module", "sales", "orders")
	e.must(func(tx *store.Tx) error {
		return CreateDataCellsFilter(tx, acct, trusted, api.DataCellsFilter{DatabaseName: "sales", TableName: "orders", Name: "eu",
			RowFilter: &api.RowFilter{FilterExpression: "region = 'eu'"}, ColumnNames: []string{"id", "product"}})
	})
	return e
}

func TestResourceUnionValidation(t *testing.T) {
	e := salesEnv(t)
	cases := []struct {
		name  string
		r     *api.Resource
		perms []string
		code  lferr.Code
		msg   string
	}{
		{"no member", &api.Resource{}, []string{"SELECT"}, lferr.InvalidInput, "Resource must have either the catalog, table or database field populated."},
		{"nil resource", nil, []string{"SELECT"}, lferr.InvalidInput, "Resource must have either the catalog, table or database field populated."},
		{"two members", &api.Resource{Catalog: &api.CatalogResource{}, Database: &api.DatabaseResource{Name: "sales"}}, []string{"DESCRIBE"}, lferr.InvalidInput, "exactly one"},
		{"table both empty", &api.Resource{Table: &api.TableResource{DatabaseName: "sales"}}, []string{"SELECT"}, lferr.InvalidInput, "Table name and table wildcard cannot both be empty."},
		{"table both present", &api.Resource{Table: &api.TableResource{DatabaseName: "sales", Name: "orders", TableWildcard: &api.TableWildcard{}}}, []string{"SELECT"}, lferr.InvalidInput, "Table name and table wildcard cannot both be present."},
		{"columns neither", &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: "sales", Name: "orders"}}, []string{"SELECT"}, lferr.InvalidInput, "needs ColumnNames or ColumnWildcard"},
		{"columns both", &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: "sales", Name: "orders", ColumnNames: []string{"id"}, ColumnWildcard: &api.ColumnWildcard{}}}, []string{"SELECT"}, lferr.InvalidInput, "both ColumnNames and ColumnWildcard"},
		{"unknown column", ptr(colsRes("sales", "orders", "nope")), []string{"SELECT"}, lferr.InvalidInput, "Column nope not found"},
		{"exclude partition key", ptr(exclRes("sales", "orders", "region")), []string{"SELECT"}, lferr.InvalidInput, "partition key"},
		{"missing database", ptr(dbRes("nope")), []string{"DESCRIBE"}, lferr.EntityNotFound, "Database nope not found"},
		{"missing table", ptr(tableRes("sales", "nope")), []string{"SELECT"}, lferr.EntityNotFound, "Table nope not found"},
		{"missing wildcard db", ptr(wildcardRes("nope")), []string{"SELECT"}, lferr.EntityNotFound, "nope"},
		{"missing filter", ptr(filterRes("sales", "orders", "nope")), []string{"SELECT"}, lferr.EntityNotFound, "Data cells filter nope not found"},
		{"missing tag", &api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "nope", TagValues: []string{"x"}}}, []string{"ASSOCIATE"}, lferr.EntityNotFound, "LF-tag nope not found"},
		{"missing tag value", &api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "module", TagValues: []string{"hr"}}}, []string{"ASSOCIATE"}, lferr.EntityNotFound, "Tag or tag value does not exist"},
		{"policy missing tag", ptr(policyRes("TABLE", tag("nope", "x"))), []string{"SELECT"}, lferr.EntityNotFound, "nope"},
		{"policy bad type", ptr(policyRes("COLUMN", tag("module", "sales"))), []string{"SELECT"}, lferr.InvalidInput, "DATABASE or TABLE"},
		{"policy no expression", &api.Resource{LFTagPolicy: &api.LFTagPolicyResource{ResourceType: "TABLE"}}, []string{"SELECT"}, lferr.InvalidInput, "exactly one of Expression and ExpressionName"},
		{"policy missing named", &api.Resource{LFTagPolicy: &api.LFTagPolicyResource{ResourceType: "TABLE", ExpressionName: "nope"}}, []string{"SELECT"}, lferr.EntityNotFound, "nope"},
		{"other catalog", &api.Resource{Database: &api.DatabaseResource{CatalogId: "999988887777", Name: "sales"}}, []string{"DESCRIBE"}, lferr.InvalidInput, "cross-account"},
		{"no permissions", ptr(tableRes("sales", "orders")), nil, lferr.InvalidInput, "Permissions must not be empty"},
		{"unknown permission", ptr(tableRes("sales", "orders")), []string{"READ"}, lferr.InvalidInput, `"READ" is not a Lake Formation permission`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.update(func(tx *store.Tx) error {
				return GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Resource: c.r, Permissions: c.perms}, t0)
			})
			wantErr(t, err, c.code, c.msg)
		})
	}
	err := e.update(func(tx *store.Tx) error {
		r := tableRes("sales", "orders")
		return GrantPermissions(tx, acct, trusted, GrantInput{Resource: &r, Permissions: []string{"SELECT"}}, t0)
	})
	wantErr(t, err, lferr.InvalidInput, "Principal is required")
	err = e.update(func(tx *store.Tx) error {
		r := tableRes("sales", "orders")
		return GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Resource: &r, Permissions: []string{"SELECT"}, Condition: &api.Condition{Expression: "context.x == 1"}}, t0)
	})
	wantErr(t, err, lferr.InvalidInput, "Condition is not supported")
}

func ptr[T any](v T) *T { return &v }

// TestValidityTable checks spec §4.3 for every resource type: each valid
// permission is accepted and every other permission is refused.
func TestValidityTable(t *testing.T) {
	e := salesEnv(t)
	e.must(func(tx *store.Tx) error {
		return RegisterResource(tx, RegisterInput{ResourceArn: "s3://lake", RoleArn: role("lf")}, t0)
	})
	cases := []struct {
		name  string
		r     api.Resource
		valid []string
	}{
		{"catalog", api.Resource{Catalog: &api.CatalogResource{}}, catalogPerms},
		{"database", dbRes("sales"), databasePerms},
		{"table", tableRes("sales", "orders"), tablePerms},
		{"view", tableRes("sales", "v"), viewPerms},
		{"wildcard", wildcardRes("sales"), tablePerms},
		{"columns", colsRes("sales", "orders", "id"), columnsPerms},
		{"filter", filterRes("sales", "orders", "eu"), filterPerms},
		{"location", api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: "s3://lake/x"}}, locationPerms},
		{"tag", api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "Module", TagValues: []string{"SALES"}}}, tagPerms},
		{"policy database", policyRes("DATABASE", tag("module", "sales")), databasePerms},
		{"policy table", policyRes("TABLE", tag("module", "sales")), tablePerms},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range knownPerms {
				err := e.grant(trusted, role("p-"+c.name[:3]+c.name[len(c.name)-3:]), c.r, []string{p})
				if slices.Contains(c.valid, p) {
					if err != nil {
						t.Errorf("%s on %s: %v", p, c.name, err)
					}
				} else {
					wantErr(t, err, lferr.InvalidInput, "Permission "+p+" is not valid on")
				}
			}
		})
	}
}

func TestGrantOptionSubsetAndColumnRules(t *testing.T) {
	e := salesEnv(t)
	wantErr(t, e.grant(trusted, analyst, tableRes("sales", "orders"), []string{"SELECT"}, "INSERT"), lferr.InvalidInput,
		"PermissionsWithGrantOption must be a subset of Permissions: INSERT is not in Permissions.")
	wantErr(t, e.grant(trusted, analyst, exclRes("sales", "orders", "customer"), []string{"SELECT"}, "SELECT"), lferr.InvalidInput, "only with an include list")
	if err := e.grant(trusted, analyst, colsRes("sales", "orders", "id", "product"), []string{"SELECT"}, "SELECT"); err != nil {
		t.Fatal(err)
	}
}

func TestGrantRevokeSetSemantics(t *testing.T) {
	e := salesEnv(t)
	orders := tableRes("sales", "orders")
	e.mustGrant(analyst, orders, []string{"SELECT"})
	e.mustGrant(analyst, orders, []string{"ALL", "INSERT"}, "INSERT")
	rec := func(res string) *grantRec {
		var g *grantRec
		e.view(func(tx *store.Tx) error {
			var err error
			g, err = getGrant(tx, acct, analyst, res)
			return err
		})
		return g
	}
	tKey := store.Key(kindTable, "sales", "orders")
	if g := rec(tKey); !eqSet(g.Permissions, []string{"ALL", "INSERT", "SELECT"}) || !eqSet(g.Grantable, []string{"INSERT"}) {
		t.Fatalf("merged grant = %+v", g)
	}
	// Revoking ALL leaves the separately granted SELECT and INSERT.
	if err := e.revoke(trusted, analyst, orders, []string{"ALL"}); err != nil {
		t.Fatal(err)
	}
	if g := rec(tKey); !eqSet(g.Permissions, []string{"INSERT", "SELECT"}) {
		t.Fatalf("after revoking ALL: %+v", g)
	}
	// Revoking only the grant option keeps the permission.
	if err := e.revoke(trusted, analyst, orders, nil, "INSERT"); err != nil {
		t.Fatal(err)
	}
	if g := rec(tKey); !eqSet(g.Permissions, []string{"INSERT", "SELECT"}) || len(g.Grantable) != 0 {
		t.Fatalf("after revoking the grant option: %+v", g)
	}
	wantErr(t, e.revoke(trusted, analyst, orders, []string{"DROP"}), lferr.InvalidInput, "No permissions revoked")
	wantErr(t, e.revoke(trusted, outsider, orders, []string{"SELECT"}), lferr.InvalidInput, "No permissions revoked")
	if err := e.revoke(trusted, analyst, orders, []string{"SELECT", "INSERT"}); err != nil {
		t.Fatal(err)
	}
	if g := rec(tKey); g != nil {
		t.Fatalf("grant left after revoking everything: %+v", g)
	}
	e.view(func(tx *store.Tx) error {
		n, err := tx.Count(BucketGrantsRes, store.Prefix(acct, kindTable, "sales", "orders"))
		if err != nil || n != 0 {
			t.Errorf("index rows left: %d %v", n, err)
		}
		return nil
	})

	// Column grants merge and revoke as column sets.
	cKey := store.Key(kindColumns, "sales", "orders")
	cols := func() *api.TableWithColumnsResource { return rec(cKey).Resource.TableWithColumns }
	e.mustGrant(analyst, colsRes("sales", "orders", "id"), []string{"SELECT"})
	e.mustGrant(analyst, colsRes("sales", "orders", "PRODUCT"), []string{"SELECT"})
	if c := cols(); !slices.Equal(c.ColumnNames, []string{"id", "product"}) {
		t.Fatalf("include lists merge to the union: %+v", c)
	}
	e.mustGrant(analyst, exclRes("sales", "orders", "customer", "id"), []string{"SELECT"})
	if c := cols(); c.ColumnWildcard == nil || !slices.Equal(c.ColumnWildcard.ExcludedColumnNames, []string{"customer"}) {
		t.Fatalf("wildcard merged with include list: %+v", c)
	}
	if err := e.revoke(trusted, analyst, colsRes("sales", "orders", "price"), []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	if c := cols(); !slices.Equal(c.ColumnWildcard.ExcludedColumnNames, []string{"customer", "price"}) {
		t.Fatalf("revoking a column from a wildcard excludes it: %+v", c)
	}
	if err := e.revoke(trusted, analyst, exclRes("sales", "orders", "id"), []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	if c := cols(); c.ColumnWildcard != nil || !slices.Equal(c.ColumnNames, []string{"id"}) {
		t.Fatalf("revoking all but id leaves id: %+v", c)
	}
	if err := e.revoke(trusted, analyst, colsRes("sales", "orders", "id"), []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	if g := rec(cKey); g != nil {
		t.Fatalf("column grant left: %+v", g)
	}
}

func TestWhoMayGrant(t *testing.T) {
	e := salesEnv(t)
	orders := tableRes("sales", "orders")
	items := tableRes("sales", "items")
	as := func(p string) Caller { return Caller{Principals: []string{p, acct}} }

	// Admins grant anything; read-only admins and strangers nothing.
	if err := e.grant(asAdmin, analyst, items, []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(as(roAdminRole), analyst, items, []string{"SELECT"}), lferr.AccessDenied, "SELECT with grant option on table sales.items")
	wantErr(t, e.grant(as(outsider), analyst, items, []string{"SELECT"}), lferr.AccessDenied, "Insufficient Lake Formation permission")
	// A holder without grant option cannot re-grant.
	wantErr(t, e.grant(as(analyst), outsider, items, []string{"SELECT"}), lferr.AccessDenied, "with grant option")
	// The table creator holds ALL with grant option implicitly.
	if err := e.grant(as(engineer), outsider, orders, []string{"SELECT", "INSERT"}, "SELECT"); err != nil {
		t.Fatal(err)
	}
	// ... and so can the grantee for SELECT, not for INSERT.
	if err := e.grant(as(outsider), analyst, orders, []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(as(outsider), analyst, orders, []string{"INSERT"}), lferr.AccessDenied, "INSERT with grant option")
	// Column-filtered SELECT with grant option: re-grant of the same or
	// fewer columns only.
	e.mustGrant(role("steward"), colsRes("sales", "items", "sku"), []string{"SELECT"}, "SELECT")
	if err := e.grant(as(role("steward")), analyst, colsRes("sales", "items", "sku"), []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(as(role("steward")), analyst, colsRes("sales", "items", "sku", "qty"), []string{"SELECT"}), lferr.AccessDenied, "SELECT with grant option")
	wantErr(t, e.grant(as(role("steward")), analyst, items, []string{"SELECT"}), lferr.AccessDenied, "SELECT with grant option")
	// Revoke needs the same rights.
	wantErr(t, e.revoke(as(outsider), analyst, items, []string{"SELECT"}), lferr.AccessDenied, "SELECT with grant option")
	if err := e.revoke(asAdmin, analyst, items, []string{"SELECT"}); err != nil {
		t.Fatal(err)
	}
	// Database creators hold ALL with grant option on their database.
	if err := e.grant(as(engineer), analyst, dbRes("sales"), []string{"CREATE_TABLE"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(as(analyst), outsider, dbRes("sales"), []string{"CREATE_TABLE"}), lferr.AccessDenied, "CREATE_TABLE")
	// Catalog: admins implicitly may grant CREATE_DATABASE.
	if err := e.grant(asAdmin, engineer, api.Resource{Catalog: &api.CatalogResource{}}, []string{"CREATE_DATABASE"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(as(engineer), analyst, api.Resource{Catalog: &api.CatalogResource{}}, []string{"CREATE_DATABASE"}), lferr.AccessDenied, "CREATE_DATABASE")
}

func TestPartialSelectConflicts(t *testing.T) {
	e := salesEnv(t)
	e.mustGrant(analyst, colsRes("sales", "orders", "id"), []string{"SELECT"})
	for _, p := range []string{"ALTER", "DROP", "DELETE", "INSERT", "DESCRIBE"} {
		wantErr(t, e.grant(trusted, analyst, tableRes("sales", "orders"), []string{p}), lferr.InvalidInput, "partial SELECT")
	}
	e.mustGrant(role("filtered"), filterRes("sales", "orders", "eu"), []string{"SELECT"})
	wantErr(t, e.grant(trusted, role("filtered"), tableRes("sales", "orders"), []string{"INSERT"}), lferr.InvalidInput, "partial SELECT")
	// The other way round: a writer cannot be given a partial SELECT.
	e.mustGrant(engineer+"2", tableRes("sales", "orders"), []string{"INSERT"})
	wantErr(t, e.grant(trusted, engineer+"2", colsRes("sales", "orders", "id"), []string{"SELECT"}), lferr.InvalidInput, "no effect")
	wantErr(t, e.grant(trusted, engineer+"2", filterRes("sales", "orders", "eu"), []string{"SELECT"}), lferr.InvalidInput, "no effect")
	// Whole-table SELECT next to a partial one is fine.
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"})
}

func TestBatchGrantRevoke(t *testing.T) {
	e := salesEnv(t)
	entry := func(id, principal string, r api.Resource, perms ...string) BatchEntry {
		return BatchEntry{Id: id, GrantInput: GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: principal}, Resource: &r, Permissions: perms}}
	}
	var fails []BatchFailure
	e.must(func(tx *store.Tx) error {
		var err error
		fails, err = BatchGrantPermissions(tx, acct, asAdmin, []BatchEntry{
			entry("1", analyst, tableRes("sales", "orders"), "SELECT"),
			entry("2", analyst, tableRes("sales", "nope"), "SELECT"),
			entry("3", "bogus", tableRes("sales", "items"), "SELECT"),
			entry("4", analyst, tableRes("sales", "items"), "CREATE_TABLE"),
			entry("5", analyst, tableRes("sales", "items"), "SELECT"),
		}, t0)
		return err
	})
	if len(fails) != 3 || fails[0].RequestEntry.Id != "2" || fails[0].Error.ErrorCode != "EntityNotFoundException" ||
		fails[1].Error.ErrorCode != "InvalidInputException" || fails[2].RequestEntry.Id != "4" {
		t.Fatalf("failures = %+v", fails)
	}
	if a := e.access("sales", "items", analyst); !a.Has("SELECT") {
		t.Errorf("entry 5 not applied: %+v", a)
	}
	e.must(func(tx *store.Tx) error {
		var err error
		fails, err = BatchRevokePermissions(tx, acct, asAdmin, []BatchEntry{
			entry("a", analyst, tableRes("sales", "orders"), "SELECT"),
			entry("b", analyst, tableRes("sales", "orders"), "SELECT"),
		}, t0)
		return err
	})
	if len(fails) != 1 || fails[0].RequestEntry.Id != "b" || fails[0].Error.ErrorCode != "InvalidInputException" {
		t.Fatalf("revoke failures = %+v", fails)
	}
	err := e.update(func(tx *store.Tx) error {
		_, err := BatchGrantPermissions(tx, acct, asAdmin, []BatchEntry{entry("x", analyst, tableRes("sales", "orders"), "SELECT"), entry("x", analyst, tableRes("sales", "orders"), "SELECT")}, t0)
		return err
	})
	wantErr(t, err, lferr.InvalidInput, "Entry Id x is used twice")
	err = e.update(func(tx *store.Tx) error {
		es := make([]BatchEntry, 21)
		for i := range es {
			es[i] = entry(string(rune('a'+i)), analyst, tableRes("sales", "orders"), "SELECT")
		}
		_, err := BatchGrantPermissions(tx, acct, asAdmin, es, t0)
		return err
	})
	wantErr(t, err, lferr.InvalidInput, "1 to 20 entries")
}

func TestRevokeColumnsNotHeldIsAnError(t *testing.T) {
	e := salesEnv(t)
	e.mustGrant(analyst, colsRes("sales", "orders", "id"), []string{"SELECT"})
	wantErr(t, e.revoke(trusted, analyst, colsRes("sales", "orders", "price"), []string{"SELECT"}), lferr.InvalidInput, "No permissions revoked")
	if a := e.access("sales", "orders", analyst); len(a.Select) != 1 || !slices.Equal(a.Select[0].Columns, []string{"id"}) {
		t.Errorf("grant changed by a no-op revoke: %+v", a.Select)
	}
}

func TestGrantsOnDroppedColumns(t *testing.T) {
	e := salesEnv(t)
	e.mustGrant(analyst, colsRes("sales", "items", "qty"), []string{"SELECT"})
	e.mustGrant(role("both"), colsRes("sales", "items", "qty", "sku"), []string{"SELECT"})
	// Drop column qty.
	e.must(func(tx *store.Tx) error {
		return e.cat.In(tx, "").UpdateTable(acct, "sales", api.TableInput{Name: "items", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "sku", Type: "string"}}}})
	})
	if a := e.access("sales", "items", analyst); len(a.Select) != 0 {
		t.Errorf("a grant on a dropped column still selects: %+v", a.Select)
	}
	if a := e.access("sales", "items", role("both")); len(a.Select) != 1 || !slices.Equal(a.Select[0].Columns, []string{"sku"}) {
		t.Errorf("remaining columns: %+v", a.Select)
	}
}

func TestFilterGrantLimit(t *testing.T) {
	e := salesEnv(t)
	e.must(func(tx *store.Tx) error {
		for i := 0; i <= maxFilterGrants; i++ {
			f := api.DataCellsFilter{DatabaseName: "sales", TableName: "items", Name: fmt.Sprint("f", i), RowFilter: &api.RowFilter{AllRowsWildcard: &struct{}{}}, ColumnNames: []string{"sku"}}
			if err := CreateDataCellsFilter(tx, acct, trusted, f); err != nil {
				return err
			}
			if i < maxFilterGrants {
				r := filterRes("sales", "items", f.Name)
				if err := GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Resource: &r, Permissions: []string{"SELECT"}}, t0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	wantErr(t, e.grant(trusted, analyst, filterRes("sales", "items", fmt.Sprint("f", maxFilterGrants)), []string{"SELECT"}), lferr.ResourceNumberLimitExceeded, "the limit")
	// Re-granting on a filter already held is a merge, not a new grant.
	if err := e.grant(trusted, analyst, filterRes("sales", "items", "f0"), []string{"DESCRIBE"}); err != nil {
		t.Fatal(err)
	}
}

// Two expressions whose readable forms coincide ("a=b" = "c" versus "a" =
// "b=c") are two different grants.
func TestPolicyIdentityIsUnambiguous(t *testing.T) {
	e := newEnv(t)
	e.createTag("a=b", "c")
	e.createTag("a", "b=c")
	e.createDB("d", "")
	e.createTable("d", "t", "", "x")
	e.assign("d", "t", "a", "b=c")
	e.mustGrant(analyst, policyRes("TABLE", tag("a=b", "c")), []string{"SELECT"})
	e.mustGrant(analyst, policyRes("TABLE", tag("a", "b=c")), []string{"INSERT"})
	if a := e.access("d", "t", analyst); !eqSet(a.Permissions, []string{"DESCRIBE", "INSERT"}) {
		t.Errorf("permissions %v: the a=b policy leaked into the a policy", a.Permissions)
	}
	// Same expression spelled differently is one grant.
	e.createTag("k1", "v1", "v2")
	e.createTag("k2", "v")
	e.mustGrant(role("x"), policyRes("TABLE", tag("K1", "V2", "v1"), tag("k2", "v")), []string{"SELECT"})
	e.mustGrant(role("x"), policyRes("TABLE", tag("k2", "V"), tag("k1", "v1", "v2", "v1")), []string{"INSERT"})
	e.view(func(tx *store.Tx) error {
		rows, err := store.List[grantRec](tx, BucketGrants, store.Prefix(acct, role("x")))
		if err != nil || len(rows) != 1 || !eqSet(rows[0].Permissions, []string{"INSERT", "SELECT"}) {
			t.Errorf("one expression, two spellings: %+v %v", rows, err)
		}
		return nil
	})
}

func TestGrantWithLFTagExpression(t *testing.T) {
	e := newEnv(t)
	e.createTag("module", "sales", "orders", "hr")
	e.createTag("region", "eu", "us")
	steward := Caller{Principals: []string{role("steward")}}
	expr := policyRes("TABLE", tag("module", "sales", "orders"), tag("region", "eu"))
	wantErr(t, e.grant(steward, analyst, expr, []string{"SELECT"}), lferr.AccessDenied, "with grant option on LF-tag policy")
	e.mustGrant(role("steward"), api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "module", TagValues: []string{"sales", "orders"}}}, []string{PermGrantWithLFTagExpression})
	wantErr(t, e.grant(steward, analyst, expr, []string{"SELECT"}), lferr.AccessDenied, "LF-tag policy")
	e.mustGrant(role("steward"), api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "region", TagValues: []string{"*"}}}, []string{PermGrantWithLFTagExpression})
	if err := e.grant(steward, analyst, expr, []string{"SELECT", "INSERT"}); err != nil {
		t.Fatal(err)
	}
	// Values beyond those held are refused.
	wantErr(t, e.grant(steward, analyst, policyRes("TABLE", tag("module", "hr")), []string{"SELECT"}), lferr.AccessDenied, "LF-tag policy")
	// ASSOCIATE alone does not let one grant through tags.
	e.mustGrant(role("tagger"), api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "module", TagValues: []string{"*"}}}, []string{PermAssociate})
	wantErr(t, e.grant(Caller{Principals: []string{role("tagger")}}, analyst, policyRes("TABLE", tag("module", "hr")), []string{"SELECT"}), lferr.AccessDenied, "LF-tag policy")
}
