package exec

import (
	"bytes"
	"context"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// aggFunc is the state of one aggregate over all groups. update is called
// once per batch (never per row) with the live rows of the argument and the
// group of each (gids == nil: a global aggregate, every row in group 0).
type aggFunc interface {
	grow(n int) // make room for groups 0..n-1
	update(r *colReader, rows []int32, gids []int32) error
	result(mem memory.Allocator, n int) (arrow.Array, error)
}

// aggOp is hash aggregation. Group keys are hashed per column with typed
// loops (a single int64 key and dictionary-encoded keys have fast paths) and
// mapped to dense group ids; each aggregate keeps typed per-group arrays.
type aggOp struct {
	in      Operator
	mem     memory.Allocator
	node    *plan.Aggregate
	groupEv []Evaluator
	argEv   []Evaluator
	aggs    []aggFunc
	ht      *hashTable
	ngroups int

	done  bool
	res   []arrow.Array
	pos   int
	total int
	out   []arrow.Array
	batch Batch

	rs       []colReader
	keyArrs  []arrow.Array
	rowBuf   []int32
	hashes   []uint64
	gids     []int32
	dictMemo []int32
	mc       memCharge
}

func newAggOp(in Operator, n *plan.Aggregate, env *Env) (Operator, error) {
	o := &aggOp{in: in, mem: env.allocator(), node: n}
	var err error
	if o.groupEv, err = opCompileAll(n.GroupBy, env); err != nil {
		in.Close()
		return nil, err
	}
	if len(n.GroupBy) > 0 {
		ts := make([]types.T, len(n.GroupBy))
		for i, g := range n.GroupBy {
			ts[i] = g.Type()
		}
		o.ht = newHashTable(ts)
	}
	for _, a := range n.Aggs {
		var ev Evaluator
		var argT types.T
		if a.Func != "count_star" {
			if a.Arg == nil {
				in.Close()
				return nil, lferr.AssertionFailedf("aggregate %s without argument", a.Func)
			}
			if ev, err = opCompile(a.Arg, env); err != nil {
				in.Close()
				return nil, err
			}
			argT = a.Arg.Type()
		}
		f, err := newAggFunc(a, argT)
		if err != nil {
			in.Close()
			return nil, err
		}
		if a.Distinct && a.Func != "count_star" && a.Func != "min" && a.Func != "max" {
			f = &distinctAgg{inner: f, ht: newHashTable([]types.T{types.Int64T, argT})}
		}
		o.argEv = append(o.argEv, ev)
		o.aggs = append(o.aggs, f)
	}
	return o, nil
}

func newAggFunc(a plan.AggCall, argT types.T) (aggFunc, error) {
	switch a.Func {
	case "count_star":
		return &countAgg{star: true}, nil
	case "count":
		return &countAgg{}, nil
	case "sum", "avg":
		if argT.Kind == types.String {
			return nil, lferr.New(lferr.TypeError, "%s over a %s argument is not supported; cast it to a number", a.Func, argT)
		}
		return &sumAgg{avg: a.Func == "avg", intArg: storeKindOf(argT) == sInt, out: a.T}, nil
	case "min", "max":
		return &minMaxAgg{max: a.Func == "max", st: newMcol(argT), out: a.T}, nil
	case "group_concat":
		return &groupConcatAgg{argT: argT}, nil
	}
	return nil, lferr.New(lferr.Unsupported, "aggregate function %s is not supported", a.Func)
}

func (o *aggOp) Init(ctx context.Context) error {
	o.mc = newMemCharge(ctx, "hash aggregation")
	return o.in.Init(ctx)
}

// memBytes approximates the aggregation's state: the group table, about
// 32 bytes per group per aggregate, and DISTINCT aggregates' own tables.
func (o *aggOp) memBytes() int64 {
	n := int64(o.ngroups) * 32 * int64(len(o.aggs))
	if o.ht != nil {
		n += o.ht.bytes()
	}
	for _, f := range o.aggs {
		if d, ok := f.(*distinctAgg); ok {
			n += d.ht.bytes()
		}
	}
	return n
}

func (o *aggOp) consume() error {
	if o.ht == nil {
		o.ngroups = 1
		for _, f := range o.aggs {
			f.grow(1)
		}
	}
	for {
		b, err := o.in.Next()
		if err != nil {
			return err
		}
		if b == nil || b.N == 0 {
			return nil
		}
		if b.Len() == 0 {
			continue
		}
		rows := opLiveRows(b, o.rowBuf)
		if b.Sel == nil {
			o.rowBuf = rows
		}
		var gids []int32
		if o.ht != nil {
			if gids, err = o.groups(b, rows); err != nil {
				return err
			}
		}
		if err := o.mc.set(o.memBytes()); err != nil {
			return err
		}
		for k, f := range o.aggs {
			ev := o.argEv[k]
			if ev == nil { // count(*)
				if err := f.update(nil, rows, gids); err != nil {
					return err
				}
				continue
			}
			if done, err := o.updateFromVec(f, ev, b, rows, gids); err != nil || done {
				if err != nil {
					return err
				}
				continue
			}
			a, err := ev.Eval(b)
			if err != nil {
				return err
			}
			r, err := newColReader(a)
			if err == nil {
				err = f.update(&r, rows, gids)
			}
			a.Release()
			if err != nil {
				return err
			}
		}
	}
}

// updateFromVec feeds an aggregate straight from a compiled expression's
// output vector when it is a NULL-free DOUBLE/DECIMAL vector (Q1's
// sum(l_extendedprice*(1-l_discount)) and friends), so no Arrow array is
// allocated, wrapped and read back per batch. done is false when the
// caller must take the Eval path (which then evaluates afresh; evalVec
// returned nothing, so nothing is evaluated twice).
func (o *aggOp) updateFromVec(f aggFunc, ev Evaluator, b *Batch, rows, gids []int32) (done bool, err error) {
	fv, ok := ev.(*exprEvaluator)
	if !ok || (fv.t.Kind != types.Float64 && fv.t.Kind != types.Decimal) {
		return false, nil
	}
	v, err := fv.evalVec(b)
	if err != nil || v == nil {
		return false, err
	}
	if v.k == pF64 && !v.c && v.nulls == nil && len(v.f) >= b.N {
		r := colReader{kind: rFloat64, n: b.N, f64: v.f[:b.N]}
		return true, f.update(&r, rows, gids)
	}
	// Any other shape: convert the vector already computed.
	a, err := toArrow(v, b.N, fv.t, b.Sel)
	if err != nil {
		return false, err
	}
	defer a.Release()
	r, err := newColReader(a)
	if err != nil {
		return false, err
	}
	return true, f.update(&r, rows, gids)
}

// groups maps the live rows of b to group ids.
func (o *aggOp) groups(b *Batch, rows []int32) ([]int32, error) {
	opReleaseAll(o.keyArrs)
	o.keyArrs = o.keyArrs[:0]
	o.rs = o.rs[:0]
	for _, ev := range o.groupEv {
		a, err := ev.Eval(b)
		if err != nil {
			return nil, err
		}
		o.keyArrs = append(o.keyArrs, a)
		r, err := newColReader(a)
		if err != nil {
			return nil, err
		}
		o.rs = append(o.rs, r)
	}
	if err := checkKeyReaders(o.rs, o.ht.sks); err != nil {
		return nil, err
	}
	o.gids = opResizeI32(o.gids, len(rows))
	if !o.groupsByDict(rows) {
		o.hashes = opResizeU64(o.hashes, len(rows))
		hashKeyCols(o.rs, o.ht.sks, rows, o.hashes, &o.ht.scratch)
		o.ht.findOrInsert(o.rs, rows, o.hashes, o.gids)
	}
	opReleaseAll(o.keyArrs)
	o.keyArrs = o.keyArrs[:0]
	if o.ht.n > o.ngroups {
		o.ngroups = o.ht.n
		for _, f := range o.aggs {
			f.grow(o.ngroups)
		}
	}
	return o.gids, nil
}

// groupsByDict is the fast path for group keys that are all dictionary
// encoded with small dictionaries (TPC-H Q1's returnflag, linestatus): the
// tuple of dictionary indices is a small integer, so the hash table is
// consulted once per distinct tuple per batch instead of once per row.
func (o *aggOp) groupsByDict(rows []int32) bool {
	codes := 1
	for c := range o.rs {
		r := &o.rs[c]
		if r.kind != rDict {
			return false
		}
		codes *= len(r.offs) // dictionary size + 1 for NULL
		if codes > 1<<14 {
			return false
		}
	}
	if cap(o.dictMemo) < codes {
		o.dictMemo = make([]int32, codes)
	}
	memo := o.dictMemo[:codes]
	for i := range memo {
		memo[i] = -1
	}
	var one [1]int32
	var h [1]uint64
	var g [1]int32
	lookup := func(j int, i int32, code int) {
		if gid := memo[code]; gid >= 0 {
			o.gids[j] = gid
			return
		}
		one[0] = i
		hashKeyCols(o.rs, o.ht.sks, one[:], h[:], &o.ht.scratch)
		o.ht.findOrInsert(o.rs, one[:], h[:], g[:])
		memo[code] = g[0]
		o.gids[j] = g[0]
	}
	nulls := false
	for c := range o.rs {
		nulls = nulls || o.rs[c].hasNulls()
	}
	switch {
	case !nulls && len(o.rs) == 1:
		idx := o.rs[0].idx
		for j, i := range rows {
			lookup(j, i, int(idx[i]))
		}
	case !nulls && len(o.rs) == 2:
		i0, i1 := o.rs[0].idx, o.rs[1].idx
		w := len(o.rs[1].offs)
		for j, i := range rows {
			lookup(j, i, int(i0[i])*w+int(i1[i]))
		}
	default:
		for j, i := range rows {
			code := 0
			for c := range o.rs {
				r := &o.rs[c]
				d := int(r.idx[i])
				if r.isNull(int(i)) {
					d = len(r.offs) - 1
				}
				code = code*len(r.offs) + d
			}
			lookup(j, i, code)
		}
	}
	return true
}

func (o *aggOp) finish() error {
	n := o.ngroups
	o.total = n
	if o.ht != nil {
		for _, k := range o.ht.keys {
			o.res = append(o.res, k.toArrow(o.mem, nil))
		}
	}
	for _, f := range o.aggs {
		a, err := f.result(o.mem, n)
		if err != nil {
			return err
		}
		o.res = append(o.res, a)
	}
	return nil
}

func (o *aggOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	if !o.done {
		o.done = true
		if err := o.consume(); err != nil {
			return nil, err
		}
		if err := o.finish(); err != nil {
			return nil, err
		}
	}
	if o.pos >= o.total {
		return opEOF, nil
	}
	end := min(o.pos+BatchSize, o.total)
	if cap(o.out) < len(o.res) {
		o.out = make([]arrow.Array, len(o.res))
	}
	o.out = o.out[:len(o.res)]
	for i, a := range o.res {
		o.out[i] = array.NewSlice(a, int64(o.pos), int64(end))
	}
	o.batch = Batch{Cols: o.out, N: end - o.pos}
	o.pos = end
	return &o.batch, nil
}

func (o *aggOp) Close() error {
	o.mc.release()
	opReleaseAll(o.out)
	opReleaseAll(o.res)
	opReleaseAll(o.keyArrs)
	return o.in.Close()
}

// ---------------------------------------------------------------- count

type countAgg struct {
	star   bool
	counts []int64
}

func (a *countAgg) grow(n int) {
	for len(a.counts) < n {
		a.counts = append(a.counts, 0)
	}
}

func (a *countAgg) update(r *colReader, rows []int32, gids []int32) error {
	c := a.counts
	if a.star || !r.hasNulls() {
		if gids == nil {
			c[0] += int64(len(rows))
			return nil
		}
		for _, g := range gids {
			c[g]++
		}
		return nil
	}
	if r.kind == rNull {
		return nil
	}
	if gids == nil {
		var k int64
		for _, i := range rows {
			if !r.isNull(int(i)) {
				k++
			}
		}
		c[0] += k
		return nil
	}
	for j, i := range rows {
		if !r.isNull(int(i)) {
			c[gids[j]]++
		}
	}
	return nil
}

func (a *countAgg) result(mem memory.Allocator, n int) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(a.counts[:n], nil)
	return b.NewArray(), nil
}

