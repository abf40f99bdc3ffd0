package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// TestAggregateFromExprVectors: aggregates over computed DOUBLE arguments
// read the expression's vector directly when it has no NULLs, and convert
// it otherwise; both give the row-at-a-time answer, with selections, empty
// selections and grouped and global aggregation.
func TestAggregateFromExprVectors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	const n, per = 9000, 1000
	type row struct {
		k    int64
		f    any // float or nil
		g    float64
		live bool
	}
	rs := make([]row, n)
	for i := range rs {
		rs[i] = row{k: int64(rng.IntN(5)), f: float64(rng.IntN(400)) / 8, g: float64(rng.IntN(1000)) / 4, live: rng.IntN(4) != 0}
		if rng.IntN(5) == 0 {
			rs[i].f = nil
		}
		if i/per == 3 { // one batch with no live row
			rs[i].live = false
		}
	}
	fn := func(name string, args ...plan.Expr) plan.Expr { return &plan.Func{Name: name, Args: args, T: f64} }
	two := cst(f64, 2.0)
	aggs := []plan.AggCall{
		{Func: "sum", Arg: fn("*", cr(2, f64), two), T: f64}, // NULL-free: direct
		{Func: "avg", Arg: fn("+", cr(2, f64), two), T: f64}, // NULL-free: direct
		{Func: "sum", Arg: fn("*", cr(1, f64), two), T: f64}, // NULLs: converted
		{Func: "max", Arg: fn("-", cr(2, f64), two), T: f64},
		{Func: "count", Arg: fn("+", cr(1, f64), two), T: i64},
	}
	type acc struct {
		s0, s1, s2, mx float64
		c1, c2         int64
		any2           bool
	}
	want := func(grouped bool) map[int64]*acc {
		m := map[int64]*acc{}
		for _, r := range rs {
			if !r.live {
				continue
			}
			k := int64(0)
			if grouped {
				k = r.k
			}
			a := m[k]
			if a == nil {
				a = &acc{mx: math.Inf(-1)}
				m[k] = a
			}
			a.s0 += r.g * 2
			a.s1 += r.g + 2
			a.c1++
			a.mx = math.Max(a.mx, r.g-2)
			if r.f != nil {
				a.s2 += r.f.(float64) * 2
				a.c2++
				a.any2 = true
			}
		}
		return m
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, grouped := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var bs []*Batch
		for lo := 0; lo < n; lo += per {
			ks, fs, gs := []any{}, []any{}, []any{}
			sel := []int32{}
			for i := lo; i < lo+per; i++ {
				ks, fs, gs = append(ks, int(rs[i].k)), append(fs, rs[i].f), append(gs, rs[i].g)
				if rs[i].live {
					sel = append(sel, int32(i-lo))
				}
			}
			bs = append(bs, &Batch{Cols: []arrow.Array{mkArr(mem, i64, ks...), mkArr(mem, f64, fs...), mkArr(mem, f64, gs...)}, N: per, Sel: sel})
		}
		var group []plan.Expr
		ts := []types.T{f64, f64, f64, f64, i64}
		if grouped {
			group = []plan.Expr{cr(0, i64)}
			ts = append([]types.T{i64}, ts...)
		}
		op, err := newAggOp(&testSource{batches: bs}, aggNode(nil, group, aggs), &Env{})
		if err != nil {
			t.Fatal(err)
		}
		got := collect(t, op, ts)
		exp := want(grouped)
		if len(got) != len(exp) {
			t.Fatalf("grouped=%v: %d groups, want %d", grouped, len(got), len(exp))
		}
		for _, r := range got {
			k := int64(0)
			if grouped {
				k, r = r[0].I, r[1:]
			}
			a := exp[k]
			if a == nil {
				t.Fatalf("grouped=%v: unexpected group %d", grouped, k)
			}
			if !close(r[0].F, a.s0) || !close(r[1].F, a.s1/float64(a.c1)) || !close(r[3].F, a.mx) || r[4].I != a.c2 {
				t.Errorf("grouped=%v group %d: got %v, want sum %v avg %v max %v count %d", grouped, k, r, a.s0, a.s1/float64(a.c1), a.mx, a.c2)
			}
			if a.any2 != !r[2].Null || (a.any2 && !close(r[2].F, a.s2)) {
				t.Errorf("grouped=%v group %d: sum over NULLs = %v, want %v", grouped, k, r[2], a.s2)
			}
		}
		mem.AssertSize(t, 0)
	}
}
