package engine

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// vendLake has d.t and d.t2 (a sibling whose name extends t) loaded by the
// administrator, and an analyst granted SELECT on d.t only.
func vendLake(t *testing.T) (*Engine, *testClock) {
	t.Helper()
	ctx := context.Background()
	c := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e, err := Open(ctx, Options{Home: t.TempDir(), Now: c.now, NoSync: true, CredentialSeconds: 900})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	const acct = "111122223333"
	err = e.cp.Store().Update(func(tx *store.Tx) error {
		return lf.PutSettings(tx, acct, api.DataLakeSettings{AllowExternalDataFiltering: true,
			ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: acct}},
			AuthorizedSessionTagValueList:  []string{DefaultAuthorizedCallerTag}})
	})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := e.NewSession(ctx, "")
	for _, q := range []string{"CREATE DATABASE d", "CREATE TABLE d.t (a BIGINT)", "INSERT INTO d.t VALUES (1)",
		"CREATE TABLE d.t2 (a BIGINT)", "INSERT INTO d.t2 VALUES (2)"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	adm := &iam.Admin{Rand: rand.Reader}
	err = e.cp.Store().Update(func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, c.now(), iam.CreateRoleInput{Account: acct, RoleName: "analyst",
			AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`}); err != nil {
			return err
		}
		if err := adm.PutRolePolicy(recs, acct, "analyst", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:*","lakeformation:GetDataAccess"],"Resource":"*"}]}`); err != nil {
			return err
		}
		return lf.GrantPermissions(tx, acct, lf.Caller{Trusted: true}, lf.GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: "arn:aws:iam::" + acct + ":role/analyst"},
			Resource:  &api.Resource{Table: &api.TableResource{CatalogId: acct, DatabaseName: "d", Name: "t"}}, Permissions: []string{"SELECT"}}, c.now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

func dataFile(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("data files in %s: %v", dir, files)
	}
	return filepath.Base(files[0])
}

