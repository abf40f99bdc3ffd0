package slt

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the runner engine-independent (see doc.go): of
// sluice's own packages it may use only planner/types and authz/lferr.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test=false", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	allowed := map[string]bool{
		"github.com/sluicedb/sluice/engine/slt":    true,
		"github.com/sluicedb/sluice/planner/types": true,
		"github.com/sluicedb/sluice/authz/lferr":   true,
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/sluicedb/sluice/") && !allowed[p] {
			t.Errorf("engine/slt depends on %s", p)
		}
	}
}
