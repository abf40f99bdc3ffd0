package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/wire"
	"github.com/sluicedb/sluice/engine"
)

// The remote engine (OpenRemote) against `sluice serve` on loopback: the
// lake's data is written in process, then the wire server takes the home
// and the administrator sets up roles, settings, a data cells filter and
// grants over the wire; the analyst's answers through the remote engine
// must equal the in-process engine's for the same role on the same home.

const (
	remoteTrust     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	remoteWriterPol = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:*","lakeformation:GetDataAccess"],"Resource":"*"}]}`
	remotePol       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}`
)

// remoteQueries are what the analyst runs both ways: filtered rows,
// missing columns (salary), a masked column (email), aggregates on top.
var remoteQueries = []string{
	"SELECT * FROM hr.staff ORDER BY id",
	"SELECT id, email FROM hr.staff WHERE id > 1 ORDER BY id",
	"SELECT dept, count(*) AS n FROM hr.staff GROUP BY dept ORDER BY dept",
	"DESCRIBE hr.staff",
}

type servedHome struct {
	home  string
	ts    *httptest.Server
	admin aws.Credentials
	cp    *authz.ControlPlane
}

func (h *servedHome) close() {
	if h.ts != nil {
		h.ts.Close()
		h.ts = nil
	}
	if h.cp != nil {
		_ = h.cp.Close()
		h.cp = nil
	}
}

// remoteLake writes hr.staff in process (with a mask, which the wire API
// has no operation for), then serves the home and sets up the rest over
// the wire as the bootstrap administrator.
func remoteLake(t testing.TB) *servedHome {
	t.Helper()
	ctx := context.Background()
	home := t.TempDir()
	eng, err := engine.Open(ctx, engine.Options{Home: home, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	adm, err := eng.NewSession(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"CREATE DATABASE hr",
		"CREATE TABLE hr.staff (id BIGINT, name VARCHAR(20), dept VARCHAR(10), salary DOUBLE, email VARCHAR(40))",
		"INSERT INTO hr.staff VALUES (1, 'ann', 'hr', 120, 'ann@x.com'), (2, 'bob', 'it', 200, 'bob@x.com'), (3, 'cy', 'hr', 90, 'cy@x.com')",
		"INSERT INTO hr.staff VALUES (4, 'dee', 'hr', 300, NULL), (5, 'eve', 'ops', NULL, 'eve@x.com')",
	} {
		if _, err := adm.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := eng.ControlPlane().CreateColumnMask(api.ColumnMaskPolicy{Name: "email_tail", DatabaseName: "hr", TableName: "staff",
		ColumnName: "email", MaskExpression: "show_last(value, 5)"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	h := &servedHome{home: home}
	t.Cleanup(h.close)
	if h.cp, err = authz.Open(home, authz.Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	srv, err := wire.New(h.cp, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ac, err := srv.Bootstrap()
	if err != nil {
		t.Fatal(err)
	}
	h.admin = aws.Credentials{AccessKeyID: ac.AccessKeyID, SecretAccessKey: ac.SecretAccessKey}
	h.ts = httptest.NewServer(srv)

	for _, r := range []string{"analyst", "describer", "writer"} {
		h.iam(t, "CreateRole", "RoleName", r, "AssumeRolePolicyDocument", remoteTrust)
		p := remotePol
		if r == "writer" {
			p = remoteWriterPol
		}
		h.iam(t, "PutRolePolicy", "RoleName", r, "PolicyName", "lake", "PolicyDocument", p)
	}
	lfc := lakeformation.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: h.admin},
		RetryMaxAttempts: 1, BaseEndpoint: aws.String(h.ts.URL)})
	s := aws.String
	_, err = lfc.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &lftypes.DataLakeSettings{
		DataLakeAdmins:                 []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: s(ac.UserArn)}},
		AllowExternalDataFiltering:     aws.Bool(true),
		ExternalDataFilteringAllowList: []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: s(authz.DefaultAccountID)}},
		AuthorizedSessionTagValueList:  []string{engine.DefaultAuthorizedCallerTag},
	}})
	remoteMust(t, err)
	// Tables created under the default settings are governed by IAM alone
	// (IAM_ALLOWED_PRINCIPALS); Lake Formation takes over once revoked.
	_, err = lfc.RevokePermissions(ctx, &lakeformation.RevokePermissionsInput{
		Principal:   &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: s("IAM_ALLOWED_PRINCIPALS")},
		Resource:    &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: s("hr"), Name: s("staff")}},
		Permissions: []lftypes.Permission{lftypes.PermissionAll}})
	remoteMust(t, err)
	_, err = lfc.CreateDataCellsFilter(ctx, &lakeformation.CreateDataCellsFilterInput{TableData: &lftypes.DataCellsFilter{
		TableCatalogId: s(authz.DefaultAccountID), DatabaseName: s("hr"), TableName: s("staff"), Name: s("hr_only"),
		RowFilter: &lftypes.RowFilter{FilterExpression: s("dept = 'hr'")}, ColumnNames: []string{"id", "name", "dept", "email"}}})
	remoteMust(t, err)
	_, err = lfc.GrantPermissions(ctx, &lakeformation.GrantPermissionsInput{
		Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: s("arn:aws:iam::" + authz.DefaultAccountID + ":role/analyst")},
		Resource: &lftypes.Resource{DataCellsFilter: &lftypes.DataCellsFilterResource{TableCatalogId: s(authz.DefaultAccountID),
			DatabaseName: s("hr"), TableName: s("staff"), Name: s("hr_only")}},
		Permissions: []lftypes.Permission{lftypes.PermissionSelect}})
	remoteMust(t, err)
	_, err = lfc.GrantPermissions(ctx, &lakeformation.GrantPermissionsInput{
		Principal:   &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: s("arn:aws:iam::" + authz.DefaultAccountID + ":role/describer")},
		Resource:    &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: s("hr"), Name: s("staff")}},
		Permissions: []lftypes.Permission{lftypes.PermissionDescribe}})
	remoteMust(t, err)
	_, err = lfc.GrantPermissions(ctx, &lakeformation.GrantPermissionsInput{
		Principal:   &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: s("arn:aws:iam::" + authz.DefaultAccountID + ":role/writer")},
		Resource:    &lftypes.Resource{Database: &lftypes.DatabaseResource{Name: s("hr")}},
		Permissions: []lftypes.Permission{lftypes.PermissionCreateTable}})
	remoteMust(t, err)
	return h
}

// iam sends one IAM awsQuery action as the administrator (there is no IAM
// SDK client in go.mod).
func (h *servedHome) iam(t testing.TB, action string, kv ...string) {
	t.Helper()
	p := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	body := p.Encode()
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+"/", strings.NewReader(body))
	remoteMust(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	remoteMust(t, v4.NewSigner().SignHTTP(context.Background(), h.admin, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()))
	resp, err := h.ts.Client().Do(req)
	remoteMust(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("IAM %s: %d %s", action, resp.StatusCode, b)
	}
}

func remoteMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *servedHome) openRemote(t testing.TB, keyHome string) *engine.Engine {
	t.Helper()
	eng, err := engine.OpenRemote(context.Background(), engine.RemoteOptions{Endpoint: h.ts.URL,
		Credentials: credentials.StaticCredentialsProvider{Value: h.admin}, VendingKeyHome: keyHome})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// resultText renders columns and rows, so that a missing column differs.
func remoteResultText(res *engine.Result) string {
	var b strings.Builder
	for _, c := range res.Columns {
		b.WriteString(c.Name + "|")
	}
	for _, r := range res.Rows {
		b.WriteString("\n")
		for _, v := range r {
			b.WriteString(v.String() + ",")
		}
	}
	return b.String()
}

func TestRemoteEngineMatchesInProcess(t *testing.T) {
	ctx := context.Background()
	h := remoteLake(t)
	eng := h.openRemote(t, h.home)
	sess, err := eng.NewSession(ctx, "analyst")
	if err != nil {
		t.Fatal(err)
	}
	if p := sess.Principal(); !strings.Contains(p, ":assumed-role/analyst/") {
		t.Errorf("remote session principal %q is not the analyst's role session", p)
	}
	remoteAnswers := make([]string, len(remoteQueries))
	for i, q := range remoteQueries {
		res, err := sess.Exec(ctx, q)
		if err != nil {
			t.Fatalf("remote %s: %v", q, err)
		}
		remoteAnswers[i] = remoteResultText(res)
	}
	// What the policy says, independently of the in-process engine: only
	// dept 'hr' rows, no salary column, emails masked to their last five
	// characters, NULL stays NULL.
	first := remoteAnswers[0]
	t.Logf("remote SELECT * as analyst:\n%s", first)
	if strings.Contains(first, "salary") || strings.Contains(first, "bob") || strings.Contains(first, "eve") ||
		strings.Contains(first, "ann@x.com") || !strings.Contains(first, "x.com") || !strings.Contains(first, "dee") {
		t.Errorf("remote SELECT * is not filtered, projected and masked as the policy says:\n%s", first)
	}

	// Refusals keep the server's codes.
	if _, err := eng.NewSession(ctx, "nobody"); lferr.CodeOf(err) != lferr.STSAccessDenied {
		t.Errorf("session as a missing role: code %q (%v), want %s", lferr.CodeOf(err), err, lferr.STSAccessDenied)
	}
	if _, err := eng.NewSession(ctx, ""); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Errorf("administrator session on a remote engine: %v, want InvalidInputException", err)
	}
	desc, err := eng.NewSession(ctx, "describer")
	remoteMust(t, err)
	if _, err := desc.Exec(ctx, "SELECT id FROM hr.staff"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("DESCRIBE-only SELECT: %v, want AccessDeniedException", err)
	}
	if _, err := sess.Exec(ctx, "SELECT salary FROM hr.staff"); lferr.CodeOf(err) != lferr.UnknownColumn {
		t.Errorf("unauthorized column: %v, want UnknownColumn (rule 8)", err)
	}
	if _, err := sess.Exec(ctx, "SELECT * FROM hr.nope"); err == nil {
		t.Error("missing table answered")
	}
	// Without the served home's vending key the engine cannot verify local
	// credentials and must not read.
	blind := h.openRemote(t, "")
	bs, err := blind.NewSession(ctx, "analyst")
	remoteMust(t, err)
	if _, err := bs.Exec(ctx, "SELECT id FROM hr.staff"); lferr.CodeOf(err) != lferr.AccessDenied || !strings.Contains(err.Error(), "vending key") {
		t.Errorf("remote engine without a vending key read local data: %v", err)
	}

	// The same role in process on the same home.
	h.close()
	local, err := engine.Open(ctx, engine.Options{Home: h.home, NoSync: true})
	remoteMust(t, err)
	defer local.Close()
	ls, err := local.NewSession(ctx, "analyst")
	remoteMust(t, err)
	for i, q := range remoteQueries {
		res, err := ls.Exec(ctx, q)
		if err != nil {
			t.Fatalf("in process %s: %v", q, err)
		}
		if got := remoteResultText(res); got != remoteAnswers[i] {
			t.Errorf("%s:\nremote:\n%s\nin process:\n%s", q, remoteAnswers[i], got)
		}
	}
}

// A role with CREATE_TABLE creates, fills and reads a table through the
// remote engine: Glue CreateTable over the wire, read-write credentials
// vended for INSERT and verified with the served home's key; the analyst
// may not write.
func TestRemoteEngineWrites(t *testing.T) {
	ctx := context.Background()
	h := remoteLake(t)
	eng := h.openRemote(t, h.home)
	w, err := eng.NewSession(ctx, "writer")
	remoteMust(t, err)
	for _, sql := range []string{
		"CREATE TABLE hr.notes (id BIGINT, body VARCHAR(20))",
		"INSERT INTO hr.notes VALUES (1, 'a'), (2, 'b')",
		"INSERT INTO hr.notes VALUES (3, 'c')",
	} {
		if _, err := w.Exec(ctx, sql); err != nil {
			t.Fatalf("writer %s: %v", sql, err)
		}
	}
	res, err := w.Exec(ctx, "SELECT id, body FROM hr.notes ORDER BY id")
	remoteMust(t, err)
	if got := remoteResultText(res); got != "id|body|\n1,a,\n2,b,\n3,c," {
		t.Errorf("writer reads back:\n%s", got)
	}
	a, err := eng.NewSession(ctx, "analyst")
	remoteMust(t, err)
	if _, err := a.Exec(ctx, "INSERT INTO hr.staff VALUES (9, 'zed', 'hr', 1, 'z@x.com')"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("analyst (filtered) INSERT: %v, want AccessDeniedException (rule 12)", err)
	}
}

// BenchmarkRemoteQuery is the per-query cost of a remote principal
// session (metadata and vending over HTTP with SigV4 on loopback) against
// the same query in process, on the analyst's filtered, masked table.
func BenchmarkRemoteQuery(b *testing.B) {
	ctx := context.Background()
	h := remoteLake(b)
	const q = "SELECT dept, count(*) AS n FROM hr.staff GROUP BY dept"
	b.Run("remote", func(b *testing.B) {
		s, err := h.openRemote(b, h.home).NewSession(ctx, "analyst")
		remoteMust(b, err)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	h.close()
	b.Run("in-process", func(b *testing.B) {
		eng, err := engine.Open(ctx, engine.Options{Home: h.home, NoSync: true})
		remoteMust(b, err)
		defer eng.Close()
		s, err := eng.NewSession(ctx, "analyst")
		remoteMust(b, err)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Sessions by role ARN work like by name; an engine tag value the lake
// does not list is refused by the server with the settings hint.
func TestRemoteEngineRoleArnAndTagRefusal(t *testing.T) {
	ctx := context.Background()
	h := remoteLake(t)
	eng := h.openRemote(t, h.home)
	s, err := eng.NewSession(ctx, "arn:aws:iam::"+authz.DefaultAccountID+":role/analyst")
	remoteMust(t, err)
	res, err := s.Exec(ctx, "SELECT count(*) FROM hr.staff")
	remoteMust(t, err)
	if got := remoteResultText(res); !strings.HasSuffix(got, "\n3,") {
		t.Errorf("analyst by ARN counts %q, want the 3 rows of dept hr", got)
	}

	other, err := engine.OpenRemote(ctx, engine.RemoteOptions{Endpoint: h.ts.URL, AuthorizedCallerTag: "other-engine",
		Credentials: credentials.StaticCredentialsProvider{Value: h.admin}, VendingKeyHome: h.home})
	remoteMust(t, err)
	defer other.Close()
	os2, err := other.NewSession(ctx, "analyst")
	remoteMust(t, err)
	_, err = os2.Exec(ctx, "SELECT id FROM hr.staff")
	if lferr.CodeOf(err) != lferr.AccessDenied || !strings.Contains(err.Error(), `add "other-engine" to AuthorizedSessionTagValueList`) {
		t.Errorf("unlisted engine tag: %v, want AccessDeniedException with the settings hint", err)
	}
}
