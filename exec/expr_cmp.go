package exec

import (
	"strings"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
	cmpNullEq // <=>: never NULL
)

var cmpNames = map[string]cmpOp{"=": cmpEq, "<>": cmpNe, "!=": cmpNe, "<": cmpLt, "<=": cmpLe, ">": cmpGt, ">=": cmpGe, "<=>": cmpNullEq}

// flip gives op with its operands swapped (c < x ⇔ x > c).
func (op cmpOp) flip() cmpOp {
	switch op {
	case cmpLt:
		return cmpGt
	case cmpLe:
		return cmpGe
	case cmpGt:
		return cmpLt
	case cmpGe:
		return cmpLe
	}
	return op
}

// holds reports whether a three-way comparison result c satisfies op.
func (op cmpOp) holds(c int) bool {
	switch op {
	case cmpEq, cmpNullEq:
		return c == 0
	case cmpNe:
		return c != 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	}
	return c >= 0
}

// cmpType is the type two operands are compared in, as MySQL: numbers
// numerically (a string against a number as DOUBLE), a string against a
// date or timestamp as that temporal type, strings as binary strings.
func cmpType(a, b types.T) types.T {
	ak, bk := a.Kind, b.Kind
	if ak == types.Null {
		ak = bk
	}
	if bk == types.Null {
		bk = ak
	}
	if ak == types.Null {
		return types.NullT
	}
	if ak == bk {
		switch ak {
		case types.Bool:
			return types.Int64T
		case types.Decimal:
			return types.Float64T
		}
		return types.T{Kind: ak}
	}
	num := func(k types.Kind) bool {
		return k == types.Int64 || k == types.Bool || k == types.Float64 || k == types.Decimal
	}
	temporal := func(k types.Kind) bool { return k == types.Date || k == types.Timestamp }
	switch {
	case num(ak) && num(bk):
		if (ak == types.Int64 || ak == types.Bool) && (bk == types.Int64 || bk == types.Bool) {
			return types.Int64T
		}
		return types.Float64T
	case temporal(ak) && temporal(bk):
		return types.TimestampT
	case temporal(ak) && bk == types.String:
		return types.T{Kind: ak}
	case temporal(bk) && ak == types.String:
		return types.T{Kind: bk}
	}
	return types.Float64T
}

// cmpNode compares two operands.
type cmpNode struct {
	op   cmpOp
	l, r enode
	k    pkind
	out  evec
	dc   dictCache
	tmpL evec
	tmpR evec
}

func (cc *compiler) compileCmp(e *plan.Func, op cmpOp) (enode, error) {
	if len(e.Args) != 2 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	t := cmpType(e.Args[0].Type(), e.Args[1].Type())
	if t.Kind == types.Null {
		if op == cmpNullEq {
			return &constNode{v: constVec(types.NewBool(true), types.BoolT)}, nil
		}
		return &constNode{v: constVec(types.NullValue, types.BoolT)}, nil
	}
	l, err := cc.compileAs(e.Args[0], t)
	if err != nil {
		return nil, err
	}
	r, err := cc.compileAs(e.Args[1], t)
	if err != nil {
		return nil, err
	}
	return &cmpNode{op: op, l: l, r: r, k: physOf(t.Kind)}, nil
}

func (n *cmpNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.l.eval(c, sel)
	if err != nil {
		return nil, err
	}
	b, err := n.r.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k = pBool
	op := n.op
	// Dictionary strings against a constant: decide once per dictionary
	// entry, then map codes.
	if a.k == pDict && b.c && b.k == pStr && !b.isNull(0) {
		return n.dictCmp(c, a, b.str(0), op, sel)
	}
	if b.k == pDict && a.c && a.k == pStr && !a.isNull(0) {
		return n.dictCmp(c, b, a.str(0), op.flip(), sel)
	}
	if a.k == pDict {
		if err := decodeDict(a, &n.tmpL, c.n, sel); err != nil {
			return nil, err
		}
		a = &n.tmpL
	}
	if b.k == pDict {
		if err := decodeDict(b, &n.tmpR, c.n, sel); err != nil {
			return nil, err
		}
		b = &n.tmpR
	}
	rows, cnt := sel, c.n
	shape := 0
	out.c = false
	switch {
	case a.c && b.c:
		rows, cnt = nil, 1
		out.c = true
	case b.c:
		shape = 1
	case a.c:
		a, b = b, a
		op = op.flip()
		shape = 1
	}
	out.b = eGrowBools(out.b, cnt)
	kop := op
	if kop == cmpNullEq {
		kop = cmpEq // NULLs are fixed up below
	}
	switch n.k {
	case pI64:
		cmpOrdered(kop, a.i, b.i, shape, out.b, cnt, rows)
	case pF64:
		cmpOrdered(kop, a.f, b.f, shape, out.b, cnt, rows)
	case pStr:
		cmpStrings(op, a, b, shape, out.b, cnt, rows)
	case pBool:
		// Booleans compare as 0/1 (cmpType maps BOOL to BIGINT, so this
		// only serves operands typed BOOL on both sides after coercion).
		for _, i := range rowsOr(c, rows, cnt) {
			x, y := a.b[i], b.b[i&int32(strideMask(b))]
			out.b[i] = op.holds(int(eB2I(x) - eB2I(y)))
		}
	default:
		setConstVec(out, types.Value{Null: true}, types.BoolT)
		return out, nil
	}
	if op == cmpNullEq {
		nullSafeFix(out, a, b, cnt, rows)
		return out, nil
	}
	out.mergeNulls(a, b, cnt, rows)
	return out, nil
}

