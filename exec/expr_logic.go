package exec

import (
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// andOrNode is AND / OR with three-valued logic. The right operand is
// evaluated only on rows the left one does not decide (AND: left not
// false; OR: left not true), as MySQL short-circuits: `x <> 0 AND 1 DIV x`
// style guards, and overflow in an undecided branch, behave as in MySQL.
type andOrNode struct {
	or   bool
	l, r enode
	out  evec
	sub  []int32
}

func (cc *compiler) compileLogic(e *plan.Func) (enode, error) {
	switch e.Name {
	case "and", "or", "&&":
		if len(e.Args) < 2 {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		// Left-deep chain for n-ary forms.
		acc, err := cc.compileAs(e.Args[0], types.BoolT)
		if err != nil {
			return nil, err
		}
		for _, a := range e.Args[1:] {
			r, err := cc.compileAs(a, types.BoolT)
			if err != nil {
				return nil, err
			}
			acc = &andOrNode{or: e.Name == "or", l: acc, r: r}
		}
		return acc, nil
	case "not", "!":
		if len(e.Args) != 1 {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		a, err := cc.compileAs(e.Args[0], types.BoolT)
		if err != nil {
			return nil, err
		}
		return &notNode{arg: a}, nil
	case "xor":
		if len(e.Args) != 2 {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		l, err := cc.compileAs(e.Args[0], types.BoolT)
		if err != nil {
			return nil, err
		}
		r, err := cc.compileAs(e.Args[1], types.BoolT)
		if err != nil {
			return nil, err
		}
		return &xorNode{l: l, r: r}, nil
	}
	return nil, unknownFunc(e.Name, len(e.Args))
}

func (n *andOrNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.l.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k = pBool
	decisive := n.or // AND is decided by false, OR by true
	if a.c {
		if !a.isNull(0) && a.b[0] == decisive {
			setConstVec(out, types.NewBool(decisive), types.BoolT)
			return out, nil
		}
		b, err := n.r.eval(c, sel)
		if err != nil {
			return nil, err
		}
		aNull := a.isNull(0)
		cnt, rows := c.n, sel
		out.c = b.c
		if b.c {
			cnt, rows = 1, nil
		}
		out.b = eGrowBools(out.b, cnt)
		out.nulls = eGrowBools(out.nulls, cnt)
		eForRows(cnt, rows, func(i int) {
			bn := b.isNull(i)
			bv := b.b[i&strideMask(b)]
			if !bn && bv == decisive {
				out.b[i], out.nulls[i] = decisive, false
				return
			}
			out.b[i], out.nulls[i] = !decisive, aNull || bn
		})
		return out, nil
	}
	cnt := c.n
	rows := sel
	if rows == nil {
		rows = c.allRows()
	}
	// Rows the left side leaves undecided.
	n.sub = eGrowI32(n.sub, len(rows))
	ns := 0
	dec := b2u(decisive)
	if a.nulls == nil {
		for _, i := range rows {
			n.sub[ns] = i
			ns += b2u(a.b[i]) ^ dec
		}
	} else {
		for _, i := range rows {
			n.sub[ns] = i
			ns += (b2u(a.b[i]) ^ dec) | b2u(a.nulls[i])
		}
	}
	n.sub = n.sub[:ns]
	out.c = false
	out.b = eGrowBools(out.b, cnt)
	out.nulls = eGrowBools(out.nulls, cnt)
	for _, i := range rows {
		out.b[i] = a.b[i]
		out.nulls[i] = a.nulls != nil && a.nulls[i]
	}
	if len(n.sub) == 0 {
		return out, nil
	}
	b, err := n.r.eval(c, n.sub)
	if err != nil {
		return nil, err
	}
	bm := strideMask(b)
	for _, i := range n.sub {
		bn := b.nulls != nil && b.nulls[int(i)&bm]
		bv := b.b[int(i)&bm]
		switch {
		case !bn && bv == decisive:
			out.b[i], out.nulls[i] = decisive, false
		case bn:
			out.nulls[i] = true
		}
		// otherwise the result is the left value (non-decisive or NULL)
	}
	return out, nil
}

type notNode struct {
	arg enode
	out evec
}

func (n *notNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k, out.c = pBool, a.c
	cnt, rows := c.n, sel
	if a.c {
		cnt, rows = 1, nil
	}
	out.setNullsFrom(a, cnt, rows)
	out.b = eGrowBools(out.b, cnt)
	if rows == nil {
		for i := 0; i < cnt; i++ {
			out.b[i] = !a.b[i]
		}
	} else {
		for _, i := range rows {
			out.b[i] = !a.b[i]
		}
	}
	return out, nil
}

type xorNode struct {
	l, r enode
	out  evec
}

func (n *xorNode) eval(c *ectx, sel []int32) (*evec, error) {
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
	cnt, rows := c.n, sel
	out.c = a.c && b.c
	if out.c {
		cnt, rows = 1, nil
	}
	out.mergeNulls(a, b, cnt, rows)
	out.b = eGrowBools(out.b, cnt)
	am, bm := strideMask(a), strideMask(b)
	eForRows(cnt, rows, func(i int) { out.b[i] = a.b[i&am] != b.b[i&bm] })
	return out, nil
}

// isNode is IS [NOT] NULL / TRUE / FALSE: never NULL itself.
type isNode struct {
	arg      enode
	what     uint8 // isNull, isTrue, isFalse
	negate   bool
	out      evec
	argIsStr bool
}

const (
	isNullTest uint8 = iota
	isTrueTest
	isFalseTest
)

func (cc *compiler) compileIs(e *plan.Func) (enode, error) {
	if len(e.Args) != 1 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	n := &isNode{}
	switch e.Name {
	case "is_null", "isnull":
		n.what = isNullTest
	case "is_not_null":
		n.what, n.negate = isNullTest, true
	case "is_true":
		n.what = isTrueTest
	case "is_not_true":
		n.what, n.negate = isTrueTest, true
	case "is_false":
		n.what = isFalseTest
	case "is_not_false":
		n.what, n.negate = isFalseTest, true
	}
	var err error
	if n.what == isNullTest {
		n.arg, err = cc.compile(e.Args[0])
	} else {
		n.arg, err = cc.compileAs(e.Args[0], types.BoolT)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

func (n *isNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k, out.c, out.nulls = pBool, a.c, nil
	cnt, rows := c.n, sel
	if a.c {
		cnt, rows = 1, nil
	}
	out.b = eGrowBools(out.b, cnt)
	neg := n.negate
	switch {
	case a.k == pNull:
		setConstVec(out, types.NewBool((n.what == isNullTest) != neg), types.BoolT)
	case n.what == isNullTest:
		if a.k == pDict {
			eForRows(cnt, rows, func(i int) {
				null := a.isNull(i) || a.dict.isNull(int(a.codes[i]))
				out.b[i] = null != neg
			})
			break
		}
		if a.nulls == nil {
			eForRows(cnt, rows, func(i int) { out.b[i] = neg })
			break
		}
		eForRows(cnt, rows, func(i int) { out.b[i] = a.nulls[i] != neg })
	default:
		want := n.what == isTrueTest
		eForRows(cnt, rows, func(i int) {
			r := !a.isNull(i) && a.b[i] == want
			out.b[i] = r != neg
		})
	}
	return out, nil
}
