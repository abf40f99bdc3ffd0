package exec

import (
	"math"
	"strings"
	"unsafe"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Conditional expressions evaluate lazily: each branch runs only on the
// sub-selection of rows that reach it, so a branch cannot raise an error
// (overflow, a failing subquery) for a row that did not select it.

// picker assembles a result from branch vectors computed on disjoint
// sub-selections. Fixed-width values are scattered as branches finish;
// strings are gathered at the end in row order (Arrow offsets must grow).
type picker struct {
	k    pkind
	out  *evec
	pick []int16
	srcs []*evec
	// String results whose every branch is the same dictionary column (or
	// NULL) stay dictionary-encoded: a cell guard CASE WHEN f THEN col END
	// then costs no decoding, and later predicates still run per entry.
	dictSrc *evec
	allDict bool
}

func (p *picker) begin(out *evec, k pkind, cnt int) {
	p.k, p.out = k, out
	out.k, out.c = k, false
	out.nulls = eGrowBools(out.nulls, cnt)
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
		if cap(p.pick) < cnt {
			p.pick = make([]int16, cnt)
		}
		p.pick = p.pick[:cnt]
		p.srcs = p.srcs[:0]
		p.dictSrc, p.allDict = nil, true
	}
}

// place copies src's values at rows (src was evaluated on exactly rows).
func (p *picker) place(src *evec, rows []int32) {
	out := p.out
	if src.k == pNull {
		p.setNull(rows)
		return
	}
	m := strideMask(src)
	if src.nulls == nil {
		for _, i := range rows {
			out.nulls[i] = false
		}
	} else {
		for _, i := range rows {
			out.nulls[i] = src.nulls[int(i)&m]
		}
	}
	switch p.k {
	case pBool:
		for _, i := range rows {
			out.b[i] = src.b[int(i)&m]
		}
	case pI64:
		if m == 0 {
			x := src.i[0]
			for _, i := range rows {
				out.i[i] = x
			}
		} else {
			for _, i := range rows {
				out.i[i] = src.i[i]
			}
		}
	case pF64:
		if m == 0 {
			x := src.f[0]
			for _, i := range rows {
				out.f[i] = x
			}
		} else {
			for _, i := range rows {
				out.f[i] = src.f[i]
			}
		}
	case pStr:
		switch {
		case src.k == pDict && p.dictSrc == nil:
			p.dictSrc = src
		case src.k == pDict && p.dictSrc.dictID == src.dictID:
		case src.c && src.isNull(0):
		default:
			p.allDict = false
		}
		idx := int16(len(p.srcs))
		p.srcs = append(p.srcs, src)
		for _, i := range rows {
			p.pick[i] = idx
		}
	}
}

func (p *picker) setNull(rows []int32) {
	for _, i := range rows {
		p.out.nulls[i] = true
		if p.k == pStr {
			p.pick[i] = -1
		}
	}
}

// finish builds string results; rows lists every live row in order.
func (p *picker) finish(rows []int32, cnt int) error {
	if p.k != pStr {
		return nil
	}
	if p.allDict && p.dictSrc != nil && p.dictSrc.dictID.n > 0 {
		p.finishDict(rows, cnt)
		return nil
	}
	var sb strBuilder
	sb.reset(p.out, cnt)
	for _, i := range rows {
		if p.out.nulls[i] || p.pick[i] < 0 {
			continue
		}
		src := p.srcs[p.pick[i]]
		j := int(i)
		if src.c {
			j = 0
		}
		if src.k == pDict {
			c := src.codes[j]
			if src.dict.isNull(int(c)) {
				p.out.nulls[i] = true
				continue
			}
			sb.add(int(i), src.dict.bytesAt(int(c)))
			continue
		}
		sb.add(int(i), src.bytesAt(j))
	}
	return sb.finish(cnt)
}

