package exec

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// enode is a compiled expression node. eval computes the node for the rows
// in sel (nil: all c.n rows) and returns a vector the node owns; it stays
// valid until the node is evaluated again. Rows outside sel are never read
// for errors: a dead row cannot make eval fail (VISION rule 7).
type enode interface {
	eval(c *ectx, sel []int32) (*evec, error)
}

// ectx is the per-Eval state shared by the nodes of one compiled tree.
type ectx struct {
	b     *Batch
	n     int
	env   *Env
	epoch uint64 // changes on every Eval, so nodes can cache per batch
	all   []int32
}

// allRows returns the selection 0..n-1, for nodes that must split a
// selection (CASE, AND/OR laziness) when the batch has none.
func (c *ectx) allRows() []int32 {
	if len(c.all) != c.n {
		c.all = eGrowI32(c.all, c.n)
		for i := range c.all {
			c.all[i] = int32(i)
		}
	}
	return c.all
}

// CompileExpr compiles e into an Evaluator with MySQL 8 semantics (see
// func_doc.go for every operator and function). env supplies the context,
// the outer-row stack for correlated subqueries, and is captured by the
// Evaluator: subqueries and OuterRefs read env.Outer when they run.
//
// The Evaluator is not safe for concurrent use: each node reuses its output
// buffers across batches. The array returned by Eval is freshly allocated
// (or, for a bare column reference, the input column retained) and owned by
// the caller, who must Release it.
func CompileExpr(e plan.Expr, env *Env) (Evaluator, error) {
	return compileRoot(e, env, false)
}

// CompilePolicyExpr compiles a policy expression of the secure scan (row
// filter, cell guard, mask) with CompileExpr's semantics, except that no
// error message quotes the expression or names a column it reads: VISION
// rules 8 and 10 reserve a policy's text for data lake admins, and the
// caller of the query may not even see the columns it reads.
func CompilePolicyExpr(e plan.Expr, env *Env) (Evaluator, error) {
	return compileRoot(e, env, true)
}

func compileRoot(e plan.Expr, env *Env, redact bool) (Evaluator, error) {
	if e == nil {
		return nil, lferr.AssertionFailedf("CompileExpr: nil expression")
	}
	if env == nil {
		env = &Env{}
	}
	if env.Ctx == nil {
		env.Ctx = context.Background()
	}
	cc := &compiler{env: env, redact: redact}
	root, err := cc.compile(e)
	if err != nil {
		return nil, err
	}
	ev := &exprEvaluator{root: root, t: e.Type(), env: env, passCol: -1}
	if cr, ok := e.(*plan.ColRef); ok {
		ev.passCol = cr.Idx
	}
	return ev, nil
}

type exprEvaluator struct {
	root    enode
	t       types.T
	env     *Env
	passCol int // >= 0: the expression is this input column, returned as is
	passVec evec
	ctx     ectx
}

// Eval implements Evaluator.
func (ev *exprEvaluator) Eval(b *Batch) (out arrow.Array, err error) {
	if b == nil {
		return nil, lferr.AssertionFailedf("Eval: nil batch")
	}
	if err := checkBatch(b); err != nil {
		return nil, err
	}
	// A kernel bug must not take the process down or leak a row's value in
	// a crash report; it becomes an internal error for this query.
	defer func() {
		if r := recover(); r != nil {
			out = nil
			// The stack stays in the wrapped cause (for logs), out of the
			// message a client sees.
			err = &lferr.Error{Code: lferr.InternalService,
				Message: fmt.Sprintf("BUG: expression evaluation panicked: %v", r),
				Err:     fmt.Errorf("%s", debug.Stack())}
		}
	}()
	if ev.passCol >= 0 {
		arr := b.Cols[ev.passCol]
		arr.Retain()
		return arr, nil
	}
	if b.N == 0 || (b.Sel != nil && len(b.Sel) == 0) {
		// No live row: nothing may be evaluated (a constant subtree that
		// overflows must not fail a batch whose rows were all filtered).
		return toArrow(&evec{k: pNull, c: true, nulls: []bool{true}}, b.N, ev.t, b.Sel)
	}
	ev.ctx.b, ev.ctx.n, ev.ctx.env = b, b.N, ev.env
	ev.ctx.epoch++
	v, err := ev.root.eval(&ev.ctx, b.Sel)
	if err != nil {
		return nil, err
	}
	return toArrow(v, b.N, ev.t, b.Sel)
}

