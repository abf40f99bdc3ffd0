package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/wire"
)

const remoteAcct = authz.DefaultAccountID

// awsEnv points the AWS chain at the served home's administrator key and
// clears anything in the environment that would redirect it.
func awsEnv(t *testing.T, home string) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, wire.CredentialsFile))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, wire.ConfigFile))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestQueryEndpoint runs `sluice query --endpoint` against a wire server
// on loopback: the analyst's rows and columns are the data cells filter's,
// refusals exit non-zero with the LF code first.
func TestQueryEndpoint(t *testing.T) {
	home := t.TempDir()
	update := func(cp *authz.ControlPlane, fn func(tx *store.Tx) error) {
		t.Helper()
		if err := cp.Store().Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	// Settings first, so the tables created next are under Lake Formation.
	cp, err := authz.Open(home, authz.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	update(cp, func(tx *store.Tx) error {
		adm, recs := &iam.Admin{Rand: rand.Reader}, iam.BoltRecords{Tx: tx}
		if _, err := adm.CreateRole(recs, time.Now(), iam.CreateRoleInput{Account: remoteAcct, RoleName: "analyst",
			AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`}); err != nil {
			return err
		}
		if err := adm.PutRolePolicy(recs, remoteAcct, "analyst", "lake", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}`); err != nil {
			return err
		}
		return lf.PutSettings(tx, remoteAcct, api.DataLakeSettings{AllowExternalDataFiltering: true,
			ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: remoteAcct}},
			AuthorizedSessionTagValueList:  []string{"sluice"}})
	})
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "--home", home, "query", "CREATE DATABASE hr; "+
		"CREATE TABLE hr.staff (id BIGINT, name VARCHAR(20), dept VARCHAR(10), salary DOUBLE); "+
		"INSERT INTO hr.staff VALUES (1, 'ann', 'hr', 120), (2, 'bob', 'it', 200), (3, 'cy', 'hr', 90)"); code != 0 {
		t.Fatalf("loading: exit %d: %s", code, stderr)
	}

	cp, err = authz.Open(home, authz.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	update(cp, func(tx *store.Tx) error {
		if err := lf.CreateDataCellsFilter(tx, remoteAcct, lf.Caller{Trusted: true}, api.DataCellsFilter{TableCatalogId: remoteAcct, DatabaseName: "hr",
			TableName: "staff", Name: "hr_only", RowFilter: &api.RowFilter{FilterExpression: "dept = 'hr'"}, ColumnNames: []string{"id", "name", "dept"}}); err != nil {
			return err
		}
		return lf.GrantPermissions(tx, remoteAcct, lf.Caller{Trusted: true}, lf.GrantInput{
			Principal:   &api.DataLakePrincipal{DataLakePrincipalIdentifier: "arn:aws:iam::" + remoteAcct + ":role/analyst"},
			Resource:    &api.Resource{DataCellsFilter: &api.DataCellsFilterResource{TableCatalogId: remoteAcct, DatabaseName: "hr", TableName: "staff", Name: "hr_only"}},
			Permissions: []string{"SELECT"}}, time.Now())
	})
	srv, err := wire.New(cp, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	awsEnv(t, home)

	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     string // stdout, or the start of stderr when failing
	}{
		{"analyst rows and columns", []string{"--as", "analyst", "--format", "csv", "SELECT * FROM hr.staff ORDER BY id"}, 0, "id,name,dept\n1,ann,hr\n3,cy,hr\n"},
		{"aggregate over the filtered rows", []string{"--as", "analyst", "--format", "csv", "SELECT count(*) AS n FROM hr.staff"}, 0, "n\n2\n"},
		{"hidden column", []string{"--as", "analyst", "SELECT salary FROM hr.staff"}, 1, "UnknownColumn"},
		{"missing role", []string{"--as", "nobody", "SELECT 1"}, 1, "AccessDenied"},
		{"no role", []string{"SELECT 1"}, 1, "InvalidInputException"},
	}
	for _, c := range cases {
		args := append([]string{"--home", home, "query", "--endpoint", ts.URL}, c.args...)
		code, out, stderr := runCLI(t, "", args...)
		if code != c.wantCode {
			t.Errorf("%s: exit %d, want %d\nstdout %s\nstderr %s", c.name, code, c.wantCode, out, stderr)
			continue
		}
		if c.wantCode == 0 && out != c.want {
			t.Errorf("%s: stdout\n%s\nwant\n%s", c.name, out, c.want)
		}
		if c.wantCode != 0 && !strings.HasPrefix(strings.TrimPrefix(stderr, "sluice: "), c.want) {
			t.Errorf("%s: stderr %q does not start with %s", c.name, stderr, c.want)
		}
	}

	// The shell takes the same flag (statements from stdin when not a
	// terminal).
	code, out, stderr := runCLI(t, "SELECT name FROM hr.staff ORDER BY id;\nSELECT salary FROM hr.staff;\n",
		"--home", home, "shell", "--endpoint", ts.URL, "--as", "analyst")
	if code != 0 || !strings.Contains(out, "ann") || !strings.Contains(out, "cy") || strings.Contains(out, "bob") ||
		!strings.Contains(stderr, "UnknownColumn") {
		t.Errorf("shell --endpoint: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}

	// A home without the vending key: nothing local can be verified, so
	// nothing is read.
	code, _, stderr = runCLI(t, "", "--home", t.TempDir(), "query", "--endpoint", ts.URL, "--as", "analyst", "SELECT id FROM hr.staff")
	if code == 0 || !strings.Contains(stderr, "vending key") {
		t.Errorf("query without the served home's vending key: exit %d, stderr %s", code, stderr)
	}
}

// TestReadmeWireFlow runs testdata/wire/remote_engine.sh: the README
// section "Using the wire API", command for command, with the real
// binary and the AWS CLI.
func TestReadmeWireFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the sluice binary and drives the AWS CLI")
	}
	if err := exec.Command("sh", "-c", "aws --version").Run(); err != nil {
		t.Skip("the AWS CLI is not installed (aws --version failed): skipping the README wire flow")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sluice")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	script, err := filepath.Abs("../../testdata/wire/remote_engine.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), "bash", script)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "SLUICE="+bin, "LAKE="+filepath.Join(dir, "lake"), fmt.Sprintf("PORT=%d", port),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "lake.serve.log"))
		t.Fatalf("remote_engine.sh: %v\n%s\nserver log:\n%s", err, out, log)
	}
	if !strings.Contains(string(out), "remote engine flow: ok") {
		t.Fatalf("remote_engine.sh did not finish:\n%s", out)
	}
	t.Logf("%s", out)
}
