package exec

import (
	"math"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

type arithOp uint8

const (
	opAdd    arithOp = iota
	opSub            // -
	opMul            // *
	opDiv            // /: always non-integer; x/0 is NULL
	opIntDiv         // DIV: integer division truncating toward zero; x DIV 0 is NULL
	opMod            // % and MOD: sign of the dividend; x % 0 is NULL
)

func mulOverflows(a, b, r int64) bool {
	return a != 0 && (r/a != b || (a == -1 && b == math.MinInt64))
}

// arithOverflowRow is the per-row overflow test used to confirm a batch
// flagged by the branch-free accumulators on its non-NULL rows.
func arithOverflowRow(op arithOp, a, b int64) bool {
	switch op {
	case opAdd:
		r := a + b
		return (a^r)&(b^r) < 0
	case opSub:
		r := a - b
		return (a^b)&(a^r) < 0
	case opMul:
		return mulOverflows(a, b, a*b)
	case opIntDiv:
		return a == math.MinInt64 && b == -1
	}
	return false
}

// arithNode is a binary arithmetic operator computed in k (pI64 or pF64).
type arithNode struct {
	op     arithOp
	l, r   enode
	k      pkind
	floatD bool // DIV over non-integer operands: divide as float, truncate
	scale  int  // >= 0: DECIMAL result, rounded to scale digits
	text   string
	out    evec
	// deferFinite: the parent is a DOUBLE +, - or * node, which checks
	// finiteness for both: a non-finite operand always yields a
	// non-finite result there (Inf*0 and Inf-Inf are NaN), so checking
	// once at the top of an arithmetic chain is enough, and the parent
	// then finds the innermost culprit for the message (firstNonFinite).
	// finiteRows was a tenth of Q1's CPU when every node checked.
	deferFinite bool
}

func (cc *compiler) compileArith(e *plan.Func, op arithOp) (enode, error) {
	if len(e.Args) != 2 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	lt, rt := e.Args[0].Type(), e.Args[1].Type()
	n := &arithNode{op: op, scale: -1, text: cc.text(e)}
	var work types.T
	switch op {
	case opDiv:
		work = types.Float64T
		n.k = pF64
	case opIntDiv:
		n.k = pI64
		if isIntLike(lt) && isIntLike(rt) {
			work = types.Int64T
		} else {
			work = types.Float64T
			n.floatD = true
		}
	default:
		switch physOf(e.T.Kind) {
		case pI64:
			work, n.k = types.Int64T, pI64
		case pF64:
			work, n.k = types.Float64T, pF64
		case pNull:
			return &constNode{v: constVec(types.NullValue, e.T)}, nil
		default:
			return nil, cc.typeErr(e, "arithmetic result must be numeric")
		}
	}
	if e.T.Kind == types.Decimal {
		n.scale = int(e.T.Scale)
	}
	if e.T.Kind == types.Null {
		return &constNode{v: constVec(types.NullValue, e.T)}, nil
	}
	if physOf(e.T.Kind) != n.k && !(op == opDiv && physOf(e.T.Kind) == pF64) {
		return nil, cc.typeErr(e, "result type does not match the operator")
	}
	var err error
	if n.l, err = cc.compileAs(e.Args[0], work); err != nil {
		return nil, err
	}
	if n.r, err = cc.compileAs(e.Args[1], work); err != nil {
		return nil, err
	}
	if n.k == pF64 && !n.floatD && (op == opAdd || op == opSub || op == opMul) {
		for _, c := range []enode{n.l, n.r} {
			if ca, ok := c.(*arithNode); ok && ca.k == pF64 && !ca.floatD {
				ca.deferFinite = true
			}
		}
	}
	return n, nil
}

// firstNonFinite returns the node of this chain that first produced a
// non-finite value in the current batch, in evaluation order (operands
// left to right, then the node), or nil. Deferring children were
// evaluated over the same rows; a child whose operands were both constant
// holds one value.
func (n *arithNode) firstNonFinite(cnt int, rows []int32) *arithNode {
	for _, c := range []enode{n.l, n.r} {
		if ca, ok := c.(*arithNode); ok && ca.deferFinite {
			if bad := ca.firstNonFinite(cnt, rows); bad != nil {
				return bad
			}
		}
	}
	if n.out.k == pF64 {
		ccnt, crows := cnt, rows
		if n.out.c {
			ccnt, crows = 1, nil
		}
		if !finiteRows(&n.out, ccnt, crows) {
			return n
		}
	}
	return nil
}

func isIntLike(t types.T) bool {
	return t.Kind == types.Int64 || t.Kind == types.Bool || t.Kind == types.Null
}

func (cc *compiler) typeErr(e plan.Expr, why string) error {
	return eTypeErr(cc.text(e), why)
}

func (n *arithNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.l.eval(c, sel)
	if err != nil {
		return nil, err
	}
	b, err := n.r.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k = n.k
	rows, cnt := sel, c.n
	shape := 0
	switch {
	case a.c && b.c:
		rows, cnt = nil, 1
		out.c = true
	case b.c:
		shape = 1
		out.c = false
	case a.c:
		shape = 2
		out.c = false
	default:
		out.c = false
	}
	if a.k == pNull || b.k == pNull || (a.c && a.nulls != nil && a.nulls[0]) || (b.c && b.nulls != nil && b.nulls[0]) {
		setConstVec(out, types.Value{Null: true}, types.T{Kind: kindOfP(n.k)})
		return out, nil
	}
	out.mergeNulls(a, b, cnt, rows)
	if n.k == pI64 && !n.floatD {
		out.i = eGrowI64(out.ownI, cnt)
		out.ownI = out.i
		var ov bool
		switch n.op {
		case opAdd:
			ov = arithAddI64(a.i, b.i, shape, out.i, cnt, rows)
		case opSub:
			ov = arithSubI64(a.i, b.i, shape, out.i, cnt, rows)
		case opMul:
			ov = arithMulI64(a.i, b.i, shape, out.i, cnt, rows)
		case opIntDiv, opMod:
			out.ensureNulls(cnt)
			ov = intDivMod(n.op == opMod, a, b, out, cnt, rows)
		}
		if ov {
			if err := n.confirmOverflow(a, b, cnt, rows); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if n.floatD {
		out.ensureNulls(cnt)
		out.i = eGrowI64(out.ownI, cnt)
		out.ownI = out.i
		if bad := floatIntDiv(a, b, out, cnt, rows); bad {
			return nil, eRangeErr("BIGINT", n.text)
		}
		return out, nil
	}
	out.f = eGrowF64(out.ownF, cnt)
	out.ownF = out.f
	switch n.op {
	case opAdd:
		arithAddF64(a.f, b.f, shape, out.f, cnt, rows)
	case opSub:
		arithSubF64(a.f, b.f, shape, out.f, cnt, rows)
	case opMul:
		arithMulF64(a.f, b.f, shape, out.f, cnt, rows)
	case opDiv:
		out.ensureNulls(cnt)
		arithDivF64(a.f, b.f, shape, out.f, out.nulls, cnt, rows)
	case opMod:
		out.ensureNulls(cnt)
		floatMod(a, b, out, cnt, rows)
	}
	if !n.deferFinite && !finiteRows(out, cnt, rows) {
		bad := n.firstNonFinite(c.n, sel)
		if bad == nil {
			bad = n
		}
		return nil, eRangeErr("DOUBLE", bad.text)
	}
	if n.scale >= 0 {
		roundRows(out.f, n.scale, cnt, rows)
	}
	return out, nil
}

// confirmOverflow re-checks a batch the fast loop flagged: the flag may
// come from a NULL row whose slot holds an arbitrary value.
func (n *arithNode) confirmOverflow(a, b *evec, cnt int, sel []int32) error {
	check := func(i int) bool {
		if a.isNull(i) || b.isNull(i) {
			return false
		}
		x, y := a.i[0], b.i[0]
		if !a.c {
			x = a.i[i]
		}
		if !b.c {
			y = b.i[i]
		}
		return arithOverflowRow(n.op, x, y)
	}
	if sel == nil {
		for i := 0; i < cnt; i++ {
			if check(i) {
				return eRangeErr("BIGINT", n.text)
			}
		}
		return nil
	}
	for _, i := range sel {
		if check(int(i)) {
			return eRangeErr("BIGINT", n.text)
		}
	}
	return nil
}

// strideMask returns the index mask for a vector: rows of a constant all
// read slot 0 (i & 0), others their own slot (i & -1).
func strideMask(v *evec) int {
	if v.c {
		return 0
	}
	return -1
}

// intDivMod computes DIV or MOD on integers; a zero divisor makes the row
// NULL. It reports MinInt64 DIV -1, the one overflowing case.
func intDivMod(mod bool, a, b *evec, out *evec, cnt int, sel []int32) bool {
	am, bm := strideMask(a), strideMask(b)
	x, y, o, nl := a.i, b.i, out.i, out.nulls
	ov := false
	body := func(i int) {
		d := y[i&bm]
		if d == 0 {
			nl[i] = true
			o[i] = 0
			return
		}
		v := x[i&am]
		if mod {
			if d == -1 {
				o[i] = 0
			} else {
				o[i] = v % d
			}
			return
		}
		if d == -1 && v == math.MinInt64 {
			if a.nulls == nil || !a.isNull(i) {
				if b.nulls == nil || !b.isNull(i) {
					ov = true
				}
			}
			return
		}
		o[i] = v / d
	}
	if sel == nil {
		for i := 0; i < cnt; i++ {
			body(i)
		}
	} else {
		for _, i := range sel {
			body(int(i))
		}
	}
	return ov
}

// floatIntDiv is DIV over non-integer operands: the quotient truncated to
// BIGINT; it reports a quotient outside the BIGINT range on a non-NULL row.
func floatIntDiv(a, b *evec, out *evec, cnt int, sel []int32) bool {
	am, bm := strideMask(a), strideMask(b)
	bad := false
	body := func(i int) {
		d := b.f[i&bm]
		if d == 0 {
			out.nulls[i] = true
			return
		}
		q := math.Trunc(a.f[i&am] / d)
		if q >= 9.223372036854775807e18 || q < -9.223372036854775808e18 || q != q {
			if !out.nulls[i] {
				bad = true
			}
			return
		}
		out.i[i] = int64(q)
	}
	if sel == nil {
		for i := 0; i < cnt; i++ {
			body(i)
		}
	} else {
		for _, i := range sel {
			body(int(i))
		}
	}
	return bad
}

func floatMod(a, b *evec, out *evec, cnt int, sel []int32) {
	am, bm := strideMask(a), strideMask(b)
	body := func(i int) {
		d := b.f[i&bm]
		if d == 0 {
			out.nulls[i] = true
			out.f[i] = 0
			return
		}
		out.f[i] = math.Mod(a.f[i&am], d)
	}
	if sel == nil {
		for i := 0; i < cnt; i++ {
			body(i)
		}
	} else {
		for _, i := range sel {
			body(int(i))
		}
	}
}

// finiteRows reports whether every live non-NULL result is finite. SQL has
// no infinities, so an infinite result means the operation overflowed. The
// fast pass ORs (exponent + 1<<52): its sign bit is set only for an
// all-ones exponent (Inf or NaN), with no floating-point dependency chain.
func finiteRows(out *evec, cnt int, sel []int32) bool {
	f := out.f
	const expMask = 0x7ff0000000000000
	var acc uint64
	if sel == nil {
		for _, x := range f[:cnt] {
			acc |= (math.Float64bits(x) & expMask) + 1<<52
		}
	} else {
		for _, i := range sel {
			acc |= (math.Float64bits(f[i]) & expMask) + 1<<52
		}
	}
	if acc>>63 == 0 {
		return true
	}
	bad := false
	eForRows(cnt, sel, func(i int) {
		if (out.nulls == nil || !out.nulls[i]) && (math.IsInf(f[i], 0) || f[i] != f[i]) {
			bad = true
		}
	})
	return !bad
}

func roundRows(f []float64, scale, cnt int, sel []int32) {
	if sel == nil {
		for i := range f[:cnt] {
			f[i] = roundScale(f[i], scale)
		}
		return
	}
	for _, i := range sel {
		f[i] = roundScale(f[i], scale)
	}
}

// kindOfP is a logical kind with representation p, for typed NULLs.
func kindOfP(p pkind) types.Kind {
	switch p {
	case pBool:
		return types.Bool
	case pI64:
		return types.Int64
	case pF64:
		return types.Float64
	case pStr, pDict:
		return types.String
	}
	return types.Null
}

// negNode is unary minus.
type negNode struct {
	arg  enode
	k    pkind
	text string
	out  evec
}

func (cc *compiler) compileNeg(e *plan.Func) (enode, error) {
	if len(e.Args) != 1 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	k := physOf(e.T.Kind)
	if k != pI64 && k != pF64 {
		if k == pNull {
			return &constNode{v: constVec(types.NullValue, e.T)}, nil
		}
		return nil, cc.typeErr(e, "negation needs a numeric operand")
	}
	arg, err := cc.compileAs(e.Args[0], e.T)
	if err != nil {
		return nil, err
	}
	return &negNode{arg: arg, k: k, text: cc.text(e)}, nil
}

func (n *negNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k, out.c = n.k, a.c
	cnt, rows := c.n, sel
	if a.c {
		cnt, rows = 1, nil
	}
	out.setNullsFrom(a, cnt, rows)
	if n.k == pF64 {
		out.f = eGrowF64(out.ownF, cnt)
		out.ownF = out.f
		eForRows(cnt, rows, func(i int) { out.f[i] = -a.f[i] })
		return out, nil
	}
	out.i = eGrowI64(out.ownI, cnt)
	out.ownI = out.i
	bad := false
	eForRows(cnt, rows, func(i int) {
		x := a.i[i]
		if x == math.MinInt64 && !a.isNull(i) {
			bad = true
		}
		out.i[i] = -x
	})
	if bad {
		return nil, eRangeErr("BIGINT", n.text)
	}
	return out, nil
}
