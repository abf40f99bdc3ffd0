package exec

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// buildSubplan builds the operator tree of a subquery plan. It is a
// variable so that tests can run subqueries over fake operators; a fresh
// tree is built for every execution, so operators need no rewind protocol.
var buildSubplan = Build

// maxSubqueryCache bounds the per-outer-key cache of a correlated
// subquery; past it, results are recomputed (correct, only slower).
const maxSubqueryCache = 1 << 16

// subqResult is what one execution of a subquery produced.
type subqResult struct {
	val    types.Value // ScalarSubquery
	exists bool        // ExistsSubquery
	set    *inSet      // InSubquery, in the comparison representation
}

type subqNode struct {
	sq   *plan.Subquery
	colT types.T // type of the subquery's (first) column
	cmpT types.T // InSubquery: type the comparison runs in
	arg  enode   // InSubquery: the left operand, converted to cmpT
	t    types.T

	// Uncorrelated: run once.
	done bool
	res  subqResult

	// Correlated: the columns of the enclosing row the plan reads
	// (OuterRef depth 1), or nil with allCols to key on the whole row.
	// References deeper than depth 1 need not be in the key: this node
	// lives in one compiled tree, and a tree below the top level is built
	// afresh for each execution of its enclosing subquery, during which
	// the deeper rows are fixed.
	outerIdx []int
	allCols  bool
	cache    map[string]*subqResult
	key      []byte
	row      OuterRow

	out evec
}

func (cc *compiler) compileSubquery(e *plan.Subquery) (enode, error) {
	if e.Plan == nil {
		return nil, lferr.AssertionFailedf("subquery without a plan")
	}
	schema := e.Plan.Schema()
	if len(schema) == 0 && e.Kind != plan.ExistsSubquery {
		return nil, lferr.AssertionFailedf("subquery without columns")
	}
	n := &subqNode{sq: e, t: e.T}
	if len(schema) > 0 {
		n.colT = schema[0].T
	}
	switch e.Kind {
	case plan.ScalarSubquery:
		if len(schema) != 1 {
			return nil, lferr.New(lferr.InvalidInput, "Operand should contain 1 column(s)")
		}
	case plan.InSubquery:
		if len(schema) != 1 {
			return nil, lferr.New(lferr.InvalidInput, "Operand should contain 1 column(s)")
		}
		if e.Arg == nil {
			return nil, lferr.AssertionFailedf("IN subquery without a left operand")
		}
		n.cmpT = cmpType(e.Arg.Type(), n.colT)
		if n.cmpT.Kind == types.Bool {
			n.cmpT = types.Int64T
		}
		arg, err := cc.compileAs(e.Arg, n.cmpT)
		if err != nil {
			return nil, err
		}
		n.arg = arg
	case plan.ExistsSubquery:
	default:
		return nil, lferr.AssertionFailedf("unknown subquery kind %d", e.Kind)
	}
	if e.Correlated {
		idx := map[int]bool{}
		if collectOuterRefs(e.Plan, 1, idx) {
			for i := range idx {
				n.outerIdx = append(n.outerIdx, i)
			}
			sortInts(n.outerIdx)
		} else {
			n.allCols = true
		}
		n.cache = map[string]*subqResult{}
	}
	return n, nil
}

func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// collectOuterRefs adds to idx the columns of the row `depth` levels above
// n's expressions that n reads. It reports false for a node it does not
// know, in which case the caller keys its cache on the whole row.
func collectOuterRefs(n plan.Node, depth int, idx map[int]bool) bool {
	ok := true
	visit := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch x := x.(type) {
			case *plan.OuterRef:
				if x.Depth == depth {
					idx[x.Idx] = true
				}
			case *plan.Subquery:
				if x.Plan != nil && !collectOuterRefs(x.Plan, depth+1, idx) {
					ok = false
				}
			}
			return true
		})
	}
	switch n := n.(type) {
	case *plan.Scan:
		for _, e := range n.PruneFilters {
			visit(e)
		}
		if n.Secure != nil {
			visit(n.Secure.RowFilter)
			for _, e := range n.Secure.CellGuards {
				visit(e)
			}
			for _, e := range n.Secure.Masks {
				visit(e)
			}
		}
	case *plan.Values:
		for _, r := range n.Rows {
			for _, e := range r {
				visit(e)
			}
		}
	case *plan.Filter:
		visit(n.Pred)
	case *plan.Project:
		for _, e := range n.Exprs {
			visit(e)
		}
	case *plan.Aggregate:
		for _, e := range n.GroupBy {
			visit(e)
		}
		for _, a := range n.Aggs {
			visit(a.Arg)
		}
	case *plan.Join:
		for _, e := range n.LeftKeys {
			visit(e)
		}
		for _, e := range n.RightKeys {
			visit(e)
		}
		visit(n.Extra)
	case *plan.Sort:
		for _, k := range n.Keys {
			visit(k.Expr)
		}
	case *plan.Limit, *plan.Distinct, *plan.Union:
	default:
		return false
	}
	for _, ch := range n.Children() {
		if !collectOuterRefs(ch, depth, idx) {
			return false
		}
	}
	return ok
}

