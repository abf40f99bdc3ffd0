package exec

import (
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// compileFunc dispatches a plan.Func: operators and conditionals get
// dedicated vectorized nodes; the scalar functions of func_*.go run in
// fnNode, a typed row loop calling one statically known function per row.
func (cc *compiler) compileFunc(e *plan.Func) (enode, error) {
	name := strings.ToLower(e.Name)
	if !FuncSupported(name, len(e.Args)) {
		if _, known := funcByName[name]; known {
			return nil, argCountErr(name, len(e.Args))
		}
		return nil, unknownFunc(name, len(e.Args))
	}
	switch name {
	case "+":
		return cc.compileArith(e, opAdd)
	case "-":
		return cc.compileArith(e, opSub)
	case "*":
		return cc.compileArith(e, opMul)
	case "/":
		return cc.compileArith(e, opDiv)
	case "div":
		return cc.compileArith(e, opIntDiv)
	case "%", "mod":
		return cc.compileArith(e, opMod)
	case "neg":
		return cc.compileNeg(e)
	case "=", "<>", "!=", "<", "<=", ">", ">=", "<=>":
		return cc.compileCmp(e, cmpNames[name])
	case "and", "or", "not", "xor":
		return cc.compileLogic(e)
	case "is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false", "isnull":
		return cc.compileIs(e)
	case "like", "not_like":
		return cc.compileLike(e)
	case "between", "not_between":
		x, lo, hi := e.Args[0], e.Args[1], e.Args[2]
		if name == "between" {
			return cc.compile(&plan.Func{Name: "and", T: types.BoolT, Args: []plan.Expr{
				&plan.Func{Name: ">=", Args: []plan.Expr{x, lo}, T: types.BoolT},
				&plan.Func{Name: "<=", Args: []plan.Expr{x, hi}, T: types.BoolT},
			}})
		}
		return cc.compile(&plan.Func{Name: "or", T: types.BoolT, Args: []plan.Expr{
			&plan.Func{Name: "<", Args: []plan.Expr{x, lo}, T: types.BoolT},
			&plan.Func{Name: ">", Args: []plan.Expr{x, hi}, T: types.BoolT},
		}})
	case "coalesce", "ifnull", "if", "nullif":
		return cc.compileConditional(e)
	case "greatest", "least":
		return cc.compileMinMax(e)
	case maskCELName:
		return cc.compileMaskCEL(e)
	}
	return cc.compileScalar(name, e)
}

func unknownFunc(name string, nargs int) error {
	return lferr.New(lferr.Unsupported, "function %s with %d arguments is not supported", name, nargs)
}

// fstat is the outcome of one row of a scalar function.
type fstat uint8

const (
	fOK       fstat = iota
	fNull           // the result is NULL
	fRangeI64       // BIGINT out of range: an error
	fRangeF64       // DOUBLE out of range: an error
)

// fargs gives a scalar function typed access to its argument vectors for
// one row, resolving constants.
type fargs struct {
	v []*evec
}

func (a *fargs) i(k, row int) int64 {
	v := a.v[k]
	if v.c {
		return v.i[0]
	}
	return v.i[row]
}

func (a *fargs) f(k, row int) float64 {
	v := a.v[k]
	if v.c {
		return v.f[0]
	}
	return v.f[row]
}

func (a *fargs) s(k, row int) string {
	v := a.v[k]
	if v.c {
		return v.str(0)
	}
	return v.str(row)
}

func (a *fargs) null(k, row int) bool { return a.v[k].isNull(row) || a.v[k].k == pNull }

// fnImpl is one scalar function: exactly one of the fields is set,
// matching the representation of the result type.
type fnImpl struct {
	i64 func(a *fargs, row int) (int64, fstat)
	f64 func(a *fargs, row int) (float64, fstat)
	str func(a *fargs, row int, dst []byte) ([]byte, fstat)
	bl  func(a *fargs, row int) (bool, fstat)
	// lenient: the function sees NULL arguments (CONCAT_WS) instead of
	// returning NULL when any argument is NULL.
	lenient bool
}

type fnNode struct {
	text string
	args []enode
	impl fnImpl
	k    pkind
	out  evec
	dec  []evec // per-argument dictionary decode scratch
	fa   fargs
	buf  []byte
}

func (n *fnNode) eval(c *ectx, sel []int32) (*evec, error) {
	if cap(n.fa.v) < len(n.args) {
		n.fa.v = make([]*evec, len(n.args))
		n.dec = make([]evec, len(n.args))
	}
	n.fa.v = n.fa.v[:len(n.args)]
	allConst := true
	for k, a := range n.args {
		v, err := a.eval(c, sel)
		if err != nil {
			return nil, err
		}
		if v.k == pDict {
			if err := decodeDict(v, &n.dec[k], c.n, sel); err != nil {
				return nil, err
			}
			v = &n.dec[k]
		}
		allConst = allConst && v.c
		n.fa.v[k] = v
	}
	// A constant NULL argument decides the result, but only after every
	// argument was evaluated (an error in one must still surface, as in
	// EvalRow).
	if !n.impl.lenient {
		for _, v := range n.fa.v {
			if v.k == pNull || (v.c && v.isNull(0)) {
				setConstVec(&n.out, types.Value{Null: true}, types.T{Kind: kindOfP(n.k)})
				return &n.out, nil
			}
		}
	}
	cnt, rows := c.n, sel
	out := &n.out
	out.k, out.c = n.k, allConst
	if allConst {
		cnt, rows = 1, nil
	}
	if rows == nil {
		rows = rowsOr(c, nil, cnt)
	}
	out.nulls = eGrowBools(out.nulls, cnt)
	var sb strBuilder
	switch n.k {
	case pI64:
		out.i = eGrowI64(out.ownI, cnt)
		out.ownI = out.i
	case pF64:
		out.f = eGrowF64(out.ownF, cnt)
		out.ownF = out.f
	case pBool:
		out.b = eGrowBools(out.b, cnt)
	case pStr:
		sb.reset(out, cnt)
	}
	fa := &n.fa
	impl := &n.impl
	for _, i32 := range rows {
		i := int(i32)
		null := false
		if !impl.lenient {
			for k := range fa.v {
				if fa.v[k].nulls != nil && fa.null(k, i) {
					null = true
					break
				}
			}
		}
		st := fNull
		if !null {
			switch n.k {
			case pI64:
				out.i[i], st = impl.i64(fa, i)
			case pF64:
				out.f[i], st = impl.f64(fa, i)
			case pBool:
				out.b[i], st = impl.bl(fa, i)
			case pStr:
				n.buf, st = impl.str(fa, i, n.buf[:0])
				if st == fOK {
					sb.add(i, n.buf)
				}
			}
		}
		switch st {
		case fOK:
			out.nulls[i] = false
		case fNull:
			out.nulls[i] = true
		case fRangeI64:
			return nil, eRangeErr("BIGINT", n.text)
		case fRangeF64:
			return nil, eRangeErr("DOUBLE", n.text)
		}
	}
	if n.k == pStr {
		if err := sb.finish(cnt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compileScalar builds an fnNode for a function of func_doc.go's table.
func (cc *compiler) compileScalar(name string, e *plan.Func) (enode, error) {
	spec, ok := funcByName[name]
	if !ok || spec.bind == nil {
		return nil, unknownFunc(name, len(e.Args))
	}
	if e.T.Kind == types.Null {
		return &constNode{v: constVec(types.NullValue, e.T)}, nil
	}
	argTypes, impl, err := spec.bind(e)
	if err != nil {
		return nil, err
	}
	var has bool
	switch physOf(e.T.Kind) {
	case pI64:
		has = impl.i64 != nil
	case pF64:
		has = impl.f64 != nil
	case pStr:
		has = impl.str != nil
	case pBool:
		has = impl.bl != nil
	}
	if !has || len(argTypes) != len(e.Args) {
		return nil, eTypeErr(cc.text(e), "the function cannot return "+e.T.String())
	}
	n := &fnNode{text: cc.text(e), impl: impl, k: physOf(e.T.Kind)}
	for k, a := range e.Args {
		an, err := cc.compileAs(a, argTypes[k])
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, an)
	}
	return n, nil
}

// argsOf returns n copies of t (argument type lists).
func argsOf(n int, t types.T) []types.T {
	ts := make([]types.T, n)
	for i := range ts {
		ts[i] = t
	}
	return ts
}
