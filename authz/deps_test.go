package authz

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the control plane below the engine: authz
// and its subpackages may import storage (to mint credentials) and the
// planner's type system, never the planner, exec or engine (VISION: the
// folder table).
func TestDependencyDirection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go tool to list dependencies: %v", err)
	}
	// -e: a package of authz that is mid-edit and does not parse must not
	// hide the dependencies of the others.
	out, err := exec.Command("go", "list", "-e", "-deps", "-f", "{{.ImportPath}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/sluicedb/sluice/"
	for _, p := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(p, mod)
		if !ok {
			continue
		}
		switch {
		case rel == "authz", strings.HasPrefix(rel, "authz/"),
			rel == "storage", strings.HasPrefix(rel, "storage/"),
			rel == "planner/types":
		default:
			t.Errorf("authz depends on %s; it may import only authz/..., storage/... and planner/types", p)
		}
	}
}
