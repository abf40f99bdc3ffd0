package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// fakeOp is an Operator over prepared rows, emitted one row per batch
// (so multi-batch handling is exercised) with a dead row in front.
type fakeOp struct {
	t      *testing.T
	cols   []types.T
	rows   [][]types.Value
	next   int
	cur    []arrow.Array
	closed bool
	inited bool
}

func (f *fakeOp) Init(ctx context.Context) error { f.inited = true; return nil }

func (f *fakeOp) Next() (*Batch, error) {
	f.release()
	if f.next >= len(f.rows) {
		return nil, nil
	}
	row := f.rows[f.next]
	f.next++
	b := &Batch{N: 2, Sel: []int32{1}}
	for j, ct := range f.cols {
		// Strings come dictionary-encoded, as from a Parquet scan.
		arr := buildArray(f.t, memory.NewGoAllocator(), ct, []types.Value{hostile(ct, 0), row[j]}, ct.Kind == types.String)
		f.cur = append(f.cur, arr)
		b.Cols = append(b.Cols, arr)
	}
	return b, nil
}

func (f *fakeOp) release() {
	for _, a := range f.cur {
		a.Release()
	}
	f.cur = nil
}

func (f *fakeOp) Close() error { f.release(); f.closed = true; return nil }

// fakeBuilder runs plan.Values (rows evaluated with EvalRow against
// env.Outer) and plan.Filter over it, counting builds.
type fakeBuilder struct {
	t      *testing.T
	builds int
	ops    []*fakeOp
}

func (fb *fakeBuilder) build(n plan.Node, env *Env) (Operator, error) {
	fb.builds++
	var pred plan.Expr
	if f, ok := n.(*plan.Filter); ok {
		pred, n = f.Pred, f.Input
	}
	v, ok := n.(*plan.Values)
	if !ok {
		return nil, lferr.New(lferr.Unsupported, "fake builder: %T", n)
	}
	op := &fakeOp{t: fb.t}
	for _, c := range v.Cols {
		op.cols = append(op.cols, c.T)
	}
	for _, r := range v.Rows {
		row := make([]types.Value, len(r))
		for j, e := range r {
			val, err := EvalRow(e, nil, env.Outer)
			if err != nil {
				return nil, err
			}
			row[j] = val
		}
		if pred != nil {
			ok, err := EvalRow(pred, row, env.Outer)
			if err != nil {
				return nil, err
			}
			if ok.Null || ok.I == 0 {
				continue
			}
		}
		op.rows = append(op.rows, row)
	}
	fb.ops = append(fb.ops, op)
	return op, nil
}

func withFakeBuilder(t *testing.T) *fakeBuilder {
	fb := &fakeBuilder{t: t}
	old := buildSubplan
	buildSubplan = fb.build
	t.Cleanup(func() {
		buildSubplan = old
		for _, op := range fb.ops {
			if !op.closed {
				t.Errorf("subquery operator not closed")
			}
		}
	})
	return fb
}

func valuesPlan(t types.T, vals ...plan.Expr) *plan.Values {
	v := &plan.Values{Cols: []plan.Column{{Name: "x", T: t}}}
	for _, e := range vals {
		v.Rows = append(v.Rows, []plan.Expr{e})
	}
	return v
}

// evalOver evaluates e over an Int64 column holding vals.
func evalOver(t *testing.T, e plan.Expr, vals []types.Value, sel []int32) ([]types.Value, error) {
	t.Helper()
	return evalOverT(t, e, tI, vals, sel)
}

func evalOverT(t *testing.T, e plan.Expr, ct types.T, vals []types.Value, sel []int32) ([]types.Value, error) {
	t.Helper()
	mem := checkedMem(t)
	arr := buildArray(t, mem, ct, vals, false)
	defer arr.Release()
	ev, err := CompileExpr(e, &Env{Alloc: mem})
	if err != nil {
		return nil, err
	}
	out, err := ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: len(vals), Sel: sel})
	if err != nil {
		return nil, err
	}
	defer out.Release()
	res := make([]types.Value, len(vals))
	for i := range vals {
		res[i] = readArray(t, out, i, e.Type())
	}
	return res, nil
}

