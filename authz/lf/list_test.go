package lf

import (
	"slices"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func (e *env) list(c Caller, in ListInput) ([]api.PrincipalResourcePermissions, string, error) {
	var rows []api.PrincipalResourcePermissions
	var next string
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		rows, next, err = ListPermissions(tx, acct, c, in)
		return err
	})
	return rows, next, err
}

func describeRows(rows []api.PrincipalResourcePermissions) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Principal.DataLakePrincipalIdentifier+" "+kindOf(r.Resource)+" "+joinPerms(r.Permissions)+" "+joinPerms(r.PermissionsWithGrantOption))
	}
	return out
}

func joinPerms(ps []string) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ","
		}
		s += p
	}
	return "[" + s + "]"
}

func TestListPermissions(t *testing.T) {
	e := salesEnv(t)
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"}, "SELECT")
	e.mustGrant(role("col"), colsRes("sales", "orders", "id"), []string{"SELECT"})
	e.mustGrant(role("cell"), filterRes("sales", "orders", "eu"), []string{"SELECT"})
	e.mustGrant(role("other"), tableRes("sales", "items"), []string{"INSERT"})
	e.mustGrant(role("other"), dbRes("sales"), []string{"CREATE_TABLE"})
	e.assign("sales", "", "module", "sales")
	e.mustGrant(role("tagger"), policyRes("TABLE", tag("module", "sales")), []string{"SELECT"})
	e.mustGrant(role("tagger"), policyRes("DATABASE", tag("module", "sales")), []string{"DESCRIBE"})

	orders := tableRes("sales", "orders")
	cases := []struct {
		name string
		c    Caller
		in   ListInput
		want []string
	}{
		{"by table", asAdmin, ListInput{Resource: &orders}, []string{
			analyst + " T [SELECT] [SELECT]", role("col") + " C [SELECT] []"}},
		{"by table with related", asAdmin, ListInput{Resource: &orders, IncludeRelated: "TRUE"}, []string{
			analyst + " T [SELECT] [SELECT]", role("cell") + " F [SELECT] []", role("col") + " C [SELECT] []"}},
		{"by type DATABASE", asAdmin, ListInput{ResourceType: "DATABASE"}, []string{role("other") + " D [CREATE_TABLE] []"}},
		{"by type LF_TAG_POLICY_TABLE", asAdmin, ListInput{ResourceType: "LF_TAG_POLICY_TABLE"}, []string{role("tagger") + " P [SELECT] []"}},
		{"by type LF_TAG_POLICY", asAdmin, ListInput{ResourceType: "LF_TAG_POLICY"}, []string{role("tagger") + " P [DESCRIBE] []", role("tagger") + " P [SELECT] []"}},
		{"effective for principal and resource", asAdmin, ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: role("tagger")}, Resource: &orders}, []string{
			role("tagger") + " T [DESCRIBE,SELECT] []"}},
		{"effective includes implicit", asAdmin, ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: engineer}, Resource: &orders}, []string{
			engineer + " T [ALL,ALTER,DELETE,DESCRIBE,DROP,INSERT,SELECT] [ALL,ALTER,DELETE,DESCRIBE,DROP,INSERT,SELECT]"}},
		{"effective partial", asAdmin, ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: role("cell")}, Resource: &orders}, []string{
			role("cell") + " T [DESCRIBE] []", role("cell") + " F [SELECT] []"}},
		{"non-admin sees own rows", Caller{Principals: []string{role("col")}}, ListInput{Resource: &orders}, []string{role("col") + " C [SELECT] []"}},
		{"grant-option holder sees rows it could grant", Caller{Principals: []string{analyst}}, ListInput{Resource: &orders}, []string{
			analyst + " T [SELECT] [SELECT]", role("col") + " C [SELECT] []"}},
		{"stranger sees nothing", Caller{Principals: []string{outsider}}, ListInput{}, nil},
		{"read-only admin sees all", Caller{Principals: []string{roAdminRole}}, ListInput{ResourceType: "DATABASE"}, []string{role("other") + " D [CREATE_TABLE] []"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, next, err := e.list(c.c, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := describeRows(rows); !slices.Equal(got, c.want) || next != "" {
				t.Errorf("rows\n%q\nwant\n%q (next %q)", got, c.want, next)
			}
		})
	}

	// Paging returns every row once, in order.
	all, _, err := e.list(asAdmin, ListInput{})
	if err != nil || len(all) != 7 {
		t.Fatalf("all rows: %d %v", len(all), err)
	}
	var paged []api.PrincipalResourcePermissions
	tok := ""
	for i := 0; ; i++ {
		page, next, err := e.list(asAdmin, ListInput{MaxResults: 3, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		tok = next
	}
	if !slices.Equal(describeRows(paged), describeRows(all)) {
		t.Errorf("paged %q\nall %q", describeRows(paged), describeRows(all))
	}
	if all[0].LastUpdated == nil || !all[0].LastUpdated.Equal(t0) || all[0].LastUpdatedBy != "sluice" {
		t.Errorf("LastUpdated: %+v", all[0])
	}

	errs := []struct {
		in  ListInput
		msg string
	}{
		{ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}}, "Resource is mandatory if Principal is set in the input."},
		{ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Resource: &orders, IncludeRelated: "TRUE"}, "IncludeRelated cannot be used together with Principal"},
		{ListInput{IncludeRelated: "yes"}, "IncludeRelated must be TRUE or FALSE"},
		{ListInput{ResourceType: "VIEW"}, `ResourceType "VIEW"`},
		{ListInput{Resource: ptr(colsRes("sales", "orders", "id"))}, "Cannot list permissions on a TableWithColumns resource"},
		{ListInput{MaxResults: -1}, "MaxResults"},
		{ListInput{NextToken: "%%"}, "NextToken"},
	}
	for _, c := range errs {
		_, _, err := e.list(asAdmin, c.in)
		wantErr(t, err, lferr.InvalidInput, c.msg)
	}
}