// evalVec evaluates the expression over b and returns the root's output
// vector, which the evaluator owns and reuses: it is valid only until the
// next evaluation. Consumers that only read the values (aggregates) use it
// to skip building an Arrow array per batch. It returns nil and no error
// when the caller must use Eval instead (a pass-through column, or a batch
// with no live row, which Eval answers without evaluating).
func (ev *exprEvaluator) evalVec(b *Batch) (v *evec, err error) {
	if b == nil || ev.passCol >= 0 || b.N == 0 || (b.Sel != nil && len(b.Sel) == 0) {
		return nil, nil
	}
	if err := checkBatch(b); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			v = nil
			err = &lferr.Error{Code: lferr.InternalService,
				Message: fmt.Sprintf("BUG: expression evaluation panicked: %v", r),
				Err:     fmt.Errorf("%s", debug.Stack())}
		}
	}()
	ev.ctx.b, ev.ctx.n, ev.ctx.env = b, b.N, ev.env
	ev.ctx.epoch++
	return ev.root.eval(&ev.ctx, b.Sel)
}

// checkBatch validates the shape kernels rely on, so a malformed batch is
// an error rather than an out-of-range panic.
func checkBatch(b *Batch) error {
	if b.N < 0 {
		return lferr.AssertionFailedf("batch has negative length %d", b.N)
	}
	for i, c := range b.Cols {
		if c == nil || c.Len() != b.N {
			return lferr.AssertionFailedf("batch column %d length does not match batch length %d", i, b.N)
		}
	}
	prev := int32(-1)
	for _, s := range b.Sel {
		if s <= prev || int(s) >= b.N {
			return lferr.AssertionFailedf("selection vector is not ascending within [0,%d)", b.N)
		}
		prev = s
	}
	return nil
}

type compiler struct {
	env *Env
	// redact keeps the expression's text out of error messages (policy
	// expressions: their text and the hidden columns they read are shown
	// only to data lake admins).
	redact bool
}

// text is how error messages quote e.
func (cc *compiler) text(e plan.Expr) string {
	if cc.redact {
		return ""
	}
	return e.String()
}

func (cc *compiler) compile(e plan.Expr) (enode, error) {
	n, err := cc.compileNode(e)
	if err != nil {
		return nil, err
	}
	if _, isConst := n.(*constNode); isConst || !foldable(e) {
		return n, nil
	}
	// Constant subtree: evaluate once now. A subtree that fails (overflow)
	// is left unfolded so the error is raised only if a live row reaches
	// it, e.g. in a CASE branch no row selects.
	c := &ectx{n: 1, env: cc.env, epoch: 1}
	v, err := n.eval(c, nil)
	if err != nil {
		return n, nil
	}
	return &constNode{v: snapshotConst(v, e.Type())}, nil
}

// foldable reports whether e depends on no row, outer row or subquery.
func foldable(e plan.Expr) bool {
	ok := true
	plan.Walk(e, func(x plan.Expr) bool {
		switch x.(type) {
		case *plan.ColRef, *plan.OuterRef, *plan.Subquery:
			ok = false
		}
		return ok
	})
	return ok
}

func (cc *compiler) compileNode(e plan.Expr) (enode, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		if e.Idx < 0 {
			return nil, lferr.AssertionFailedf("column reference #%d has a negative index", e.Idx)
		}
		return &colNode{idx: e.Idx, t: e.T}, nil
	case *plan.OuterRef:
		if e.Depth < 1 || e.Idx < 0 {
			return nil, lferr.AssertionFailedf("outer reference has depth %d index %d", e.Depth, e.Idx)
		}
		return &outerNode{depth: e.Depth, idx: e.Idx, t: e.T}, nil
	case *plan.Const:
		v, err := castValue(e.V, e.T)
		if err != nil {
			return nil, err
		}
		return &constNode{v: constVec(v, e.T)}, nil
	case *plan.Func:
		return cc.compileFunc(e)
	case *plan.Case:
		return cc.compileCase(e)
	case *plan.Cast:
		arg, err := cc.compile(e.Arg)
		if err != nil {
			return nil, err
		}
		return newCast(arg, e.Arg.Type(), e.T), nil
	case *plan.InList:
		return cc.compileIn(e)
	case *plan.Subquery:
		return cc.compileSubquery(e)
	case nil:
		return nil, lferr.AssertionFailedf("nil expression")
	}
	return nil, lferr.New(lferr.Unsupported, "expression %T is not supported by exec", e)
}