// caseNode is searched CASE (and IF, NULLIF, simple CASE after rewriting).
type caseNode struct {
	conds []enode
	thens []enode
	els   enode // nil: NULL
	k     pkind
	out   evec
	p     picker
	taken []int32
	bufA  []int32
	bufB  []int32
}

func (cc *compiler) compileCase(e *plan.Case) (enode, error) {
	if len(e.Whens) == 0 {
		return nil, eTypeErr(cc.text(e), "CASE needs at least one WHEN")
	}
	if e.T.Kind == types.Null {
		return &constNode{v: constVec(types.NullValue, e.T)}, nil
	}
	if len(e.Whens) >= math.MaxInt16 {
		return nil, eTypeErr(cc.text(e), "too many WHEN branches")
	}
	n := &caseNode{k: physOf(e.T.Kind)}
	for _, w := range e.Whens {
		cond := w.Cond
		if e.Operand != nil {
			cond = &plan.Func{Name: "=", Args: []plan.Expr{e.Operand, w.Cond}, T: types.BoolT}
		}
		cn, err := cc.compileAs(cond, types.BoolT)
		if err != nil {
			return nil, err
		}
		tn, err := cc.compileAs(w.Then, e.T)
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cn)
		n.thens = append(n.thens, tn)
	}
	if e.Else != nil {
		en, err := cc.compileAs(e.Else, e.T)
		if err != nil {
			return nil, err
		}
		n.els = en
	}
	return n, nil
}

func (n *caseNode) eval(c *ectx, sel []int32) (*evec, error) {
	rows := sel
	if rows == nil {
		rows = c.allRows()
	}
	cnt := c.n
	n.p.begin(&n.out, n.k, cnt)
	remaining := rows
	useA := true
	for w, cond := range n.conds {
		if len(remaining) == 0 {
			break
		}
		cv, err := cond.eval(c, remaining)
		if err != nil {
			return nil, err
		}
		var rest []int32
		if useA {
			n.bufA = eGrowI32(n.bufA, len(remaining))[:0]
			rest = n.bufA
		} else {
			n.bufB = eGrowI32(n.bufB, len(remaining))[:0]
			rest = n.bufB
		}
		useA = !useA
		n.taken = eGrowI32(n.taken, len(remaining))
		n.taken, rest = splitTrue(cv, remaining, n.taken, rest[:cap(rest)])
		if len(n.taken) > 0 {
			tv, err := n.thens[w].eval(c, n.taken)
			if err != nil {
				return nil, err
			}
			n.p.place(tv, n.taken)
		}
		remaining = rest
	}
	if len(remaining) > 0 {
		if n.els == nil {
			n.p.setNull(remaining)
		} else {
			ev, err := n.els.eval(c, remaining)
			if err != nil {
				return nil, err
			}
			n.p.place(ev, remaining)
		}
	}
	if err := n.p.finish(rows, cnt); err != nil {
		return nil, err
	}
	return &n.out, nil
}

// coalesceNode returns its first non-NULL argument, evaluating each
// argument only on the rows still NULL.
type coalesceNode struct {
	args []enode
	k    pkind
	out  evec
	p    picker
	bufA []int32
	bufB []int32
	take []int32
}

func (n *coalesceNode) eval(c *ectx, sel []int32) (*evec, error) {
	rows := sel
	if rows == nil {
		rows = c.allRows()
	}
	cnt := c.n
	n.p.begin(&n.out, n.k, cnt)
	remaining := rows
	useA := true
	for _, a := range n.args {
		if len(remaining) == 0 {
			break
		}
		v, err := a.eval(c, remaining)
		if err != nil {
			return nil, err
		}
		if v.k == pNull {
			continue
		}
		var rest []int32
		if useA {
			n.bufA = eGrowI32(n.bufA, len(remaining))[:0]
			rest = n.bufA
		} else {
			n.bufB = eGrowI32(n.bufB, len(remaining))[:0]
			rest = n.bufB
		}
		useA = !useA
		n.take = eGrowI32(n.take, len(remaining))[:0]
		for _, i := range remaining {
			if v.isNull(int(i)) || (v.k == pDict && v.dict.isNull(int(v.codes[i&int32(strideMask(v))]))) {
				rest = append(rest, i)
			} else {
				n.take = append(n.take, i)
			}
		}
		if len(n.take) > 0 {
			n.p.place(v, n.take)
		}
		remaining = rest
	}
	n.p.setNull(remaining)
	if err := n.p.finish(rows, cnt); err != nil {
		return nil, err
	}
	return &n.out, nil
}