// ---------------------------------------------------------------- sum / avg

// sumAgg sums integers exactly in int64 (switching a group to float on
// overflow, which is an error only when the result type is BIGINT) and
// floats in float64. avg divides by the count of non-NULL values.
type sumAgg struct {
	avg    bool
	intArg bool
	out    types.T
	isum   []int64
	fsum   []float64
	cnt    []int64
	ovf    []bool
}

func (a *sumAgg) grow(n int) {
	for len(a.cnt) < n {
		a.isum = append(a.isum, 0)
		a.fsum = append(a.fsum, 0)
		a.cnt = append(a.cnt, 0)
		a.ovf = append(a.ovf, false)
	}
}

func (a *sumAgg) update(r *colReader, rows []int32, gids []int32) error {
	if r.kind == rNull {
		return nil
	}
	nulls := r.hasNulls()
	if a.intArg && r.kind == rInt64 {
		src := r.i64
		if gids == nil && !nulls {
			s := a.isum[0]
			for _, i := range rows {
				v := src[i]
				t := s + v
				if (s^t)&(v^t) < 0 {
					a.ovf[0] = true
					a.fsum[0] += float64(s) + float64(v)
					t = 0
				}
				s = t
			}
			a.isum[0] = s
			a.cnt[0] += int64(len(rows))
			return nil
		}
		for j, i := range rows {
			if nulls && r.isNull(int(i)) {
				continue
			}
			g := int32(0)
			if gids != nil {
				g = gids[j]
			}
			s, v := a.isum[g], src[i]
			t := s + v
			if (s^t)&(v^t) < 0 {
				a.ovf[g] = true
				a.fsum[g] += float64(s) + float64(v)
				t = 0
			}
			a.isum[g] = t
			a.cnt[g]++
		}
		return nil
	}
	if r.kind == rString || r.kind == rDict {
		return lferr.New(lferr.TypeError, "cannot sum a string column; cast it to a number")
	}
	if a.intArg {
		for j, i := range rows {
			if nulls && r.isNull(int(i)) {
				continue
			}
			g := int32(0)
			if gids != nil {
				g = gids[j]
			}
			s, v := a.isum[g], r.int64At(int(i))
			t := s + v
			if (s^t)&(v^t) < 0 {
				a.ovf[g] = true
				a.fsum[g] += float64(s) + float64(v)
				t = 0
			}
			a.isum[g] = t
			a.cnt[g]++
		}
		return nil
	}
	if r.kind == rFloat64 {
		src := r.f64
		if gids == nil && !nulls {
			s := a.fsum[0]
			for _, i := range rows {
				s += src[i]
			}
			a.fsum[0] = s
			a.cnt[0] += int64(len(rows))
			return nil
		}
		if !nulls {
			fs, cs := a.fsum, a.cnt
			for j, i := range rows {
				g := gids[j]
				fs[g] += src[i]
				cs[g]++
			}
			return nil
		}
	}
	for j, i := range rows {
		if nulls && r.isNull(int(i)) {
			continue
		}
		g := int32(0)
		if gids != nil {
			g = gids[j]
		}
		a.fsum[g] += r.floatAt(int(i))
		a.cnt[g]++
	}
	return nil
}

