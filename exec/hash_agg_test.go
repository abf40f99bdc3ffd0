package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func aggNode(in plan.Node, group []plan.Expr, aggs []plan.AggCall) *plan.Aggregate {
	var cols []plan.Column
	for _, g := range group {
		cols = append(cols, plan.Column{Name: g.String(), T: g.Type()})
	}
	for _, a := range aggs {
		cols = append(cols, plan.Column{Name: a.String(), T: a.T})
	}
	return &plan.Aggregate{Input: in, GroupBy: group, Aggs: aggs, Cols: cols}
}

func TestAggregateEmptyInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := valuesNode([]types.T{i64, str}, nil)
	aggs := []plan.AggCall{
		{Func: "count_star", T: i64},
		{Func: "count", Arg: cr(0, i64), T: i64},
		{Func: "sum", Arg: cr(0, i64), T: types.DecimalT(20, 0)},
		{Func: "avg", Arg: cr(0, i64), T: types.DecimalT(20, 4)},
		{Func: "min", Arg: cr(1, str), T: str},
		{Func: "max", Arg: cr(0, i64), T: i64},
		{Func: "group_concat", Arg: cr(1, str), T: str},
		{Func: "count", Arg: cr(1, str), Distinct: true, T: i64},
	}
	env := &Env{Alloc: mem}
	rows, err := CollectPlan(context.Background(), aggNode(in, nil, aggs), env)
	if err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "global over empty", rowStrings(rows), []string{"0|0|NULL|NULL|NULL|NULL|NULL|0"})
	rows, err = CollectPlan(context.Background(), aggNode(in, []plan.Expr{cr(1, str)}, aggs), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Fatalf("grouped aggregate over empty input: got %d rows", len(rows))
	}
}

func TestAggregateSumOverflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := valuesNode([]types.T{i64}, [][]any{{int64(1) << 62}, {int64(1) << 62}, {int64(1) << 62}})
	env := &Env{Alloc: mem}
	// BIGINT result: an error, never a wrapped value.
	_, err := CollectPlan(context.Background(), aggNode(in, nil, []plan.AggCall{{Func: "sum", Arg: cr(0, i64), T: i64}}), env)
	if lferr.CodeOf(err) != lferr.ExecutionError {
		t.Fatalf("sum overflow into BIGINT: got %v", err)
	}
	// DECIMAL result (MySQL's type for SUM(int)): the exact-then-float total.
	rows, err := CollectPlan(context.Background(), aggNode(in, nil, []plan.AggCall{{Func: "sum", Arg: cr(0, i64), T: types.DecimalT(38, 0)}}), env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rows[0][0].F, 3*float64(int64(1)<<62); got != want {
		t.Fatalf("sum overflow into DECIMAL: got %v want %v", got, want)
	}
}