func TestGetEffectivePermissionsForPath(t *testing.T) {
	e := salesEnv(t) // database location s3://lake/sales, tables below it
	e.createDB("hr", "")
	e.createTable("hr", "staff", "", "name")
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"})
	e.mustGrant(analyst, dbRes("sales"), []string{"DESCRIBE"})
	e.mustGrant(analyst, tableRes("hr", "staff"), []string{"SELECT"})
	var rows []api.PrincipalResourcePermissions
	e.view(func(tx *store.Tx) error {
		var err error
		rows, _, err = GetEffectivePermissionsForPath(tx, acct, asAdmin, "arn:aws:s3:::lake/sales", 0, "")
		return err
	})
	got := describeRows(rows)
	want := []string{analyst + " D [DESCRIBE] []", analyst + " T [SELECT] []"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	e.view(func(tx *store.Tx) error {
		rows, _, _ = GetEffectivePermissionsForPath(tx, acct, asAdmin, "arn:aws:s3:::lake/sal", 0, "")
		if len(rows) != 0 {
			t.Errorf("a prefix that is not a path segment matched: %q", describeRows(rows))
		}
		rows, _, _ = GetEffectivePermissionsForPath(tx, acct, Caller{Principals: []string{outsider}}, "arn:aws:s3:::lake", 0, "")
		if len(rows) != 0 {
			t.Errorf("stranger sees %q", describeRows(rows))
		}
		return nil
	})
}

func TestListPermissionsOtherResourceKinds(t *testing.T) {
	e := salesEnv(t)
	e.must(func(tx *store.Tx) error {
		return RegisterResource(tx, RegisterInput{ResourceArn: "s3://lake", RoleArn: role("lf")}, t0)
	})
	loc := api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: "s3://lake/sales/"}}
	tagR := api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "module", TagValues: []string{"orders", "sales"}}}
	cat := api.Resource{Catalog: &api.CatalogResource{}}
	e.mustGrant(engineer, loc, []string{PermDataLocationAccess})
	e.mustGrant(role("tagger"), tagR, []string{PermAssociate, PermDescribe}, PermDescribe)
	e.mustGrant(role("maker"), cat, []string{PermCreateDatabase})
	for _, c := range []struct {
		in   ListInput
		want []string
	}{
		{ListInput{Resource: &loc}, []string{engineer + " L [DATA_LOCATION_ACCESS] []"}},
		{ListInput{ResourceType: "DATA_LOCATION"}, []string{engineer + " L [DATA_LOCATION_ACCESS] []"}},
		{ListInput{Resource: &api.Resource{LFTag: &api.LFTagKeyResource{TagKey: "MODULE", TagValues: []string{"Sales", "orders"}}}}, []string{role("tagger") + " G [ASSOCIATE,DESCRIBE] [DESCRIBE]"}},
		{ListInput{ResourceType: "LF_TAG"}, []string{role("tagger") + " G [ASSOCIATE,DESCRIBE] [DESCRIBE]"}},
		{ListInput{ResourceType: "CATALOG"}, []string{role("maker") + " K [CREATE_DATABASE] []"}},
		{ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: role("maker")}, Resource: &cat}, []string{role("maker") + " K [CREATE_DATABASE,DESCRIBE] []"}},
		{ListInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: engineer}, Resource: &loc}, []string{engineer + " L [DATA_LOCATION_ACCESS] []"}},
	} {
		rows, _, err := e.list(asAdmin, c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeRows(rows); !slices.Equal(got, c.want) {
			t.Errorf("%+v: rows %q, want %q", c.in, got, c.want)
		}
	}
}
