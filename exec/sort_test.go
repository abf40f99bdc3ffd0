package exec

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// refCmp is the reference ordering: NULL lowest, DESC inverts everything.
func refCmp(a, b types.Value, desc bool) int {
	c := 0
	switch {
	case a.Null && b.Null:
	case a.Null:
		c = -1
	case b.Null:
		c = 1
	case a.Kind == types.String:
		c = strings.Compare(a.S, b.S)
	case a.Kind == types.Float64:
		c = cmp.Compare(a.F, b.F)
	default:
		c = cmp.Compare(a.I, b.I)
	}
	if desc {
		return -c
	}
	return c
}

func TestSortHandPicked(t *testing.T) {
	ts := []types.T{i64, str, i64}
	rows := [][]any{{3, "b", 0}, {nil, "a", 1}, {1, nil, 2}, {3, "a", 3}, {1, "z", 4}, {nil, nil, 5}, {3, "b", 6}}
	cases := []struct {
		keys []plan.SortKey
		want []int // the tags (column 2) in output order
	}{
		{[]plan.SortKey{{Expr: cr(0, i64)}}, []int{1, 5, 2, 4, 0, 3, 6}},
		{[]plan.SortKey{{Expr: cr(0, i64), Desc: true}}, []int{0, 3, 6, 2, 4, 1, 5}},
		{[]plan.SortKey{{Expr: cr(0, i64)}, {Expr: cr(1, str), Desc: true}}, []int{1, 5, 4, 2, 0, 6, 3}},
		{[]plan.SortKey{{Expr: cr(1, str)}, {Expr: cr(0, i64)}}, []int{5, 2, 1, 3, 0, 6, 4}},
	}
	for _, c := range cases {
		for _, limit := range []int64{-1, 3} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			src := &testSource{batches: []*Batch{mkBatch(mem, ts, rows[:4], nil), mkBatch(mem, ts, rows[4:], []int32{0, 1, 2})}}
			op, err := newSortOp(src, []types.T{i64, str, i64}, c.keys, limit, &Env{Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			got := collect(t, op, ts)
			var tags []int
			for _, r := range got {
				tags = append(tags, int(r[2].I))
			}
			want := c.want
			if limit >= 0 {
				want = want[:limit]
			}
			if !slices.Equal(tags, want) {
				t.Errorf("keys %v limit %d: got %v want %v", c.keys, limit, tags, want)
			}
			mem.AssertSize(t, 0)
		}
	}
}

// TestSortRandomMatchesReference checks full sorts and top-N (through the
// boundary/compaction path) against a stable reference sort.
func TestSortRandomMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ts := []types.T{i64, f64, str, i64, i64}
	var rows [][]any
	const n = 10000
	for i := 0; i < n; i++ {
		r := []any{rng.IntN(50), float64(rng.IntN(7)) / 2, string(rune('a' + rng.IntN(5))), i, int64(rng.IntN(1<<20)-1<<19) << (rng.IntN(3) * 20)}
		if rng.IntN(10) == 0 {
			r[0] = nil
		}
		if rng.IntN(10) == 0 {
			r[2] = nil
		}
		rows = append(rows, r)
	}
	keysets := [][]plan.SortKey{
		{{Expr: cr(0, i64)}},
		{{Expr: cr(0, i64), Desc: true}},
		{{Expr: cr(2, str), Desc: true}, {Expr: cr(1, f64)}},
		{{Expr: cr(1, f64)}, {Expr: cr(0, i64), Desc: true}, {Expr: cr(2, str)}},
		{{Expr: cr(4, i64)}}, // non-NULL integer key: the radix path
		{{Expr: cr(4, i64), Desc: true}},
	}
	for _, keys := range keysets {
		ref := make([][]types.Value, n)
		for i, r := range rows {
			ref[i] = []types.Value{tv(i64, r[0]), tv(f64, r[1]), tv(str, r[2]), tv(i64, r[3]), tv(i64, r[4])}
		}
		slices.SortStableFunc(ref, func(a, b []types.Value) int {
			for _, k := range keys {
				c := k.Expr.(*plan.ColRef).Idx
				if x := refCmp(a[c], b[c], k.Desc); x != 0 {
					return x
				}
			}
			return 0
		})
		full := rowStrings(ref)
		for _, limit := range []int64{-1, 0, 10, 3000} {
			mem := memory.NewGoAllocator()
			var bs []*Batch
			for lo := 0; lo < n; lo += 3000 {
				bs = append(bs, mkBatch(mem, ts, rows[lo:min(lo+3000, n)], nil))
			}
			op, err := newSortOp(&testSource{batches: bs}, []types.T{i64, f64, str, i64, i64}, keys, limit, &Env{Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			got := rowStrings(collect(t, op, ts))
			want := full
			if limit >= 0 {
				want = want[:limit]
			}
			if len(want) == 0 {
				want = nil
			}
			equalStrings(t, "sort", got, want)
		}
	}
}
