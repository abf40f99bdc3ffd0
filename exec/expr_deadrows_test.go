package exec

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// TestDeadRowsNeverRaise: VISION rule 7 — rows outside the selection
// (filtered out, or hidden by a policy) hold values that would make each
// expression fail; evaluating must succeed, and must fail once such a row
// is live.
func TestDeadRowsNeverRaise(t *testing.T) {
	mem := checkedMem(t)
	env := &Env{Alloc: mem}
	// Column 0: x (int); 1: f (float); 2: s (string, dictionary); 3: k (int).
	// Live rows 0 and 2 are harmless; dead rows 1 and 3 are hostile.
	xs := []types.Value{vI(3), vI(math.MinInt64), vI(5), vI(math.MaxInt64)}
	fs := []types.Value{vF(1), vF(1e300), vF(2), vF(-1e300)}
	ss := []types.Value{vS("1"), vS("-9223372036854775808"), vS("2"), vS("9223372036854775807")}
	ks := []types.Value{vI(1), vI(7), vI(1), vI(7)}
	cols := []arrow.Array{
		buildArray(t, mem, tI, xs, false),
		buildArray(t, mem, tF, fs, false),
		buildArray(t, mem, tS, ss, true),
		buildArray(t, mem, tI, ks, false),
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	x, f, s, k := col(0, tI), col(1, tF), col(2, tS), col(3, tI)
	exprs := []plan.Expr{
		fn("+", tI, x, lit(vI(math.MaxInt64-10), tI)),           // overflow on MaxInt64
		fn("-", tI, lit(vI(0), tI), x),                          // overflow on MinInt64
		fn("*", tI, x, x),                                       // overflow on both
		fn("neg", tI, x),                                        // MinInt64
		fn("abs", tI, x),                                        // MinInt64
		fn("div", tI, x, lit(vI(-1), tI)),                       // MinInt64 DIV -1
		fn("*", tF, f, f),                                       // DOUBLE overflow
		fn("power", tF, f, lit(vF(3), tF)),                      // DOUBLE overflow
		fn("floor", tI, fn("*", tF, f, lit(vF(1e10), tF))),      // BIGINT overflow
		fn("div", tI, lit(vI(100), tI), fn("-", tI, k, k)),      // x DIV 0 is NULL anyway
		fn("+", tI, &plan.Cast{Arg: s, T: tI}, lit(vI(-1), tI)), // via string → MinInt64 - 1
		&plan.Case{Whens: []plan.When{{Cond: fn(">", tB, k, lit(vI(5), tI)), Then: lit(vI(0), tI)}}, Else: fn("*", tI, x, lit(vI(2), tI)), T: tI},
		fn("and", tB, fn(">", tB, fn("*", tI, x, x), lit(vI(0), tI)), lit(vB(true), tB)),
		fn("coalesce", tI, fn("+", tI, x, x)),
		&plan.InList{Arg: fn("+", tI, x, x), List: []plan.Expr{lit(vI(6), tI), fn("*", tI, x, x)}},
	}
	for _, e := range exprs {
		ev, err := CompileExpr(e, env)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		out, err := ev.Eval(&Batch{Cols: cols, N: 4, Sel: []int32{0, 2}})
		if err != nil {
			t.Errorf("%s: dead rows raised %v", e, err)
			continue
		}
		for _, i := range []int{0, 2} {
			row := []types.Value{xs[i], fs[i], ss[i], ks[i]}
			want, err := EvalRow(e, row, nil)
			if err != nil {
				t.Fatalf("%s: reference failed on a harmless row: %v", e, err)
			}
			if got := readArray(t, out, i, e.Type()); !sameValue(got, want) {
				t.Errorf("%s row %d: got %v, want %v", e, i, got, want)
			}
		}
		out.Release()
		// With every row live, the hostile rows must fail where MySQL fails.
		out, err = ev.Eval(&Batch{Cols: cols, N: 4})
		_, refErr := EvalRow(e, []types.Value{xs[3], fs[3], ss[3], ks[3]}, nil)
		_, refErr1 := EvalRow(e, []types.Value{xs[1], fs[1], ss[1], ks[1]}, nil)
		if (err != nil) != (refErr != nil || refErr1 != nil) {
			t.Errorf("%s all live: kernel error %v, reference errors %v / %v", e, err, refErr, refErr1)
		}
		if err != nil && lferr.CodeOf(err) != lferr.ExecutionError {
			t.Errorf("%s: error %v is not an ExecutionError", e, err)
		}
		if out != nil {
			out.Release()
		}
	}
	// No live row at all: nothing runs, not even a failing constant.
	ev, err := CompileExpr(fn("+", tI, lit(vI(math.MaxInt64), tI), lit(vI(1), tI)), env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ev.Eval(&Batch{Cols: cols, N: 4, Sel: []int32{}})
	if err != nil {
		t.Fatalf("empty selection raised %v", err)
	}
	out.Release()
	if _, err := ev.Eval(&Batch{Cols: cols, N: 4, Sel: []int32{2}}); err == nil {
		t.Fatal("constant overflow with a live row did not raise")
	}
}

// TestMalformedBatch: bad selections and short columns are errors, not
// panics.
func TestMalformedBatch(t *testing.T) {
	mem := checkedMem(t)
	arr := buildArray(t, mem, tI, []types.Value{vI(1), vI(2)}, false)
	defer arr.Release()
	ev, err := CompileExpr(fn("+", tI, col(0, tI), lit(vI(1), tI)), &Env{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []*Batch{
		{Cols: []arrow.Array{arr}, N: 2, Sel: []int32{1, 0}},
		{Cols: []arrow.Array{arr}, N: 2, Sel: []int32{5}},
		{Cols: []arrow.Array{arr}, N: 3},
		{Cols: nil, N: 2},
		nil,
	} {
		if _, err := ev.Eval(b); err == nil {
			t.Errorf("malformed batch %+v accepted", b)
		}
	}
	// A column whose Arrow type contradicts the plan is an internal error.
	ev2, _ := CompileExpr(fn("+", tF, col(0, tF), lit(vF(1), tF)), &Env{})
	if _, err := ev2.Eval(&Batch{Cols: []arrow.Array{arr}, N: 2}); lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("type mismatch: got %v, want InternalServiceException", err)
	}
}

// TestPolicyErrorsAreRedacted: an error from a policy expression names
// neither the expression nor its (possibly hidden) columns.
func TestPolicyErrorsAreRedacted(t *testing.T) {
	mem := checkedMem(t)
	arr := buildArray(t, mem, tI, []types.Value{vI(math.MaxInt64)}, false)
	defer arr.Release()
	secret := &plan.ColRef{Idx: 0, T: tI, Name: "salary_secret"}
	for _, e := range []plan.Expr{
		fn("+", tI, secret, lit(vI(1), tI)),
		fn("neg", tI, fn("-", tI, lit(vI(-2), tI), secret)),
		fn("abs", tI, fn("-", tI, lit(vI(math.MinInt64), tI), fn("-", tI, secret, secret))),
	} {
		for _, redact := range []bool{false, true} {
			compile := CompileExpr
			if redact {
				compile = CompilePolicyExpr
			}
			ev, err := compile(e, &Env{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: 1})
			if lferr.CodeOf(err) != lferr.ExecutionError {
				t.Fatalf("%s: got %v, want an ExecutionError", e, err)
			}
			leaks := strings.Contains(err.Error(), "salary_secret")
			if leaks == redact {
				t.Errorf("%s (policy=%v): message %q", e, redact, err)
			}
		}
	}
}

// TestSelect: Select returns exactly the live rows where Eval gives true.
func TestSelect(t *testing.T) {
	mem := checkedMem(t)
	xs := []types.Value{vI(1), nullOf(tI), vI(5), vI(7), vI(-2), vI(9)}
	bs := []types.Value{vB(true), vB(false), nullOf(tB), vB(true), vB(true), vB(false)}
	cols := []arrow.Array{buildArray(t, mem, tI, xs, false), buildArray(t, mem, tB, bs, false)}
	defer cols[0].Release()
	defer cols[1].Release()
	for _, e := range []plan.Expr{
		fn(">", tB, col(0, tI), lit(vI(2), tI)),
		col(1, tB),
		fn("or", tB, col(1, tB), fn("is_null", tB, col(0, tI))),
		lit(vB(true), tB),
		lit(vNull, tN),
	} {
		ev, err := CompileExpr(e, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range [][]int32{nil, {0, 2, 3, 5}, {}} {
			b := &Batch{Cols: cols, N: len(xs), Sel: sel}
			got, err := ev.(Selector).Select(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []int32
			live := sel
			if live == nil {
				live = []int32{0, 1, 2, 3, 4, 5}
			}
			for _, i := range live {
				v, err := EvalRow(e, []types.Value{xs[i], bs[i]}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !v.Null && v.I != 0 {
					want = append(want, i)
				}
			}
			if !slicesEqual(got, want) {
				t.Errorf("%s sel=%v: Select = %v, want %v", e, sel, got, want)
			}
			// In place over the batch's own selection.
			if sel != nil {
				cp := make([]int32, len(sel))
				copy(cp, sel)
				b.Sel = cp
				got2, err := ev.(Selector).Select(b, cp)
				if err != nil || !slicesEqual(got2, want) {
					t.Errorf("%s in place: %v %v, want %v", e, got2, err, want)
				}
			}
		}
	}
}

func slicesEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBatchStringLimit: a batch whose string results would exhaust memory
// fails with an ExecutionError instead.
func TestBatchStringLimit(t *testing.T) {
	old := maxBatchStringBytes
	maxBatchStringBytes = 1 << 20
	defer func() { maxBatchStringBytes = old }()
	mem := checkedMem(t)
	vals := make([]types.Value, 40)
	for i := range vals {
		vals[i] = vI(64 << 10)
	}
	arr := buildArray(t, mem, tI, vals, false)
	defer arr.Release()
	ev, err := CompileExpr(fn("repeat", tS, lit(vS("x"), tS), col(0, tI)), &Env{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: len(vals)})
	if lferr.CodeOf(err) != lferr.ExecutionError || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("got %v, want the batch string limit error", err)
	}
	out, err := ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: len(vals), Sel: []int32{3}})
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
}