// TestAggregateRandomMatchesReference compares every aggregate, grouped by
// an int key with NULLs, a dictionary string key, both, and nothing, with
// a map-based reference.
func TestAggregateRandomMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	const n = 12000
	type row struct {
		k    any // int or nil
		s    any // string or nil
		x    any // int or nil
		f    any // float or nil
		d    any // date (int days) or nil
		live bool
	}
	var rs []row
	for i := 0; i < n; i++ {
		r := row{k: rng.IntN(30), s: []string{"A", "N", "R", "xx"}[rng.IntN(4)], x: rng.IntN(1000) - 500, f: float64(rng.IntN(100)) / 4, d: 10000 + rng.IntN(400), live: rng.IntN(5) != 0}
		if rng.IntN(8) == 0 {
			r.k = nil
		}
		if rng.IntN(9) == 0 {
			r.s = nil
		}
		if rng.IntN(7) == 0 {
			r.x = nil
		}
		if rng.IntN(6) == 0 {
			r.f = nil
		}
		if rng.IntN(6) == 0 {
			r.d = nil
		}
		rs = append(rs, r)
	}
	dateT := types.DateT
	ts := []types.T{i64, str, i64, f64, dateT}
	mkSource := func(mem memory.Allocator) *testSource {
		var bs []*Batch
		for lo := 0; lo < n; lo += 1000 {
			hi := min(lo+1000, n)
			var sel []int32
			ks, ss, xs, fs, ds := []any{}, []any{}, []any{}, []any{}, []any{}
			for i := lo; i < hi; i++ {
				r := rs[i]
				ks, ss, xs, fs, ds = append(ks, r.k), append(ss, r.s), append(xs, r.x), append(fs, r.f), append(ds, r.d)
				if r.live {
					sel = append(sel, int32(i-lo))
				}
			}
			bs = append(bs, &Batch{Cols: []arrow.Array{mkArr(mem, i64, ks...), mkDict(mem, ss...), mkArr(mem, i64, xs...), mkArr(mem, f64, fs...), mkArr(mem, dateT, ds...)}, N: hi - lo, Sel: sel})
		}
		return &testSource{batches: bs}
	}
	aggs := []plan.AggCall{
		{Func: "count_star", T: i64},
		{Func: "count", Arg: cr(2, i64), T: i64},
		{Func: "sum", Arg: cr(2, i64), T: types.DecimalT(32, 0)},
		{Func: "sum", Arg: cr(2, i64), T: i64},
		{Func: "avg", Arg: cr(3, f64), T: f64},
		{Func: "min", Arg: cr(1, str), T: str},
		{Func: "max", Arg: cr(1, str), T: str},
		{Func: "min", Arg: cr(2, i64), T: i64},
		{Func: "max", Arg: cr(3, f64), T: f64},
		{Func: "max", Arg: cr(4, dateT), T: dateT},
		{Func: "count", Arg: cr(2, i64), Distinct: true, T: i64},
		{Func: "sum", Arg: cr(3, f64), Distinct: true, T: f64},
		{Func: "avg", Arg: cr(2, i64), Distinct: true, T: types.DecimalT(20, 4)},
		{Func: "count", Arg: cr(1, str), Distinct: true, T: i64},
	}
	// reference
	type acc struct {
		cnt, cntx      int64
		sumx           int64
		sumf           float64
		nf             int64
		mins, maxs     *string
		minx           *int64
		maxf           *float64
		maxd           *int64
		dx             map[int64]bool
		df             map[float64]bool
		ds             map[string]bool
		has            bool
		keyK, keyS     types.Value
		gcat           []string
		anyX, anyF, aD bool
	}
	groupings := [][]int{nil, {0}, {1}, {0, 1}}
	for _, gcols := range groupings {
		ref := map[string]*acc{}
		var order []string
		for _, r := range rs {
			if !r.live {
				continue
			}
			kv := tv(i64, r.k)
			sv := tv(str, r.s)
			var parts []string
			for _, g := range gcols {
				if g == 0 {
					parts = append(parts, kv.String())
				} else {
					parts = append(parts, sv.String())
				}
			}
			key := strings.Join(parts, "|")
			a := ref[key]
			if a == nil {
				a = &acc{dx: map[int64]bool{}, df: map[float64]bool{}, ds: map[string]bool{}, keyK: kv, keyS: sv}
				ref[key] = a
				order = append(order, key)
			}
			a.cnt++
			if r.x != nil {
				x := int64(r.x.(int))
				a.cntx++
				a.sumx += x
				a.anyX = true
				if a.minx == nil || x < *a.minx {
					a.minx = &x
				}
				a.dx[x] = true
			}
			if r.f != nil {
				f := r.f.(float64)
				a.sumf += f
				a.nf++
				if a.maxf == nil || f > *a.maxf {
					a.maxf = &f
				}
				a.df[f] = true
			}
			if r.s != nil {
				s := r.s.(string)
				if a.mins == nil || s < *a.mins {
					a.mins = &s
				}
				if a.maxs == nil || s > *a.maxs {
					a.maxs = &s
				}
				a.ds[s] = true
			}
			if r.d != nil {
				d := int64(r.d.(int))
				if a.maxd == nil || d > *a.maxd {
					a.maxd = &d
				}
			}
		}
		if len(gcols) == 0 && len(ref) == 0 {
			t.Fatal("reference has no rows")
		}
		var want []string
		for _, key := range order {
			a := ref[key]
			var parts []string
			if key != "" || len(gcols) > 0 {
				parts = append(parts, key)
			}
			nul := "NULL"
			sumx, sumxi, avgf, mins, maxs, minx, maxf, maxd := nul, nul, nul, nul, nul, nul, nul, nul
			if a.anyX {
				sumx = types.Value{Kind: types.Decimal, F: float64(a.sumx)}.String()
				sumxi = strconv.FormatInt(a.sumx, 10)
				minx = strconv.FormatInt(*a.minx, 10)
			}
			if a.nf > 0 {
				avgf = types.NewFloat(a.sumf / float64(a.nf)).String()
				maxf = types.NewFloat(*a.maxf).String()
			}
			if a.mins != nil {
				mins, maxs = *a.mins, *a.maxs
			}
			if a.maxd != nil {
				maxd = types.NewDate(*a.maxd).String()
			}
			var sdf float64
			for f := range a.df {
				sdf += f
			}
			sdfs := nul
			if len(a.df) > 0 {
				sdfs = types.NewFloat(sdf).String()
			}
			var sdx int64
			for x := range a.dx {
				sdx += x
			}
			avdx := nul
			if len(a.dx) > 0 {
				avdx = types.NewFloat(float64(sdx) / float64(len(a.dx))).String()
			}
			parts = append(parts, fmt.Sprint(a.cnt), fmt.Sprint(a.cntx), sumx, sumxi, avgf, mins, maxs, minx, maxf, maxd,
				fmt.Sprint(len(a.dx)), sdfs, avdx, fmt.Sprint(len(a.ds)))
			want = append(want, strings.Join(parts, "|"))
		}
		slices.Sort(want)

		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var group []plan.Expr
		outT := []types.T{}
		for _, g := range gcols {
			group = append(group, cr(g, ts[g]))
			outT = append(outT, ts[g])
		}
		for _, a := range aggs {
			outT = append(outT, a.T)
		}
		op, err := newAggOp(mkSource(mem), aggNode(nil, group, aggs), &Env{Alloc: mem})
		if err != nil {
			t.Fatal(err)
		}
		got := sortedRowStrings(collect(t, op, outT))
		// float sums may differ in the last bits depending on order: compare
		// through a tolerant renderer.
		if !slices.Equal(got, want) {
			if len(got) != len(want) {
				t.Fatalf("group by %v: %d groups, want %d", gcols, len(got), len(want))
			}
			for i := range got {
				if !approxRowEqual(got[i], want[i]) {
					t.Fatalf("group by %v: row %d\n got  %s\n want %s", gcols, i, got[i], want[i])
				}
			}
		}
		mem.AssertSize(t, 0)
	}
}

