package engine_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/engine"
)

const acct = "111122223333"

var bg = context.Background()

// clock is a settable clock shared by the control plane and the engine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lake is a home under Lake Formation's real permission model: new
// databases and tables get no IAM_ALLOWED_PRINCIPALS grant, the engine is
// admitted by the DataLakeSettings, and roles are created on demand.
type lake struct {
	t     testing.TB
	eng   *engine.Engine
	cp    *authz.ControlPlane
	admin *engine.Session
	clock *clock
}

// rolePolicy lets a role use the catalog and ask for data access; what it
// may see is Lake Formation's decision.
const rolePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:*","lakeformation:GetDataAccess"],"Resource":"*"}]}`

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

func newLake(t testing.TB, opts ...func(*engine.Options)) *lake {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	o := engine.Options{Home: t.TempDir(), Now: c.Now, NoSync: true}
	for _, f := range opts {
		f(&o)
	}
	eng, err := engine.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	l := &lake{t: t, eng: eng, cp: eng.ControlPlane(), clock: c}
	l.settings(func(s *api.DataLakeSettings) {})
	if l.admin, err = eng.NewSession(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return l
}

// settings puts the engine-admitting settings, changed by mod.
func (l *lake) settings(mod func(*api.DataLakeSettings)) {
	l.t.Helper()
	s := api.DataLakeSettings{AllowExternalDataFiltering: true,
		ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: acct}},
		AuthorizedSessionTagValueList:  []string{engine.DefaultAuthorizedCallerTag}}
	mod(&s)
	l.update(func(tx *store.Tx) error { return lf.PutSettings(tx, acct, s) })
}

func (l *lake) update(fn func(tx *store.Tx) error) {
	l.t.Helper()
	if err := l.cp.Store().Update(fn); err != nil {
		l.t.Fatal(err)
	}
}

func roleArn(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

// role creates an IAM role the account (and so the engine) may assume.
func (l *lake) role(name string) {
	l.t.Helper()
	adm := &iam.Admin{Rand: rand.Reader}
	l.update(func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, l.clock.Now(), iam.CreateRoleInput{Account: acct, RoleName: name, AssumeRolePolicyDocument: trustAccount}); err != nil {
			return err
		}
		return adm.PutRolePolicy(recs, acct, name, "lake", rolePolicy)
	})
}

func (l *lake) grant(role string, res api.Resource, perms ...string) {
	l.t.Helper()
	l.update(func(tx *store.Tx) error {
		return lf.GrantPermissions(tx, acct, lf.Caller{Trusted: true}, lf.GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: roleArn(role)}, Resource: &res, Permissions: perms}, l.clock.Now())
	})
}

func tableRes(db, table string) api.Resource {
	return api.Resource{Table: &api.TableResource{CatalogId: acct, DatabaseName: db, Name: table}}
}

func columnsRes(db, table string, cols ...string) api.Resource {
	return api.Resource{TableWithColumns: &api.TableWithColumnsResource{CatalogId: acct, DatabaseName: db, Name: table, ColumnNames: cols}}
}

func dbRes(db string) api.Resource {
	return api.Resource{Database: &api.DatabaseResource{CatalogId: acct, Name: db}}
}

// as opens a session as role.
func (l *lake) as(role string) *engine.Session {
	l.t.Helper()
	s, err := l.eng.NewSession(context.Background(), role)
	if err != nil {
		l.t.Fatalf("session as %s: %v", role, err)
	}
	return s
}

func (l *lake) exec(sql ...string) {
	l.t.Helper()
	for _, q := range sql {
		if _, err := l.admin.Exec(context.Background(), q); err != nil {
			l.t.Fatalf("%s: %v", q, err)
		}
	}
}

// execErr runs sql and returns its error (nil on success).
func execErr(s *engine.Session, sql string) error {
	_, err := s.Exec(context.Background(), sql)
	return err
}

// wantCode fails unless err has code and its message mentions every part.
func wantCode(t *testing.T, what string, err error, code lferr.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %s", what, code)
		return
	}
	if lferr.CodeOf(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %q does not mention %q", what, err.Error(), p)
		}
	}
}

// revokeAll revokes every permission role holds on res.
func revokeAll(l *lake, role string, res api.Resource) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		return lf.RevokePermissions(tx, acct, lf.Caller{Trusted: true}, lf.GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: roleArn(role)}, Resource: &res,
			Permissions: []string{"ALL", "SELECT", "INSERT", "DELETE", "DESCRIBE", "ALTER", "DROP"}}, l.clock.Now())
	}
}

func (l *lake) createTag(key string, values ...string) {
	l.t.Helper()
	l.update(func(tx *store.Tx) error {
		return l.cp.LFTags().In(tx).CreateLFTag(api.CreateLFTagInput{TagKey: key, TagValues: values})
	})
}

// assign assigns key=value to a database (table ""), a table, or columns.
func (l *lake) assign(db, table, key, value string, cols ...string) {
	l.t.Helper()
	var r api.Resource
	switch {
	case len(cols) > 0:
		r.TableWithColumns = &api.TableWithColumnsResource{DatabaseName: db, Name: table, ColumnNames: cols}
	case table != "":
		r.Table = &api.TableResource{DatabaseName: db, Name: table}
	default:
		r.Database = &api.DatabaseResource{Name: db}
	}
	l.update(func(tx *store.Tx) error {
		out, err := l.cp.LFTags().In(tx).AddLFTagsToResource(api.AddLFTagsToResourceInput{Resource: &r,
			LFTags: []api.LFTagPair{{TagKey: key, TagValues: []string{value}}}})
		if err == nil && len(out.Failures) > 0 {
			l.t.Fatalf("assign %s=%s to %s.%s: %+v", key, value, db, table, out.Failures)
		}
		return err
	})
}

// tagPolicy is an LF-tag policy resource over DATABASE or TABLE.
func tagPolicy(typ, key string, values ...string) api.Resource {
	return api.Resource{LFTagPolicy: &api.LFTagPolicyResource{CatalogId: acct, ResourceType: typ,
		Expression: []api.LFTag{{TagKey: key, TagValues: values}}}}
}
