package rowfilter

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps this package on its side of the engine ↔ control-plane
// contract: within sluice it may import only authz/api, authz/lferr and
// planner/types (both sides link it).
func TestImports(t *testing.T) { checkImports(t, ".") }

func checkImports(t *testing.T, dir string) {
	t.Helper()
	pkg, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/sluicedb/sluice/authz/api":     true,
		"github.com/sluicedb/sluice/authz/lferr":   true,
		"github.com/sluicedb/sluice/planner/types": true,
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/sluicedb/sluice/") && !allowed[imp] {
			t.Errorf("forbidden import %s", imp)
		}
		if imp == "os" || imp == "net/http" || strings.HasPrefix(imp, "net") {
			t.Errorf("I/O import %s in a pure package", imp)
		}
	}
}
