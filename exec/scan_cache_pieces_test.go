package exec

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// A small file that the Parquet reader hands out in several pieces (its
// first piece is smaller than a batch) must never be cached from its first
// piece alone: every later scan would lose the other rows.
func TestScanFileCacheNeverKeepsAPartialFile(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "small.parquet"), genScanRows(0, 3000), 4000)
	n := &plan.Scan{Table: "t", Location: "file://" + dir, Columns: scanCols[:2]}
	for i := 0; i < 3; i++ {
		op, err := Build(n, &Env{Storage: uriResolver{}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := Collect(context.Background(), op, []types.T{i64, str})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3000 {
			t.Fatalf("scan %d read %d rows, want 3000", i+1, len(rows))
		}
	}
}