func (a *sumAgg) total(g int) float64 {
	return a.fsum[g] + float64(a.isum[g])
}

func (a *sumAgg) result(mem memory.Allocator, n int) (arrow.Array, error) {
	if !a.avg && a.out.Kind == types.Int64 {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for g := 0; g < n; g++ {
			switch {
			case a.cnt[g] == 0:
				b.UnsafeAppendBoolToBitmap(false)
			case a.ovf[g]:
				return nil, lferr.New(lferr.ExecutionError, "BIGINT value is out of range in SUM")
			case a.intArg:
				b.UnsafeAppend(a.isum[g])
			default:
				b.UnsafeAppend(int64(math.Round(a.fsum[g])))
			}
		}
		return b.NewArray(), nil
	}
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(n)
	for g := 0; g < n; g++ {
		if a.cnt[g] == 0 {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		v := a.total(g)
		if a.avg {
			v /= float64(a.cnt[g])
		}
		b.UnsafeAppend(v)
	}
	arr := b.NewArray()
	if a.out.Kind == types.Float64 || a.out.Kind == types.Decimal || a.out.Kind == types.Null {
		return arr, nil
	}
	defer arr.Release()
	return aggCastFloat(mem, arr.(*array.Float64), a.out)
}

// aggCastFloat converts an aggregate's float result to the planner's type.
func aggCastFloat(mem memory.Allocator, f *array.Float64, t types.T) (arrow.Array, error) {
	v := newMcol(t)
	for i := 0; i < f.Len(); i++ {
		if f.IsNull(i) {
			v.appendNull()
			continue
		}
		if err := v.appendValue(types.NewFloat(f.Value(i))); err != nil {
			return nil, err
		}
	}
	return v.toArrow(mem, nil), nil
}

// ---------------------------------------------------------------- min / max

// minMaxAgg keeps the current extreme per group in a mcol of the argument's
// type (NULL until a non-NULL value is seen). Strings are kept in a side
// slice because a mcol's arena cannot be updated in place.
type minMaxAgg struct {
	max  bool
	st   *mcol
	strs [][]byte
	out  types.T
}

func (a *minMaxAgg) grow(n int) {
	for a.st.n < n {
		a.st.appendNull()
		if a.st.sk == sString {
			a.strs = append(a.strs, nil)
		}
	}
}

func (a *minMaxAgg) update(r *colReader, rows []int32, gids []int32) error {
	if r.kind == rNull || a.st.sk == sNull {
		return nil
	}
	st := a.st
	nulls := r.hasNulls()
	gid := func(j int) int32 {
		if gids == nil {
			return 0
		}
		return gids[j]
	}
	switch st.sk {
	case sInt:
		if r.kind == rString || r.kind == rDict {
			return lferr.AssertionFailedf("min/max: string values for a %s argument", st.t)
		}
		for j, i := range rows {
			if nulls && r.isNull(int(i)) {
				continue
			}
			g, v := gid(j), r.int64At(int(i))
			if st.nulls[g] || (a.max && v > st.i64[g]) || (!a.max && v < st.i64[g]) {
				st.nulls[g], st.i64[g] = false, v
			}
		}
	case sFloat:
		if r.kind == rString || r.kind == rDict {
			return lferr.AssertionFailedf("min/max: string values for a %s argument", st.t)
		}
		for j, i := range rows {
			if nulls && r.isNull(int(i)) {
				continue
			}
			g, v := gid(j), r.floatAt(int(i))
			if st.nulls[g] || (a.max && v > st.f64[g]) || (!a.max && v < st.f64[g]) {
				st.nulls[g], st.f64[g] = false, v
			}
		}
	case sString:
		if r.kind != rString && r.kind != rDict {
			return lferr.AssertionFailedf("min/max: non-string values for a %s argument", st.t)
		}
		for j, i := range rows {
			if nulls && r.isNull(int(i)) {
				continue
			}
			g, v := gid(j), r.bytesAt(int(i))
			if st.nulls[g] {
				st.nulls[g] = false
				a.strs[g] = append(a.strs[g][:0], v...)
				continue
			}
			c := bytes.Compare(v, a.strs[g])
			if (a.max && c > 0) || (!a.max && c < 0) {
				a.strs[g] = append(a.strs[g][:0], v...)
			}
		}
	}
	return nil
}

func (a *minMaxAgg) result(mem memory.Allocator, n int) (arrow.Array, error) {
	st := a.st
	if st.sk == sString {
		v := newMcol(st.t)
		for g := 0; g < n; g++ {
			if st.nulls[g] {
				v.appendNull()
			} else {
				v.n++
				v.nulls = append(v.nulls, false)
				v.sdata = append(v.sdata, a.strs[g]...)
				v.soffs = append(v.soffs, int64(len(v.sdata)))
			}
		}
		st = v
	}
	if a.out.Kind == types.Null || storeKindOf(a.out) == st.sk {
		if a.out.Kind != types.Null {
			st.t = a.out
		}
		return st.toArrow(mem, nil), nil
	}
	v := newMcol(a.out)
	for g := 0; g < n; g++ {
		if err := v.appendValue(st.value(g)); err != nil {
			return nil, err
		}
	}
	return v.toArrow(mem, nil), nil
}

// ---------------------------------------------------------------- group_concat

// groupConcatAgg joins the non-NULL values of each group with ",".
type groupConcatAgg struct {
	argT types.T
	bufs [][]byte
	has  []bool
}

func (a *groupConcatAgg) grow(n int) {
	for len(a.bufs) < n {
		a.bufs = append(a.bufs, nil)
		a.has = append(a.has, false)
	}
}

func (a *groupConcatAgg) update(r *colReader, rows []int32, gids []int32) error {
	if r.kind == rNull {
		return nil
	}
	for j, i := range rows {
		if r.isNull(int(i)) {
			continue
		}
		g := int32(0)
		if gids != nil {
			g = gids[j]
		}
		buf := a.bufs[g]
		if a.has[g] {
			buf = append(buf, ',')
		}
		a.has[g] = true
		switch {
		case r.kind == rString || r.kind == rDict:
			buf = append(buf, r.bytesAt(int(i))...)
		case a.argT.Kind == types.Int64 && r.kind == rInt64:
			buf = strconv.AppendInt(buf, r.i64[i], 10)
		default:
			buf = append(buf, opReaderValue(r, int(i), a.argT).String()...)
		}
		a.bufs[g] = buf
	}
	return nil
}

func (a *groupConcatAgg) result(mem memory.Allocator, n int) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for g := 0; g < n; g++ {
		if !a.has[g] {
			b.AppendNull()
		} else {
			b.BinaryBuilder.Append(a.bufs[g])
		}
	}
	return b.NewArray(), nil
}

