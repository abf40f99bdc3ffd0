package exec

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// sortOp materializes its input into Go-owned typed columns, sorts a
// permutation with typed comparators (MySQL order: NULLs first ascending,
// last descending; stable: ties keep input order) and emits it in batches.
//
// With limit >= 0 it is a top-N: it keeps at most limit rows. Rows are
// appended to the store; whenever the store grows past twice the limit (and
// at least one batch), it is sorted and cut back to the best limit rows.
// After the first cut the limit-th row is a boundary: a new row that does
// not sort before it is dropped at once, so steady-state cost is one
// comparison per input row. Ties are broken by store position, which after a
// cut is the sorted order, so the result stays stable.
type sortOp struct {
	in     Operator
	mem    memory.Allocator
	types  []types.T
	keys   []Evaluator
	keyCol []int // >= 0: the key is data column keyCol[k]; -1: evaluated into extra[k]
	desc   []bool
	limit  int64

	data  []*mcol
	extra []*mcol
	kv    []*mcol // the key mcols (data or extra), in key order

	sorted  bool
	perm    []int32
	pos     int
	out     []arrow.Array
	batch   Batch
	rs      []colReader
	rowBuf  []int32
	hasCut  bool
	pending bool
	mc      memCharge
}

func newSortOp(in Operator, colTypes []types.T, keys []plan.SortKey, limit int64, env *Env) (Operator, error) {
	o := &sortOp{in: in, mem: env.allocator(), types: colTypes, limit: limit}
	for _, k := range keys {
		o.desc = append(o.desc, k.Desc)
		if c, ok := k.Expr.(*plan.ColRef); ok && c.Idx >= 0 && c.Idx < len(colTypes) {
			o.keyCol = append(o.keyCol, c.Idx)
			o.keys = append(o.keys, nil)
			continue
		}
		ev, err := opCompile(k.Expr, env)
		if err != nil {
			in.Close()
			return nil, err
		}
		o.keyCol = append(o.keyCol, -1)
		o.keys = append(o.keys, ev)
	}
	o.data = make([]*mcol, len(o.types))
	for i, t := range o.types {
		o.data[i] = newMcol(t)
	}
	o.extra = make([]*mcol, len(keys))
	o.kv = make([]*mcol, len(keys))
	for k, e := range keys {
		if o.keyCol[k] >= 0 {
			o.kv[k] = o.data[o.keyCol[k]]
		} else {
			o.extra[k] = newMcol(e.Expr.Type())
			o.kv[k] = o.extra[k]
		}
	}
	return o, nil
}

func (o *sortOp) Init(ctx context.Context) error {
	o.mc = newMemCharge(ctx, "sort")
	return o.in.Init(ctx)
}

func (o *sortOp) consume() error {
	if o.limit == 0 {
		return nil
	}
	for {
		b, err := o.in.Next()
		if err != nil {
			return err
		}
		if b == nil || b.N == 0 {
			break
		}
		if b.Len() == 0 {
			continue
		}
		if len(b.Cols) != len(o.data) {
			return opErrColumnCount("sort", len(o.data), len(b.Cols))
		}
		rows := b.Sel
		before := o.storeLen()
		for c, a := range b.Cols {
			r, err := newColReader(a)
			if err != nil {
				return err
			}
			if err := o.data[c].appendRows(&r, rows); err != nil {
				return err
			}
		}
		for k, ev := range o.keys {
			if ev == nil {
				continue
			}
			a, err := ev.Eval(b)
			if err != nil {
				return err
			}
			r, err := newColReader(a)
			if err == nil {
				err = o.extra[k].appendRows(&r, rows)
			}
			a.Release()
			if err != nil {
				return err
			}
		}
		if o.limit > 0 {
			o.afterAppend(before)
		}
		if err := o.mc.set(mcolsBytes(o.data) + mcolsBytes(o.extra)); err != nil {
			return err
		}
	}
	o.perm = o.sortPerm()
	if o.limit >= 0 && int64(len(o.perm)) > o.limit {
		o.perm = o.perm[:o.limit]
	}
	return nil
}

func (o *sortOp) kvLen() int {
	if len(o.kv) > 0 {
		return o.kv[0].n
	}
	return 0
}

func (o *sortOp) storeLen() int {
	if len(o.data) > 0 {
		return o.data[0].n
	}
	return o.kvLen()
}

// afterAppend applies the top-N policy to rows appended from position before.
func (o *sortOp) afterAppend(before int) {
	lim := int(o.limit)
	n := o.storeLen()
	if o.hasCut {
		// Drop new rows that do not beat the boundary row lim-1, compacting
		// the survivors in place (they stay in input order).
		w := before
		for i := before; i < n; i++ {
			if o.cmpRows(int32(i), int32(lim-1)) < 0 {
				if w != i {
					o.moveRow(i, w)
				}
				w++
			}
		}
		o.truncate(w)
		n = w
	}
	if n >= max(2*lim, lim+BatchSize) {
		perm := o.sortPerm()[:lim]
		o.gatherInPlace(perm)
		o.hasCut = true
	}
}

func (o *sortOp) allVecs() []*mcol {
	vs := append([]*mcol(nil), o.data...)
	for _, e := range o.extra {
		if e != nil {
			vs = append(vs, e)
		}
	}
	return vs
}

func (o *sortOp) moveRow(from, to int) {
	for _, v := range o.allVecs() {
		v.nulls[to] = v.nulls[from]
		switch v.sk {
		case sInt:
			v.i64[to] = v.i64[from]
		case sFloat:
			v.f64[to] = v.f64[from]
		case sString:
			// Strings are variable length: rebuild the tail. Only reached when
			// compacting, where to < from and rows to..from-1 are dropped, so
			// truncating at to and re-appending keeps the arena consistent.
			s := append([]byte(nil), v.str(from)...)
			v.sdata = append(v.sdata[:v.soffs[to]], s...)
			v.soffs[to+1] = int64(len(v.sdata))
		}
	}
}

