package rowfilter

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
	"testing"
)

func TestOrOfAndOf(t *testing.T) {
	p := func(s string) Expr {
		e, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cases := []struct {
		got  Expr
		want string
	}{
		{OrOf(), "FALSE"},
		{AndOf(), "TRUE"},
		{OrOf(p("a = 1")), "a = 1"},
		{OrOf(p("a = 1"), p("b = 2")), "a = 1 OR b = 2"},
		{OrOf(p("a = 1"), p("TRUE"), p("b = 2")), "TRUE"},
		{OrOf(p("a = 1"), p("FALSE")), "a = 1"},
		{OrOf(p("a = 1 OR b = 2"), p("c = 3")), "a = 1 OR b = 2 OR c = 3"},
		{OrOf(p("a = 1 AND b = 2"), p("c = 3")), "a = 1 AND b = 2 OR c = 3"},
		{AndOf(p("dept = 'hr'"), p("country = 'us'")), "dept = 'hr' AND country = 'us'"},
		{AndOf(p("a = 1 OR b = 2"), p("c = 3")), "(a = 1 OR b = 2) AND c = 3"},
		{AndOf(p("a = 1"), p("TRUE")), "a = 1"},
		{AndOf(p("a = 1"), p("FALSE")), "FALSE"},
		{AndOf(p("a = 1 AND b = 2"), p("c = 3")), "a = 1 AND b = 2 AND c = 3"},
	}
	for i, c := range cases {
		if s := String(c.got); s != c.want {
			t.Errorf("case %d: %s, want %s", i, s, c.want)
		}
		// Combined filters stay parseable and equal to themselves.
		if _, err := Parse(String(c.got)); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestCompileCELLongCombinedFilter(t *testing.T) {
	// The RowFilter of GetUnfilteredTableMetadata ORs all of a caller's
	// filters; 200 filters of ~100 characters each must still compile.
	s := SchemaOf(map[string]types.T{"a": types.Int64T, "s": types.StringT})
	var terms []Expr
	for i := 0; i < 200; i++ {
		e, err := Parse(fmt.Sprintf("(a BETWEEN %d AND %d AND s LIKE 'x%%') OR (s IN ('p', 'q', 'r') AND NOT a = %d)", i, i+10, i))
		if err != nil {
			t.Fatal(err)
		}
		terms = append(terms, e)
	}
	text := String(OrOf(terms...))
	e, err := ParseOptions(text, Options{MaxLength: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	p, err := CompileCEL(e, s)
	if err != nil {
		t.Fatalf("CompileCEL of %d chars: %v", len(text), err)
	}
	row := map[string]types.Value{"a": types.NewInt(5), "s": types.NewString("xy")}
	d, _ := Eval(p.Expr(), row)
	v, err := EvalCEL(p, row)
	if err != nil || d != v || d != True {
		t.Fatalf("direct %v, CEL %v, %v", d, v, err)
	}
}

func TestWalkAndColumns(t *testing.T) {
	e, err := Parse(`a = 1 AND (NOT b IS NULL OR c.d LIKE 'x') AND a IN (2) AND "E" BETWEEN 1 AND 2`)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	Walk(e, func(x Expr) bool {
		kinds = append(kinds, fmt.Sprintf("%T", x))
		_, isOr := x.(*Or)
		return !isOr // prune below OR
	})
	want := "*rowfilter.And *rowfilter.Compare *rowfilter.Or *rowfilter.In *rowfilter.Between"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("Walk order %s, want %s", got, want)
	}
	var keys []string
	for _, c := range Columns(e) {
		keys = append(keys, c.Key())
	}
	if got := strings.Join(keys, ","); got != "a,b,c.d,E" {
		t.Errorf("Columns = %s", got)
	}
}
