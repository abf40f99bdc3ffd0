package authz

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/audit"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
	"github.com/sluicedb/sluice/storage/cred"
)

// fakeLF is a hand-written permission model for the facade's tests, so
// they do not depend on authz/lf's resolver.
type fakeLF struct {
	mu       sync.Mutex
	settings api.DataLakeSettings
	tables   map[string]access.TableAccess // "principal|db.table"
	dbs      map[string][]string           // "principal|db"
	reg      []string                      // registered location prefixes
}

func (f *fakeLF) Settings(*store.Tx, string) (*api.DataLakeSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.settings
	return &s, nil
}

func (f *fakeLF) TableAccess(_ *store.Tx, _ string, principals []string, db, table string) (access.TableAccess, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tables[principals[0]+"|"+db+"."+table], nil
}

func (f *fakeLF) DatabasePermissions(_ *store.Tx, _ string, principals []string, db string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dbs[principals[0]+"|"+db], nil
}

func (f *fakeLF) CatalogPermissions(_ *store.Tx, _ string, principals []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dbs[principals[0]+"|"], nil
}

func (f *fakeLF) RegistrationFor(_ *store.Tx, _ string, loc string) (*api.ResourceInfo, error) {
	for _, p := range f.reg {
		if strings.HasPrefix(loc, p) {
			return &api.ResourceInfo{ResourceArn: p}, nil
		}
	}
	return nil, nil
}

func (f *fakeLF) grant(role, table string, a access.TableAccess) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tables[role+"|"+table] = a
}

const (
	analystArn = "arn:aws:iam::111122223333:role/analyst"
	engineTag  = "sluice"
)

// trust lets the account (the engine role among its principals) assume
// the role and tag the session.
const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

const analystPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}`

type fixture struct {
	cp    *ControlPlane
	lf    *fakeLF
	admin api.Client
	now   time.Time
}

// lfLake is a home with the fake permission model, sales.orders
// (partitioned by year) and sales.items under a registered warehouse,
// engines authorized (AllowExternalDataFiltering, the own account
// allow-listed, tag value "sluice"), and the role analyst.
func lfLake(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{lf: &fakeLF{tables: map[string]access.TableAccess{}, dbs: map[string][]string{}}, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cp, err := Open(t.TempDir(), Options{NoSync: true, LakeFormation: f.lf, Now: func() time.Time { return f.now }})
	must(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	f.cp = cp
	f.lf.reg = []string{cp.WarehouseURI()}
	f.lf.settings = api.DataLakeSettings{AllowExternalDataFiltering: true,
		ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: DefaultAccountID}},
		AuthorizedSessionTagValueList:  []string{engineTag}}
	f.admin = cp.ClientFor(cp.Admin())
	must(t, f.admin.CreateDatabase(bg, api.DatabaseInput{Name: "sales"}))
	must(t, f.admin.CreateTable(bg, "sales", api.TableInput{Name: "orders",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "id", Type: "bigint"}, {Name: "email", Type: "string"},
			{Name: "amount", Type: "double"}, {Name: "country", Type: "string"}}},
		PartitionKeys: []api.Column{{Name: "year", Type: "int"}}}))
	must(t, f.admin.CreateTable(bg, "sales", api.TableInput{Name: "items",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "sku", Type: "string"}}}}))
	must(t, f.admin.BatchCreatePartition(bg, "sales", "orders", []api.PartitionInput{{Values: []string{"2025"}}, {Values: []string{"2026"}}}))
	f.role(t, "analyst", trustAccount, analystPolicy)
	return f
}

func (f *fixture) role(t testing.TB, name, trust, policy string) {
	t.Helper()
	must(t, f.cp.Store().Update(func(tx *store.Tx) error {
		adm := &iam.Admin{Rand: f.cp.rand, Sealer: f.cp.sealer}
		recs := iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, f.now, iam.CreateRoleInput{Account: DefaultAccountID, RoleName: name, AssumeRolePolicyDocument: trust}); err != nil {
			return err
		}
		if policy == "" {
			return nil
		}
		return adm.PutRolePolicy(recs, DefaultAccountID, name, "p", policy)
	}))
}

func (f *fixture) session(t testing.TB, role string, tags map[string]string) api.Client {
	t.Helper()
	c, err := f.cp.CallerForRole(bg, role, tags)
	must(t, err)
	return f.cp.ClientFor(c)
}

func tagged() map[string]string { return map[string]string{AuthorizedCallerTag: engineTag} }

func cellGrants() access.TableAccess {
	return access.TableAccess{Permissions: []string{"DESCRIBE"}, Select: []access.SelectGrant{
		{Columns: []string{"id", "country"}, Source: "column grant"},
		{Columns: []string{"id", "email"}, RowFilter: "country = 'US'", FilterName: "us-emails"},
		{AllColumns: true, Excluded: []string{"email"}, RowFilter: "amount < 100", FilterName: "small"},
	}}
}

func TestCallerForRoleAndEngineRole(t *testing.T) {
	f := lfLake(t)
	c, err := f.cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	if c.Kind != RoleSessionCaller || c.RoleArn() != analystArn || c.Principal != "arn:aws:sts::111122223333:assumed-role/analyst/sluice" ||
		c.SessionTags[AuthorizedCallerTag] != engineTag {
		t.Fatalf("caller = %+v", c)
	}
	// Role chaining: at most one hour.
	if got := c.Expiration().Sub(f.now); got != time.Hour {
		t.Errorf("session lasts %v", got)
	}
	var eng *iam.Role
	must(t, f.cp.Store().View(func(tx *store.Tx) (err error) {
		eng, err = iam.BoltRecords{Tx: tx}.GetRole(DefaultAccountID, EngineRoleName)
		return
	}))
	if eng == nil || !strings.Contains(eng.AssumeRolePolicyDocument, "sts:TagSession") {
		t.Fatalf("engine role: %+v", eng)
	}
	// Second call reuses the engine role; ARN form works too.
	if _, err := f.cp.CallerForRole(bg, analystArn, tagged()); err != nil {
		t.Fatal(err)
	}
	// A role whose trust does not allow sts:TagSession cannot get the tag.
	f.role(t, "notag", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, analystPolicy)
	_, err = f.cp.CallerForRole(bg, "notag", tagged())
	if lferr.CodeOf(err) == "" || !strings.Contains(err.Error(), "sts:TagSession") {
		t.Errorf("untaggable role: %v", err)
	}
	_, err = f.cp.CallerForRole(bg, "nobody", tagged())
	if err == nil {
		t.Errorf("unknown role accepted")
	}
	_, err = f.cp.CallerForRole(bg, "a/b", nil)
	wantErr(t, err, lferr.InvalidInput, "neither a role name nor a role ARN")
}

func TestAssumeRoleAuthenticate(t *testing.T) {
	f := lfLake(t)
	out, err := f.cp.AssumeRole(f.now, f.cp.Admin(), sts.AssumeRoleInput{RoleArn: analystArn, RoleSessionName: "alice",
		Tags: []iam.Tag{{Key: AuthorizedCallerTag, Value: engineTag}}})
	must(t, err)
	c, err := f.cp.Authenticate(out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	must(t, err)
	if c.Principal != "arn:aws:sts::111122223333:assumed-role/analyst/alice" || c.RoleArn() != analystArn {
		t.Fatalf("authenticated caller: %+v", c)
	}
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	cl := f.cp.ClientFor(c)
	if _, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items")); err != nil {
		t.Fatalf("authenticated session: %v", err)
	}
	if _, err := f.cp.Authenticate(out.Credentials.AccessKeyId, out.Credentials.SessionToken+"x"); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
		t.Errorf("bad token: %v", err)
	}
	if _, err := f.cp.Authenticate("AKIAEXAMPLE", ""); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
		t.Errorf("long-term key: %v", err)
	}
	// Revocation reaches an already-authenticated caller on its next call.
	must(t, f.cp.Store().Update(func(tx *store.Tx) error { return f.cp.stsIn(tx).RevokeSession(out.Credentials.AccessKeyId) }))
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items"))
	wantErr(t, err, lferr.AccessDenied, "revoked")
	// Expiry likewise.
	c2, err := f.cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	f.now = f.now.Add(2 * time.Hour)
	_, err = f.cp.ClientFor(c2).GetTable(bg, "sales", "items")
	wantErr(t, err, lferr.AccessDenied, "expired")
}

// Spec §3.3's caller-validation steps, each refusal with its own message.
func TestCallerValidation(t *testing.T) {
	f := lfLake(t)
	full := access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}}
	filtered := access.TableAccess{Select: []access.SelectGrant{{AllColumns: true, RowFilter: "amount > 1"}}}
	base := f.lf.settings
	cases := []struct {
		name     string
		settings func(s *api.DataLakeSettings)
		tags     map[string]string
		acc      access.TableAccess
		msg      string // "" = allowed
	}{
		{"authorized engine", nil, tagged(), filtered, ""},
		{"filtering disabled", func(s *api.DataLakeSettings) { s.AllowExternalDataFiltering = false }, tagged(), filtered, "AllowExternalDataFiltering is off"},
		{"account not allow-listed", func(s *api.DataLakeSettings) {
			s.ExternalDataFilteringAllowList = []api.DataLakePrincipal{{DataLakePrincipalIdentifier: "999988887777"}}
		}, tagged(), filtered, "Account 111122223333 is not in ExternalDataFilteringAllowList"},
		{"no session tag", nil, nil, filtered, "has no LakeFormationAuthorizedCaller session tag"},
		{"tag value not authorized", nil, map[string]string{AuthorizedCallerTag: "rogue"}, filtered, `LakeFormationAuthorizedCaller="rogue" is not in AuthorizedSessionTagValueList`},
		{"tag key case-insensitive", nil, map[string]string{"lakeformationauthorizedcaller": engineTag}, filtered, ""},
		{"full-table access path without tag", func(s *api.DataLakeSettings) { s.AllowFullTableExternalDataAccess = true }, nil, full, ""},
		{"full-table access path with filtering off", func(s *api.DataLakeSettings) {
			s.AllowFullTableExternalDataAccess = true
			s.AllowExternalDataFiltering = false
		}, nil, full, ""},
		{"full-table access path refused for filtered access", func(s *api.DataLakeSettings) { s.AllowFullTableExternalDataAccess = true }, nil, filtered, "session tag"},
		{"full access without the FTA setting", nil, nil, full, "session tag"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base
			if c.settings != nil {
				c.settings(&s)
			}
			f.lf.mu.Lock()
			f.lf.settings = s
			f.lf.mu.Unlock()
			f.lf.grant(analystArn, "sales.orders", c.acc)
			cl := f.session(t, "analyst", c.tags)
			calls := map[string]func() error{
				"GetUnfilteredTableMetadata": func() error { _, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders")); return err },
				"GetUnfilteredPartitionsMetadata": func() error {
					_, err := cl.GetUnfilteredPartitionsMetadata(bg, &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID,
						DatabaseName: "sales", TableName: "orders", SupportedPermissionTypes: []string{api.CellFilterPermission}})
					return err
				},
				"GetTemporaryGlueTableCredentials": func() error {
					_, err := cl.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{
						TableArn: TableARN(DefaultRegion, DefaultAccountID, "sales", "orders"), SupportedPermissionTypes: []string{api.CellFilterPermission}})
					return err
				},
			}
			for name, call := range calls {
				err := call()
				if c.msg == "" {
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					continue
				}
				if lferr.CodeOf(err) != lferr.AccessDenied || !strings.Contains(lferr.MessageOf(err), c.msg) {
					t.Errorf("%s: err = %v, want AccessDenied with %q", name, err, c.msg)
				}
			}
			_ = i
		})
	}
}

func TestRoleSessionDecisions(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	f.lf.grant(analystArn, "sales.orders", cellGrants())
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.QuerySessionContext = &api.QuerySessionContext{QueryId: "q-7"}
	}))
	must(t, err)
	if !reflect.DeepEqual(out.AuthorizedColumns, []string{"id", "email", "amount", "country", "year"}) {
		t.Errorf("AuthorizedColumns = %v", out.AuthorizedColumns)
	}
	wantCells := map[string]string{"id": "TRUE", "email": "country = 'US'", "amount": "amount < 100", "country": "TRUE", "year": "amount < 100"}
	if len(out.CellFilters) != 5 {
		t.Fatalf("CellFilters = %+v", out.CellFilters)
	}
	for _, cf := range out.CellFilters {
		if wantCells[cf.ColumnName] != cf.RowFilterExpression {
			t.Errorf("cell %s = %q, want %q", cf.ColumnName, cf.RowFilterExpression, wantCells[cf.ColumnName])
		}
	}
	if out.RowFilter != "" || !out.IsRegisteredWithLakeFormation || out.QueryAuthorizationId == "" ||
		!reflect.DeepEqual(out.Permissions, []string{"SELECT", "DESCRIBE"}) || len(out.Table.StorageDescriptor.Columns) != 4 {
		t.Errorf("answer: RowFilter %q registered %v qaid %q perms %v", out.RowFilter, out.IsRegisteredWithLakeFormation, out.QueryAuthorizationId, out.Permissions)
	}

	// §2.7 paths through the facade.
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.SupportedPermissionTypes = []string{api.ColumnPermission}
	}))
	wantErr(t, err, lferr.PermissionTypeMismatch, "CELL_FILTER_PERMISSION")
	// No permission at all and a missing table give the same answer.
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items"))
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.items")
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "nope"))
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.nope")
	_, err = f.admin.GetUnfilteredTableMetadata(bg, gutm("sales", "nope"))
	wantErr(t, err, lferr.EntityNotFound, "nope")
	// DESCRIBE only: an answer with no authorized column.
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Permissions: []string{"DESCRIBE"}})
	out, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items"))
	must(t, err)
	if len(out.AuthorizedColumns) != 0 || out.AuthorizedColumns == nil {
		t.Errorf("DESCRIBE only: %#v", out.AuthorizedColumns)
	}
	_, err = cl.GetUnfilteredTableMetadata(bg, &api.GetUnfilteredTableMetadataInput{DatabaseName: "sales", Name: "items"})
	wantErr(t, err, lferr.InvalidInput, "CatalogId is required")

	// Partitions: the table's authorized columns on each.
	pm, err := cl.GetUnfilteredPartitionsMetadata(bg, &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID,
		DatabaseName: "sales", TableName: "orders", SupportedPermissionTypes: []string{api.CellFilterPermission}})
	must(t, err)
	if len(pm.UnfilteredPartitions) != 2 || !reflect.DeepEqual(pm.UnfilteredPartitions[1].AuthorizedColumns, []string{"id", "email", "amount", "country", "year"}) ||
		!pm.UnfilteredPartitions[0].IsRegisteredWithLakeFormation {
		t.Errorf("partitions: %+v", pm.UnfilteredPartitions)
	}
	_, err = cl.GetUnfilteredPartitionsMetadata(bg, &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID,
		DatabaseName: "sales", TableName: "orders", SupportedPermissionTypes: []string{api.ColumnPermission}})
	wantErr(t, err, lferr.PermissionTypeMismatch, "CELL_FILTER_PERMISSION")

	// Catalog calls: GetTable hides unauthorized columns (rule 8).
	f.lf.grant(analystArn, "sales.orders", access.TableAccess{Select: []access.SelectGrant{{Columns: []string{"id", "country"}}}})
	_, err = cl.GetPartitions(bg, "sales", "nope", "")
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.nope: SELECT or INSERT or ALTER or DESCRIBE is required")
	// A restricted SELECT may list partitions.
	ps, err := cl.GetPartitions(bg, "sales", "orders", "")
	must(t, err)
	if len(ps) != 2 {
		t.Errorf("GetPartitions: %d", len(ps))
	}
	tbl, err := cl.GetTable(bg, "sales", "orders")
	must(t, err)
	var names []string
	for _, c := range tbl.StorageDescriptor.Columns {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"id", "country"}) {
		t.Errorf("GetTable columns = %v", names)
	}
	f.lf.grant(analystArn, "sales.items", access.TableAccess{})
	ts, err := cl.GetTables(bg, "sales")
	must(t, err)
	if len(ts) != 1 || ts[0].Name != "orders" {
		t.Errorf("GetTables shows %d tables", len(ts))
	}
	_, err = cl.GetTable(bg, "sales", "items")
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.items")
	// Writes need IAM, then LF permissions on the database or table.
	err = cl.CreateTable(bg, "sales", api.TableInput{Name: "t2", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}}}})
	wantErr(t, err, lferr.AccessDenied, "no identity-based policy allows the glue:CreateTable action")
	f.role(t, "engineer", trustAccount, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:*","Resource":"*"}]}`)
	cl = f.session(t, "engineer", tagged())
	err = cl.CreateTable(bg, "sales", api.TableInput{Name: "t2", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}}}})
	wantErr(t, err, lferr.AccessDenied, "CREATE_TABLE on database sales")
	err = cl.DeleteTable(bg, "sales", "orders")
	wantErr(t, err, lferr.AccessDenied, "Insufficient Lake Formation permission(s) on sales.orders: DROP is required")
	eng := "arn:aws:iam::111122223333:role/engineer"
	f.lf.mu.Lock()
	f.lf.dbs[eng+"|sales"] = []string{"CREATE_TABLE"}
	f.lf.mu.Unlock()
	must(t, cl.CreateTable(bg, "sales", api.TableInput{Name: "t2", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}}}}))
	err = cl.CreateDatabase(bg, api.DatabaseInput{Name: "eng"})
	wantErr(t, err, lferr.AccessDenied, "CREATE_DATABASE on catalog 111122223333")
	f.lf.mu.Lock()
	f.lf.dbs[eng+"|"] = []string{"CREATE_DATABASE"}
	f.lf.mu.Unlock()
	must(t, cl.CreateDatabase(bg, api.DatabaseInput{Name: "eng"}))
	var created *api.Table
	created, err = f.admin.GetTable(bg, "sales", "t2")
	must(t, err)
	if created.CreatedBy != eng {
		t.Errorf("CreatedBy = %q, want the role", created.CreatedBy)
	}
}

