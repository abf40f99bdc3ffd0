package declare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// FuzzParse: any input parses or fails with InvalidInputException, never
// panics. The seeds run with every `go test`.
func FuzzParse(f *testing.F) {
	ex, err := os.ReadFile(filepath.Join("testdata", "lakes", "tag-example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(ex), salesLake, iamLake, "{}", "Settings: {AllowExternalDataFiltering: 1}",
		"Roles: [{Tags: [1, 2]}]", "Roles: [{AssumeRolePolicyDocument: [1]}]", "a: &x [*x]", "Grants: [{Resource: {Table: {TableWildcard: 3}}}]",
		"DataCellsFilters: [{RowFilter: {AllRowsWildcard: {}}}]", strings.Repeat("[", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		l, err := Parse(strings.NewReader(src))
		if err != nil && lferr.CodeOf(err) != lferr.InvalidInput {
			t.Fatalf("error without InvalidInputException: %v", err)
		}
		if err == nil && l == nil {
			t.Fatal("nil lake without error")
		}
	})
}
