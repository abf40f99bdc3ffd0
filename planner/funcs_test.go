package planner

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestEmittedFuncsKnownToExec checks every function name the planner can
// emit against exec's documented table (exec/func_doc.go). It reads the
// source rather than importing exec so the planner's tests do not depend
// on exec compiling.
func TestEmittedFuncsKnownToExec(t *testing.T) {
	src, err := os.ReadFile("../exec/func_doc.go")
	if err != nil {
		t.Skipf("exec/func_doc.go not present: %v", err)
	}
	re := regexp.MustCompile(`Name: "([^"]*)", Min: (-?\d+), Max: (-?\d+)`)
	type span struct{ min, max int }
	known := map[string]span{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		lo, _ := strconv.Atoi(m[2])
		hi, _ := strconv.Atoi(m[3])
		known[m[1]] = span{lo, hi}
	}
	if len(known) < 20 {
		t.Fatalf("could not read exec's function table (%d entries)", len(known))
	}
	ops := []string{"+", "-", "*", "/", "div", "%", "neg", "=", "<>", "<", "<=", ">", ">=", "<=>",
		"and", "or", "not", "xor", "is_null", "is_not_null", "is_true", "is_false", "like", "not_like", "between", "not_between"}
	for _, op := range ops {
		if _, ok := known[op]; !ok {
			t.Errorf("operator %q is emitted by the planner but not in exec's table", op)
		}
	}
	for name, counts := range EmittedFuncs {
		s, ok := known[name]
		if !ok {
			t.Errorf("function %q is emitted by the planner but not in exec's table", name)
			continue
		}
		for _, n := range counts {
			if n < s.min || (s.max >= 0 && n > s.max) {
				t.Errorf("function %q with %d arguments: exec accepts %d..%d", name, n, s.min, s.max)
			}
		}
	}
}