func TestUncorrelatedSubqueries(t *testing.T) {
	one := func(v types.Value, t types.T) plan.Expr { return lit(v, t) }
	cases := []struct {
		name string
		sq   *plan.Subquery
		arg  types.Value
		want types.Value
		err  string
	}{
		{name: "scalar", sq: &plan.Subquery{Kind: plan.ScalarSubquery, Plan: valuesPlan(tI, one(vI(7), tI)), T: tI}, want: vI(7)},
		{name: "scalar empty", sq: &plan.Subquery{Kind: plan.ScalarSubquery, Plan: valuesPlan(tI), T: tI}, want: nullOf(tI)},
		{name: "scalar two rows", sq: &plan.Subquery{Kind: plan.ScalarSubquery, Plan: valuesPlan(tI, one(vI(1), tI), one(vI(2), tI)), T: tI}, err: "Subquery returns more than 1 row"},
		{name: "scalar string", sq: &plan.Subquery{Kind: plan.ScalarSubquery, Plan: valuesPlan(tS, one(vS("x"), tS)), T: tS}, want: vS("x")},
		{name: "exists", sq: &plan.Subquery{Kind: plan.ExistsSubquery, Plan: valuesPlan(tI, one(vI(1), tI)), T: tB}, want: vB(true)},
		{name: "not exists empty", sq: &plan.Subquery{Kind: plan.ExistsSubquery, Not: true, Plan: valuesPlan(tI), T: tB}, want: vB(true)},
		{name: "in found", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tI, one(vI(1), tI), one(vNull, tI)), T: tB}, arg: vI(1), want: vB(true)},
		{name: "in not found null", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tI, one(vI(1), tI), one(vNull, tI)), T: tB}, arg: vI(2), want: nullOf(tB)},
		{name: "in not found", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tI, one(vI(1), tI)), T: tB}, arg: vI(2), want: vB(false)},
		{name: "null in", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tI, one(vI(1), tI)), T: tB}, arg: nullOf(tI), want: nullOf(tB)},
		{name: "null in empty", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tI), T: tB}, arg: nullOf(tI), want: vB(false)},
		{name: "null not in empty", sq: &plan.Subquery{Kind: plan.InSubquery, Not: true, Plan: valuesPlan(tI), T: tB}, arg: nullOf(tI), want: vB(true)},
		{name: "not in with null", sq: &plan.Subquery{Kind: plan.InSubquery, Not: true, Plan: valuesPlan(tI, one(vI(1), tI), one(vNull, tI)), T: tB}, arg: vI(2), want: nullOf(tB)},
		{name: "not in found", sq: &plan.Subquery{Kind: plan.InSubquery, Not: true, Plan: valuesPlan(tI, one(vI(1), tI)), T: tB}, arg: vI(1), want: vB(false)},
		{name: "in strings", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tS, one(vS("b"), tS), one(vS("c"), tS)), T: tB}, arg: vS("b"), want: vB(true)},
		{name: "not in strings", sq: &plan.Subquery{Kind: plan.InSubquery, Not: true, Plan: valuesPlan(tS, one(vS("b"), tS), one(vS("c"), tS)), T: tB}, arg: vS("c"), want: vB(false)},
		{name: "in strings null member", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tS, one(vS("b"), tS), one(vNull, tS)), T: tB}, arg: vS("b"), want: vB(true)},
		{name: "in mixed types", sq: &plan.Subquery{Kind: plan.InSubquery, Plan: valuesPlan(tF, one(vF(2), tF)), T: tB}, arg: vI(2), want: vB(true)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fb := withFakeBuilder(t)
			argT := tI
			if c.arg.Kind == types.String {
				argT = tS
			}
			if c.sq.Kind == plan.InSubquery {
				c.sq.Arg = col(0, argT)
			}
			argv := c.arg
			if c.sq.Kind != plan.InSubquery {
				argv = vI(0)
			}
			got, err := evalOverT(t, c.sq, argT, []types.Value{argv, argv, argv}, nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range got {
				if !sameValue(g, c.want) {
					t.Errorf("row %d: got %v, want %v", i, g, c.want)
				}
			}
			ref, err := EvalRow(c.sq, []types.Value{argv}, nil)
			if err != nil || !sameValue(ref, c.want) {
				t.Errorf("EvalRow: %v, %v; want %v", ref, err, c.want)
			}
			if fb.builds != 2 { // once compiled+cached, once for EvalRow
				t.Errorf("uncorrelated subquery built %d times, want 2", fb.builds)
			}
		})
	}
}