func (n *subqNode) eval(c *ectx, sel []int32) (*evec, error) {
	live := sel
	if live == nil {
		live = c.allRows()
	}
	out := &n.out
	if len(live) == 0 {
		setConstVec(out, types.Value{Null: true}, n.resultT())
		return out, nil
	}
	if !n.sq.Correlated {
		if !n.done {
			r, err := n.run(c.env)
			if err != nil {
				return nil, err
			}
			n.res, n.done = *r, true
		}
		return n.fromResult(c, sel, &n.res)
	}
	return n.evalCorrelated(c, sel, live)
}

func (n *subqNode) resultT() types.T {
	if n.sq.Kind == plan.ScalarSubquery {
		return n.t
	}
	return types.BoolT
}

// fromResult turns one execution's result into the vector for all rows.
func (n *subqNode) fromResult(c *ectx, sel []int32, r *subqResult) (*evec, error) {
	out := &n.out
	switch n.sq.Kind {
	case plan.ScalarSubquery:
		v, err := castValue(r.val, n.t)
		if err != nil {
			return nil, err
		}
		setConstVec(out, v, n.t)
	case plan.ExistsSubquery:
		setConstVec(out, types.NewBool(r.exists != n.sq.Not), types.BoolT)
	case plan.InSubquery:
		a, err := n.arg.eval(c, sel)
		if err != nil {
			return nil, err
		}
		cnt, rows := c.n, sel
		out.c = a.c
		if a.c {
			cnt, rows = 1, nil
		}
		if a.k == pNull {
			if r.set.n == 0 && !r.set.hasNull {
				setConstVec(out, types.NewBool(n.sq.Not), types.BoolT)
			} else {
				setConstVec(out, types.Value{Null: true}, types.BoolT)
			}
			return out, nil
		}
		if a.k == pDict {
			var dc dictCache // per-execution sets change: no cross-batch cache
			r.set.probe(a, out, n.sq.Not, cnt, rows, &dc, "")
		} else {
			r.set.probe(a, out, n.sq.Not, cnt, rows, nil, "")
		}
	}
	return out, nil
}