func TestIAMExplicitDenyWins(t *testing.T) {
	f := lfLake(t)
	f.role(t, "denied", trustAccount, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["glue:*","lakeformation:*"],"Resource":"*"},
		{"Effect":"Deny","Action":"glue:GetTable","Resource":"arn:aws:glue:us-east-1:111122223333:table/sales/orders"},
		{"Effect":"Deny","Action":"lakeformation:GetDataAccess","Resource":"*"}]}`)
	f.role(t, "noperm", trustAccount, "")
	roleArn := "arn:aws:iam::111122223333:role/denied"
	f.lf.grant(roleArn, "sales.orders", access.TableAccess{Permissions: []string{"ALL"}, Select: []access.SelectGrant{fullSelect()}})
	f.lf.grant(roleArn, "sales.items", access.TableAccess{Permissions: []string{"ALL"}, Select: []access.SelectGrant{fullSelect()}})
	cl := f.session(t, "denied", tagged())
	_, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	wantErr(t, err, lferr.AccessDenied, "explicit deny")
	if _, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items")); err != nil {
		t.Errorf("other table: %v", err)
	}
	_, err = cl.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: TableARN(DefaultRegion, DefaultAccountID, "sales", "items")})
	wantErr(t, err, lferr.AccessDenied, "explicit deny")
	_, err = cl.GetTable(bg, "sales", "orders")
	wantErr(t, err, lferr.AccessDenied, "explicit deny")
	// No identity policy: implicit deny on every call.
	nc := f.session(t, "noperm", tagged())
	_, err = nc.GetDatabases(bg)
	wantErr(t, err, lferr.AccessDenied, "glue:GetDatabases")
}

func TestCredentialVending(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	arn := TableARN(DefaultRegion, DefaultAccountID, "sales", "orders")
	wh := f.cp.Warehouse()
	for _, p := range []string{"sales.db/orders/year=2025/a.parquet", "sales.db/items/b.parquet", "sales.db/orders_old/c.parquet"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(wh, p)), 0o700))
		must(t, os.WriteFile(filepath.Join(wh, p), []byte("x"), 0o600))
	}
	f.lf.grant(analystArn, "sales.orders", access.TableAccess{Permissions: []string{"SELECT", "INSERT"}, Select: []access.SelectGrant{fullSelect()}})
	req := func(mod ...func(*api.GetTemporaryGlueTableCredentialsInput)) *api.GetTemporaryGlueTableCredentialsInput {
		in := &api.GetTemporaryGlueTableCredentialsInput{TableArn: arn, Permissions: []string{"SELECT"}, SupportedPermissionTypes: []string{api.CellFilterPermission},
			QuerySessionContext: &api.QuerySessionContext{QueryId: "q-1", QueryAuthorizationId: "qa-1"}}
		for _, m := range mod {
			m(in)
		}
		return in
	}
	out, err := cl.GetTemporaryGlueTableCredentials(bg, req())
	must(t, err)
	loc := f.cp.WarehouseURI() + "sales.db/orders/"
	if !reflect.DeepEqual(out.VendedS3Path, []string{loc}) || !out.Expiration.Time.Equal(f.now.Add(time.Hour)) || !strings.HasPrefix(out.AccessKeyId, "ASIA") {
		t.Fatalf("vend: %+v", out)
	}
	c := cred.Credentials{AccessKeyId: out.AccessKeyId, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken}
	clock := func() time.Time { return f.now }
	st, err := f.cp.Signer().Open(bg, loc, c, clock)
	must(t, err)
	if fh, err := st.Open(bg, "year=2025/a.parquet"); err != nil {
		t.Fatalf("own file: %v", err)
	} else {
		_ = fh.Close()
	}
	_, err = st.Create(bg, "new.parquet")
	wantErr(t, err, lferr.AccessDenied, "read-only")
	root, err := f.cp.Signer().Open(bg, f.cp.WarehouseURI(), c, clock)
	must(t, err)
	for _, sib := range []string{"sales.db/items/b.parquet", "sales.db/orders_old/c.parquet"} {
		_, err = root.Open(bg, sib)
		wantErr(t, err, lferr.AccessDenied, "outside the vended location")
	}
	// INSERT ⇒ read-write.
	out, err = cl.GetTemporaryGlueTableCredentials(bg, req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
		in.Permissions = []string{"SELECT", "INSERT"}
		in.DurationSeconds = 900
	}))
	must(t, err)
	c = cred.Credentials{AccessKeyId: out.AccessKeyId, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken}
	st, _ = f.cp.Signer().Open(bg, loc, c, clock)
	w, err := st.Create(bg, "new.parquet")
	must(t, err)
	_ = w.Abort()
	f.now = f.now.Add(15 * time.Minute)
	_, err = st.List(bg, "")
	wantErr(t, err, lferr.Expired, "expired")

	// Partition credentials are scoped to the partition.
	pc, err := cl.(PartitionCredentials).GetTemporaryGluePartitionCredentials(bg, &PartitionCredentialsInput{TableArn: arn, PartitionValues: []string{"2025"},
		SupportedPermissionTypes: []string{api.ColumnPermission}})
	must(t, err)
	c = cred.Credentials{AccessKeyId: pc.AccessKeyId, SecretAccessKey: pc.SecretAccessKey, SessionToken: pc.SessionToken}
	root, _ = f.cp.Signer().Open(bg, loc, c, func() time.Time { return f.now })
	if fh, err := root.Open(bg, "year=2025/a.parquet"); err != nil {
		t.Errorf("partition file: %v", err)
	} else {
		_ = fh.Close()
	}
	_, err = root.List(bg, "")
	wantErr(t, err, lferr.AccessDenied, "outside the vended location")

	// Refusals.
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{{AllColumns: true, RowFilter: "sku = 'a'"}}})
	itemsArn := TableARN(DefaultRegion, DefaultAccountID, "sales", "items")
	cases := []struct {
		name string
		in   *api.GetTemporaryGlueTableCredentialsInput
		code lferr.Code
		msg  string
	}{
		{"INSERT not granted", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = itemsArn
			in.Permissions = []string{"INSERT"}
		}),
			lferr.AccessDenied, "INSERT on sales.items is not granted"},
		{"row filter needs the capability", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = itemsArn
			in.SupportedPermissionTypes = []string{api.ColumnPermission}
		}), lferr.PermissionTypeMismatch, "CELL_FILTER_PERMISSION"},
		{"S3Path outside the table", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.S3Path = f.cp.WarehouseURI() + "sales.db/items/"
		}),
			lferr.InvalidInput, "is not inside the table location"},
		{"DELETE not granted", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.Permissions = []string{"DELETE"} }),
			lferr.AccessDenied, "DELETE on sales.orders is not granted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := cl.GetTemporaryGlueTableCredentials(bg, tc.in)
			wantErr(t, err, tc.code, tc.msg)
			if out != nil {
				t.Errorf("vended: %+v", out)
			}
		})
	}
	// Rule 12: a restricted principal cannot get write credentials.
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Permissions: []string{"INSERT"}, Select: []access.SelectGrant{{AllColumns: true, RowFilter: "sku = 'a'"}}})
	_, err = cl.GetTemporaryGlueTableCredentials(bg, req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
		in.TableArn = itemsArn
		in.Permissions = []string{"INSERT"}
	}))
	wantErr(t, err, lferr.AccessDenied, "needs access to the whole table")

	// S3 locations: not configured yet.
	must(t, f.admin.CreateTable(bg, "sales", api.TableInput{Name: "remote",
		StorageDescriptor: &api.StorageDescriptor{Location: "s3://bucket/remote/", Columns: []api.Column{{Name: "a", Type: "int"}}}}))
	f.lf.reg = append(f.lf.reg, "s3://bucket/")
	f.lf.grant(analystArn, "sales.remote", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	_, err = cl.GetTemporaryGlueTableCredentials(bg, req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
		in.TableArn = TableARN(DefaultRegion, DefaultAccountID, "sales", "remote")
	}))
	wantErr(t, err, lferr.InvalidInput, "S3 vending not configured")
	// Unregistered location.
	f.lf.reg = nil
	_, err = cl.GetTemporaryGlueTableCredentials(bg, req())
	wantErr(t, err, lferr.InvalidInput, "not registered with Lake Formation")
}

func TestAuditBeforeAnswer(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	f.lf.grant(analystArn, "sales.orders", cellGrants())
	q := &api.QuerySessionContext{QueryId: "q-audit"}
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.QuerySessionContext = q
		in.AuditContext = &api.AuditContext{AdditionalAuditContext: `{"job":"x"}`, RequestedColumns: []string{"id"}}
	}))
	must(t, err)
	_, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.QuerySessionContext = &api.QuerySessionContext{QueryId: "q-audit", QueryAuthorizationId: out.QueryAuthorizationId}
		in.SupportedPermissionTypes = []string{api.ColumnPermission}
	}))
	wantErr(t, err, lferr.PermissionTypeMismatch, "")
	_, err = cl.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: TableARN(DefaultRegion, DefaultAccountID, "sales", "orders"),
		SupportedPermissionTypes: []string{api.CellFilterPermission}, QuerySessionContext: &api.QuerySessionContext{QueryId: "q-audit", QueryAuthorizationId: out.QueryAuthorizationId}})
	must(t, err)
	evs, err := audit.Read(f.cp.Home(), audit.Filter{QueryId: "q-audit"})
	must(t, err)
	if len(evs) != 3 {
		t.Fatalf("%d events: %+v", len(evs), evs)
	}
	a, d, v := evs[0], evs[1], evs[2]
	if a.Decision != audit.Allow || a.Principal != "arn:aws:sts::111122223333:assumed-role/analyst/sluice" || a.SessionTags[AuthorizedCallerTag] != engineTag ||
		a.QueryAuthorizationId != out.QueryAuthorizationId || a.AdditionalAuditContext != `{"job":"x"}` || a.Action != "glue:GetTable" ||
		!reflect.DeepEqual(a.Filters, []string{"us-emails", "small"}) || a.Resource != "arn:aws:glue:us-east-1:111122223333:table/sales/orders" ||
		len(a.AuthorizedColumns) != 5 || !reflect.DeepEqual(a.CellFiltered, []string{"email", "amount", "year"}) {
		t.Errorf("allow event: %+v", a)
	}
	if d.Decision != audit.Deny || d.ErrorCode != string(lferr.PermissionTypeMismatch) || d.QueryAuthorizationId != out.QueryAuthorizationId {
		t.Errorf("deny event: %+v", d)
	}
	if v.EventName != "GetDataAccess" || v.Decision != audit.Allow || v.Scope != string(cred.ReadOnly) || v.VendedPath == "" || v.Expiration == nil {
		t.Errorf("vend event: %+v", v)
	}
	// Unverified callers are audited too.
	_, _ = f.cp.ClientFor(Caller{Kind: RoleSessionCaller, Principal: "forged"}).GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	evs, _ = audit.Read(f.cp.Home(), audit.Filter{Principal: "forged"})
	if len(evs) != 1 || evs[0].Decision != audit.Deny || evs[0].ErrorCode != string(lferr.AccessDenied) {
		t.Errorf("forged caller events: %+v", evs)
	}
	// If the audit log cannot be written, no answer is given.
	must(t, f.cp.AuditLog().Close())
	out, err = cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	if out != nil || lferr.CodeOf(err) != lferr.InternalService || !strings.Contains(err.Error(), "unaudited") {
		t.Errorf("unaudited answer: %v %v", out, err)
	}
	vout, err := cl.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: TableARN(DefaultRegion, DefaultAccountID, "sales", "orders"),
		SupportedPermissionTypes: []string{api.CellFilterPermission}})
	if vout != nil || lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("unaudited vend: %v %v", vout, err)
	}
}

func TestMasksThroughTheFacade(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	f.lf.grant(analystArn, "sales.orders", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	must(t, f.cp.Store().Update(func(tx *store.Tx) error {
		return maskpolicy.Create(tx, f.cp.Catalog(), DefaultAccountID, api.ColumnMaskPolicy{Name: "hide-email", DatabaseName: "sales",
			TableName: "orders", ColumnName: "email", MaskExpression: "redact"})
	}))
	_, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	wantErr(t, err, lferr.PermissionTypeMismatch, "COLUMN_MASK_PERMISSION")
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.SupportedPermissionTypes = append(in.SupportedPermissionTypes, api.ColumnMaskPermission)
	}))
	must(t, err)
	if !reflect.DeepEqual(out.ColumnMasks, []api.ColumnMask{{ColumnName: "email", MaskExpression: "redact", MaskName: "hide-email"}}) {
		t.Errorf("masks: %+v", out.ColumnMasks)
	}
	// The administrator is not masked.
	out, err = f.admin.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	must(t, err)
	if len(out.ColumnMasks) != 0 {
		t.Errorf("admin masked: %+v", out.ColumnMasks)
	}
	x, err := f.cp.Explain(bg, "analyst", "sales", "orders")
	must(t, err)
	if x.Outcome != OutcomeRestricted || !reflect.DeepEqual(x.Masks, []string{"email: hide-email"}) || x.Answer == nil {
		t.Errorf("explain: %+v", x)
	}
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Explain: []string{"no grant matches"}})
	x, err = f.cp.Explain(bg, analystArn, "sales", "items")
	must(t, err)
	if x.Outcome != OutcomeDenied || x.Refusal == nil || !strings.Contains(strings.Join(x.Lines, "\n"), "no grant matches") {
		t.Errorf("explain denied: %+v", x)
	}
}

// The home's keys are created once, 0600, and survive reopening.
func TestHomeKeys(t *testing.T) {
	home := t.TempDir()
	cp := openHome(t, home)
	k1, err := os.ReadFile(filepath.Join(home, KeysDir, VendingKeyFile))
	must(t, err)
	st, err := os.Stat(filepath.Join(home, KeysDir, SealingKeyFile))
	must(t, err)
	if st.Mode().Perm() != 0o600 || len(k1) != 32 {
		t.Fatalf("keys: %v %d", st.Mode(), len(k1))
	}
	must(t, cp.Close())
	cp2, err := Open(home, Options{NoSync: true, Rand: bytes.NewReader(make([]byte, 1024))})
	must(t, err)
	defer cp2.Close()
	k2, _ := os.ReadFile(filepath.Join(home, KeysDir, VendingKeyFile))
	if !bytes.Equal(k1, k2) {
		t.Fatal("vending key changed on reopen")
	}
	_ = fmt.Sprint()
	_ = context.Background()
}

func TestColumnMaskAdministration(t *testing.T) {
	f := lfLake(t)
	must(t, f.cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "m", DatabaseName: "sales", TableName: "orders", ColumnName: "email", MaskExpression: "sha256"}))
	wantErr(t, f.cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "bad", DatabaseName: "sales", TableName: "orders", ColumnName: "id", MaskExpression: "redact"}),
		lferr.InvalidInput, "does not type-check for a bigint column")
	must(t, f.cp.UpdateColumnMask(api.ColumnMaskPolicy{Name: "m", DatabaseName: "sales", TableName: "orders", ColumnName: "email", MaskExpression: "redact"}))
	p, err := f.cp.GetColumnMask("m")
	must(t, err)
	if p.MaskExpression != "redact" || p.CatalogId != DefaultAccountID {
		t.Errorf("Get = %+v", p)
	}
	// Dropping the table drops its column masks.
	must(t, f.admin.DeleteTable(bg, "sales", "orders"))
	ps, err := f.cp.ListColumnMasks()
	must(t, err)
	if len(ps) != 0 {
		t.Errorf("masks survive their table: %+v", ps)
	}
	wantErr(t, f.cp.DeleteColumnMask("m"), lferr.EntityNotFound, "not found")
}

func TestCatalogCallsAudited(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	f.lf.grant(analystArn, "sales.orders", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	_, err := cl.GetTable(bg, "sales", "orders")
	must(t, err)
	_, err = cl.GetTable(bg, "sales", "items")
	wantErr(t, err, lferr.AccessDenied, "Insufficient")
	err = cl.DeleteTable(bg, "sales", "orders")
	wantErr(t, err, lferr.AccessDenied, "glue:DeleteTable")
	evs, err := audit.Read(f.cp.Home(), audit.Filter{EventName: "GetTable"})
	must(t, err)
	// GetTable on orders: allowed; on items: the IAM gate allows, LF refuses.
	var got []string
	for _, e := range evs {
		got = append(got, e.Resource[strings.LastIndex(e.Resource, "/")+1:]+":"+e.Decision)
	}
	if !reflect.DeepEqual(got, []string{"orders:ALLOW", "items:ALLOW", "items:DENY"}) {
		t.Errorf("GetTable events: %v", got)
	}
	evs, _ = audit.Read(f.cp.Home(), audit.Filter{EventName: "DeleteTable", Decision: audit.Deny})
	if len(evs) != 1 || evs[0].Principal != "arn:aws:sts::111122223333:assumed-role/analyst/sluice" {
		t.Errorf("DeleteTable events: %+v", evs)
	}
	// The administrator's catalog calls are not audited.
	if _, err := f.admin.GetTable(bg, "sales", "items"); err != nil {
		t.Fatal(err)
	}
	evs, _ = audit.Read(f.cp.Home(), audit.Filter{Principal: f.cp.Admin().Principal, EventName: "GetTable"})
	if len(evs) != 0 {
		t.Errorf("admin catalog calls audited: %d", len(evs))
	}
}

// Reopening a home drops expired STS sessions; live ones keep working.
func TestReopenPurgesExpiredSessions(t *testing.T) {
	home := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cp, err := Open(home, Options{NoSync: true, Now: clock})
	must(t, err)
	f := &fixture{cp: cp, now: now}
	f.role(t, "analyst", trustAccount, analystPolicy)
	_, err = cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	count := func(cp *ControlPlane) (n int) {
		must(t, cp.Store().View(func(tx *store.Tx) (err error) { n, err = tx.Count(sts.BucketSessions, ""); return }))
		return
	}
	if n := count(cp); n != 2 { // the engine's session and the user's
		t.Fatalf("%d sessions", n)
	}
	must(t, cp.Close())
	now = now.Add(2 * time.Hour)
	cp, err = Open(home, Options{NoSync: true, Now: clock})
	must(t, err)
	defer cp.Close()
	if n := count(cp); n != 0 {
		t.Fatalf("%d sessions survive expiry", n)
	}
}

// A partition stored outside its table's location gets no credentials.
func TestPartitionOutsideTableLocation(t *testing.T) {
	f := lfLake(t)
	cl := f.session(t, "analyst", tagged())
	f.lf.grant(analystArn, "sales.orders", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	must(t, f.admin.BatchCreatePartition(bg, "sales", "orders", []api.PartitionInput{{Values: []string{"1999"},
		StorageDescriptor: &api.StorageDescriptor{Location: f.cp.WarehouseURI() + "sales.db/items/"}}}))
	arn := TableARN(DefaultRegion, DefaultAccountID, "sales", "orders")
	_, err := cl.(PartitionCredentials).GetTemporaryGluePartitionCredentials(bg, &PartitionCredentialsInput{TableArn: arn, PartitionValues: []string{"1999"},
		SupportedPermissionTypes: []string{api.ColumnPermission}})
	wantErr(t, err, lferr.AccessDenied, "outside the table location")
	_, err = cl.(PartitionCredentials).GetTemporaryGluePartitionCredentials(bg, &PartitionCredentialsInput{TableArn: arn, PartitionValues: []string{"1888"},
		SupportedPermissionTypes: []string{api.ColumnPermission}})
	wantErr(t, err, lferr.EntityNotFound, "")
	_, err = cl.(PartitionCredentials).GetTemporaryGluePartitionCredentials(bg, &PartitionCredentialsInput{TableArn: arn})
	wantErr(t, err, lferr.InvalidInput, "Partition.Values is required")
}

// A Caller built in process around a look-alike of an issued session (same
// access key id, extra tags) is refused: decisions read only the session
// as issued.
func TestLookAlikeSessionRefused(t *testing.T) {
	f := lfLake(t)
	f.lf.grant(analystArn, "sales.items", access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}})
	real, err := f.cp.CallerForRole(bg, "analyst", nil)
	must(t, err)
	_, err = f.cp.ClientFor(real).GetUnfilteredTableMetadata(bg, gutm("sales", "items"))
	wantErr(t, err, lferr.AccessDenied, "no LakeFormationAuthorizedCaller session tag")
	forged := *real.session
	forged.Tags = []iam.Tag{{Key: AuthorizedCallerTag, Value: engineTag}}
	c, err := CallerForSession(&forged)
	must(t, err)
	_, err = f.cp.ClientFor(c).GetUnfilteredTableMetadata(bg, gutm("sales", "items"))
	wantErr(t, err, lferr.AccessDenied, "does not match the one issued")
}
