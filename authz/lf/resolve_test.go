package lf

import (
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func selectSources(a access.TableAccess) []string {
	var out []string
	for _, s := range a.Select {
		out = append(out, s.Source)
	}
	return out
}

func TestTableAccessDirectGrants(t *testing.T) {
	e := salesEnv(t)
	cases := []struct {
		name      string
		grant     func()
		principal []string
		perms     []string
		grantable []string
		selects   []access.SelectGrant // Source ignored
	}{
		{"nothing", func() {}, []string{outsider}, nil, nil, nil},
		{"table SELECT", func() { e.mustGrant(role("a1"), tableRes("sales", "orders"), []string{"SELECT"}) }, []string{role("a1")},
			[]string{"DESCRIBE", "SELECT"}, nil, []access.SelectGrant{{AllColumns: true}}},
		{"table ALL with grant", func() { e.mustGrant(role("a2"), tableRes("sales", "orders"), []string{"ALL"}, "ALL") }, []string{role("a2")},
			[]string{"ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"}, []string{"ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"}, []access.SelectGrant{{AllColumns: true}}},
		{"wildcard INSERT", func() { e.mustGrant(role("a3"), wildcardRes("sales"), []string{"INSERT"}) }, []string{role("a3")},
			[]string{"DESCRIBE", "INSERT"}, nil, nil},
		{"columns", func() { e.mustGrant(role("a4"), colsRes("sales", "orders", "id", "price"), []string{"SELECT"}) }, []string{role("a4")},
			[]string{"DESCRIBE"}, nil, []access.SelectGrant{{Columns: []string{"id", "price"}}}},
		{"excluded columns", func() { e.mustGrant(role("a5"), exclRes("sales", "orders", "customer"), []string{"SELECT"}) }, []string{role("a5")},
			[]string{"DESCRIBE"}, nil, []access.SelectGrant{{AllColumns: true, Excluded: []string{"customer"}}}},
		{"filter", func() { e.mustGrant(role("a6"), filterRes("sales", "orders", "eu"), []string{"SELECT"}) }, []string{role("a6")},
			[]string{"DESCRIBE"}, nil, []access.SelectGrant{{Columns: []string{"id", "product"}, RowFilter: "region = 'eu'", FilterName: "eu"}}},
		{"filter DESCRIBE only gives nothing on the table", func() { e.mustGrant(role("a7"), filterRes("sales", "orders", "eu"), []string{"DESCRIBE"}) }, []string{role("a7")},
			nil, nil, nil},
		{"account principal", func() { e.mustGrant(acct, tableRes("sales", "orders"), []string{"SELECT"}) }, []string{role("someone"), acct},
			[]string{"DESCRIBE", "SELECT"}, nil, []access.SelectGrant{{AllColumns: true}}},
		{"ALLIAMPrincipals", func() { e.mustGrant(acct+":IAMPrincipals", tableRes("sales", "items"), []string{"INSERT"}) }, []string{role("anyone")},
			[]string{"DESCRIBE", "INSERT"}, nil, nil},
		{"table creator", func() {}, []string{engineer},
			[]string{"ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"}, []string{"ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"}, []access.SelectGrant{{AllColumns: true}}},
		{"admin gets DESCRIBE, not SELECT", func() {}, []string{adminRole}, []string{"DESCRIBE"}, nil, nil},
		{"read-only admin gets DESCRIBE", func() {}, []string{roAdminRole}, []string{"DESCRIBE"}, nil, nil},
		{"union of grants", func() {
			e.mustGrant(role("a8"), colsRes("sales", "orders", "id"), []string{"SELECT"})
			e.mustGrant(role("a8"), filterRes("sales", "orders", "eu"), []string{"SELECT"})
		}, []string{role("a8")}, []string{"DESCRIBE"}, nil, []access.SelectGrant{{Columns: []string{"id"}}, {Columns: []string{"id", "product"}, RowFilter: "region = 'eu'", FilterName: "eu"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.grant()
			table := "orders"
			if c.name == "ALLIAMPrincipals" {
				table = "items"
			}
			a := e.access("sales", table, c.principal...)
			if !eqSet(a.Permissions, c.perms) || !eqSet(a.Grantable, c.grantable) {
				t.Errorf("permissions %v grantable %v, want %v %v", a.Permissions, a.Grantable, c.perms, c.grantable)
			}
			if a.IAMOnly {
				t.Errorf("IAMOnly on an LF-controlled table")
			}
			got := slices.Clone(a.Select)
			for i := range got {
				if got[i].Source == "" {
					t.Errorf("select grant without a source: %+v", got[i])
				}
				got[i].Source = ""
			}
			if len(got) != len(c.selects) {
				t.Fatalf("select grants %+v, want %+v", got, c.selects)
			}
			for i := range got {
				if !sameSelect(got[i], c.selects[i]) {
					t.Errorf("select grant %d = %+v, want %+v", i, got[i], c.selects[i])
				}
			}
			if len(a.Permissions) > 0 && len(a.Explain) == 0 {
				t.Errorf("no explanation for %v", a.Permissions)
			}
		})
	}
}

func sameSelect(a, b access.SelectGrant) bool {
	return a.AllColumns == b.AllColumns && slices.Equal(a.Columns, b.Columns) && slices.Equal(a.Excluded, b.Excluded) &&
		a.RowFilter == b.RowFilter && a.FilterName == b.FilterName
}

func TestDefaultPermissionsAndIAMOnly(t *testing.T) {
	e := newEnv(t)
	// Fresh-account defaults: new databases and tables are IAM-only.
	e.must(func(tx *store.Tx) error { return PutSettings(tx, acct, DefaultSettings()) })
	e.createDB("legacy", "")
	e.createTable("legacy", "t", "", "a")
	// IAM_ALLOWED_PRINCIPALS is a group of every caller: its ALL shows in
	// the permissions too, and makes the table IAM-only.
	a := e.access("legacy", "t", analyst)
	if !a.IAMOnly || !a.Has("SELECT") {
		t.Fatalf("IAM-only table: %+v", a)
	}
	if !e.dbAccess("legacy", analyst).IAMOnly {
		t.Fatalf("IAM-only database")
	}
	// Revoking IAM_ALLOWED_PRINCIPALS puts the table under LF control.
	if err := e.revoke(trusted, api.IAMAllowedPrincipals, tableRes("legacy", "t"), []string{"ALL"}); err != nil {
		t.Fatal(err)
	}
	if a := e.access("legacy", "t", analyst); a.IAMOnly || len(a.Permissions) != 0 {
		t.Fatalf("still IAM-only after revoke: %+v", a)
	}
	// A lesser grant to the group reaches every caller, without IAM-only.
	e.mustGrant(api.IAMAllowedPrincipals, tableRes("legacy", "t"), []string{"DESCRIBE"})
	if a := e.access("legacy", "t", analyst); a.IAMOnly || !eqSet(a.Permissions, []string{"DESCRIBE"}) {
		t.Fatalf("group DESCRIBE: %+v", a)
	}
	// LF-controlled settings: no default grant.
	e.must(func(tx *store.Tx) error { return PutSettings(tx, acct, api.DataLakeSettings{}) })
	e.createTable("legacy", "t2", "", "a")
	if a := e.access("legacy", "t2", analyst); a.IAMOnly {
		t.Fatalf("IAM-only without defaults: %+v", a)
	}
	// A wildcard grant to IAM_ALLOWED_PRINCIPALS makes every table IAM-only.
	e.mustGrant(api.IAMAllowedPrincipals, wildcardRes("legacy"), []string{"ALL"})
	if a := e.access("legacy", "t2", analyst); !a.IAMOnly {
		t.Fatalf("wildcard IAM_ALLOWED_PRINCIPALS: %+v", a)
	}
}

func TestDatabaseAndCatalogAccess(t *testing.T) {
	e := salesEnv(t)
	if a := e.dbAccess("sales", engineer); !eqSet(a.Permissions, []string{"ALL", "ALTER", "CREATE_TABLE", "DESCRIBE", "DROP"}) || !a.Has("CREATE_TABLE") {
		t.Errorf("database creator: %+v", a)
	}
	if a := e.dbAccess("sales", adminRole); !eqSet(a.Permissions, []string{"DESCRIBE"}) {
		t.Errorf("admin on database: %+v", a)
	}
	if a := e.dbAccess("sales", outsider); len(a.Permissions) != 0 {
		t.Errorf("outsider on database: %+v", a)
	}
	e.mustGrant(analyst, dbRes("sales"), []string{"CREATE_TABLE"})
	if a := e.dbAccess("sales", analyst); !eqSet(a.Permissions, []string{"CREATE_TABLE", "DESCRIBE"}) || a.Has("DROP") {
		t.Errorf("CREATE_TABLE grantee: %+v", a)
	}
	// A table creator may DESCRIBE the database holding its table.
	e.createDB("ops", "")
	e.createTable("ops", "mine", role("maker"), "a")
	if a := e.dbAccess("ops", role("maker")); !eqSet(a.Permissions, []string{"DESCRIBE"}) {
		t.Errorf("table creator on its database: %+v", a)
	}
	e.view(func(tx *store.Tx) error {
		ca, err := CatalogAccessOf(tx, acct, []string{adminRole})
		if err != nil {
			return err
		}
		if !ca.Has(PermCreateDatabase) || !ca.Has(PermCreateLFTag) || !slices.Contains(ca.Grantable, PermCreateDatabase) {
			t.Errorf("admin catalog access: %+v", ca)
		}
		ca, err = CatalogAccessOf(tx, acct, []string{analyst})
		if err != nil || len(ca.Permissions) != 0 {
			t.Errorf("analyst catalog access: %+v %v", ca, err)
		}
		_, err = DatabaseAccessOf(tx, acct, []string{analyst}, "nope")
		wantErr(t, err, lferr.EntityNotFound, "nope")
		_, err = TableAccess(tx, acct, []string{analyst}, "sales", "nope")
		wantErr(t, err, lferr.EntityNotFound, "nope")
		return nil
	})
}

func TestTagPolicyPerColumn(t *testing.T) {
	e := newEnv(t)
	e.createTag("class", "public", "sensitive")
	e.createDB("crm", "")
	e.createTable("crm", "people", "", "id", "name", "ssn", "|", "country")
	e.assign("crm", "", "class", "public")
	e.assign("crm", "people", "class", "sensitive", "ssn")
	e.mustGrant(analyst, policyRes("TABLE", tag("class", "public")), []string{"ALL"})
	a := e.access("crm", "people", analyst)
	// §5.4: ALL on a partial match degrades to SELECT on the matching
	// columns plus DESCRIBE; ALTER/DROP/INSERT/DELETE need every column.
	if !eqSet(a.Permissions, []string{"DESCRIBE"}) {
		t.Errorf("partial match permissions: %v", a.Permissions)
	}
	if len(a.Select) != 1 || !slices.Equal(a.Select[0].Columns, []string{"id", "name", "country"}) || a.Select[0].AllColumns {
		t.Fatalf("partial match select: %+v", a.Select)
	}
	if !strings.Contains(strings.Join(a.Explain, "\n"), "matches only columns id, name, country") {
		t.Errorf("explain: %v", a.Explain)
	}
	// A grant on the sensitive value reaches only the ssn column, although
	// the table itself is public (per-column evaluation).
	e.mustGrant(role("dpo"), policyRes("TABLE", tag("class", "sensitive")), []string{"SELECT"})
	if a := e.access("crm", "people", role("dpo")); len(a.Select) != 1 || !slices.Equal(a.Select[0].Columns, []string{"ssn"}) {
		t.Errorf("sensitive grant: %+v", a.Select)
	}
	// Both values: every column matches, so the whole-table permissions hold.
	e.mustGrant(role("both"), policyRes("TABLE", tag("class", "public", "sensitive")), []string{"SELECT", "INSERT"})
	if a := e.access("crm", "people", role("both")); !eqSet(a.Permissions, []string{"DESCRIBE", "INSERT", "SELECT"}) || len(a.Select) != 1 || !a.Select[0].AllColumns {
		t.Errorf("full match: %+v", a)
	}
	// "*" matches any value of a key the column carries.
	e.mustGrant(role("star"), policyRes("TABLE", tag("class", "*")), []string{"DROP"})
	if a := e.access("crm", "people", role("star")); !eqSet(a.Permissions, []string{"DESCRIBE", "DROP"}) {
		t.Errorf("star: %+v", a)
	}
	// Database policies match the database's own tags.
	e.mustGrant(role("builder"), policyRes("DATABASE", tag("class", "public")), []string{"CREATE_TABLE"})
	if a := e.dbAccess("crm", role("builder")); !eqSet(a.Permissions, []string{"CREATE_TABLE", "DESCRIBE"}) {
		t.Errorf("database policy: %+v", a)
	}
	// Deleting the tag drops the policy grants that use it.
	e.must(func(tx *store.Tx) error {
		return e.tags.In(tx).DeleteLFTag(api.DeleteLFTagInput{TagKey: "class"})
	})
	if a := e.access("crm", "people", analyst); len(a.Permissions) != 0 || len(a.Select) != 0 {
		t.Errorf("after tag deletion: %+v", a)
	}
	e.view(func(tx *store.Tx) error {
		n, _ := tx.Count(BucketGrants, store.Prefix(acct, analyst))
		if n != 0 {
			t.Errorf("%d policy grants left after tag deletion", n)
		}
		return nil
	})
}

func TestNamedExpressionPolicy(t *testing.T) {
	e := newEnv(t)
	e.createTag("team", "a", "b")
	e.createDB("d", "")
	e.createTable("d", "t", "", "x")
	e.assign("d", "t", "team", "a")
	e.must(func(tx *store.Tx) error {
		return e.tags.In(tx).CreateLFTagExpression(api.CreateLFTagExpressionInput{Name: "team-a", Expression: []api.LFTag{tag("team", "a")}})
	})
	named := api.Resource{LFTagPolicy: &api.LFTagPolicyResource{ResourceType: "TABLE", ExpressionName: "team-a"}}
	e.mustGrant(analyst, named, []string{"SELECT"})
	if a := e.access("d", "t", analyst); !a.Has("SELECT") {
		t.Fatalf("named expression grant: %+v", a)
	}
	// Updating the saved expression changes the grant at once.
	e.must(func(tx *store.Tx) error {
		return e.tags.In(tx).UpdateLFTagExpression(api.UpdateLFTagExpressionInput{Name: "team-a", Expression: []api.LFTag{tag("team", "b")}})
	})
	if a := e.access("d", "t", analyst); a.Has("SELECT") {
		t.Fatalf("stale named expression: %+v", a)
	}
	// Deleting it deletes the grants that name it.
	e.must(func(tx *store.Tx) error {
		return e.tags.In(tx).DeleteLFTagExpression(api.DeleteLFTagExpressionInput{Name: "team-a"})
	})
	e.view(func(tx *store.Tx) error {
		n, _ := tx.Count(BucketGrants, store.Prefix(acct, analyst))
		if n != 0 {
			t.Errorf("%d grants left naming a deleted expression", n)
		}
		return nil
	})
}

func TestDeletingTablesDropsTheirRecords(t *testing.T) {
	e := salesEnv(t)
	e.createTag("pii", "yes")
	e.assign("sales", "orders", "pii", "yes")
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"})
	e.mustGrant(analyst, colsRes("sales", "items", "sku"), []string{"SELECT"})
	e.mustGrant(role("f"), filterRes("sales", "orders", "eu"), []string{"SELECT"})
	e.mustGrant(analyst, wildcardRes("sales"), []string{"SELECT"})
	e.mustGrant(analyst, dbRes("sales"), []string{"CREATE_TABLE"})
	e.must(func(tx *store.Tx) error { return e.cat.In(tx, "").DeleteTable(acct, "sales", "orders") })
	if a := e.dbAccess("sales", role("nobody")); len(a.Permissions) != 0 {
		t.Errorf("stranger on database: %+v", a)
	}
	e.view(func(tx *store.Tx) error {
		if ok, _ := tx.Has(BucketTableCreators, store.Key(acct, "sales", engineer, "orders")); ok {
			t.Errorf("creator index row of a deleted table survived")
		}
		for _, k := range []string{store.Key(kindTable, "sales", "orders")} {
			if g, _ := getGrant(tx, acct, analyst, k); g != nil {
				t.Errorf("grant on deleted table survived")
			}
		}
		if n, _ := tx.Count(BucketFilters, store.Prefix(acct, "sales", "orders")); n != 0 {
			t.Errorf("filters of deleted table survived")
		}
		if n, _ := tx.Count(BucketGrants, store.Prefix(acct, role("f"))); n != 0 {
			t.Errorf("filter grants survived")
		}
		if g, _ := getGrant(tx, acct, analyst, store.Key(kindColumns, "sales", "items")); g == nil {
			t.Errorf("grant on another table was dropped")
		}
		return nil
	})
	// Re-created under the same name, the table starts with nothing.
	e.createTable("sales", "orders", "", "id")
	if a := e.access("sales", "orders", analyst); len(a.Select) != 1 || a.Select[0].Source == "" || !strings.Contains(a.Select[0].Source, "all tables") {
		t.Errorf("re-created table: only the wildcard should apply: %+v", a.Select)
	}
	e.must(func(tx *store.Tx) error { return e.cat.In(tx, "").DeleteDatabase(acct, "sales") })
	e.view(func(tx *store.Tx) error {
		n1, _ := tx.Count(BucketGrants, store.Prefix(acct))
		n2, _ := tx.Count(BucketGrantsRes, store.Prefix(acct))
		n3, _ := tx.Count(BucketCreators, store.Prefix(acct))
		n4, _ := tx.Count(BucketTableCreators, store.Prefix(acct))
		if n1 != 0 || n2 != 0 || n3 != 0 || n4 != 0 {
			t.Errorf("after dropping the database: %d grants, %d index rows, %d creators, %d table creators", n1, n2, n3, n4)
		}
		return nil
	})
}

func TestViewsGetOnlyViewPermissions(t *testing.T) {
	e := salesEnv(t)
	e.mustGrant(analyst, wildcardRes("sales"), []string{"INSERT", "ALTER", "SELECT"})
	if a := e.access("sales", "v", analyst); !eqSet(a.Permissions, []string{"DESCRIBE", "SELECT"}) {
		t.Errorf("wildcard grant on a view: %v", a.Permissions)
	}
	e.mustGrant(role("super"), tableRes("sales", "v"), []string{"ALL"}, "ALL")
	if a := e.access("sales", "v", role("super")); !eqSet(a.Permissions, []string{"ALL", "DESCRIBE", "DROP", "SELECT"}) || !eqSet(a.Grantable, a.Permissions) {
		t.Errorf("ALL on a view: %+v", a)
	}
}

// Catalogs (accounts) sharing one home are isolated: the same database and
// table names in another catalog see none of this catalog's grants.
func TestCatalogIsolation(t *testing.T) {
	e := salesEnv(t)
	const other = "999988887777"
	e.must(func(tx *store.Tx) error {
		ct := e.cat.In(tx, "")
		if err := ct.CreateDatabase(other, api.DatabaseInput{Name: "sales"}); err != nil {
			return err
		}
		return ct.CreateTable(other, "sales", api.TableInput{Name: "orders", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "id", Type: "bigint"}}}})
	})
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"})
	e.view(func(tx *store.Tx) error {
		a, err := TableAccess(tx, other, []string{analyst}, "sales", "orders")
		if err != nil {
			return err
		}
		// The other catalog still has fresh-account defaults: IAM-only.
		if !a.IAMOnly || strings.Contains(strings.Join(a.Explain, "\n"), analyst) {
			t.Errorf("grant leaked across catalogs: %+v", a)
		}
		s, _ := GetSettings(tx, other)
		if IsAdmin(&s, adminRole) {
			t.Errorf("admin leaked across catalogs")
		}
		return nil
	})
	wantErr(t, e.update(func(tx *store.Tx) error {
		r := api.Resource{Table: &api.TableResource{CatalogId: other, DatabaseName: "sales", Name: "orders"}}
		return GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Resource: &r, Permissions: []string{"SELECT"}}, t0)
	}), lferr.InvalidInput, "cross-account")
}
