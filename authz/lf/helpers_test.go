package lf

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
)

const acct = "111122223333"

func role(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

var (
	adminRole   = role("admin")
	roAdminRole = role("auditor")
	analyst     = role("analyst")
	engineer    = role("engineer")
	outsider    = role("outsider")
	t0          = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	trusted     = Caller{Trusted: true}
	asAdmin     = Caller{Principals: []string{adminRole, acct}}
)

type env struct {
	t    testing.TB
	db   *store.DB
	cat  *catalog.Catalog
	tags *lftag.Service
}

// newEnv opens a fresh control-plane store with the catalog hooks
// registered as the facade does, and LF-controlled settings (no
// IAM_ALLOWED_PRINCIPALS defaults) with adminRole as administrator.
func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "lf.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db}
	e.cat = catalog.New(db, catalog.Config{
		Now:              func() time.Time { return t0 },
		DatabaseLocation: func(_, d string) string { return "s3://lake/" + d },
		OnCreate:         []func(*store.Tx, catalog.Resource, string) error{OnCreate},
		OnDelete:         []func(*store.Tx, catalog.Resource) error{OnDelete},
	})
	e.tags = lftag.New(db, e.cat, lftag.Config{
		AccountID:          acct,
		OnDeleteTag:        []func(*store.Tx, string, string) error{OnDeleteTag},
		OnDeleteExpression: []func(*store.Tx, string, string) error{OnDeleteExpression},
	})
	e.must(func(tx *store.Tx) error {
		return PutSettings(tx, acct, api.DataLakeSettings{
			DataLakeAdmins: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: adminRole}},
			ReadOnlyAdmins: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: roAdminRole}},
		})
	})
	return e
}

func (e *env) update(fn func(tx *store.Tx) error) error { return e.db.Update(fn) }

func (e *env) must(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.Update(fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) view(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.View(fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) createDB(name, creator string) {
	e.t.Helper()
	e.must(func(tx *store.Tx) error {
		return e.cat.In(tx, creator).CreateDatabase(acct, api.DatabaseInput{Name: name})
	})
}

// createTable creates db.name with columns "name:type" (type defaults to
// string); names after "|" are partition keys.
func (e *env) createTable(db, name, creator string, cols ...string) {
	e.t.Helper()
	in := api.TableInput{Name: name, StorageDescriptor: &api.StorageDescriptor{}}
	part := false
	for _, c := range cols {
		if c == "|" {
			part = true
			continue
		}
		n, typ, ok := strings.Cut(c, ":")
		if !ok {
			typ = "string"
		}
		if part {
			in.PartitionKeys = append(in.PartitionKeys, api.Column{Name: n, Type: typ})
		} else {
			in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, api.Column{Name: n, Type: typ})
		}
	}
	e.must(func(tx *store.Tx) error { return e.cat.In(tx, creator).CreateTable(acct, db, in) })
}

func (e *env) grant(c Caller, principal string, r api.Resource, perms []string, grantable ...string) error {
	return e.update(func(tx *store.Tx) error {
		return GrantPermissions(tx, acct, c, GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: principal}, Resource: &r,
			Permissions: perms, PermissionsWithGrantOption: grantable}, t0)
	})
}

func (e *env) mustGrant(principal string, r api.Resource, perms []string, grantable ...string) {
	e.t.Helper()
	if err := e.grant(trusted, principal, r, perms, grantable...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) revoke(c Caller, principal string, r api.Resource, perms []string, grantable ...string) error {
	return e.update(func(tx *store.Tx) error {
		return RevokePermissions(tx, acct, c, GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: principal}, Resource: &r,
			Permissions: perms, PermissionsWithGrantOption: grantable}, t0)
	})
}

func (e *env) access(db, table string, principals ...string) access.TableAccess {
	e.t.Helper()
	var a access.TableAccess
	e.view(func(tx *store.Tx) error {
		var err error
		a, err = TableAccess(tx, acct, principals, db, table)
		return err
	})
	return a
}

func (e *env) dbAccess(db string, principals ...string) DatabaseAccess {
	e.t.Helper()
	var a DatabaseAccess
	e.view(func(tx *store.Tx) error {
		var err error
		a, err = DatabaseAccessOf(tx, acct, principals, db)
		return err
	})
	return a
}

func (e *env) createTag(key string, values ...string) {
	e.t.Helper()
	e.must(func(tx *store.Tx) error {
		return e.tags.In(tx).CreateLFTag(api.CreateLFTagInput{TagKey: key, TagValues: values})
	})
}

// assign assigns key=value to a database (table ""), table, or columns.
func (e *env) assign(db, table, key, value string, cols ...string) {
	e.t.Helper()
	var r api.Resource
	switch {
	case len(cols) > 0:
		r.TableWithColumns = &api.TableWithColumnsResource{DatabaseName: db, Name: table, ColumnNames: cols}
	case table != "":
		r.Table = &api.TableResource{DatabaseName: db, Name: table}
	default:
		r.Database = &api.DatabaseResource{Name: db}
	}
	e.must(func(tx *store.Tx) error {
		out, err := e.tags.In(tx).AddLFTagsToResource(api.AddLFTagsToResourceInput{Resource: &r, LFTags: []api.LFTagPair{{TagKey: key, TagValues: []string{value}}}})
		if err == nil && len(out.Failures) > 0 {
			e.t.Fatalf("assign %s=%s: %+v", key, value, out.Failures)
		}
		return err
	})
}

func tableRes(db, name string) api.Resource {
	return api.Resource{Table: &api.TableResource{DatabaseName: db, Name: name}}
}

func wildcardRes(db string) api.Resource {
	return api.Resource{Table: &api.TableResource{DatabaseName: db, TableWildcard: &api.TableWildcard{}}}
}

func dbRes(db string) api.Resource { return api.Resource{Database: &api.DatabaseResource{Name: db}} }

func colsRes(db, name string, cols ...string) api.Resource {
	return api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: db, Name: name, ColumnNames: cols}}
}

func exclRes(db, name string, excl ...string) api.Resource {
	return api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: db, Name: name, ColumnWildcard: &api.ColumnWildcard{ExcludedColumnNames: excl}}}
}

func filterRes(db, table, name string) api.Resource {
	return api.Resource{DataCellsFilter: &api.DataCellsFilterResource{DatabaseName: db, TableName: table, Name: name}}
}

func policyRes(typ string, expr ...api.LFTag) api.Resource {
	return api.Resource{LFTagPolicy: &api.LFTagPolicyResource{ResourceType: typ, Expression: expr}}
}

func tag(key string, values ...string) api.LFTag { return api.LFTag{TagKey: key, TagValues: values} }

// wantErr checks err's code and that its message contains every part.
func wantErr(t testing.TB, err error, code lferr.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	if got := lferr.CodeOf(err); got != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	for _, p := range parts {
		if !strings.Contains(lferr.MessageOf(err), p) {
			t.Fatalf("error %q does not mention %q", lferr.MessageOf(err), p)
		}
	}
}

func eqSet(a, b []string) bool {
	a, b = sortedSet(a), sortedSet(b)
	return slices.Equal(a, b)
}
