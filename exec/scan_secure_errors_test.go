package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Under a policy, a storage error must not name the data file's path: it
// can carry hidden partition keys and values (rule 8).
func TestSecureScanErrorsDoNotNamePaths(t *testing.T) {
	dir := t.TempDir()
	part := filepath.Join(dir, "secret_region=eu")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(part, "part-0.parquet"), []byte("not parquet at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := &plan.Scan{Database: "hr", Table: "people", Location: "file://" + dir, Columns: scanCols[:1],
		Secure: &plan.SecureScan{OutputCols: []int{0}}}
	op, err := Build(n, &Env{Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Collect(context.Background(), op, []types.T{i64})
	if err == nil {
		t.Fatal("corrupt file read without error")
	}
	if msg := err.Error(); strings.Contains(msg, "secret_region") || strings.Contains(msg, dir) || !strings.Contains(msg, "hr.people") {
		t.Errorf("error under a policy = %q: must name the table, not the path", msg)
	}
}
