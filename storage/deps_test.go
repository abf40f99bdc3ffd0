package storage

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces the data plane's place at the bottom of the
// dependency graph (VISION: storage imports nothing above it): of sluice's
// own packages, storage and its subpackages may use only the shared seams
// planner/types and authz/lferr.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test=false", "-f", "{{.ImportPath}}",
		"github.com/sluicedb/sluice/storage/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/sluicedb/sluice/planner/types": true,
		"github.com/sluicedb/sluice/authz/lferr":   true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "github.com/sluicedb/sluice/") || allowed[p] ||
			strings.HasPrefix(p, "github.com/sluicedb/sluice/storage") {
			continue
		}
		t.Errorf("storage depends on %s", p)
	}
}