func (o *sortOp) truncate(n int) {
	for _, v := range o.allVecs() {
		v.truncate(n)
	}
}

// gatherInPlace rebuilds every mcol with the rows of perm, in that order.
func (o *sortOp) gatherInPlace(perm []int32) {
	for i, v := range o.data {
		o.data[i] = sortGather(v, perm)
	}
	for i, v := range o.extra {
		if v != nil {
			o.extra[i] = sortGather(v, perm)
		}
	}
	for k := range o.kv {
		if o.keyCol[k] >= 0 {
			o.kv[k] = o.data[o.keyCol[k]]
		} else {
			o.kv[k] = o.extra[k]
		}
	}
}

func sortGather(v *mcol, perm []int32) *mcol {
	nv := newMcol(v.t)
	for _, i := range perm {
		nv.appendFrom(v, int(i))
	}
	return nv
}

// cmpRows compares store rows a and b by the sort keys; ties go by position.
func (o *sortOp) cmpRows(a, b int32) int {
	for k, v := range o.kv {
		c := sortCmpMcol(v, int(a), int(b))
		if c != 0 {
			if o.desc[k] {
				return -c
			}
			return c
		}
	}
	return cmp.Compare(a, b)
}

// sortCmpMcol compares rows a and b of v with NULL lowest.
func sortCmpMcol(v *mcol, a, b int) int {
	na, nb := v.nulls[a], v.nulls[b]
	if na || nb {
		switch {
		case na && nb:
			return 0
		case na:
			return -1
		default:
			return 1
		}
	}
	switch v.sk {
	case sInt:
		return cmp.Compare(v.i64[a], v.i64[b])
	case sFloat:
		return cmp.Compare(v.f64[a], v.f64[b])
	case sString:
		return bytes.Compare(v.str(a), v.str(b))
	}
	return 0
}

type sortI64Pos struct {
	k int64
	i int32
}

// sortPerm returns the sorted permutation of the store.
func (o *sortOp) sortPerm() []int32 {
	n := o.storeLen()
	perm := make([]int32, n)
	// Fast path: one non-null integer key, sorted as (key, position) pairs
	// so the comparator is two integer compares with no indirection.
	if len(o.kv) == 1 && o.kv[0].sk == sInt && (!o.kv[0].mayNull || !slices.Contains(o.kv[0].nulls, true)) {
		if n >= 1024 {
			return radixSortPerm(o.kv[0].i64[:n], o.desc[0])
		}
		ps := make([]sortI64Pos, n)
		ks := o.kv[0].i64
		for i := range ps {
			ps[i] = sortI64Pos{ks[i], int32(i)}
		}
		if o.desc[0] {
			slices.SortFunc(ps, func(a, b sortI64Pos) int {
				if a.k != b.k {
					return cmp.Compare(b.k, a.k)
				}
				return cmp.Compare(a.i, b.i)
			})
		} else {
			slices.SortFunc(ps, func(a, b sortI64Pos) int {
				if a.k != b.k {
					return cmp.Compare(a.k, b.k)
				}
				return cmp.Compare(a.i, b.i)
			})
		}
		for i, p := range ps {
			perm[i] = p.i
		}
		return perm
	}
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, o.cmpRows)
	return perm
}

func (o *sortOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	if !o.sorted {
		o.sorted = true
		if err := o.consume(); err != nil {
			return nil, err
		}
	}
	if o.pos >= len(o.perm) {
		return opEOF, nil
	}
	end := min(o.pos+BatchSize, len(o.perm))
	idx := o.perm[o.pos:end]
	o.pos = end
	if cap(o.out) < len(o.data) {
		o.out = make([]arrow.Array, len(o.data))
	}
	o.out = o.out[:len(o.data)]
	for c, v := range o.data {
		o.out[c] = v.toArrow(o.mem, idx)
	}
	o.batch = Batch{Cols: o.out, N: len(idx)}
	return &o.batch, nil
}

func (o *sortOp) Close() error {
	o.mc.release()
	opReleaseAll(o.out)
	return o.in.Close()
}

// radixSortPerm returns the stable sorted permutation of keys with an LSD
// radix sort on bytes (passes whose byte is constant are skipped): linear
// time, no comparator calls. DESC sorts the complemented keys, which keeps
// ties in input order as stability requires.
func radixSortPerm(keys []int64, desc bool) []int32 {
	n := len(keys)
	ks := make([]uint64, n)
	var counts [8][256]int
	for i, k := range keys {
		u := uint64(k) ^ (1 << 63) // order-preserving map of signed to unsigned
		if desc {
			u = ^u
		}
		ks[i] = u
		for d := 0; d < 8; d++ {
			counts[d][byte(u>>(8*d))]++
		}
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	tk := make([]uint64, n)
	ti := make([]int32, n)
	for d := 0; d < 8; d++ {
		c := &counts[d]
		shift := uint(8 * d)
		if c[byte(ks[0]>>shift)] == n {
			continue // every key has the same byte here
		}
		var off [256]int
		sum := 0
		for b := 0; b < 256; b++ {
			off[b] = sum
			sum += c[b]
		}
		for i, u := range ks {
			b := byte(u >> shift)
			p := off[b]
			off[b]++
			tk[p] = u
			ti[p] = idx[i]
		}
		ks, tk = tk, ks
		idx, ti = ti, idx
	}
	return idx
}