func approxRowEqual(a, b string) bool {
	pa, pb := strings.Split(a, "|"), strings.Split(b, "|")
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i] == pb[i] {
			continue
		}
		fa, err1 := strconv.ParseFloat(pa[i], 64)
		fb, err2 := strconv.ParseFloat(pb[i], 64)
		if err1 != nil || err2 != nil {
			return false
		}
		d := fa - fb
		if d < 0 {
			d = -d
		}
		if d > 1e-9*(1+abs(fa)) {
			return false
		}
	}
	return true
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestGroupConcat(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := valuesNode([]types.T{i64, str, i64}, [][]any{{1, "a", 5}, {1, nil, 6}, {2, "b", nil}, {1, "c", 5}, {2, "b", 7}})
	aggs := []plan.AggCall{
		{Func: "group_concat", Arg: cr(1, str), T: str},
		{Func: "group_concat", Arg: cr(2, i64), T: str},
		{Func: "group_concat", Arg: cr(1, str), Distinct: true, T: str},
	}
	rows, err := CollectPlan(context.Background(), aggNode(in, []plan.Expr{cr(0, i64)}, aggs), &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "group_concat", sortedRowStrings(rows), []string{"1|a,c|5,6,5|a,c", "2|b,b|7|b"})
}

// TestAggregateKeyLayoutMismatch: a key column whose layout contradicts its
// declared type is an error, never a silently wrong grouping.
func TestAggregateKeyLayoutMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := &testSource{batches: []*Batch{mkBatch(mem, []types.T{str}, [][]any{{"a"}, {"b"}}, nil)}}
	op, err := newAggOp(src, aggNode(nil, []plan.Expr{cr(0, i64)}, []plan.AggCall{{Func: "count_star", T: i64}}), &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(context.Background(), op, nil); lferr.CodeOf(err) != lferr.InternalService {
		t.Fatalf("got %v, want an internal error", err)
	}
}