func (cc *compiler) compileConditional(e *plan.Func) (enode, error) {
	if e.T.Kind == types.Null {
		return &constNode{v: constVec(types.NullValue, e.T)}, nil
	}
	switch e.Name {
	case "coalesce", "ifnull":
		if len(e.Args) == 0 || (e.Name == "ifnull" && len(e.Args) != 2) {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		if len(e.Args) >= math.MaxInt16 {
			return nil, eTypeErr(cc.text(e), "too many arguments")
		}
		n := &coalesceNode{k: physOf(e.T.Kind)}
		for _, a := range e.Args {
			an, err := cc.compileAs(a, e.T)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, an)
		}
		return n, nil
	case "if":
		if len(e.Args) != 3 {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		return cc.compileCase(&plan.Case{Whens: []plan.When{{Cond: e.Args[0], Then: e.Args[1]}}, Else: e.Args[2], T: e.T})
	case "nullif":
		if len(e.Args) != 2 {
			return nil, argCountErr(e.Name, len(e.Args))
		}
		eq := &plan.Func{Name: "=", Args: []plan.Expr{e.Args[0], e.Args[1]}, T: types.BoolT}
		return cc.compileCase(&plan.Case{Whens: []plan.When{{Cond: eq, Then: &plan.Const{V: types.NullValue, T: e.T}}}, Else: e.Args[0], T: e.T})
	}
	return nil, unknownFunc(e.Name, len(e.Args))
}

// minMaxNode is GREATEST / LEAST: NULL if any argument is NULL, otherwise
// the extreme value compared in the result type (strings binary).
type minMaxNode struct {
	args     []enode
	greatest bool
	k        pkind
	out      evec
	tmp      evec
}

func (cc *compiler) compileMinMax(e *plan.Func) (enode, error) {
	if len(e.Args) < 2 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	if e.T.Kind == types.Null {
		return &constNode{v: constVec(types.NullValue, e.T)}, nil
	}
	t := e.T
	if t.Kind == types.Bool {
		t = types.Int64T // compare booleans as 0/1
	}
	n := &minMaxNode{greatest: e.Name == "greatest", k: physOf(t.Kind)}
	for _, a := range e.Args {
		an, err := cc.compileAs(a, t)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, an)
	}
	if e.T.Kind == types.Bool {
		return newCast(n, types.Int64T, types.BoolT), nil
	}
	return n, nil
}

