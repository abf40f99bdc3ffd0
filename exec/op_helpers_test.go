package exec

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// tv converts a Go literal to a Value of type t (nil: NULL).
func tv(t types.T, x any) types.Value {
	if x == nil {
		return types.Value{Kind: t.Kind, Null: true}
	}
	switch v := x.(type) {
	case bool:
		return types.NewBool(v)
	case int:
		if t.Kind == types.Float64 || t.Kind == types.Decimal {
			return types.Value{Kind: t.Kind, F: float64(v)}
		}
		return types.Value{Kind: t.Kind, I: int64(v)}
	case int64:
		return types.Value{Kind: t.Kind, I: v}
	case float64:
		return types.Value{Kind: t.Kind, F: v}
	case string:
		return types.NewString(v)
	}
	panic(fmt.Sprintf("tv: %T", x))
}

// mkArr builds an array of type t from literals.
func mkArr(mem memory.Allocator, t types.T, xs ...any) arrow.Array {
	m := newMcol(t)
	for _, x := range xs {
		if err := m.appendValue(tv(t, x)); err != nil {
			panic(err)
		}
	}
	return m.toArrow(mem, nil)
}

// mkDict builds a dictionary-encoded string array (nil: NULL).
func mkDict(mem memory.Allocator, xs ...any) arrow.Array {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for _, x := range xs {
		if x == nil {
			b.AppendNull()
		} else if err := b.AppendString(x.(string)); err != nil {
			panic(err)
		}
	}
	return b.NewArray()
}

// mkBatch builds a batch from columns of literals (rows[i][c]).
func mkBatch(mem memory.Allocator, ts []types.T, rows [][]any, sel []int32) *Batch {
	cols := make([]arrow.Array, len(ts))
	for c, t := range ts {
		xs := make([]any, len(rows))
		for i, r := range rows {
			xs[i] = r[c]
		}
		cols[c] = mkArr(mem, t, xs...)
	}
	return &Batch{Cols: cols, N: len(rows), Sel: sel}
}

// testSource emits prepared batches (which it owns and releases on Close).
type testSource struct {
	batches []*Batch
	i       int
	inited  bool
	closed  int
}

func (s *testSource) Init(context.Context) error { s.inited = true; return nil }
func (s *testSource) Next() (*Batch, error) {
	if s.i >= len(s.batches) {
		return nil, nil
	}
	s.i++
	return s.batches[s.i-1], nil
}
func (s *testSource) Close() error {
	if s.closed == 0 {
		for _, b := range s.batches {
			opReleaseAll(b.Cols)
		}
	}
	s.closed++
	return nil
}

func cr(i int, t types.T) *plan.ColRef {
	return &plan.ColRef{Idx: i, T: t, Name: fmt.Sprintf("c%d", i)}
}
func cst(t types.T, x any) *plan.Const { return &plan.Const{V: tv(t, x), T: t} }

// rowsOf renders rows for comparison.
func rowStrings(rows [][]types.Value) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = v.String()
		}
		out[i] = strings.Join(parts, "|")
	}
	return out
}

func sortedRowStrings(rows [][]types.Value) []string {
	s := rowStrings(rows)
	slices.Sort(s)
	return s
}

func collect(t *testing.T, op Operator, ts []types.T) [][]types.Value {
	t.Helper()
	rows, err := Collect(context.Background(), op, ts)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return rows
}

func equalStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

type arrowArray = arrow.Array
