package exec

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// TestJoinMatchesReference runs every join kind, with and without keys and
// Extra, over inputs with NULL keys, duplicates and filtered (selection
// vector) left batches, against a nested-loop reference.
func TestJoinMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lt := []types.T{i64, i64, bln, bln} // key, tag, live, extra-flag
	rt := []types.T{i64, i64, bln}      // key, tag, extra-flag
	mkRows := func(n, keys int, cols int) [][]any {
		var rows [][]any
		for i := 0; i < n; i++ {
			var k any = rng.IntN(keys)
			if rng.IntN(10) == 0 {
				k = nil
			}
			r := []any{k, i, rng.IntN(4) != 0, rng.IntN(3) != 0}
			rows = append(rows, r[:cols])
		}
		return rows
	}
	for _, size := range []struct{ nl, nr, keys int }{{6000, 700, 300}, {50, 40, 5}, {10, 0, 3}, {0, 10, 3}} {
		lrows := mkRows(size.nl, size.keys, 4)
		rrows := mkRows(size.nr, size.keys, 3)
		for i := range rrows {
			rrows[i][2] = rng.IntN(3) != 0
		}
		left := &plan.Filter{Input: valuesNode(lt, lrows), Pred: cr(2, bln)}
		right := valuesNode(rt, rrows)
		for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin, plan.SemiJoin, plan.AntiJoin} {
			for _, keyed := range []bool{true, false} {
				if !keyed && size.nl*size.nr > 100000 {
					continue
				}
				for _, extra := range []int{-1, 3, 6} { // -1 none; 3 left flag; 6 right flag
					j := &plan.Join{Kind: kind, Left: left, Right: right}
					if keyed {
						j.LeftKeys = []plan.Expr{cr(0, i64)}
						j.RightKeys = []plan.Expr{cr(0, i64)}
					}
					if extra >= 0 {
						j.Extra = cr(extra, bln)
					}
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					rows, err := CollectPlan(context.Background(), j, &Env{Alloc: mem})
					if err != nil {
						t.Fatal(err)
					}
					got := sortedRowStrings(rows)
					want := refJoin(lrows, rrows, kind, keyed, extra)
					if len(got) == 0 {
						got = nil
					}
					equalStrings(t, plan.Explain(j, plan.ExplainOptions{}), got, want)
					mem.AssertSize(t, 0)
				}
			}
		}
	}
}

func refJoin(lrows, rrows [][]any, kind plan.JoinKind, keyed bool, extra int) []string {
	var out [][]types.Value
	lv := func(r []any) []types.Value {
		return []types.Value{tv(i64, r[0]), tv(i64, r[1]), tv(bln, r[2]), tv(bln, r[3])}
	}
	rv := func(r []any) []types.Value {
		return []types.Value{tv(i64, r[0]), tv(i64, r[1]), tv(bln, r[2])}
	}
	for _, l := range lrows {
		if !l[2].(bool) {
			continue
		}
		matched := false
		for _, r := range rrows {
			if keyed && (l[0] == nil || r[0] == nil || l[0].(int) != r[0].(int)) {
				continue
			}
			row := append(lv(l), rv(r)...)
			if extra >= 0 && !row[extra].Bool() {
				continue
			}
			matched = true
			if kind == plan.InnerJoin || kind == plan.LeftJoin {
				out = append(out, row)
			}
		}
		switch {
		case kind == plan.LeftJoin && !matched:
			out = append(out, append(lv(l), tv(i64, nil), tv(i64, nil), tv(bln, nil)))
		case kind == plan.SemiJoin && matched, kind == plan.AntiJoin && !matched:
			out = append(out, lv(l))
		}
	}
	s := rowStrings(out)
	slices.Sort(s)
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestJoinIntFloatKeysAndNullKeys(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	left := valuesNode([]types.T{i64}, [][]any{{1}, {2}, {nil}, {4}})
	right := valuesNode([]types.T{f64}, [][]any{{1.0}, {2.5}, {nil}, {4.0}, {4.0}})
	cases := []struct {
		kind plan.JoinKind
		want []string
	}{
		{plan.InnerJoin, []string{"1|1", "4|4", "4|4"}},
		{plan.LeftJoin, []string{"1|1", "2|NULL", "4|4", "4|4", "NULL|NULL"}},
		{plan.SemiJoin, []string{"1", "4"}},
		// Plain anti join: the NULL-keyed left row has no match and stays.
		{plan.AntiJoin, []string{"2", "NULL"}},
	}
	for _, c := range cases {
		j := &plan.Join{Kind: c.kind, Left: left, Right: right, LeftKeys: []plan.Expr{cr(0, i64)}, RightKeys: []plan.Expr{cr(0, f64)}}
		rows, err := CollectPlan(context.Background(), j, &Env{Alloc: mem})
		if err != nil {
			t.Fatal(err)
		}
		equalStrings(t, c.kind.String(), sortedRowStrings(rows), c.want)
	}
}

func TestJoinStringAndCompositeKeys(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	left := valuesNode([]types.T{str, i64}, [][]any{{"a", 1}, {"a", 2}, {"b", 1}, {nil, 1}})
	right := valuesNode([]types.T{i64, str}, [][]any{{1, "a"}, {2, "a"}, {1, "a"}, {1, nil}, {3, "b"}})
	j := &plan.Join{Kind: plan.InnerJoin, Left: left, Right: right,
		LeftKeys: []plan.Expr{cr(0, str), cr(1, i64)}, RightKeys: []plan.Expr{cr(1, str), cr(0, i64)}}
	rows, err := CollectPlan(context.Background(), j, &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "composite", sortedRowStrings(rows), []string{"a|1|1|a", "a|1|1|a", "a|2|2|a"})
}

// TestJoinKeyRanges covers both integer probe paths: direct addressing
// (small key span, including negative keys) and hashing (huge span).
func TestJoinKeyRanges(t *testing.T) {
	for _, scale := range []int{1, -3, 1 << 40} {
		var lrows, rrows [][]any
		for i := 0; i < 3000; i++ {
			var k any = (i % 700) * scale
			if i%50 == 0 {
				k = nil
			}
			lrows = append(lrows, []any{k, i, true, i%3 == 0})
		}
		for i := 0; i < 900; i++ {
			rrows = append(rrows, []any{(i % 450) * scale, i, i%2 == 0})
		}
		left := valuesNode([]types.T{i64, i64, bln, bln}, lrows)
		right := valuesNode([]types.T{i64, i64, bln}, rrows)
		for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin, plan.SemiJoin, plan.AntiJoin} {
			j := &plan.Join{Kind: kind, Left: left, Right: right, LeftKeys: []plan.Expr{cr(0, i64)}, RightKeys: []plan.Expr{cr(0, i64)}}
			rows, err := CollectPlan(context.Background(), j, &Env{})
			if err != nil {
				t.Fatal(err)
			}
			got := sortedRowStrings(rows)
			if len(got) == 0 {
				got = nil
			}
			equalStrings(t, kind.String(), got, refJoin(lrows, rrows, kind, true, -1))
		}
	}
}