// compileAs compiles e and converts its result to logical type t.
func (cc *compiler) compileAs(e plan.Expr, t types.T) (enode, error) {
	n, err := cc.compile(e)
	if err != nil {
		return nil, err
	}
	return coerce(n, e.Type(), t), nil
}

// coerce inserts a conversion from `from` to `to` when their
// representations or meanings differ.
func coerce(n enode, from, to types.T) enode {
	if from.Kind == to.Kind && to.Kind != types.Decimal {
		return n
	}
	return newCast(n, from, to)
}

// colNode reads an input column.
type colNode struct {
	idx   int
	t     types.T
	v     evec
	epoch uint64
}

func (n *colNode) eval(c *ectx, _ []int32) (*evec, error) {
	if n.epoch == c.epoch && c.b != nil {
		return &n.v, nil
	}
	if c.b == nil || n.idx >= len(c.b.Cols) {
		return nil, lferr.AssertionFailedf("column #%d is not in the input batch", n.idx)
	}
	if err := loadArrow(c.b.Cols[n.idx], &n.v, n.t); err != nil {
		return nil, err
	}
	n.epoch = c.epoch
	return &n.v, nil
}

// constNode is a literal (or a folded constant subtree).
type constNode struct{ v evec }

func (n *constNode) eval(*ectx, []int32) (*evec, error) { return &n.v, nil }

// outerNode reads a column of an enclosing query's current row.
type outerNode struct {
	depth, idx int
	t          types.T
	v          evec
}

func (n *outerNode) eval(c *ectx, _ []int32) (*evec, error) {
	outer := c.env.Outer
	if n.depth > len(outer) {
		return nil, lferr.AssertionFailedf("outer reference depth %d but only %d enclosing rows", n.depth, len(outer))
	}
	row := outer[len(outer)-n.depth]
	if n.idx >= len(row) {
		return nil, lferr.AssertionFailedf("outer reference #%d beyond the %d columns of the enclosing row", n.idx, len(row))
	}
	v, err := castValue(row[n.idx], n.t)
	if err != nil {
		return nil, err
	}
	setConstVec(&n.v, v, n.t)
	return &n.v, nil
}

// constVec makes a constant vector holding v (already of type t).
func constVec(v types.Value, t types.T) evec {
	var out evec
	setConstVec(&out, v, t)
	return out
}

func setConstVec(out *evec, v types.Value, t types.T) {
	out.k = physOf(t.Kind)
	out.c = true
	out.codes, out.dict = nil, nil
	if v.Null || out.k == pNull {
		out.nulls = append(out.nulls[:0], true)
	} else {
		out.nulls = nil
	}
	switch out.k {
	case pBool:
		out.b = append(out.b[:0], v.I != 0)
	case pI64:
		out.i = append(out.ownI[:0], v.I)
		out.ownI = out.i
	case pF64:
		out.f = append(out.ownF[:0], v.F)
		out.ownF = out.f
	case pStr:
		out.data = append(out.data[:0], v.S...)
		out.off = append(out.off[:0], 0, int32(len(v.S)))
	}
}

// snapshotConst copies row 0 of v into a standalone constant vector, so a
// folded constant does not alias the scratch of the nodes that computed it.
func snapshotConst(v *evec, t types.T) evec {
	return constVec(vecValue(v, 0, t), t)
}

// vecValue reads row i of v as a Value of logical type t. Strings are
// copied, so the result outlives v's buffers.
func vecValue(v *evec, i int, t types.T) types.Value {
	if v.c {
		i = 0
	}
	if v.k == pNull || v.isNull(i) {
		return types.Value{Kind: t.Kind, Null: true}
	}
	switch v.k {
	case pBool:
		return types.NewBool(v.b[i])
	case pI64:
		return types.Value{Kind: t.Kind, I: v.i[i]}
	case pF64:
		return types.Value{Kind: t.Kind, F: v.f[i]}
	case pStr:
		return types.NewString(string(v.bytesAt(i)))
	case pDict:
		c := v.codes[i]
		if v.dict.isNull(int(c)) {
			return types.Value{Kind: t.Kind, Null: true}
		}
		return types.NewString(string(v.dict.bytesAt(int(c))))
	}
	return types.Value{Kind: t.Kind, Null: true}
}

