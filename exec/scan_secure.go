package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// secureScan applies a plan.SecureScan to each batch of scan columns, in the
// order VISION rule 7 fixes:
//
//  1. the row filter, on original values, narrows the selection;
//  2. every cell guard is evaluated on the original values of the rows that
//     passed (never on hidden rows, so a guard cannot fail on them), and the
//     guarded cell becomes NULL wherever its guard is not true;
//  3. every mask is evaluated on the batch after NULLing (masks see NULLed,
//     unmasked cells, including of other columns they read), for the live
//     rows only, and replaces its column;
//  4. only OutputCols leave the scan.
//
// Nothing a user wrote runs before this: user predicates are applied by
// operators above the scan (prune filters only skip row groups, and never
// on a guarded or masked column).
type secureScan struct {
	mem     memory.Allocator
	ncols   int
	filter  Evaluator
	guards  []Evaluator // per scan column, nil = unrestricted
	masks   []Evaluator // per scan column, nil = no mask
	outCols []int
	touched []bool // per scan column: guarded or masked

	sel   []int32
	owned []arrow.Array // arrays created for the current batch
	cols  []arrow.Array
	out   []arrow.Array
}

func newSecureScan(n *plan.Scan, env *Env) (*secureScan, error) {
	s := n.Secure
	nc := len(n.Columns)
	if len(s.CellGuards) != 0 && len(s.CellGuards) != nc {
		return nil, lferr.AssertionFailedf("secure scan of %s: %d cell guards for %d columns", n.Table, len(s.CellGuards), nc)
	}
	if len(s.Masks) != 0 && len(s.Masks) != nc {
		return nil, lferr.AssertionFailedf("secure scan of %s: %d masks for %d columns", n.Table, len(s.Masks), nc)
	}
	ss := &secureScan{mem: env.allocator(), ncols: nc, guards: make([]Evaluator, nc), masks: make([]Evaluator, nc), touched: make([]bool, nc)}
	var err error
	if s.RowFilter != nil {
		if ss.filter, err = policyCompile(s.RowFilter, env, true); err != nil {
			return nil, err
		}
	}
	for i, g := range s.CellGuards {
		if g == nil {
			continue
		}
		if ss.guards[i], err = policyCompile(g, env, false); err != nil {
			return nil, err
		}
		ss.touched[i] = true
	}
	for i, m := range s.Masks {
		if m == nil {
			continue
		}
		if ss.masks[i], err = policyCompile(m, env, false); err != nil {
			return nil, err
		}
		ss.touched[i] = true
	}
	for _, c := range s.OutputCols {
		if c < 0 || c >= nc {
			return nil, lferr.AssertionFailedf("secure scan of %s: output column %d out of range", n.Table, c)
		}
	}
	ss.outCols = s.OutputCols
	return ss, nil
}

// rewrites reports whether e reads a column that a guard or mask rewrites;
// such predicates must not be used for statistics pruning.
func (s *secureScan) rewrites(e plan.Expr) bool {
	hit := false
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColRef); ok && (c.Idx < 0 || c.Idx >= len(s.touched) || s.touched[c.Idx]) {
			hit = true
		}
		if _, ok := x.(*plan.Subquery); ok {
			hit = true
		}
		return !hit
	})
	return hit
}

func (s *secureScan) release() {
	opReleaseAll(s.owned)
	s.owned = s.owned[:0]
}

