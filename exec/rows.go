package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
)

// EachRow calls fn for each live row of b, with the row's values typed by
// ts. row is reused between calls (len(row) must be len(ts)). Row-at-a-time:
// for rendering results, never for hot paths.
func EachRow(b *Batch, ts []types.T, row []types.Value, fn func([]types.Value) error) error {
	readers := make([]colReader, len(ts))
	for c := range ts {
		r, err := newColReader(b.Cols[c])
		if err != nil {
			return err
		}
		readers[c] = r
	}
	visit := func(i int) error {
		for c, t := range ts {
			row[c] = opReaderValue(&readers[c], i, t)
		}
		return fn(row)
	}
	if b.Sel != nil {
		for _, i := range b.Sel {
			if err := visit(int(i)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < b.N; i++ {
		if err := visit(i); err != nil {
			return err
		}
	}
	return nil
}

// Densify gathers the live rows of b into new dense arrays in the plain
// engine layout of ts (dictionaries decoded). The caller releases them.
func Densify(mem memory.Allocator, b *Batch, ts []types.T) ([]arrow.Array, int, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	idx := opLiveRows(b, make([]int32, 0, b.N))
	out := make([]arrow.Array, len(ts))
	for c, t := range ts {
		a, err := opTakeArrow(mem, b.Cols[c], t, idx)
		if err != nil {
			opReleaseAll(out)
			return nil, 0, err
		}
		out[c] = a
	}
	return out, len(idx), nil
}

// Merge returns an array of type t taking row i from a where take[i] and
// from b otherwise (UPDATE ... SET on the matching rows). a and b must have
// len(take) rows. Row-at-a-time: DML only.
func Merge(mem memory.Allocator, t types.T, take []bool, a, b arrow.Array) (arrow.Array, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	ra, err := newColReader(a)
	if err != nil {
		return nil, err
	}
	rb, err := newColReader(b)
	if err != nil {
		return nil, err
	}
	v := newMcol(t)
	one := []int32{0}
	for i, fromA := range take {
		one[0] = int32(i)
		r := &rb
		if fromA {
			r = &ra
		}
		if err := v.appendRows(r, one); err != nil {
			return nil, err
		}
	}
	return v.toArrow(mem, nil), nil
}