func (n *minMaxNode) eval(c *ectx, sel []int32) (*evec, error) {
	cnt := c.n
	out := &n.out
	out.k, out.c = n.k, false
	out.nulls = eGrowBools(out.nulls, cnt)
	eForRows(cnt, sel, func(i int) { out.nulls[i] = false })
	var best []*evec
	for _, a := range n.args {
		v, err := a.eval(c, sel)
		if err != nil {
			return nil, err
		}
		if v.k == pNull {
			setConstVec(out, types.Value{Null: true}, types.T{Kind: kindOfP(n.k)})
			return out, nil
		}
		if v.k == pDict {
			// Each argument keeps its own vector until the end, so decode
			// into a fresh one rather than shared scratch.
			d := &evec{}
			if err := decodeDict(v, d, cnt, sel); err != nil {
				return nil, err
			}
			v = d
		}
		best = append(best, v)
	}
	g := n.greatest
	switch n.k {
	case pI64:
		out.i = eGrowI64(out.ownI, cnt)
		out.ownI = out.i
	case pF64:
		out.f = eGrowF64(out.ownF, cnt)
		out.ownF = out.f
	}
	var sb strBuilder
	if n.k == pStr {
		sb.reset(out, cnt)
	}
	rows := rowsOr(c, sel, cnt)
	for _, i := range rows {
		win := -1
		for k, v := range best {
			if v.isNull(int(i)) {
				win = -2
				break
			}
			if win < 0 {
				win = k
				continue
			}
			w := best[win]
			var cmpv int
			switch n.k {
			case pI64:
				x, y := v.i[int(i)&strideMask(v)], w.i[int(i)&strideMask(w)]
				cmpv = cmpI64(x, y)
			case pF64:
				x, y := v.f[int(i)&strideMask(v)], w.f[int(i)&strideMask(w)]
				cmpv = cmpF64(x, y)
			case pStr:
				cmpv = strings.Compare(v.str(int(i)&strideMask(v)), w.str(int(i)&strideMask(w)))
			}
			if (g && cmpv > 0) || (!g && cmpv < 0) {
				win = k
			}
		}
		if win < 0 {
			out.nulls[i] = true
			continue
		}
		w := best[win]
		j := int(i) & strideMask(w)
		switch n.k {
		case pI64:
			out.i[i] = w.i[j]
		case pF64:
			out.f[i] = w.f[j]
		case pStr:
			sb.add(int(i), w.bytesAt(j))
		}
	}
	if n.k == pStr {
		if err := sb.finish(cnt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func cmpI64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpF64(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// b2u is a branch-free bool → 0/1.
func b2u(b bool) int { return int(*(*uint8)(unsafe.Pointer(&b))) }

// splitTrue partitions rows into those where cv is true (not NULL) and the
// rest, preserving order. taken and rest must have room for len(rows).
// Both outputs are written on every row and the cursors advance by 0 or 1,
// so the loop has no data-dependent branch (conditions on random data
// mispredict half the time).
func splitTrue(cv *evec, rows, taken, rest []int32) ([]int32, []int32) {
	taken, rest = taken[:len(rows)], rest[:len(rows)]
	nt, nr := 0, 0
	switch {
	case cv.k != pBool:
		copy(rest, rows)
		return taken[:0], rest
	case cv.c:
		if cv.b[0] && (cv.nulls == nil || !cv.nulls[0]) {
			copy(taken, rows)
			return taken, rest[:0]
		}
		copy(rest, rows)
		return taken[:0], rest
	case cv.nulls == nil:
		vals := cv.b
		for _, i := range rows {
			t := b2u(vals[i])
			taken[nt] = i
			rest[nr] = i
			nt += t
			nr += 1 - t
		}
	default:
		vals, nulls := cv.b, cv.nulls
		for _, i := range rows {
			t := b2u(vals[i]) &^ b2u(nulls[i])
			taken[nt] = i
			rest[nr] = i
			nt += t
			nr += 1 - t
		}
	}
	return taken[:nt], rest[:nr]
}

// finishDict assembles a dictionary-encoded result: codes of the chosen
// rows, index 0 and NULL for dead and NULL rows (so every code is valid).
func (p *picker) finishDict(rows []int32, cnt int) {
	out := p.out
	out.k, out.c = pDict, false
	out.ownCodes = eGrowI32(out.ownCodes, cnt)
	codes := out.ownCodes
	out.codes = codes
	out.dict, out.dictID = p.dictSrc.dict, p.dictSrc.dictID
	k := 0
	for j := 0; j < cnt; j++ {
		if k < len(rows) && int(rows[k]) == j {
			k++
			if !out.nulls[j] && p.pick[j] >= 0 {
				if src := p.srcs[p.pick[j]]; src.k == pDict {
					codes[j] = src.codes[j]
					continue
				}
			}
		}
		codes[j] = 0
		out.nulls[j] = true
	}
}