// ---------------------------------------------------------------- DISTINCT

// distinctAgg feeds its inner aggregate only the (group, value) pairs it has
// not seen before; NULL values pass through (the inner aggregates skip them).
type distinctAgg struct {
	inner  aggFunc
	ht     *hashTable
	gidCol []int64
	rs     [2]colReader
	hashes []uint64
	pg     []int32
	rows   []int32
	gids   []int32
}

func (a *distinctAgg) grow(n int) { a.inner.grow(n) }

func (a *distinctAgg) update(r *colReader, rows []int32, gids []int32) error {
	if cap(a.gidCol) < r.n {
		a.gidCol = make([]int64, r.n)
	}
	a.gidCol = a.gidCol[:r.n]
	for j, i := range rows {
		if gids != nil {
			a.gidCol[i] = int64(gids[j])
		} else {
			a.gidCol[i] = 0
		}
	}
	a.rs[0] = colReader{kind: rInt64, n: r.n, i64: a.gidCol}
	a.rs[1] = *r
	if err := checkKeyReaders(a.rs[:], a.ht.sks); err != nil {
		return err
	}
	a.hashes = opResizeU64(a.hashes, len(rows))
	a.pg = opResizeI32(a.pg, len(rows))
	hashKeyCols(a.rs[:], a.ht.sks, rows, a.hashes, &a.ht.scratch)
	next := int32(a.ht.n)
	a.ht.findOrInsert(a.rs[:], rows, a.hashes, a.pg)
	a.rows, a.gids = a.rows[:0], a.gids[:0]
	for j, p := range a.pg {
		if p == next {
			next++
			a.rows = append(a.rows, rows[j])
			if gids != nil {
				a.gids = append(a.gids, gids[j])
			}
		}
	}
	g := a.gids
	if gids == nil {
		g = nil
	}
	return a.inner.update(r, a.rows, g)
}

func (a *distinctAgg) result(mem memory.Allocator, n int) (arrow.Array, error) {
	return a.inner.result(mem, n)
}
