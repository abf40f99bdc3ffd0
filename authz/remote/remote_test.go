package remote_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/remote"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/wire"
)

const (
	acct  = authz.DefaultAccountID
	trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	pol   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}`
)

var bg = context.Background()

// served is a control plane set up in process and served on loopback:
// hr.staff (row filter, a hidden column, a mask) and hr.events
// (partitioned, whole-table SELECT), roles analyst and describer.
type served struct {
	cp    *authz.ControlPlane
	url   string
	admin aws.Credentials
}

func serve(t *testing.T) *served {
	t.Helper()
	cp, err := authz.Open(t.TempDir(), authz.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	now := time.Now()
	update := func(fn func(tx *store.Tx) error) {
		t.Helper()
		if err := cp.Store().Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *store.Tx) error {
		adm, recs := &iam.Admin{Rand: rand.Reader}, iam.BoltRecords{Tx: tx}
		for _, r := range []string{"analyst", "describer"} {
			if _, err := adm.CreateRole(recs, now, iam.CreateRoleInput{Account: acct, RoleName: r, AssumeRolePolicyDocument: trust}); err != nil {
				return err
			}
			if err := adm.PutRolePolicy(recs, acct, r, "lake", pol); err != nil {
				return err
			}
		}
		if err := lf.PutSettings(tx, acct, api.DataLakeSettings{AllowExternalDataFiltering: true,
			ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: acct}},
			AuthorizedSessionTagValueList:  []string{remote.DefaultSessionTagValue}}); err != nil {
			return err
		}
		return lf.RegisterResource(tx, lf.RegisterInput{ResourceArn: strings.TrimSuffix(cp.WarehouseURI(), "/"), UseServiceLinkedRole: true}, now)
	})
	ac := cp.ClientFor(cp.Admin())
	must(t, ac.CreateDatabase(bg, api.DatabaseInput{Name: "hr", Description: "people", Parameters: map[string]string{"k": "v"}}))
	cols := []api.Column{{Name: "id", Type: "bigint", Comment: "key"}, {Name: "dept", Type: "string"}, {Name: "salary", Type: "double"}, {Name: "email", Type: "string"}}
	must(t, ac.CreateTable(bg, "hr", api.TableInput{Name: "staff", TableType: api.ExternalTable, Parameters: map[string]string{"classification": "parquet"},
		StorageDescriptor: &api.StorageDescriptor{Columns: cols, SerdeInfo: &api.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}))
	must(t, ac.CreateTable(bg, "hr", api.TableInput{Name: "events", TableType: api.ExternalTable,
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "n", Type: "bigint"}}}, PartitionKeys: []api.Column{{Name: "day", Type: "string"}}}))
	must(t, ac.BatchCreatePartition(bg, "hr", "events", []api.PartitionInput{{Values: []string{"2026-01-01"}}, {Values: []string{"2026-01-02"}}}))
	update(func(tx *store.Tx) error {
		if err := lf.CreateDataCellsFilter(tx, acct, lf.Caller{Trusted: true}, api.DataCellsFilter{TableCatalogId: acct, DatabaseName: "hr", TableName: "staff",
			Name: "hr_only", RowFilter: &api.RowFilter{FilterExpression: "dept = 'hr'"}, ColumnNames: []string{"id", "dept", "email"}}); err != nil {
			return err
		}
		grants := []struct {
			role  string
			res   api.Resource
			perms []string
		}{
			{"analyst", api.Resource{DataCellsFilter: &api.DataCellsFilterResource{TableCatalogId: acct, DatabaseName: "hr", TableName: "staff", Name: "hr_only"}}, []string{"SELECT"}},
			{"analyst", api.Resource{Table: &api.TableResource{CatalogId: acct, DatabaseName: "hr", Name: "events"}}, []string{"SELECT"}},
			{"describer", api.Resource{Table: &api.TableResource{CatalogId: acct, DatabaseName: "hr", Name: "staff"}}, []string{"DESCRIBE"}},
		}
		for _, g := range grants {
			res := g.res
			if err := lf.GrantPermissions(tx, acct, lf.Caller{Trusted: true}, lf.GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: "arn:aws:iam::" + acct + ":role/" + g.role},
				Resource: &res, Permissions: g.perms}, now); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "email_tail", DatabaseName: "hr", TableName: "staff", ColumnName: "email", MaskExpression: "show_last(value, 5)"}))

	srv, err := wire.New(cp, wire.Options{})
	must(t, err)
	adm, err := srv.Bootstrap()
	must(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &served{cp: cp, url: ts.URL, admin: aws.Credentials{AccessKeyID: adm.AccessKeyID, SecretAccessKey: adm.SecretAccessKey}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (s *served) remote(t *testing.T, role string, tags map[string]string) (*remote.Client, error) {
	t.Helper()
	return remote.New(bg, remote.Config{Endpoint: s.url, Credentials: credentials.StaticCredentialsProvider{Value: s.admin}, RoleArn: role, SessionTags: tags})
}

// local is the in-process client for the same role and tags.
func (s *served) local(t *testing.T, role string) api.Client {
	t.Helper()
	c, err := s.cp.CallerForRole(bg, role, map[string]string{remote.AuthorizedCallerTag: remote.DefaultSessionTagValue})
	must(t, err)
	return s.cp.ClientFor(c)
}

var allTypes = []string{api.ColumnPermission, api.CellFilterPermission, api.ColumnMaskPermission}

// The remote client's answers equal the in-process client's for the same
// role, field by field (ids minted per call aside): what the engine
// enforces does not depend on the transport. ColumnMasks above all.
func TestRemoteAnswersEqualInProcess(t *testing.T) {
	s := serve(t)
	rc, err := s.remote(t, "analyst", nil)
	must(t, err)
	lc := s.local(t, "analyst")
	id := rc.Identity()
	if !strings.HasPrefix(id.Principal, "arn:aws:sts::"+acct+":assumed-role/analyst/") || id.Account != acct || id.RoleArn != "arn:aws:iam::"+acct+":role/analyst" {
		t.Errorf("identity %+v", id)
	}

	in := &api.GetUnfilteredTableMetadataInput{CatalogId: acct, DatabaseName: "hr", Name: "staff", SupportedPermissionTypes: allTypes}
	rm, err := rc.GetUnfilteredTableMetadata(bg, in)
	must(t, err)
	lm, err := lc.GetUnfilteredTableMetadata(bg, in)
	must(t, err)
	if len(rm.ColumnMasks) != 1 || rm.ColumnMasks[0].ColumnName != "email" || rm.RowFilter == "" || len(rm.CellFilters) == 0 {
		t.Errorf("remote answer lost policy: masks %+v row filter %q cell filters %+v", rm.ColumnMasks, rm.RowFilter, rm.CellFilters)
	}
	rm.QueryAuthorizationId, lm.QueryAuthorizationId = "", ""
	if !reflect.DeepEqual(rm, lm) {
		t.Errorf("GetUnfilteredTableMetadata differs:\nremote     %+v\nin process %+v", *rm, *lm)
	}

	pin := &api.GetUnfilteredPartitionsMetadataInput{CatalogId: acct, DatabaseName: "hr", TableName: "events", SupportedPermissionTypes: allTypes}
	rp, err := rc.GetUnfilteredPartitionsMetadata(bg, pin)
	must(t, err)
	lp, err := lc.GetUnfilteredPartitionsMetadata(bg, pin)
	must(t, err)
	if len(rp.UnfilteredPartitions) != 2 || !reflect.DeepEqual(rp, lp) {
		t.Errorf("GetUnfilteredPartitionsMetadata differs:\nremote     %+v\nin process %+v", rp, lp)
	}

	checks := []struct {
		name   string
		remote func() (any, error)
		local  func() (any, error)
	}{
		{"GetDatabases", func() (any, error) { return rc.GetDatabases(bg) }, func() (any, error) { return lc.GetDatabases(bg) }},
		{"GetDatabase", func() (any, error) { return rc.GetDatabase(bg, "hr") }, func() (any, error) { return lc.GetDatabase(bg, "hr") }},
		{"GetTables", func() (any, error) { return rc.GetTables(bg, "hr") }, func() (any, error) { return lc.GetTables(bg, "hr") }},
		{"GetTable", func() (any, error) { return rc.GetTable(bg, "hr", "staff") }, func() (any, error) { return lc.GetTable(bg, "hr", "staff") }},
		{"GetPartitions", func() (any, error) { return rc.GetPartitions(bg, "hr", "events", "") }, func() (any, error) { return lc.GetPartitions(bg, "hr", "events", "") }},
		{"GetPartitions expression", func() (any, error) { return rc.GetPartitions(bg, "hr", "events", "day = '2026-01-02'") },
			func() (any, error) { return lc.GetPartitions(bg, "hr", "events", "day = '2026-01-02'") }},
	}
	for _, c := range checks {
		r, rerr := c.remote()
		l, lerr := c.local()
		if rerr != nil || lerr != nil {
			t.Errorf("%s: remote %v, in process %v", c.name, rerr, lerr)
			continue
		}
		if !reflect.DeepEqual(r, l) {
			t.Errorf("%s differs:\nremote     %+v\nin process %+v", c.name, r, l)
		}
	}

	cred, err := rc.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{
		TableArn: authz.TableARN("us-east-1", acct, "hr", "events"), Permissions: []string{"SELECT"}, DurationSeconds: 900, SupportedPermissionTypes: allTypes})
	must(t, err)
	if cred.AccessKeyId == "" || cred.SecretAccessKey == "" || cred.SessionToken == "" || cred.Expiration == nil ||
		cred.Expiration.Sub(time.Now()) > 901*time.Second || cred.Expiration.Sub(time.Now()) < 800*time.Second {
		t.Errorf("vended credentials %+v", cred)
	}
}

// Refusals carry the server's exception names as lferr codes, and its
// message.
func TestRemoteErrorCodes(t *testing.T) {
	s := serve(t)
	rc, err := s.remote(t, "analyst", nil)
	must(t, err)
	desc, err := s.remote(t, "describer", nil)
	must(t, err)
	wrongTag, err := s.remote(t, "analyst", map[string]string{remote.AuthorizedCallerTag: "not-listed"})
	must(t, err)
	noTag, err := s.remote(t, "analyst", map[string]string{"team": "x"})
	must(t, err)
	lc := s.local(t, "analyst")
	_, localMissing := lc.GetTable(bg, "hr", "nope")
	if lferr.CodeOf(localMissing) == "" {
		t.Fatal("in process, a missing table answered")
	}
	gutm := func(c *remote.Client, table string, types ...string) error {
		_, err := c.GetUnfilteredTableMetadata(bg, &api.GetUnfilteredTableMetadataInput{CatalogId: acct, DatabaseName: "hr", Name: table, SupportedPermissionTypes: types})
		return err
	}
	cases := []struct {
		name string
		err  error
		code lferr.Code
		msg  string
	}{
		{"capability not declared (masks)", gutm(rc, "staff", api.ColumnPermission, api.CellFilterPermission), lferr.PermissionTypeMismatch, ""},
		{"capability not declared (cells)", gutm(rc, "staff", api.ColumnPermission), lferr.PermissionTypeMismatch, ""},
		{"missing table (same code as in process)", gutm(rc, "nope", allTypes...), lferr.CodeOf(localMissing), "nope"},
		{"session tag value not listed", gutm(wrongTag, "staff", allTypes...), lferr.AccessDenied, ""},
		{"no session tag", gutm(noTag, "staff", allTypes...), lferr.AccessDenied, ""},
		{"GetTable of a missing table", func() error { _, err := rc.GetTable(bg, "hr", "nope"); return err }(), lferr.CodeOf(localMissing), "nope"},
		{"IAM does not allow CreateDatabase", rc.CreateDatabase(bg, api.DatabaseInput{Name: "x"}), lferr.AccessDenied, ""},
		{"IAM does not allow BatchCreatePartition", rc.BatchCreatePartition(bg, "hr", "events", []api.PartitionInput{{Values: []string{"2026-01-03"}}}), lferr.AccessDenied, ""},
		{"DESCRIBE only: no credentials", func() error {
			_, err := desc.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: authz.TableARN("us-east-1", acct, "hr", "staff"),
				Permissions: []string{"SELECT"}, SupportedPermissionTypes: allTypes})
			return err
		}(), lferr.AccessDenied, ""},
	}
	for _, c := range cases {
		if lferr.CodeOf(c.err) != c.code {
			t.Errorf("%s: code %q (%v), want %s", c.name, lferr.CodeOf(c.err), c.err, c.code)
			continue
		}
		if lferr.MessageOf(c.err) == "" || !strings.Contains(lferr.MessageOf(c.err), c.msg) {
			t.Errorf("%s: message %q does not name %q", c.name, lferr.MessageOf(c.err), c.msg)
		}
	}

	if _, err := s.remote(t, "nobody", nil); lferr.CodeOf(err) != lferr.STSAccessDenied {
		t.Errorf("assuming a missing role: %v, want STS AccessDenied", err)
	}
	bad := remote.Config{Endpoint: s.url, RoleArn: "analyst",
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: s.admin.AccessKeyID, SecretAccessKey: "wrong"}}}
	if _, err := remote.New(bg, bad); lferr.CodeOf(err) == "" || lferr.CodeOf(err) == lferr.InternalService {
		t.Errorf("bad signature: %v, want the server's code", err)
	}
	noCreds := remote.Config{Endpoint: s.url, RoleArn: "analyst", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("nothing configured")
	})}
	if _, err := remote.New(bg, noCreds); lferr.CodeOf(err) != lferr.InvalidInput || !strings.Contains(err.Error(), "engine's credentials") {
		t.Errorf("no engine credentials: %v, want InvalidInputException naming the credentials", err)
	}
	for _, cfg := range []remote.Config{{Endpoint: s.url}, {Endpoint: "ftp://x", RoleArn: "analyst"}, {Endpoint: s.url, RoleArn: "a/b"}} {
		cfg.Credentials = credentials.StaticCredentialsProvider{Value: s.admin}
		if _, err := remote.New(bg, cfg); lferr.CodeOf(err) != lferr.InvalidInput {
			t.Errorf("config %+v: %v, want InvalidInputException", cfg, err)
		}
	}
}