// rowsOr returns sel, or 0..cnt-1 when sel is nil.
func rowsOr(c *ectx, sel []int32, cnt int) []int32 {
	if sel != nil {
		return sel
	}
	if cnt == 1 {
		return zeroRow[:]
	}
	return c.allRows()[:cnt]
}

var zeroRow = [1]int32{0}

// nullSafeFix applies <=> semantics to an equality result: NULL <=> NULL is
// true, NULL <=> x false, never NULL.
func nullSafeFix(out, a, b *evec, cnt int, sel []int32) {
	out.nulls = nil
	if !a.hasNulls() && !b.hasNulls() {
		return
	}
	eForRows(cnt, sel, func(i int) {
		an, bn := a.isNull(i), b.isNull(i)
		if an || bn {
			out.b[i] = an && bn
		}
	})
}

// cmpStrings compares binary strings: vector/vector (shape 0) or
// vector/constant (shape 1).
func cmpStrings(op cmpOp, a, b *evec, shape int, out []bool, cnt int, sel []int32) {
	if shape == 1 {
		cs := b.str(0)
		switch op {
		case cmpEq, cmpNullEq, cmpNe:
			want := op != cmpNe
			cb := b.bytesAt(0)
			if sel == nil {
				for i := 0; i < cnt; i++ {
					out[i] = (string(a.data[a.off[i]:a.off[i+1]]) == string(cb)) == want
				}
			} else {
				for _, i := range sel {
					out[i] = (string(a.data[a.off[i]:a.off[i+1]]) == string(cb)) == want
				}
			}
		default:
			if sel == nil {
				for i := 0; i < cnt; i++ {
					out[i] = op.holds(strings.Compare(a.str(i), cs))
				}
			} else {
				for _, i := range sel {
					out[i] = op.holds(strings.Compare(a.str(int(i)), cs))
				}
			}
		}
		return
	}
	if sel == nil {
		for i := 0; i < cnt; i++ {
			out[i] = op.holds(strings.Compare(a.str(i), b.str(i)))
		}
	} else {
		for _, i := range sel {
			out[i] = op.holds(strings.Compare(a.str(int(i)), b.str(int(i))))
		}
	}
}

// dictCache keeps a predicate's result per dictionary entry while
// consecutive batches share a dictionary (and the predicate's constant).
type dictCache struct {
	id   dictIdentity
	key  string
	ok   bool
	res  []bool
	null []bool
}

// lookup returns the per-entry results for d, computing them with pred if
// the dictionary or key changed.
func (dc *dictCache) lookup(d *evec, id dictIdentity, key string, pred func(s string) bool) ([]bool, []bool) {
	if dc.ok && dc.id == id && dc.key == key {
		return dc.res, dc.null
	}
	nd := len(d.off) - 1
	if nd < 0 {
		nd = 0
	}
	dc.res = eGrowBools(dc.res, nd)
	dc.null = eGrowBools(dc.null, nd)
	for j := 0; j < nd; j++ {
		if d.isNull(j) {
			dc.res[j], dc.null[j] = false, true
			continue
		}
		dc.null[j] = false
		dc.res[j] = pred(d.str(j))
	}
	dc.id, dc.key, dc.ok = id, strings.Clone(key), true
	return dc.res, dc.null
}

// mapDict writes out[i] = res[code[i]] for the live rows, with NULL where
// the row's index or its dictionary entry is NULL.
func mapDict(out *evec, v *evec, res, rnull []bool, cnt int, sel []int32) {
	out.k, out.c = pBool, false
	out.b = eGrowBools(out.b, cnt)
	codes := v.codes
	anyNull := v.nulls != nil
	for _, x := range rnull {
		if x {
			anyNull = true
			break
		}
	}
	if !anyNull {
		out.nulls = nil
		if sel == nil {
			for i, c := range codes[:cnt] {
				out.b[i] = res[c]
			}
		} else {
			for _, i := range sel {
				out.b[i] = res[codes[i]]
			}
		}
		return
	}
	out.nulls = eGrowBools(out.nulls, cnt)
	eForRows(cnt, sel, func(i int) {
		if v.nulls != nil && v.nulls[i] {
			out.nulls[i] = true
			return
		}
		c := codes[i]
		out.b[i], out.nulls[i] = res[c], rnull[c]
	})
}

func (n *cmpNode) dictCmp(c *ectx, a *evec, k string, op cmpOp, sel []int32) (*evec, error) {
	res, rnull := n.dc.lookup(a.dict, a.dictID, k, func(s string) bool {
		return op.holds(strings.Compare(s, k))
	})
	mapDict(&n.out, a, res, rnull, c.n, sel)
	if op == cmpNullEq {
		// The constant is not NULL, so a NULL row is simply false.
		if n.out.nulls != nil {
			eForRows(c.n, sel, func(i int) {
				if n.out.nulls[i] {
					n.out.b[i] = false
				}
			})
			n.out.nulls = nil
		}
	}
	return &n.out, nil
}
