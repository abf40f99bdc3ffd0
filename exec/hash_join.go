package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// joinOp runs every join: a hash join when there are equality keys (build
// the right side into a hash table with per-key row chains, probe with the
// left), a nested-loop join otherwise (the right side is materialized once
// and every left row is paired with every right row). Both produce candidate
// pairs in chunks of at most BatchSize, so the output stays bounded even for
// cross products, and evaluate Extra on each chunk as one batch.
//
// Semantics:
//   - Inner: pairs whose keys are equal (NULL never equals anything) and
//     where Extra is true.
//   - Left: Inner, plus every left row with no such pair, padded with NULLs.
//   - Semi: each left row that has at least one such pair, once.
//   - Anti: each left row that has no such pair. This is the plain anti join:
//     a left row whose key is NULL has no match and is therefore kept, and a
//     NULL key on the right matches nothing. NOT IN's null-awareness (no row
//     when the subquery yields a NULL) is the planner's job, not this one's.
//
// Output order: for Inner and Left, the matches of a left batch come first
// (in left order), then its unmatched rows; callers needing an order sort.
type joinOp struct {
	node   *plan.Join
	kind   plan.JoinKind
	left   Operator
	right  Operator
	mem    memory.Allocator
	leftT  []types.T
	rightT []types.T
	lkeys  []Evaluator
	rkeys  []Evaluator
	extra  Evaluator
	hashed bool

	// build side
	built  bool
	rdata  []*mcol
	ht     *hashTable
	head   []int32 // per key group: first right row, -1 none
	tail   []int32
	next   []int32 // per right row: next row with the same key, -1 end
	nright int32
	// unique: every key group has exactly one row, so a chain never
	// continues and next need not be consulted.
	unique   bool
	inserted int
	// direct: group+1 by key-directLo for small-range integer keys
	direct   []int32
	directLo int64

	// probe side: the current left batch
	lb      *Batch
	lrs     []colReader // readers over lb.Cols
	lkeyArr []arrow.Array
	lrows   []int32 // live rows of lb
	lgroup  []int32 // per live row: key group, -1 none
	matched []bool  // per live row: has a qualifying pair
	j       int     // next live row to pair
	cur     int32   // next right row for lrows[j]; -2 = not started
	tail2   bool    // pairs done for lb, emit its unmatched/matched rows next

	li, ri, pj []int32 // candidate pairs: left row, right row, live-row index
	out        []arrow.Array
	sel        []int32
	batch      Batch
	rowBuf     []int32
	hashes     []uint64
	mc         memCharge
}

func newJoinOp(n *plan.Join, b *builder) (Operator, error) {
	env := b.env
	if len(n.LeftKeys) != len(n.RightKeys) {
		return nil, lferr.AssertionFailedf("join has %d left keys and %d right keys", len(n.LeftKeys), len(n.RightKeys))
	}
	if n.Kind > plan.AntiJoin {
		return nil, lferr.New(lferr.Unsupported, "join kind %d is not supported", n.Kind)
	}
	o := &joinOp{node: n, kind: n.Kind, mem: env.allocator(), hashed: len(n.LeftKeys) > 0}
	o.leftT = b.typesOf(n.Left)
	o.rightT = b.typesOf(n.Right)
	var err error
	if o.lkeys, err = opCompileAll(n.LeftKeys, env); err != nil {
		return nil, err
	}
	if o.rkeys, err = opCompileAll(n.RightKeys, env); err != nil {
		return nil, err
	}
	if n.Extra != nil {
		if o.extra, err = opCompilePred(n.Extra, env); err != nil {
			return nil, err
		}
	}
	if o.hashed {
		kt := make([]types.T, len(n.LeftKeys))
		for i := range kt {
			t, err := joinKeyType(n.LeftKeys[i].Type(), n.RightKeys[i].Type())
			if err != nil {
				return nil, err
			}
			kt[i] = t
		}
		o.ht = newHashTable(kt)
	}
	if o.left, err = b.node(n.Left); err != nil {
		return nil, err
	}
	if o.right, err = b.node(n.Right); err != nil {
		o.left.Close()
		return nil, err
	}
	return o, nil
}

