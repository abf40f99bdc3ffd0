package catalog

import (
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// FuzzPartitionExpression: any input either compiles, and then evaluates
// on any values without panicking, or fails with InvalidInputException.
func FuzzPartitionExpression(f *testing.F) {
	for _, s := range []string{
		"year = 2024", "region LIKE 'u%'", "year BETWEEN 1 AND 2 OR NOT region IN ('a','b')",
		"((year > -1.5e3))", "`Region` <> 'o''x'", "year IN (", "'", "-", "1 = year", strings100("("),
	} {
		f.Add(s, "2024", "eu")
	}
	f.Fuzz(func(t *testing.T, expr, v1, v2 string) {
		p, err := CompilePartitionExpression("db.t", expr, exprKeys)
		if err != nil {
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Fatalf("%q: error without InvalidInput code: %v", expr, err)
			}
			return
		}
		_ = p.Match([]string{v1, v2, v1, v2})
		_ = p.Match([]string{v1}) // fewer values than keys must not panic either
	})
}

func strings100(s string) string {
	out := ""
	for i := 0; i < 100; i++ {
		out += s
	}
	return out
}
