package exec

import (
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
)

// TestNoPerRowAllocations: allocations per Eval are a small constant (the
// result array and its wrappers), independent of the batch size.
func TestNoPerRowAllocations(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	n := BatchSize
	fb, sb := array.NewFloat64Builder(memory.DefaultAllocator), array.NewStringBuilder(memory.DefaultAllocator)
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		fb.Append(r.Float64())
		sb.Append(benchWords[r.Intn(len(benchWords))])
		if i%7 == 0 {
			ib.AppendNull()
		} else {
			ib.Append(r.Int63n(1000))
		}
	}
	cols := []arrow.Array{fb.NewArray(), sb.NewArray(), ib.NewArray(), stringCols(true)(n, r)[0]}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	f, s, i, d := col(0, tF), col(1, tS), col(2, tI), col(3, tS)
	sel := make([]int32, 0, n)
	for k := 0; k < n; k += 3 {
		sel = append(sel, int32(k))
	}
	for _, e := range []plan.Expr{
		fn("*", tF, f, fn("-", tF, lit(vF(1), tF), f)),
		fn("+", tI, i, fn("*", tI, i, lit(vI(3), tI))),
		fn("=", tB, s, lit(vS("x"), tS)),
		fn("=", tB, d, lit(vS("x"), tS)),
		fn("like", tB, s, lit(vS("%MACH%"), tS)),
		fn("like", tB, d, lit(vS("c_st%"), tS)),
		&plan.InList{Arg: s, List: []plan.Expr{lit(vS("a"), tS), lit(vS("b"), tS)}},
		&plan.Case{Whens: []plan.When{{Cond: fn("<", tB, f, lit(vF(0.5), tF)), Then: s}}, Else: fn("upper", tS, d), T: tS},
		fn("concat", tS, s, lit(vS("-"), tS), fn("substring", tS, d, lit(vI(2), tI), lit(vI(5), tI))),
		fn("coalesce", tI, i, fn("length", tI, s)),
		&plan.Cast{Arg: i, T: tS},
		fn("and", tB, fn(">", tB, i, lit(vI(10), tI)), fn("like", tB, s, lit(vS("%a%"), tS))),
	} {
		ev, err := CompileExpr(e, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range [][]int32{nil, sel} {
			b := &Batch{Cols: cols, N: n, Sel: sl}
			warm, err := ev.Eval(b) // grow scratch buffers once
			if err != nil {
				t.Fatal(err)
			}
			warm.Release()
			allocs := testing.AllocsPerRun(5, func() {
				out, err := ev.Eval(b)
				if err != nil {
					t.Fatal(err)
				}
				out.Release()
			})
			if allocs > 16 {
				t.Errorf("%s (sel=%v): %.0f allocations per %d-row batch", e, sl != nil, allocs, n)
			}
		}
	}
}