// apply returns the policy-applied batch, or nil when no row passes the row
// filter. b's columns are the scan's, owned by the caller; arrays created
// here live until the next apply.
func (s *secureScan) apply(b *Batch) (*Batch, error) {
	s.release()
	live := b.Sel
	if s.filter != nil {
		var err error
		s.sel, err = opSelect(s.filter, b, s.sel[:0])
		if err != nil {
			return nil, err
		}
		if len(s.sel) == 0 {
			return nil, nil
		}
		live = s.sel
		if len(live) == b.N {
			live = nil
		}
	}
	cur := Batch{Cols: b.Cols, N: b.N, Sel: live}
	s.cols = append(s.cols[:0], b.Cols...)
	// Guards all see the original values.
	for i, g := range s.guards {
		if g == nil {
			continue
		}
		m, err := g.Eval(&cur)
		if err != nil {
			return nil, err
		}
		nc, err := secureNullWhereNotTrue(s.mem, b.Cols[i], m)
		m.Release()
		if err != nil {
			return nil, err
		}
		s.owned = append(s.owned, nc)
		s.cols[i] = nc
	}
	// Masks see the NULLed cells.
	nulled := Batch{Cols: append([]arrow.Array(nil), s.cols...), N: b.N, Sel: live}
	for i, m := range s.masks {
		if m == nil {
			continue
		}
		a, err := m.Eval(&nulled)
		if err != nil {
			return nil, err
		}
		if a.Len() != b.N {
			a.Release()
			return nil, lferr.AssertionFailedf("mask of column %d returned %d rows for %d", i, a.Len(), b.N)
		}
		s.owned = append(s.owned, a)
		s.cols[i] = a
	}
	s.out = s.out[:0]
	for _, c := range s.outCols {
		s.out = append(s.out, s.cols[c])
	}
	return &Batch{Cols: s.out, N: b.N, Sel: live}, nil
}

// secureNullWhereNotTrue returns arr with every cell NULL where guard is not true
// (false or NULL). The values are shared, only the validity bitmap is new.
func secureNullWhereNotTrue(mem memory.Allocator, arr arrow.Array, guard arrow.Array) (arrow.Array, error) {
	n := arr.Len()
	if guard.Len() != n {
		return nil, lferr.AssertionFailedf("cell guard has %d rows for %d", guard.Len(), n)
	}
	d := arr.Data()
	if d.DataType().ID() == arrow.NULL {
		return opRetain(arr), nil
	}
	off := d.Offset()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(off + n))))
	bits := buf.Bytes()
	clear(bits)
	var valid []byte
	if arr.NullN() > 0 {
		valid = arr.NullBitmapBytes()
	}
	switch g := guard.(type) {
	case *array.Boolean:
		gb := g.Data().Buffers()[1].Bytes()
		goff := g.Data().Offset()
		var gv []byte
		if g.NullN() > 0 {
			gv = g.NullBitmapBytes()
		}
		for i := 0; i < n; i++ {
			keep := bitutil.BitIsSet(gb, goff+i) && (gv == nil || bitutil.BitIsSet(gv, goff+i)) &&
				(valid == nil || bitutil.BitIsSet(valid, off+i))
			if keep {
				bitutil.SetBit(bits, off+i)
			}
		}
	case *array.Null:
		// every guard value is NULL: every cell hidden
	default:
		buf.Release()
		return nil, lferr.New(lferr.TypeError, "cell guard of type %s is not boolean", guard.DataType())
	}
	bufs := append([]*memory.Buffer{buf}, d.Buffers()[1:]...)
	var nd *array.Data
	if dd := d.Dictionary(); dd != nil {
		nd = array.NewDataWithDictionary(d.DataType(), n, bufs, array.UnknownNullCount, off, dd.(*array.Data))
	} else {
		nd = array.NewData(d.DataType(), n, bufs, d.Children(), array.UnknownNullCount, off)
	}
	buf.Release()
	out := array.MakeFromData(nd)
	nd.Release()
	return out, nil
}

func opRetain(a arrow.Array) arrow.Array {
	a.Retain()
	return a
}

// policyCompile compiles a row filter, cell guard or mask with
// CompilePolicyExpr, whose errors never quote the policy's text or name the
// (possibly hidden) columns it reads (VISION rules 8 and 10). pred marks a
// row filter, which filters through a Selector like a user predicate.
func policyCompile(e plan.Expr, env *Env, pred bool) (Evaluator, error) {
	ev, err := CompilePolicyExpr(e, env)
	if err != nil {
		return nil, err
	}
	if pred {
		if k := e.Type().Kind; k == types.Bool || k == types.Null {
			if _, ok := ev.(Selector); ok {
				return boolEvaluator{ev}, nil
			}
		}
	}
	return ev, nil
}
