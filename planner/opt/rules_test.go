package opt

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func proj(in plan.Node, exprs ...plan.Expr) *plan.Project {
	cols := make([]plan.Column, len(exprs))
	for i, e := range exprs {
		cols[i] = plan.Column{Name: e.String(), T: e.Type()}
	}
	return &plan.Project{Input: in, Exprs: exprs, Cols: cols}
}

func outer(i int, name string) *plan.OuterRef {
	return &plan.OuterRef{Depth: 1, Idx: i, T: types.Int64T, Name: name}
}

// TestDecorrelate covers what becomes a semi / anti join and what must
// stay a subquery.
func TestDecorrelate(t *testing.T) {
	inner := func() plan.Node { return scan("s", "k", "v") }
	exists := func(not bool, body plan.Node) plan.Expr {
		return &plan.Subquery{Kind: plan.ExistsSubquery, Not: not, Correlated: true, Plan: body, T: types.BoolT}
	}
	in := func(not bool, body plan.Node) plan.Expr {
		return &plan.Subquery{Kind: plan.InSubquery, Not: not, Arg: col(0, "a"), Plan: body, T: types.BoolT}
	}
	corr := func() plan.Node { // SELECT k FROM s WHERE s.k = outer.b AND v > outer.a
		return proj(&plan.Filter{Input: inner(), Pred: And([]plan.Expr{eq(col(0, "k"), outer(1, "b")), gt(col(1, "v"), outer(0, "a"))})}, col(0, "k"))
	}
	cases := []struct {
		name string
		pred plan.Expr
		want string
	}{
		{"exists", exists(false, corr()),
			"HashJoin semi on [b] = [k] extra (v > a)\n  Scan t [a, b]\n  Scan s [k, v]\n"},
		{"not exists", exists(true, corr()),
			"HashJoin anti on [b] = [k] extra (v > a)\n  Scan t [a, b]\n  Scan s [k, v]\n"},
		{"in", in(false, corr()),
			"HashJoin semi on [a, b] = [k, k] extra (v > a)\n  Scan t [a, b]\n  Scan s [k, v]\n"},
		{"not in stays", in(true, corr()),
			"Filter a NOT IN (subquery)\n  Scan t [a, b]\n"},
		{"limit 0 stays", exists(false, &plan.Limit{Input: corr(), Count: 0}),
			"Filter EXISTS(subquery)\n  Scan t [a, b]\n"},
		{"correlated aggregate stays", exists(false, &plan.Aggregate{Input: corr(), Aggs: []plan.AggCall{{Func: "count_star", T: types.Int64T}}, Cols: []plan.Column{{Name: "n", T: types.Int64T}}}),
			"Filter EXISTS(subquery)\n  Scan t [a, b]\n"},
		{"reaching two levels stays", exists(false, &plan.Filter{Input: inner(), Pred: eq(col(0, "k"), &plan.OuterRef{Depth: 2, Idx: 0, T: types.Int64T, Name: "z"})}),
			"Filter EXISTS(subquery)\n  Scan t [a, b]\n"},
	}
	for _, c := range cases {
		n := Decorrelate(&plan.Filter{Input: scan("t", "a", "b"), Pred: c.pred})
		if got := plan.Explain(n, plan.ExplainOptions{}); got != c.want {
			t.Errorf("%s: got\n%swant\n%s", c.name, got, c.want)
		}
	}
}

// TestPushFilters covers the barriers: LIMIT, the padded side of a LEFT
// JOIN, non-key columns of an aggregate, and subqueries.
func TestPushFilters(t *testing.T) {
	s := func() *plan.Scan { return scan("t", "a", "b") }
	sub := &plan.Subquery{Kind: plan.ExistsSubquery, Plan: &plan.Values{Rows: [][]plan.Expr{{}}}, T: types.BoolT}
	agg := &plan.Aggregate{Input: s(), GroupBy: []plan.Expr{col(0, "a")},
		Aggs: []plan.AggCall{{Func: "count_star", T: types.Int64T}},
		Cols: []plan.Column{{Name: "a", T: types.Int64T}, {Name: "n", T: types.Int64T}}}
	left := &plan.Join{Kind: plan.LeftJoin, Left: s(), Right: scan("u", "c"), LeftKeys: []plan.Expr{col(0, "a")}, RightKeys: []plan.Expr{col(0, "c")}}
	cases := []struct {
		name string
		n    plan.Node
		want []string
	}{
		{"through project", &plan.Filter{Input: proj(s(), &plan.Func{Name: "+", Args: []plan.Expr{col(0, "a"), col(1, "b")}, T: types.Int64T}), Pred: gt(col(0, "s"), num(1))},
			[]string{"Project (a + b)", "  Filter ((a + b) > 1)", "    Scan t [a, b]"}},
		{"not below limit", &plan.Filter{Input: &plan.Limit{Input: s(), Count: 3}, Pred: gt(col(0, "a"), num(1))},
			[]string{"Filter (a > 1)", "  Limit offset=0 count=3", "    Scan t [a, b]"}},
		{"aggregate keys only", &plan.Filter{Input: agg, Pred: And([]plan.Expr{gt(col(0, "a"), num(1)), gt(col(1, "n"), num(2))})},
			[]string{"Filter (n > 2)", "  HashAggregate group=[a] aggs=[count(*)]", "    Filter (a > 1)", "      Scan t [a, b]", "        prune by statistics: (a > 1)"}},
		{"left join preserved side only", &plan.Filter{Input: left, Pred: And([]plan.Expr{gt(col(0, "a"), num(1)), gt(col(2, "c"), num(2))})},
			[]string{"Filter (c > 2)", "  HashJoin left on [a] = [c]", "    Filter (a > 1)", "      Scan t [a, b]", "        prune by statistics: (a > 1)", "    Scan u [c]"}},
		{"subquery stays", &plan.Filter{Input: proj(s(), col(0, "a")), Pred: And([]plan.Expr{sub, gt(col(0, "a"), num(1))})},
			[]string{"Filter EXISTS(subquery)", "  Project a", "    Filter (a > 1)", "      Scan t [a, b]", "        prune by statistics: (a > 1)"}},
	}
	for _, c := range cases {
		got := plan.Explain(PushFilters(c.n), plan.ExplainOptions{})
		if want := strings.Join(c.want, "\n") + "\n"; got != want {
			t.Errorf("%s: got\n%swant\n%s", c.name, got, want)
		}
	}
}
