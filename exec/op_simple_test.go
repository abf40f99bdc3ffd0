package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

var (
	i64 = types.Int64T
	f64 = types.Float64T
	str = types.StringT
	bln = types.BoolT
)

func TestFilter(t *testing.T) {
	ts := []types.T{i64, bln}
	cases := []struct {
		name string
		rows [][]any
		sel  []int32
		want []string
	}{
		{"nulls and false dropped", [][]any{{1, true}, {2, false}, {3, nil}, {4, true}}, nil, []string{"1|true", "4|true"}},
		{"respects input selection", [][]any{{1, true}, {2, true}, {3, true}, {4, false}}, []int32{1, 3}, []string{"2|true"}},
		{"all false gives nothing", [][]any{{1, false}, {2, nil}}, nil, nil},
		{"empty selection", [][]any{{1, true}}, []int32{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &testSource{batches: []*Batch{mkBatch(mem, ts, c.rows, c.sel), mkBatch(mem, ts, c.rows, c.sel)}}
			op, err := newFilterOp(src, cr(1, bln), &Env{Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			got := rowStrings(collect(t, op, ts))
			want := append(append([]string(nil), c.want...), c.want...)
			if len(want) == 0 {
				want = nil
			}
			if len(got) == 0 {
				got = nil
			}
			equalStrings(t, "rows", got, want)
		})
	}
}

func TestProjectDensifiesSparseSelection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := []types.T{i64, str, f64}
	rows := [][]any{{1, "a", 1.5}, {2, "b", nil}, {3, nil, 3.5}, {4, "d", 4.5}, {5, "e", 5.5}}
	for _, sel := range [][]int32{nil, {0, 1, 2, 4}, {2}, {1, 3}} {
		src := &testSource{batches: []*Batch{mkBatch(mem, ts, rows, sel)}}
		cols := []plan.Column{{Name: "f", T: f64}, {Name: "i", T: i64}, {Name: "s", T: str}}
		op, err := newProjectOp(src, []plan.Expr{cr(2, f64), cr(0, i64), cr(1, str)}, cols, &Env{Alloc: mem})
		if err != nil {
			t.Fatal(err)
		}
		got := rowStrings(collect(t, op, []types.T{f64, i64, str}))
		var want []string
		for i, r := range rows {
			if sel != nil && !containsI32(sel, int32(i)) {
				continue
			}
			want = append(want, tv(f64, r[2]).String()+"|"+tv(i64, r[0]).String()+"|"+tv(str, r[1]).String())
		}
		equalStrings(t, "project", got, want)
	}
}

func containsI32(s []int32, x int32) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestLimit(t *testing.T) {
	ts := []types.T{i64}
	mk := func(mem memory.Allocator) *testSource {
		// 3 batches: 0..4 (sel 1,3), 5..9 dense, 10..14 (sel 10,14)
		var bs []*Batch
		for k, sel := range [][]int32{{1, 3}, nil, {0, 4}} {
			var rows [][]any
			for i := 0; i < 5; i++ {
				rows = append(rows, []any{k*5 + i})
			}
			bs = append(bs, mkBatch(mem, ts, rows, sel))
		}
		return &testSource{batches: bs}
	}
	all := []string{"1", "3", "5", "6", "7", "8", "9", "10", "14"}
	cases := []struct{ off, cnt int64 }{{0, -1}, {0, 3}, {2, 3}, {3, 100}, {8, 5}, {9, 1}, {0, 0}, {4, 2}}
	for _, c := range cases {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		op := &limitOp{in: mk(mem), offset: c.off, count: c.cnt}
		got := rowStrings(collect(t, op, ts))
		lo := min(int(c.off), len(all))
		hi := len(all)
		if c.cnt >= 0 {
			hi = min(hi, lo+int(c.cnt))
		}
		want := all[lo:hi]
		if len(got) == 0 && len(want) == 0 {
			mem.AssertSize(t, 0)
			continue
		}
		equalStrings(t, "limit", got, want)
		mem.AssertSize(t, 0)
	}
}

func valuesNode(ts []types.T, rows [][]any) *plan.Values {
	cols := make([]plan.Column, len(ts))
	for i, t := range ts {
		cols[i] = plan.Column{Name: "c", T: t}
	}
	v := &plan.Values{Cols: cols}
	for _, r := range rows {
		var es []plan.Expr
		for c, x := range r {
			es = append(es, cst(ts[c], x))
		}
		v.Rows = append(v.Rows, es)
	}
	return v
}

func TestValuesUnionDistinct(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := []types.T{i64, str}
	a := valuesNode(ts, [][]any{{1, "x"}, {2, nil}, {1, "x"}, {nil, nil}})
	b := valuesNode(ts, [][]any{{2, nil}, {3, "y"}, {nil, nil}})
	env := &Env{Alloc: mem}
	cases := []struct {
		node plan.Node
		want []string
	}{
		{a, []string{"1|x", "2|NULL", "1|x", "NULL|NULL"}},
		{&plan.Union{Inputs: []plan.Node{a, b}, All: true}, []string{"1|x", "2|NULL", "1|x", "NULL|NULL", "2|NULL", "3|y", "NULL|NULL"}},
		{&plan.Union{Inputs: []plan.Node{a, b}}, []string{"1|x", "2|NULL", "NULL|NULL", "3|y"}},
		{&plan.Distinct{Input: a}, []string{"1|x", "2|NULL", "NULL|NULL"}},
		{&plan.Limit{Input: a, Offset: 1, Count: 2}, []string{"2|NULL", "1|x"}},
	}
	for _, c := range cases {
		rows, err := CollectPlan(context.Background(), c.node, env)
		if err != nil {
			t.Fatal(err)
		}
		equalStrings(t, plan.Explain(c.node, plan.ExplainOptions{}), rowStrings(rows), c.want)
	}
}

func TestDistinctDictionaryAndSelection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b1 := &Batch{Cols: []arrowArray{mkDict(mem, "a", "b", nil, "a", "c"), mkArr(mem, i64, 1, 2, 3, 1, 5)}, N: 5, Sel: []int32{0, 1, 2, 3}}
	b2 := &Batch{Cols: []arrowArray{mkArr(mem, str, "a", "c", nil, "b"), mkArr(mem, i64, 1, 5, 3, 9)}, N: 4}
	src := &testSource{batches: []*Batch{b1, b2}}
	op, err := newDistinctOp(src, []types.T{str, i64}, &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	got := rowStrings(collect(t, op, []types.T{str, i64}))
	equalStrings(t, "distinct", got, []string{"a|1", "b|2", "NULL|3", "c|5", "b|9"})
}

// TestMemoryLimit: materializing operators fail with a clear error once
// the query's budget is exhausted, and give it back when closed.
func TestMemoryLimit(t *testing.T) {
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = []any{i, "some string value"}
	}
	in := valuesNode([]types.T{i64, str}, rows)
	nodes := map[string]plan.Node{
		"sort":      &plan.Sort{Input: in, Keys: []plan.SortKey{{Expr: cr(0, i64)}}},
		"aggregate": aggNode(in, []plan.Expr{cr(0, i64)}, []plan.AggCall{{Func: "count_star", T: i64}}),
		"distinct":  &plan.Distinct{Input: in},
		"join":      &plan.Join{Kind: plan.InnerJoin, Left: in, Right: in, LeftKeys: []plan.Expr{cr(0, i64)}, RightKeys: []plan.Expr{cr(0, i64)}},
	}
	for name, n := range nodes {
		op, err := Build(n, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithMemoryLimit(context.Background(), 10_000)
		_, err = Collect(ctx, op, nil)
		if lferr.CodeOf(err) != lferr.ExecutionError || !strings.Contains(err.Error(), "memory limit") {
			t.Errorf("%s under a 10 kB limit: %v", name, err)
		}
		ctx = WithMemoryLimit(context.Background(), 100<<20)
		op, _ = Build(n, &Env{})
		if _, err := Collect(ctx, op, nil); err != nil {
			t.Errorf("%s under a 100 MB limit: %v", name, err)
		}
		if b := budgetOf(ctx); b.used.Load() != 0 {
			t.Errorf("%s: %d bytes still charged after Close", name, b.used.Load())
		}
	}
}

type panicOp struct{}

func (panicOp) Init(context.Context) error { return nil }
func (panicOp) Next() (*Batch, error)      { panic("kaboom") }
func (panicOp) Close() error               { return nil }

// TestRecoverOp: a panic inside the tree is an internal error, not a crash.
func TestRecoverOp(t *testing.T) {
	_, err := Collect(context.Background(), &recoverOp{in: &limitOp{in: panicOp{}, count: -1}}, nil)
	if lferr.CodeOf(err) != lferr.InternalService || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("got %v", err)
	}
}

// TestProjectSkipsEmptySelections: a batch whose selection is empty must not
// end the stream early.
func TestProjectSkipsEmptySelections(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := []types.T{i64}
	src := &testSource{batches: []*Batch{
		mkBatch(mem, ts, [][]any{{1}, {2}}, []int32{}),
		mkBatch(mem, ts, [][]any{{3}, {4}}, []int32{1}),
	}}
	op, err := newProjectOp(src, []plan.Expr{cr(0, i64)}, []plan.Column{{T: i64}}, &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "project", rowStrings(collect(t, op, ts)), []string{"4"})
}