func TestCorrelatedSubquery(t *testing.T) {
	fb := withFakeBuilder(t)
	outer := &plan.OuterRef{Depth: 1, Idx: 0, T: tI, Name: "o.x"}
	// (SELECT o.x * 10) and EXISTS (SELECT 1 WHERE o.x > 1) and
	// o.x IN (SELECT o.x - 1 UNION ... 5).
	scalar := &plan.Subquery{Kind: plan.ScalarSubquery, Correlated: true, T: tI,
		Plan: valuesPlan(tI, fn("*", tI, outer, lit(vI(10), tI)))}
	vals := []types.Value{vI(1), vI(2), vI(1), nullOf(tI), vI(2), vI(3)}
	got, err := evalOver(t, scalar, vals, []int32{0, 1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Value{vI(10), vI(20), vI(10), nullOf(tI), vI(20)}
	for i, w := range want {
		if !sameValue(got[i], w) {
			t.Errorf("row %d: got %v, want %v", i, got[i], w)
		}
	}
	// Rows 0..4 hold 3 distinct keys (1, 2, NULL); dead row 5 never runs.
	if fb.builds != 3 {
		t.Errorf("correlated subquery built %d times, want 3 (cached per outer value)", fb.builds)
	}

	exists := &plan.Subquery{Kind: plan.ExistsSubquery, Correlated: true, T: tB,
		Plan: &plan.Filter{Input: valuesPlan(tI, lit(vI(1), tI)), Pred: fn(">", tB, outer, lit(vI(1), tI))}}
	got, err = evalOver(t, exists, vals, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		w := vB(!v.Null && v.I > 1)
		if !sameValue(got[i], w) {
			t.Errorf("exists row %d: got %v, want %v", i, got[i], w)
		}
		ref, err := EvalRow(exists, []types.Value{v}, nil)
		if err != nil || !sameValue(ref, w) {
			t.Errorf("EvalRow exists row %d: %v %v, want %v", i, ref, err, w)
		}
	}

	in := &plan.Subquery{Kind: plan.InSubquery, Correlated: true, T: tB, Arg: lit(vI(2), tI),
		Plan: valuesPlan(tI, fn("+", tI, outer, lit(vI(1), tI)), lit(vI(5), tI))}
	got, err = evalOver(t, in, vals, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		var w types.Value
		switch {
		case v.Null:
			w = nullOf(tB) // {NULL, 5}: 2 not found, a NULL member
		default:
			w = vB(v.I+1 == 2)
		}
		if !sameValue(got[i], w) {
			t.Errorf("in row %d: got %v, want %v", i, got[i], w)
		}
	}

	// An error in the subquery for a dead row must not surface.
	failing := &plan.Subquery{Kind: plan.ScalarSubquery, Correlated: true, T: tI,
		Plan: valuesPlan(tI, fn("*", tI, outer, lit(vI(1<<62), tI)))}
	if _, err := evalOver(t, failing, []types.Value{vI(1), vI(4)}, []int32{0}); err != nil {
		t.Errorf("dead row raised %v", err)
	}
	if _, err := evalOver(t, failing, []types.Value{vI(1), vI(4)}, nil); lferr.CodeOf(err) != lferr.ExecutionError {
		t.Errorf("live overflow: got %v, want ExecutionError", err)
	}
}

func TestCollectOuterRefs(t *testing.T) {
	inner := &plan.Subquery{Kind: plan.ScalarSubquery, Correlated: true, T: tI,
		Plan: valuesPlan(tI, &plan.OuterRef{Depth: 2, Idx: 4, T: tI})}
	p := &plan.Filter{
		Input: &plan.Project{Input: valuesPlan(tI, &plan.OuterRef{Depth: 1, Idx: 1, T: tI}), Exprs: []plan.Expr{inner}},
		Pred:  fn(">", tB, &plan.OuterRef{Depth: 1, Idx: 3, T: tI}, &plan.OuterRef{Depth: 2, Idx: 9, T: tI}),
	}
	idx := map[int]bool{}
	if !collectOuterRefs(p, 1, idx) {
		t.Fatal("collectOuterRefs failed on known nodes")
	}
	for _, want := range []int{1, 3, 4} {
		if !idx[want] {
			t.Errorf("outer column %d not collected: %v", want, idx)
		}
	}
	if idx[9] {
		t.Errorf("depth-2 reference of the outer level collected as depth 1")
	}
}
