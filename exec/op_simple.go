package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// ---------------------------------------------------------------- Values

// valuesOp emits literal rows as one batch (split at BatchSize).
type valuesOp struct {
	node  *plan.Values
	env   *Env
	mcols []*mcol
	pos   int
	out   []arrow.Array
	batch Batch
}

func newValuesOp(n *plan.Values, env *Env) (Operator, error) {
	for i, r := range n.Rows {
		if len(r) != len(n.Cols) {
			return nil, lferr.AssertionFailedf("VALUES row %d has %d expressions for %d columns", i+1, len(r), len(n.Cols))
		}
	}
	return &valuesOp{node: n, env: env}, nil
}

func (o *valuesOp) Init(ctx context.Context) error {
	o.mcols = make([]*mcol, len(o.node.Cols))
	for i, c := range o.node.Cols {
		o.mcols[i] = newMcol(c.T)
	}
	// Rows have no column references: evaluate each over a one-row batch with
	// no columns. Constants skip the expression compiler.
	one := &Batch{N: 1}
	for _, row := range o.node.Rows {
		for i, e := range row {
			var v types.Value
			if c, ok := e.(*plan.Const); ok {
				v = c.V
			} else {
				ev, err := opCompile(e, o.env)
				if err != nil {
					return err
				}
				a, err := ev.Eval(one)
				if err != nil {
					return err
				}
				v, err = opArrowValue(a, 0, e.Type())
				a.Release()
				if err != nil {
					return err
				}
			}
			if err := o.mcols[i].appendValue(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *valuesOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	n := len(o.node.Rows)
	if o.pos >= n {
		return opEOF, nil
	}
	end := min(o.pos+BatchSize, n)
	idx := make([]int32, end-o.pos)
	for i := range idx {
		idx[i] = int32(o.pos + i)
	}
	o.pos = end
	if cap(o.out) < len(o.mcols) {
		o.out = make([]arrow.Array, len(o.mcols))
	}
	o.out = o.out[:len(o.mcols)]
	for i, v := range o.mcols {
		o.out[i] = v.toArrow(o.env.allocator(), idx)
	}
	o.batch = Batch{Cols: o.out, N: len(idx)}
	return &o.batch, nil
}

func (o *valuesOp) Close() error {
	opReleaseAll(o.out)
	return nil
}

// ---------------------------------------------------------------- Filter

// filterOp narrows the selection vector to rows where the predicate is true
// (not false, not NULL). It never copies column data and skips batches that
// end up empty.
type filterOp struct {
	in    Operator
	pred  Evaluator
	sel   []int32
	batch Batch
}

func newFilterOp(in Operator, pred plan.Expr, env *Env) (Operator, error) {
	ev, err := opCompilePred(pred, env)
	if err != nil {
		in.Close()
		return nil, err
	}
	return &filterOp{in: in, pred: ev}, nil
}

func (o *filterOp) Init(ctx context.Context) error { return o.in.Init(ctx) }

func (o *filterOp) Next() (*Batch, error) {
	for {
		b, err := o.in.Next()
		if err != nil || b == nil || (b.N == 0 && b.Len() == 0) {
			return opEOF, err
		}
		if b.Len() == 0 {
			continue
		}
		o.sel, err = opSelect(o.pred, b, o.sel[:0])
		if err != nil {
			return nil, err
		}
		if len(o.sel) == 0 {
			continue
		}
		o.batch = Batch{Cols: b.Cols, N: b.N, Sel: o.sel}
		if len(o.sel) == b.N {
			o.batch.Sel = nil
		}
		return &o.batch, nil
	}
}

func (o *filterOp) Close() error { return o.in.Close() }

// opSelect returns in dst the live rows of b where the predicate is true,
// through the compiled expression's Selector when it has one (no Boolean
// array is built), else by evaluating it.
// Only boolean predicates go through Select; others (MySQL truthiness of a
// number) are evaluated.
func opSelect(pred Evaluator, b *Batch, dst []int32) ([]int32, error) {
	if be, ok := pred.(boolEvaluator); ok {
		return be.Evaluator.(Selector).Select(b, dst)
	}
	m, err := pred.Eval(b)
	if err != nil {
		return nil, err
	}
	dst, err = opSelectTrue(m, b, dst)
	m.Release()
	return dst, err
}

// boolEvaluator marks evaluators known to produce booleans.
type boolEvaluator struct{ Evaluator }

// opCompilePred compiles a predicate; a boolean one is marked so opSelect
// may use the compiled expression's Selector.
func opCompilePred(e plan.Expr, env *Env) (Evaluator, error) {
	ev, err := opCompile(e, env)
	if err != nil {
		return nil, err
	}
	if k := e.Type().Kind; k == types.Bool || k == types.Null {
		if _, ok := ev.(Selector); ok {
			return boolEvaluator{ev}, nil
		}
	}
	return ev, nil
}

// opSelectTrue appends to out the live rows of b where mask is true.
func opSelectTrue(mask arrow.Array, b *Batch, out []int32) ([]int32, error) {
	switch m := mask.(type) {
	case *array.Null:
		return out, nil
	case *array.Boolean:
		bits := m.Data().Buffers()[1].Bytes()
		off := m.Data().Offset()
		var valid []byte
		if m.NullN() > 0 {
			valid = m.NullBitmapBytes()
		}
		if b.Sel == nil {
			n := b.N
			if valid == nil {
				for i := 0; i < n; i++ {
					if bitutil.BitIsSet(bits, off+i) {
						out = append(out, int32(i))
					}
				}
			} else {
				for i := 0; i < n; i++ {
					if bitutil.BitIsSet(bits, off+i) && bitutil.BitIsSet(valid, off+i) {
						out = append(out, int32(i))
					}
				}
			}
			return out, nil
		}
		for _, i := range b.Sel {
			p := off + int(i)
			if bitutil.BitIsSet(bits, p) && (valid == nil || bitutil.BitIsSet(valid, p)) {
				out = append(out, i)
			}
		}
		return out, nil
	}
	// Defensive: a non-boolean predicate follows MySQL truthiness (non-zero).
	r, err := newColReader(mask)
	if err != nil {
		return nil, err
	}
	if r.kind == rString || r.kind == rDict {
		return nil, lferr.New(lferr.TypeError, "predicate of type %s is not boolean", mask.DataType())
	}
	for _, i := range opLiveRows(b, nil) {
		if !r.isNull(int(i)) && r.floatAt(int(i)) != 0 {
			out = append(out, i)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------- Project

// projectOp evaluates expressions. When the input selection is opSparse the
// output is densified (gathered) so downstream operators do not carry dead
// rows around; otherwise the selection is passed through.
type projectOp struct {
	in    Operator
	exprs []Evaluator
	types []types.T
	mem   memory.Allocator
	out   []arrow.Array
	batch Batch
}

func newProjectOp(in Operator, exprs []plan.Expr, cols []plan.Column, env *Env) (Operator, error) {
	evs, err := opCompileAll(exprs, env)
	if err != nil {
		in.Close()
		return nil, err
	}
	ts := make([]types.T, len(exprs))
	for i, e := range exprs {
		ts[i] = e.Type()
		if i < len(cols) {
			ts[i] = cols[i].T
		}
	}
	return &projectOp{in: in, exprs: evs, types: ts, mem: env.allocator()}, nil
}

func (o *projectOp) Init(ctx context.Context) error { return o.in.Init(ctx) }

// opSparse reports whether a selection keeps few enough rows that gathering
// them beats carrying the dead rows along.
func opSparse(b *Batch) bool { return b.Sel != nil && len(b.Sel)*2 < b.N }

func (o *projectOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	var b *Batch
	for {
		var err error
		b, err = o.in.Next()
		if err != nil || b == nil || b.N == 0 {
			return opEOF, err
		}
		// A batch with no live row must not become a dense empty batch,
		// which would read as the end of the stream.
		if b.Len() > 0 {
			break
		}
	}
	if cap(o.out) < len(o.exprs) {
		o.out = make([]arrow.Array, len(o.exprs))
	}
	o.out = o.out[:len(o.exprs)]
	dense := opSparse(b)
	for i, ev := range o.exprs {
		a, err := ev.Eval(b)
		if err != nil {
			opReleaseAll(o.out)
			return nil, err
		}
		if dense {
			d, err := opTakeArrow(o.mem, a, o.types[i], b.Sel)
			a.Release()
			if err != nil {
				opReleaseAll(o.out)
				return nil, err
			}
			a = d
		}
		o.out[i] = a
	}
	if dense {
		o.batch = Batch{Cols: o.out, N: len(b.Sel)}
	} else {
		o.batch = Batch{Cols: o.out, N: b.N, Sel: b.Sel}
	}
	return &o.batch, nil
}

func (o *projectOp) Close() error {
	opReleaseAll(o.out)
	return o.in.Close()
}

// ---------------------------------------------------------------- Limit

// limitOp skips offset live rows then passes at most count (count < 0: all).
type limitOp struct {
	in            Operator
	offset, count int64
	skipped, sent int64
	sel           []int32
	batch         Batch
}

func (o *limitOp) Init(ctx context.Context) error { return o.in.Init(ctx) }

func (o *limitOp) Next() (*Batch, error) {
	for {
		if o.count >= 0 && o.sent >= o.count {
			return opEOF, nil
		}
		b, err := o.in.Next()
		if err != nil || b == nil || (b.N == 0 && b.Len() == 0) {
			return opEOF, err
		}
		n := int64(b.Len())
		if n == 0 {
			continue
		}
		lo := int64(0)
		if o.skipped < o.offset {
			lo = min(o.offset-o.skipped, n)
			o.skipped += lo
		}
		hi := n
		if o.count >= 0 {
			hi = min(n, lo+o.count-o.sent)
		}
		if lo >= hi {
			continue
		}
		o.sent += hi - lo
		if lo == 0 && hi == n {
			return b, nil
		}
		o.sel = o.sel[:0]
		if b.Sel != nil {
			o.sel = append(o.sel, b.Sel[lo:hi]...)
		} else {
			for i := lo; i < hi; i++ {
				o.sel = append(o.sel, int32(i))
			}
		}
		o.batch = Batch{Cols: b.Cols, N: b.N, Sel: o.sel}
		return &o.batch, nil
	}
}

func (o *limitOp) Close() error { return o.in.Close() }

// ---------------------------------------------------------------- Union all

// unionAllOp concatenates its inputs, initializing each lazily so only one
// input is open at a time.
type unionAllOp struct {
	ins    []Operator
	ctx    context.Context
	cur    int
	inited bool
}

func (o *unionAllOp) Init(ctx context.Context) error {
	o.ctx = ctx
	return nil
}

func (o *unionAllOp) Next() (*Batch, error) {
	for o.cur < len(o.ins) {
		in := o.ins[o.cur]
		if !o.inited {
			if err := in.Init(o.ctx); err != nil {
				return nil, err
			}
			o.inited = true
		}
		b, err := in.Next()
		if err != nil {
			return nil, err
		}
		if b == nil || (b.N == 0 && b.Len() == 0) {
			if err := in.Close(); err != nil {
				return nil, err
			}
			o.cur++
			o.inited = false
			continue
		}
		if b.Len() == 0 {
			continue
		}
		return b, nil
	}
	return opEOF, nil
}

func (o *unionAllOp) Close() error {
	var first error
	for _, in := range o.ins {
		if err := in.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