// eErrf builds an ExecutionError naming the problem.
func eErrf(format string, args ...any) error {
	return lferr.New(lferr.ExecutionError, format, args...)
}

func argCountErr(name string, got int) error {
	return lferr.New(lferr.InvalidInput, "incorrect parameter count in the call to %s: %d", name, got)
}

// eTypeErr reports an expression the planner typed in a way exec cannot
// run; text "" is a redacted (policy) expression.
func eTypeErr(text, why string) error {
	if text == "" {
		return lferr.New(lferr.TypeError, "policy expression: %s", why)
	}
	return lferr.New(lferr.TypeError, "%s: %s", text, why)
}

// eRangeErr is MySQL's ER_DATA_OUT_OF_RANGE: "BIGINT value is out of range
// in '(a + b)'"; text "" is a redacted (policy) expression.
func eRangeErr(typ, text string) error {
	if text == "" {
		return lferr.New(lferr.ExecutionError, "%s value is out of range in a policy expression", typ)
	}
	return lferr.New(lferr.ExecutionError, "%s value is out of range in '%s'", typ, text)
}

// Selector is implemented by every Evaluator CompileExpr returns. For a
// boolean expression, Select writes into dst[:0] the live rows of b (in
// order) where the expression is true — not false, not NULL — and returns
// them: a filter's new selection vector, without building a Boolean array.
// dst may be b.Sel itself (rows are written no faster than they are read).
type Selector interface {
	Select(b *Batch, dst []int32) ([]int32, error)
}

// Select implements Selector.
func (ev *exprEvaluator) Select(b *Batch, dst []int32) (sel []int32, err error) {
	if ev.t.Kind != types.Bool && ev.t.Kind != types.Null {
		return nil, lferr.AssertionFailedf("Select on a %s expression", ev.t)
	}
	if b == nil {
		return nil, lferr.AssertionFailedf("Select: nil batch")
	}
	if err := checkBatch(b); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			sel = nil
			err = &lferr.Error{Code: lferr.InternalService,
				Message: fmt.Sprintf("BUG: expression evaluation panicked: %v", r),
				Err:     fmt.Errorf("%s", debug.Stack())}
		}
	}()
	dst = dst[:0]
	if b.N == 0 || (b.Sel != nil && len(b.Sel) == 0) || ev.t.Kind == types.Null {
		return dst, nil
	}
	var v *evec
	if ev.passCol >= 0 {
		if err := loadArrow(b.Cols[ev.passCol], &ev.passVec, ev.t); err != nil {
			return nil, err
		}
		v = &ev.passVec
	} else {
		ev.ctx.b, ev.ctx.n, ev.ctx.env = b, b.N, ev.env
		ev.ctx.epoch++
		if v, err = ev.root.eval(&ev.ctx, b.Sel); err != nil {
			return nil, err
		}
	}
	if v.k != pBool {
		return dst, nil // NULL: no row qualifies
	}
	if v.c {
		if !v.b[0] || v.isNull(0) {
			return dst, nil
		}
		if b.Sel == nil {
			for i := 0; i < b.N; i++ {
				dst = append(dst, int32(i))
			}
			return dst, nil
		}
		return append(dst, b.Sel...), nil
	}
	rows := b.Sel
	if rows == nil {
		ev.ctx.n = b.N
		rows = ev.ctx.allRows()
	}
	// Branch-free compaction: write every row, advance when it qualifies.
	if cap(dst) < len(rows) {
		dst = make([]int32, len(rows))
	}
	dst = dst[:len(rows)]
	k := 0
	vals := v.b
	if v.nulls == nil {
		for _, i := range rows {
			dst[k] = i
			k += b2u(vals[i])
		}
	} else {
		nulls := v.nulls
		for _, i := range rows {
			dst[k] = i
			k += b2u(vals[i]) &^ b2u(nulls[i])
		}
	}
	return dst[:k], nil
}
