package opt

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func col(i int, name string) *plan.ColRef { return &plan.ColRef{Idx: i, T: types.Int64T, Name: name} }
func num(v int64) *plan.Const             { return &plan.Const{V: types.NewInt(v), T: types.Int64T} }
func eq(a, b plan.Expr) plan.Expr {
	return &plan.Func{Name: "=", Args: []plan.Expr{a, b}, T: types.BoolT}
}
func gt(a, b plan.Expr) plan.Expr {
	return &plan.Func{Name: ">", Args: []plan.Expr{a, b}, T: types.BoolT}
}

func scan(name string, cols ...string) *plan.Scan {
	s := &plan.Scan{Table: name}
	for _, c := range cols {
		s.Columns = append(s.Columns, plan.ScanColumn{Name: c, T: types.Int64T})
	}
	return s
}

func TestConjunctsAndRemap(t *testing.T) {
	e := And([]plan.Expr{eq(col(0, "a"), num(1)), gt(col(2, "c"), col(1, "b")), eq(col(3, "d"), num(2))})
	cs := Conjuncts(e, nil)
	if len(cs) != 3 {
		t.Fatalf("got %d conjuncts", len(cs))
	}
	r := Remap(cs[1], func(i int) int { return i + 10 })
	if r.String() != "(c > b)" || r.(*plan.Func).Args[0].(*plan.ColRef).Idx != 12 {
		t.Errorf("remap: %v", r)
	}
	if cs[1].(*plan.Func).Args[0].(*plan.ColRef).Idx != 2 {
		t.Error("Remap modified its input")
	}
}

func TestPrunable(t *testing.T) {
	cases := []struct {
		e    plan.Expr
		want bool
	}{
		{eq(col(0, "a"), num(1)), true},
		{gt(num(1), col(0, "a")), true},
		{eq(col(0, "a"), col(1, "b")), false},
		{&plan.Func{Name: "+", Args: []plan.Expr{col(0, "a"), num(1)}, T: types.Int64T}, false},
		{&plan.InList{Arg: col(0, "a"), List: []plan.Expr{num(1), num(2)}}, true},
		{&plan.InList{Arg: col(0, "a"), List: []plan.Expr{num(1)}, Not: true}, false},
		{&plan.Func{Name: "like", Args: []plan.Expr{col(0, "a"), num(1)}, T: types.BoolT}, false},
	}
	for _, c := range cases {
		if got := Prunable(c.e); got != c.want {
			t.Errorf("Prunable(%v) = %v", c.e, got)
		}
	}
}

// TestOrderJoins: the greedy order starts from a connected small relation,
// joins on equality keys, puts single-table predicates on their scan (as a
// Filter plus PruneFilters), and restores the FROM column order.
func TestOrderJoins(t *testing.T) {
	a := scan("a", "a0", "a1")
	b := scan("b", "b0")
	c := scan("c", "c0", "c1")
	// columns: a0=0 a1=1 b0=2 c0=3 c1=4
	conj := []plan.Expr{
		eq(col(4, "c1"), col(2, "b0")),
		eq(col(1, "a1"), col(3, "c0")),
		gt(col(0, "a0"), num(5)),
		gt(col(0, "a0"), col(4, "c1")),
	}
	n := OrderJoins([]Rel{{Node: a, Rows: 5000}, {Node: b, Rows: 10}, {Node: c}}, conj)
	got := plan.Explain(n, plan.ExplainOptions{})
	want := strings.Join([]string{
		"Project a0, a1, b0, c0, c1",
		"  HashJoin inner on [c0] = [a1] extra (a0 > c1)",
		"    HashJoin inner on [b0] = [c1]",
		"      Scan b [b0]",
		"      Scan c [c0, c1]",
		"    Filter (a0 > 5)",
		"      Scan a [a0, a1]",
		"        prune by statistics: (a0 > 5)",
		"",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	sch := n.Schema()
	for i, name := range []string{"a0", "a1", "b0", "c0", "c1"} {
		if sch[i].Name != name {
			t.Errorf("column %d is %s, want %s", i, sch[i].Name, name)
		}
	}
	// a cross product only when nothing connects
	n = OrderJoins([]Rel{{Node: scan("x", "x0")}, {Node: scan("y", "y0")}}, nil)
	if j, ok := n.(*plan.Join); !ok || len(j.LeftKeys) != 0 {
		t.Errorf("want a keyless join, got %s", plan.Explain(n, plan.ExplainOptions{}))
	}
}

// TestOrderJoinsKeepsSubqueriesOnTop: a conjunct holding a subquery is
// never moved, and secure scans get no PruneFilters.
func TestOrderJoinsKeepsSubqueriesOnTop(t *testing.T) {
	sub := &plan.Subquery{Kind: plan.ExistsSubquery, Plan: &plan.Values{Rows: [][]plan.Expr{{}}}, T: types.BoolT}
	sec := scan("s", "s0")
	sec.Secure = &plan.SecureScan{OutputCols: []int{0}}
	pred := &plan.Func{Name: "and", Args: []plan.Expr{gt(col(0, "s0"), num(1)), sub}, T: types.BoolT}
	n := OrderJoins([]Rel{{Node: sec}}, []plan.Expr{gt(col(0, "s0"), num(2)), pred})
	got := plan.Explain(n, plan.ExplainOptions{})
	want := "Filter ((s0 > 1) and EXISTS(subquery))\n  Filter (s0 > 2)\n    SecureScan s [s0]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestPruneColumns(t *testing.T) {
	s := scan("t", "a", "b", "c", "d")
	// SELECT d FROM t WHERE b > 1
	n := &plan.Project{Input: &plan.Filter{Input: s, Pred: gt(col(1, "b"), num(1))},
		Exprs: []plan.Expr{col(3, "d")}, Cols: []plan.Column{{Name: "d", T: types.Int64T}}}
	got := plan.Explain(PruneColumns(n), plan.ExplainOptions{})
	want := "Project d\n  Filter (b > 1)\n    Scan t [b, d]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// a correlated subquery reads the filter's input row by position: that
	// row must stay whole
	sub := &plan.Subquery{Kind: plan.ExistsSubquery, Correlated: true, T: types.BoolT,
		Plan: &plan.Filter{Input: &plan.Values{Rows: [][]plan.Expr{{}}}, Pred: gt(&plan.OuterRef{Depth: 1, Idx: 2, T: types.Int64T, Name: "c"}, num(0))}}
	n = &plan.Project{Input: &plan.Filter{Input: s, Pred: sub},
		Exprs: []plan.Expr{col(0, "a")}, Cols: []plan.Column{{Name: "a", T: types.Int64T}}}
	got = plan.Explain(PruneColumns(n), plan.ExplainOptions{})
	want = "Project a\n  Filter EXISTS(subquery)\n    Scan t [a, b, c, d]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// count(*) keeps one column
	agg := &plan.Aggregate{Input: s, Aggs: []plan.AggCall{{Func: "count_star", T: types.Int64T}}, Cols: []plan.Column{{Name: "count(*)", T: types.Int64T}}}
	got = plan.Explain(PruneColumns(agg), plan.ExplainOptions{})
	if want := "HashAggregate group=[] aggs=[count(*)]\n  Scan t [a]\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
