package wire_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/wire"
)

// TestRealClients runs the integration flow scripted with the AWS CLI and
// with boto3 (testdata/wire) against a served home. It skips only when
// the client is not installed, or under -short (the AWS CLI starts a
// Python interpreter per call: the CLI flow takes about a minute on a
// busy 2-core machine).
func TestRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the AWS CLI and boto3 flows take about a minute; run .ci/wire-clients.sh")
	}
	scripts := []struct {
		name, probe string
		cmd         []string
	}{
		{"aws-cli", "aws --version", []string{"bash", "cli_flow.sh"}},
		{"boto3", "python3 -c 'import boto3'", []string{"python3", "boto3_flow.py"}},
	}
	dir, err := filepath.Abs("../../testdata/wire")
	must(t, err)
	for _, s := range scripts {
		t.Run(s.name, func(t *testing.T) {
			if err := exec.Command("sh", "-c", s.probe).Run(); err != nil {
				t.Skipf("%s is not installed (%q failed): skipping the %s flow", s.name, s.probe, s.name)
			}
			e := newEnv(t)
			cmd := exec.Command(s.cmd[0], s.cmd[1:]...)
			cmd.Dir = dir
			cmd.Env = append(cleanEnv(), "SLUICE_ENDPOINT="+e.ts.URL,
				"SLUICE_WAREHOUSE="+strings.TrimSuffix(e.cp.WarehouseURI(), "/"),
				"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(e.home, wire.CredentialsFile),
				"AWS_CONFIG_FILE="+filepath.Join(e.home, wire.ConfigFile))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s flow failed: %v\n%s", s.name, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// cleanEnv is the environment without AWS settings that would redirect
// the clients (keys, profiles, endpoints).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
}