func TestRule11_VendedCredentialCannotOpenASiblingTable(t *testing.T) {
	e, _ := vendLake(t)
	ctx := context.Background()
	s, err := e.NewSession(ctx, "analyst")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Exec(ctx, "SELECT a FROM d.t")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != types.NewInt(1) {
		t.Fatalf("analyst reads d.t: %v %v", res, err)
	}
	q := s.cur
	wh := filepath.Join(e.home, "warehouse", "d.db")
	tLoc, t2Loc := "file://"+filepath.ToSlash(filepath.Join(wh, "t"))+"/", "file://"+filepath.ToSlash(filepath.Join(wh, "t2"))+"/"
	t2File := dataFile(t, filepath.Join(wh, "t2"))

	// d.t's credentials, aimed at d.t2's location (a buggy planner).
	sib, err := q.store(ctx, "d", "t", t2Loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sib.List(ctx, "")
	wantRefused(t, "list the sibling", err, lferr.AccessDenied)
	_, err = sib.Open(ctx, t2File)
	wantRefused(t, "open the sibling's file", err, lferr.AccessDenied)

	own, err := q.store(ctx, "d", "t", tLoc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := own.List(ctx, ""); err != nil {
		t.Fatalf("own location: %v", err)
	}
	_, err = own.Open(ctx, "../t2/"+t2File)
	wantRefused(t, "dot-dot", err, "")
	_, err = own.Create(ctx, "new.parquet")
	wantRefused(t, "write with SELECT credentials", err, lferr.AccessDenied)
	// A symlink planted inside d.t's directory pointing at d.t2's file.
	if err := os.Symlink(filepath.Join(wh, "t2", t2File), filepath.Join(wh, "t", "link.parquet")); err != nil {
		t.Fatal(err)
	}
	_, err = own.Open(ctx, "link.parquet")
	wantRefused(t, "symlink to the sibling", err, "")
	if err == nil {
		t.Fatal("symlink followed")
	}
	os.Remove(filepath.Join(wh, "t", "link.parquet"))

	// A table this query holds no answer for gets no store at all, and
	// a write needs the write permissions in the answer.
	_, err = q.store(ctx, "d", "t2", t2Loc, nil)
	wantRefused(t, "store of an unauthorized table", err, lferr.AccessDenied)
	_, err = q.store(ctx, "d", "t", tLoc, []string{"INSERT"})
	wantRefused(t, "write store without INSERT", err, lferr.AccessDenied)

	// The credentials never appear in what SQL or errors show.
	v := q.creds["d.t|SELECT"]
	if v == nil || v.creds.SessionToken == "" {
		t.Fatal("no credentials recorded for d.t")
	}
	_, e1 := sib.Open(ctx, t2File)
	ex, err := s.Exec(ctx, "EXPLAIN SELECT a FROM d.t")
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	for _, r := range ex.Rows {
		shown.WriteString(r[0].String())
	}
	shown.WriteString(e1.Error())
	for _, secret := range []string{v.creds.SessionToken, v.creds.SecretAccessKey} {
		if strings.Contains(shown.String(), secret) {
			t.Errorf("a credential secret is shown: %s", shown.String())
		}
	}
}

func TestRule11_ExpiredCredentialsAreRefusedAndRefreshed(t *testing.T) {
	e, c := vendLake(t)
	ctx := context.Background()
	s, _ := e.NewSession(ctx, "analyst")
	if _, err := s.Exec(ctx, "SELECT a FROM d.t"); err != nil {
		t.Fatal(err)
	}
	v := s.cur.creds["d.t|SELECT"]
	old := v.creds
	if got := old.Expiration.Sub(c.now()); got != 900*time.Second {
		t.Fatalf("credentials last %v, want the 900 s asked", got)
	}
	root := "file://" + filepath.ToSlash(filepath.Join(e.home, "warehouse", "d.db", "t"))
	access := storage.Access{Op: storage.OpList, Root: root}
	c.advance(901 * time.Second)
	// The old credentials are dead at the store...
	err := e.signer.Guard(old, e.now).Check(ctx, access)
	wantRefused(t, "expired credentials", err, lferr.Expired)
	// ...and the query's guard replaces them before use.
	if err := v.Check(ctx, access); err != nil {
		t.Fatalf("refreshed: %v", err)
	}
	if v.creds.AccessKeyId == old.AccessKeyId || !v.creds.Expiration.After(c.now()) {
		t.Errorf("credentials not replaced: %s until %v", v.creds.AccessKeyId, v.creds.Expiration)
	}
	// Within the refresh margin they are replaced too, ahead of expiry.
	cur := v.creds.AccessKeyId
	c.advance(900*time.Second - credRefreshMargin + time.Second)
	if err := v.Check(ctx, access); err != nil {
		t.Fatal(err)
	}
	if v.creds.AccessKeyId == cur {
		t.Error("credentials inside the refresh margin were kept")
	}
}

func wantRefused(t *testing.T, what string, err error, code lferr.Code) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: allowed", what)
		return
	}
	if code != "" && lferr.CodeOf(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// TestRule12_EngineChecksTheAnswerBeforeWriting checks the engine's own
// write rule on answers a lenient server might give.
func TestRule12_EngineChecksTheAnswerBeforeWriting(t *testing.T) {
	tbl := &api.Table{Name: "t", DatabaseName: "d", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "bigint"}, {Name: "b", Type: "string"}}},
		PartitionKeys: []api.Column{{Name: "p", Type: "int"}}}
	full := func(mod func(*api.GetUnfilteredTableMetadataOutput)) *api.GetUnfilteredTableMetadataOutput {
		md := &api.GetUnfilteredTableMetadataOutput{Table: tbl, AuthorizedColumns: []string{"a", "b", "p"}, Permissions: []string{"SELECT", "INSERT"}}
		if mod != nil {
			mod(md)
		}
		return md
	}
	cases := []struct {
		name  string
		md    *api.GetUnfilteredTableMetadataOutput
		perms []string
		ok    bool
	}{
		{"whole table with INSERT", full(nil), []string{"INSERT"}, true},
		{"ALL covers DELETE", full(func(m *api.GetUnfilteredTableMetadataOutput) { m.Permissions = []string{"ALL"} }), []string{"INSERT", "DELETE"}, true},
		{"TRUE filters are no restriction", full(func(m *api.GetUnfilteredTableMetadataOutput) {
			m.RowFilter = "TRUE"
			m.CellFilters = []api.ColumnRowFilter{{ColumnName: "a", RowFilterExpression: "TRUE"}, {ColumnName: "b", RowFilterExpression: "true"}, {ColumnName: "p", RowFilterExpression: "TRUE"}}
		}), []string{"INSERT"}, true},
		{"permission not held", full(nil), []string{"DELETE"}, false},
		{"a column missing", full(func(m *api.GetUnfilteredTableMetadataOutput) { m.AuthorizedColumns = []string{"a", "p"} }), []string{"INSERT"}, false},
		{"a partition key missing", full(func(m *api.GetUnfilteredTableMetadataOutput) { m.AuthorizedColumns = []string{"a", "b"} }), []string{"INSERT"}, false},
		{"row filter", full(func(m *api.GetUnfilteredTableMetadataOutput) { m.RowFilter = "a > 1" }), []string{"INSERT"}, false},
		{"cell filter", full(func(m *api.GetUnfilteredTableMetadataOutput) {
			m.CellFilters = []api.ColumnRowFilter{{ColumnName: "a", RowFilterExpression: "TRUE"}, {ColumnName: "b", RowFilterExpression: "a = 1"}}
		}), []string{"INSERT"}, false},
		{"mask", full(func(m *api.GetUnfilteredTableMetadataOutput) {
			m.ColumnMasks = []api.ColumnMask{{ColumnName: "b", MaskExpression: "'x'"}}
		}), []string{"INSERT"}, false},
	}
	for _, c := range cases {
		err := checkWrite(c.md, "d", "t", c.perms)
		if c.ok && err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
		}
		if !c.ok && lferr.CodeOf(err) != lferr.AccessDenied {
			t.Errorf("%s: %v, want AccessDenied", c.name, err)
		}
	}
}