func (n *subqNode) evalCorrelated(c *ectx, sel, live []int32) (*evec, error) {
	out := &n.out
	cnt := c.n
	k := physOf(n.resultT().Kind)
	out.k, out.c = k, false
	out.nulls = eGrowBools(out.nulls, cnt)
	var arg *evec
	if n.sq.Kind == plan.InSubquery {
		a, err := n.arg.eval(c, sel)
		if err != nil {
			return nil, err
		}
		arg = a
	}
	var sb strBuilder
	switch k {
	case pBool:
		out.b = eGrowBools(out.b, cnt)
	case pI64:
		out.i = eGrowI64(out.ownI, cnt)
		out.ownI = out.i
	case pF64:
		out.f = eGrowF64(out.ownF, cnt)
		out.ownF = out.f
	case pStr:
		sb.reset(out, cnt)
	}
	cols := n.outerIdx
	if n.allCols {
		cols = nil
		for i := range c.b.Cols {
			cols = append(cols, i)
		}
	}
	maxIdx := -1
	for _, i := range cols {
		if i >= len(c.b.Cols) {
			return nil, lferr.AssertionFailedf("correlated subquery reads outer column #%d of a %d-column row", i, len(c.b.Cols))
		}
		if i > maxIdx {
			maxIdx = i
		}
	}
	for _, i32 := range live {
		i := int(i32)
		if err := c.env.Ctx.Err(); err != nil {
			return nil, err
		}
		// The enclosing row: only the columns the subquery reads.
		if cap(n.row) < maxIdx+1 {
			n.row = make(OuterRow, maxIdx+1)
			for j := range n.row {
				n.row[j] = types.NullValue // columns the subplan never reads
			}
		}
		n.row = n.row[:maxIdx+1]
		n.key = n.key[:0]
		for _, col := range cols {
			v, err := exArrowValue(c.b.Cols[col], i)
			if err != nil {
				return nil, err
			}
			n.row[col] = v
			n.key = appendValueKey(n.key, v)
		}
		r, ok := n.cache[string(n.key)]
		if !ok {
			c.env.Outer = append(c.env.Outer, n.row)
			res, err := n.run(c.env)
			c.env.Outer = c.env.Outer[:len(c.env.Outer)-1]
			if err != nil {
				return nil, err
			}
			r = res
			if len(n.cache) < maxSubqueryCache {
				n.cache[string(n.key)] = r
			}
		}
		out.nulls[i] = false
		switch n.sq.Kind {
		case plan.ScalarSubquery:
			v, err := castValue(r.val, n.t)
			if err != nil {
				return nil, err
			}
			if v.Null {
				out.nulls[i] = true
				continue
			}
			switch k {
			case pBool:
				out.b[i] = v.I != 0
			case pI64:
				out.i[i] = v.I
			case pF64:
				out.f[i] = v.F
			case pStr:
				sb.addString(i, v.S)
			}
		case plan.ExistsSubquery:
			out.b[i] = r.exists != n.sq.Not
		case plan.InSubquery:
			found, null := r.set.containsRow(arg, i)
			out.b[i], out.nulls[i] = found != n.sq.Not, null
		}
	}
	if k == pStr {
		if err := sb.finish(cnt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// containsRow is the three-valued IN test for row i of a.
func (s *inSet) containsRow(a *evec, i int) (found, null bool) {
	if s.n == 0 && !s.hasNull {
		return false, false
	}
	if a.isNull(i) {
		return false, true
	}
	j := i
	if a.c {
		j = 0
	}
	switch s.k {
	case pI64:
		_, found = s.ints[a.i[j]]
	case pF64:
		f := a.f[j]
		if f == 0 {
			f = 0
		}
		_, found = s.floats[f]
	case pStr:
		if a.k == pDict {
			c := a.codes[j]
			if a.dict.isNull(int(c)) {
				return false, true
			}
			_, found = s.strs[a.dict.str(int(c))]
		} else {
			_, found = s.strs[a.str(j)]
		}
	}
	if !found && s.hasNull {
		return false, true
	}
	return found, false
}

// run executes the subquery plan once with the current env.Outer.
func (n *subqNode) run(env *Env) (res *subqResult, err error) {
	op, err := buildSubplan(n.sq.Plan, env)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := op.Init(env.Ctx); err != nil {
		return nil, err
	}
	res = &subqResult{val: types.Value{Kind: n.colT.Kind, Null: true}}
	if n.sq.Kind == plan.InSubquery {
		res.set = newInSet(physOf(n.cmpT.Kind))
	}
	rows := 0
	var tmp, conv evec
	for {
		b, err := op.Next()
		if err != nil {
			return nil, err
		}
		if b == nil || (b.N == 0 && b.Len() == 0) {
			break
		}
		if b.Len() == 0 {
			continue
		}
		switch n.sq.Kind {
		case plan.ExistsSubquery:
			res.exists = true
			return res, nil
		case plan.ScalarSubquery:
			rows += b.Len()
			if rows > 1 {
				return nil, lferr.New(lferr.ExecutionError, "Subquery returns more than 1 row")
			}
			if len(b.Cols) == 0 {
				return nil, lferr.AssertionFailedf("scalar subquery batch has no columns")
			}
			i := 0
			if b.Sel != nil {
				i = int(b.Sel[0])
			}
			v, err := exArrowValue(b.Cols[0], i)
			if err != nil {
				return nil, err
			}
			res.val = v
		case plan.InSubquery:
			if len(b.Cols) == 0 {
				return nil, lferr.AssertionFailedf("IN subquery batch has no columns")
			}
			if err := loadArrow(b.Cols[0], &tmp, n.colT); err != nil {
				return nil, err
			}
			c := &ectx{n: b.N, env: env}
			v, err := castVec(&tmp, n.colT, n.cmpT, &conv, &evec{}, c, b.Sel)
			if err != nil {
				return nil, err
			}
			eForRows(b.N, b.Sel, func(i int) { res.set.add(v, i) })
		}
	}
	return res, nil
}

// exArrowValue reads row i of an Arrow column as a Value, copying strings
// so the Value outlives the batch.
func exArrowValue(arr arrow.Array, i int) (types.Value, error) {
	if arr.IsNull(i) {
		t, err := types.FromArrow(arr.DataType())
		if err != nil {
			return types.Value{}, err
		}
		return types.Value{Kind: t.Kind, Null: true}, nil
	}
	switch a := arr.(type) {
	case *array.Int64:
		return types.NewInt(a.Value(i)), nil
	case *array.Float64:
		return types.NewFloat(a.Value(i)), nil
	case *array.Boolean:
		return types.NewBool(a.Value(i)), nil
	case *array.String:
		return types.NewString(strings.Clone(a.Value(i))), nil
	case *array.Date32:
		return types.NewDate(int64(a.Value(i))), nil
	case *array.Timestamp:
		return types.NewTimestamp(int64(a.Value(i))), nil
	case *array.Int32:
		return types.NewInt(int64(a.Value(i))), nil
	case *array.Dictionary:
		d, ok := a.Dictionary().(*array.String)
		if !ok {
			break
		}
		j := a.GetValueIndex(i)
		if j < 0 || j >= d.Len() {
			return types.Value{}, lferr.New(lferr.ExecutionError, "dictionary index %d out of range", j)
		}
		if d.IsNull(j) {
			return types.Value{Kind: types.String, Null: true}, nil
		}
		return types.NewString(strings.Clone(d.Value(j))), nil
	case *array.Null:
		return types.NullValue, nil
	}
	return types.Value{}, lferr.New(lferr.ExecutionError, "subquery value of Arrow type %s is not supported", arr.DataType())
}

// appendValueKey encodes v for a cache key (kind, NULL flag, payload).
func appendValueKey(dst []byte, v types.Value) []byte {
	dst = append(dst, byte(v.Kind))
	if v.Null {
		return append(dst, 1)
	}
	dst = append(dst, 0)
	switch v.Kind {
	case types.Float64, types.Decimal:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.F))
	case types.String:
		dst = binary.AppendUvarint(dst, uint64(len(v.S)))
		return append(dst, v.S...)
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(v.I))
}
