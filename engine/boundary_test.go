package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineReachesTheControlPlaneOnlyThroughTheContract pins VISION's one
// boundary: the engine, planner and exec import from authz only the
// contract (authz/api), its error codes, the pure policy-expression
// packages both sides parse (rowfilter, mask), the remote client, and —
// engine only, to open a home and obtain caller-bound clients — the authz
// facade. Never grants, tags, filters or the store.
func TestEngineReachesTheControlPlaneOnlyThroughTheContract(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go tool to list imports: %v", err)
	}
	const mod = "github.com/sluicedb/sluice/"
	contract := map[string]bool{"authz/api": true, "authz/lferr": true, "authz/rowfilter": true, "authz/mask": true}
	for _, pkg := range []string{"engine", "planner", "planner/opt", "planner/plan", "planner/types", "exec"} {
		out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "../"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(imp, mod)
			if !ok || !(rel == "authz" || strings.HasPrefix(rel, "authz/")) {
				continue
			}
			allowed := contract[rel] || (pkg == "engine" && (rel == "authz" || rel == "authz/remote"))
			if !allowed {
				t.Errorf("%s imports %s: the engine side may reach the control plane only through the contract", pkg, rel)
			}
		}
	}
}