// joinKeyType is the type both sides of an equality key are compared in.
// The planner unifies key types; numbers of different kinds are still
// compared as floats defensively, and a NULL-typed side takes the other's.
func joinKeyType(l, r types.T) (types.T, error) {
	ls, rs := storeKindOf(l), storeKindOf(r)
	switch {
	case ls == sNull:
		return r, nil
	case rs == sNull:
		return l, nil
	case ls == rs:
		return l, nil
	case l.IsNumeric() && r.IsNumeric():
		return types.Float64T, nil
	}
	return types.T{}, lferr.New(lferr.TypeError, "cannot join on %s = %s", l, r)
}

func (o *joinOp) Init(ctx context.Context) error {
	o.mc = newMemCharge(ctx, "join build side")
	if err := o.left.Init(ctx); err != nil {
		return err
	}
	return o.right.Init(ctx)
}

// build materializes the right side.
func (o *joinOp) build() error {
	o.rdata = make([]*mcol, len(o.rightT))
	for i, t := range o.rightT {
		o.rdata[i] = newMcol(t)
	}
	var rs []colReader
	var keyArrs []arrow.Array
	defer func() { opReleaseAll(keyArrs) }()
	var gids []int32
	for {
		b, err := o.right.Next()
		if err != nil {
			return err
		}
		if b == nil || b.N == 0 {
			break
		}
		if b.Len() == 0 {
			continue
		}
		if len(b.Cols) != len(o.rdata) {
			return opErrColumnCount("join (right side)", len(o.rdata), len(b.Cols))
		}
		base := int32(o.rdata0Len())
		for c, a := range b.Cols {
			r, err := newColReader(a)
			if err != nil {
				return err
			}
			if err := o.rdata[c].appendRows(&r, b.Sel); err != nil {
				return err
			}
		}
		cnt := int32(b.Len())
		o.nright += cnt
		size := mcolsBytes(o.rdata) + int64(4*cap(o.next)+8*cap(o.head))
		if o.ht != nil {
			size += o.ht.bytes()
		}
		if err := o.mc.set(size); err != nil {
			return err
		}
		if !o.hashed {
			continue
		}
		for k := int32(0); k < cnt; k++ {
			o.next = append(o.next, -1)
		}
		opReleaseAll(keyArrs)
		keyArrs, rs = keyArrs[:0], rs[:0]
		for _, ev := range o.rkeys {
			a, err := ev.Eval(b)
			if err != nil {
				return err
			}
			keyArrs = append(keyArrs, a)
			r, err := newColReader(a)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		if err := checkKeyReaders(rs, o.ht.sks); err != nil {
			return err
		}
		rows := opLiveRows(b, o.rowBuf)
		if b.Sel == nil {
			o.rowBuf = rows
		}
		// Right rows with a NULL key can never match: keep them out of the
		// table (they still count for nothing but nright bookkeeping).
		keep := make([]int32, 0, len(rows))
		pos := make([]int32, 0, len(rows))
		for j, i := range rows {
			if !joinAnyNull(rs, int(i)) {
				keep = append(keep, i)
				pos = append(pos, base+int32(j))
			}
		}
		o.hashes = opResizeU64(o.hashes, len(keep))
		gids = opResizeI32(gids, len(keep))
		hashKeyCols(rs, o.ht.sks, keep, o.hashes, &o.ht.scratch)
		o.ht.findOrInsert(rs, keep, o.hashes, gids)
		for len(o.head) < o.ht.n {
			o.head = append(o.head, -1)
			o.tail = append(o.tail, -1)
		}
		o.inserted += len(gids)
		for k, g := range gids {
			row := pos[k]
			if o.head[g] < 0 {
				o.head[g] = row
			} else {
				o.next[o.tail[g]] = row
			}
			o.tail[g] = row
		}
	}
	return nil
}

func (o *joinOp) finishBuild() {
	o.unique = o.hashed && o.ht.n == o.inserted
	o.buildDirect()
}

// buildDirect sets up direct addressing for a single integer key whose
// values span a small range (surrogate keys: ids, order keys): the probe is
// then one bounds check and one load instead of hashing and probing.
func (o *joinOp) buildDirect() {
	if !o.hashed || o.ht.n == 0 || len(o.ht.keys) != 1 || o.ht.sks[0] != sInt {
		return
	}
	k := o.ht.keys[0]
	lo, hi := k.i64[0], k.i64[0]
	for g, v := range k.i64 {
		if k.nulls[g] {
			return // NULL keys are never stored, but stay safe
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	span := uint64(hi) - uint64(lo)
	if span >= 1<<24 || span > 4*uint64(o.ht.n)+1024 {
		return
	}
	d := make([]int32, span+1)
	for g, v := range k.i64 {
		d[v-lo] = int32(g + 1)
	}
	o.direct, o.directLo = d, lo
}

func (o *joinOp) rdata0Len() int {
	return int(o.nright)
}

func joinAnyNull(rs []colReader, i int) bool {
	for c := range rs {
		if rs[c].isNull(i) {
			return true
		}
	}
	return false
}

// nextLeft loads the next left batch; false at the end of the left input.
func (o *joinOp) nextLeft() (bool, error) {
	opReleaseAll(o.lkeyArr)
	o.lkeyArr = o.lkeyArr[:0]
	for {
		b, err := o.left.Next()
		if err != nil {
			return false, err
		}
		if b == nil || b.N == 0 {
			o.lb = nil
			return false, nil
		}
		if b.Len() == 0 {
			continue
		}
		if len(b.Cols) != len(o.leftT) {
			return false, opErrColumnCount("join (left side)", len(o.leftT), len(b.Cols))
		}
		o.lb = b
		break
	}
	b := o.lb
	o.lrs = o.lrs[:0]
	for _, a := range b.Cols {
		r, err := newColReader(a)
		if err != nil {
			return false, err
		}
		o.lrs = append(o.lrs, r)
	}
	o.lrows = opLiveRows(b, o.rowBuf)
	if b.Sel == nil {
		o.rowBuf = o.lrows
	}
	n := len(o.lrows)
	o.matched = opGrowBools(o.matched[:0], n)
	o.lgroup = opResizeI32(o.lgroup, n)
	o.j, o.cur, o.tail2 = 0, -2, false
	if !o.hashed {
		return true, nil
	}
	rs := make([]colReader, 0, len(o.lkeys))
	for _, ev := range o.lkeys {
		a, err := ev.Eval(b)
		if err != nil {
			return false, err
		}
		o.lkeyArr = append(o.lkeyArr, a)
		r, err := newColReader(a)
		if err != nil {
			return false, err
		}
		rs = append(rs, r)
	}
	if err := checkKeyReaders(rs, o.ht.sks); err != nil {
		return false, err
	}
	if o.direct != nil && rs[0].kind == rInt64 {
		src, d, lo := rs[0].i64, o.direct, o.directLo
		span := uint64(len(d))
		for j, i := range o.lrows {
			off := uint64(src[i] - lo)
			g := int32(-1)
			if off < span {
				g = d[off] - 1
			}
			o.lgroup[j] = g
		}
	} else {
		o.hashes = opResizeU64(o.hashes, n)
		hashKeyCols(rs, o.ht.sks, o.lrows, o.hashes, &o.ht.scratch)
		o.ht.find(rs, o.lrows, o.hashes, o.lgroup)
	}
	for j, i := range o.lrows {
		if o.lgroup[j] >= 0 && joinAnyNull(rs, int(i)) {
			o.lgroup[j] = -1 // NULL never matches, even a stored NULL key
		}
	}
	return true, nil
}

// first returns the first right row paired with live row j, or -1.
func (o *joinOp) first(j int) int32 {
	if o.hashed {
		if g := o.lgroup[j]; g >= 0 {
			return o.head[g]
		}
		return -1
	}
	if o.nright > 0 {
		return 0
	}
	return -1
}

func (o *joinOp) after(r int32) int32 {
	if o.hashed {
		if o.unique {
			return -1
		}
		return o.next[r]
	}
	if r+1 < o.nright {
		return r + 1
	}
	return -1
}

// fillPairs collects up to BatchSize candidate pairs from the current left
// batch.
func (o *joinOp) fillPairs() {
	o.li, o.ri, o.pj = o.li[:0], o.ri[:0], o.pj[:0]
	for o.j < len(o.lrows) {
		r := o.cur
		if r == -2 {
			r = o.first(o.j)
		}
		for r >= 0 && len(o.li) < BatchSize {
			o.li = append(o.li, o.lrows[o.j])
			o.ri = append(o.ri, r)
			o.pj = append(o.pj, int32(o.j))
			r = o.after(r)
		}
		if r >= 0 {
			o.cur = r
			return
		}
		o.j++
		o.cur = -2
		if len(o.li) >= BatchSize {
			return
		}
	}
}

func (o *joinOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	if !o.built {
		o.built = true
		if err := o.build(); err != nil {
			return nil, err
		}
		o.finishBuild()
	}
	for {
		if o.lb == nil {
			ok, err := o.nextLeft()
			if err != nil || !ok {
				return opEOF, err
			}
			if (o.kind == plan.SemiJoin || o.kind == plan.AntiJoin) && o.extra == nil {
				for j := range o.lrows {
					o.matched[j] = o.first(j) >= 0
				}
				o.tail2 = true
			}
		}
		if !o.tail2 {
			o.fillPairs()
			if len(o.li) == 0 {
				o.tail2 = true
				continue
			}
			b, err := o.pairs()
			if err != nil {
				return nil, err
			}
			if b != nil {
				return b, nil
			}
			continue
		}
		b, err := o.unpaired()
		o.lb = nil
		if err != nil {
			return nil, err
		}
		if b != nil {
			return b, nil
		}
	}
}

// pairs materializes the current candidate pairs, applies Extra, records
// which left rows matched, and returns the output for Inner/Left (nil when
// nothing qualifies or the join emits left rows only).
func (o *joinOp) pairs() (*Batch, error) {
	n := len(o.li)
	cols := make([]arrow.Array, 0, len(o.leftT)+len(o.rightT))
	for c := range o.leftT {
		a, err := opTakeReader(o.mem, &o.lrs[c], o.leftT[c], o.li)
		if err != nil {
			opReleaseAll(cols)
			return nil, err
		}
		cols = append(cols, a)
	}
	for c, v := range o.rdata {
		_ = c
		cols = append(cols, v.toArrow(o.mem, o.ri))
	}
	cand := Batch{Cols: cols, N: n}
	if o.extra != nil {
		var err error
		o.sel, err = opSelect(o.extra, &cand, o.sel[:0])
		if err != nil {
			opReleaseAll(cols)
			return nil, err
		}
		for _, k := range o.sel {
			o.matched[o.pj[k]] = true
		}
	} else {
		for _, j := range o.pj {
			o.matched[j] = true
		}
	}
	if o.kind == plan.SemiJoin || o.kind == plan.AntiJoin {
		opReleaseAll(cols)
		return nil, nil
	}
	o.out = cols
	o.batch = Batch{Cols: cols, N: n}
	if o.extra != nil {
		if len(o.sel) == 0 {
			opReleaseAll(o.out)
			return nil, nil
		}
		if len(o.sel) < n {
			o.batch.Sel = o.sel
		}
	}
	return &o.batch, nil
}

// unpaired returns what the current left batch contributes once all its
// pairs are done: unmatched rows padded with NULLs (Left), matched rows
// (Semi), unmatched rows (Anti).
func (o *joinOp) unpaired() (*Batch, error) {
	want := false // the matched state of the rows to emit
	switch o.kind {
	case plan.InnerJoin:
		return nil, nil
	case plan.SemiJoin:
		want = true
	}
	o.sel = o.sel[:0]
	for j, i := range o.lrows {
		if o.matched[j] == want {
			o.sel = append(o.sel, i)
		}
	}
	if len(o.sel) == 0 {
		return nil, nil
	}
	if o.kind != plan.LeftJoin {
		// The left batch stays valid until the next left.Next: pass its
		// columns through with a narrowed selection.
		o.batch = Batch{Cols: o.lb.Cols, N: o.lb.N, Sel: o.sel}
		if len(o.sel) == o.lb.N {
			o.batch.Sel = nil
		}
		return &o.batch, nil
	}
	cols := make([]arrow.Array, 0, len(o.leftT)+len(o.rightT))
	for c := range o.leftT {
		a, err := opTakeReader(o.mem, &o.lrs[c], o.leftT[c], o.sel)
		if err != nil {
			opReleaseAll(cols)
			return nil, err
		}
		cols = append(cols, a)
	}
	pad := make([]int32, len(o.sel))
	for k := range pad {
		pad[k] = -1
	}
	for _, v := range o.rdata {
		cols = append(cols, v.toArrow(o.mem, pad))
	}
	o.out = cols
	o.batch = Batch{Cols: cols, N: len(o.sel)}
	return &o.batch, nil
}

func (o *joinOp) Close() error {
	o.mc.release()
	opReleaseAll(o.out)
	opReleaseAll(o.lkeyArr)
	err := o.left.Close()
	if err2 := o.right.Close(); err == nil {
		err = err2
	}
	return err
}

func opErrColumnCount(op string, want, got int) error {
	return lferr.AssertionFailedf("%s: input batch has %d columns, schema has %d", op, got, want)
}
