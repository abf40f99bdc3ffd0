package exec

import (
	"context"

	"github.com/sluicedb/sluice/planner/types"
)

// distinctOp removes duplicate rows (NULLs equal) as a stream: each batch is
// passed on with its selection narrowed to the rows whose key was not seen
// before, so only the keys are copied, never the output.
type distinctOp struct {
	in     Operator
	ht     *hashTable
	rs     []colReader
	rowBuf []int32
	hashes []uint64
	gids   []int32
	sel    []int32
	batch  Batch
	mc     memCharge
}

func newDistinctOp(in Operator, colTypes []types.T, env *Env) (Operator, error) {
	return &distinctOp{in: in, ht: newHashTable(colTypes)}, nil
}

func (o *distinctOp) Init(ctx context.Context) error {
	o.mc = newMemCharge(ctx, "distinct")
	return o.in.Init(ctx)
}

func (o *distinctOp) Next() (*Batch, error) {
	for {
		b, err := o.in.Next()
		if err != nil || b == nil || b.N == 0 {
			return opEOF, err
		}
		if b.Len() == 0 {
			continue
		}
		if len(b.Cols) != len(o.ht.keys) {
			return nil, opErrColumnCount("distinct", len(o.ht.keys), len(b.Cols))
		}
		o.rs = o.rs[:0]
		for _, a := range b.Cols {
			r, err := newColReader(a)
			if err != nil {
				return nil, err
			}
			o.rs = append(o.rs, r)
		}
		if err := checkKeyReaders(o.rs, o.ht.sks); err != nil {
			return nil, err
		}
		rows := opLiveRows(b, o.rowBuf)
		if b.Sel == nil {
			o.rowBuf = rows
		}
		o.hashes = opResizeU64(o.hashes, len(rows))
		o.gids = opResizeI32(o.gids, len(rows))
		hashKeyCols(o.rs, o.ht.sks, rows, o.hashes, &o.ht.scratch)
		next := int32(o.ht.n)
		o.ht.findOrInsert(o.rs, rows, o.hashes, o.gids)
		if err := o.mc.set(o.ht.bytes()); err != nil {
			return nil, err
		}
		o.sel = o.sel[:0]
		for j, g := range o.gids {
			if g == next {
				o.sel = append(o.sel, rows[j])
				next++
			}
		}
		if len(o.sel) == 0 {
			continue
		}
		o.batch = Batch{Cols: b.Cols, N: b.N, Sel: o.sel}
		return &o.batch, nil
	}
}

func (o *distinctOp) Close() error {
	o.mc.release()
	return o.in.Close()
}

func opResizeU64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

func opResizeI32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}
