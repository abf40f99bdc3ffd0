package exec

import (
	"context"
	"math"
	"math/bits"
	"regexp"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// EvalRow evaluates e on one row, row-at-a-time, with the same semantics as
// the compiled kernels. It is the reference the kernels are tested against
// (differential tests) and serves policy tests; it is not meant to be fast.
// Operators, comparisons, logic, LIKE, IN and conditionals are implemented
// independently of the kernels here; the scalar functions of func_*.go
// share their per-row implementations.
func EvalRow(e plan.Expr, row []types.Value, outer []OuterRow) (types.Value, error) {
	r := &rowEval{row: row, outer: outer}
	return r.eval(e)
}

type rowEval struct {
	row   []types.Value
	outer []OuterRow
}

func typedNull(t types.T) types.Value { return types.Value{Kind: t.Kind, Null: true} }

func (r *rowEval) evalAs(e plan.Expr, t types.T) (types.Value, error) {
	v, err := r.eval(e)
	if err != nil {
		return v, err
	}
	return castValueT(v, e.Type(), t)
}

func (r *rowEval) eval(e plan.Expr) (types.Value, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		if e.Idx < 0 || e.Idx >= len(r.row) {
			return types.Value{}, lferr.AssertionFailedf("column #%d not in a %d-column row", e.Idx, len(r.row))
		}
		return castValue(r.row[e.Idx], e.T)
	case *plan.OuterRef:
		if e.Depth < 1 || e.Depth > len(r.outer) {
			return types.Value{}, lferr.AssertionFailedf("outer reference depth %d with %d enclosing rows", e.Depth, len(r.outer))
		}
		o := r.outer[len(r.outer)-e.Depth]
		if e.Idx < 0 || e.Idx >= len(o) {
			return types.Value{}, lferr.AssertionFailedf("outer column #%d not in a %d-column row", e.Idx, len(o))
		}
		return castValue(o[e.Idx], e.T)
	case *plan.Const:
		return castValue(e.V, e.T)
	case *plan.Cast:
		v, err := r.eval(e.Arg)
		if err != nil {
			return v, err
		}
		return castValueT(v, e.Arg.Type(), e.T)
	case *plan.Case:
		return r.evalCase(e)
	case *plan.InList:
		return r.evalIn(e)
	case *plan.Func:
		return r.evalFunc(e)
	case *plan.Subquery:
		return r.evalSubquery(e)
	}
	return types.Value{}, lferr.New(lferr.Unsupported, "expression %T is not supported", e)
}

func (r *rowEval) evalCase(e *plan.Case) (types.Value, error) {
	if e.T.Kind == types.Null {
		return types.NullValue, nil
	}
	for _, w := range e.Whens {
		var hit bool
		if e.Operand != nil {
			c, err := r.compare(e.Operand, w.Cond)
			if err != nil {
				return c, err
			}
			hit = !c.Null && c.I == 0
		} else {
			c, err := r.evalAs(w.Cond, types.BoolT)
			if err != nil {
				return c, err
			}
			hit = !c.Null && c.I != 0
		}
		if hit {
			return r.evalAs(w.Then, e.T)
		}
	}
	if e.Else == nil {
		return typedNull(e.T), nil
	}
	return r.evalAs(e.Else, e.T)
}

// compare returns the three-way comparison of a and b as an Int64 value
// (-1, 0, 1), NULL if either is NULL.
func (r *rowEval) compare(a, b plan.Expr) (types.Value, error) {
	t := cmpType(a.Type(), b.Type())
	if t.Kind == types.Null {
		return types.NullValue, nil
	}
	x, err := r.evalAs(a, t)
	if err != nil {
		return x, err
	}
	y, err := r.evalAs(b, t)
	if err != nil {
		return y, err
	}
	if x.Null || y.Null {
		return types.NullValue, nil
	}
	return types.NewInt(int64(compareValues(x, y))), nil
}

func compareValues(x, y types.Value) int {
	switch x.Kind {
	case types.Float64, types.Decimal:
		switch {
		case x.F < y.F:
			return -1
		case x.F > y.F:
			return 1
		}
		return 0
	case types.String:
		return strings.Compare(x.S, y.S)
	}
	switch {
	case x.I < y.I:
		return -1
	case x.I > y.I:
		return 1
	}
	return 0
}

func (r *rowEval) evalIn(e *plan.InList) (types.Value, error) {
	t := e.Arg.Type()
	for _, it := range e.List {
		t = cmpType(t, it.Type())
	}
	if t.Kind == types.Null || len(e.List) == 0 {
		return typedNull(types.BoolT), nil
	}
	if t.Kind == types.Bool {
		t = types.Int64T
	}
	x, err := r.evalAs(e.Arg, t)
	if err != nil {
		return x, err
	}
	if x.Null {
		return typedNull(types.BoolT), nil
	}
	sawNull := false
	for _, it := range e.List {
		y, err := r.evalAs(it, t)
		if err != nil {
			return y, err
		}
		if y.Null {
			sawNull = true
			continue
		}
		if compareValues(x, y) == 0 {
			return types.NewBool(!e.Not), nil
		}
	}
	if sawNull {
		return typedNull(types.BoolT), nil
	}
	return types.NewBool(e.Not), nil
}

func truth(v types.Value) (val, null bool) { return v.I != 0, v.Null }

func (r *rowEval) evalFunc(e *plan.Func) (types.Value, error) {
	name := strings.ToLower(e.Name)
	if !FuncSupported(name, len(e.Args)) {
		return types.Value{}, unknownFunc(name, len(e.Args))
	}
	switch name {
	case "+", "-", "*", "/", "div", "%", "mod":
		return r.arith(e, name)
	case "neg":
		if e.T.Kind == types.Null {
			return types.NullValue, nil
		}
		x, err := r.evalAs(e.Args[0], e.T)
		if err != nil || x.Null {
			return x, err
		}
		if physOf(e.T.Kind) == pF64 {
			x.F = -x.F
			return x, nil
		}
		if x.I == math.MinInt64 {
			return x, eRangeErr("BIGINT", e.String())
		}
		x.I = -x.I
		return x, nil
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		c, err := r.compare(e.Args[0], e.Args[1])
		if err != nil || c.Null {
			return typedNull(types.BoolT), err
		}
		k := int(c.I)
		var res bool
		switch name {
		case "=":
			res = k == 0
		case "<>", "!=":
			res = k != 0
		case "<":
			res = k < 0
		case "<=":
			res = k <= 0
		case ">":
			res = k > 0
		case ">=":
			res = k >= 0
		}
		return types.NewBool(res), nil
	case "<=>":
		t := cmpType(e.Args[0].Type(), e.Args[1].Type())
		x, err := r.evalAs(e.Args[0], t)
		if err != nil {
			return x, err
		}
		y, err := r.evalAs(e.Args[1], t)
		if err != nil {
			return y, err
		}
		if x.Null || y.Null || t.Kind == types.Null {
			return types.NewBool(x.Null == y.Null), nil
		}
		return types.NewBool(compareValues(x, y) == 0), nil
	case "and", "or":
		decisive := name == "or"
		anyNull := false
		for _, a := range e.Args {
			v, err := r.evalAs(a, types.BoolT)
			if err != nil {
				return v, err
			}
			b, n := truth(v)
			if !n && b == decisive {
				return types.NewBool(decisive), nil
			}
			anyNull = anyNull || n
		}
		if anyNull {
			return typedNull(types.BoolT), nil
		}
		return types.NewBool(!decisive), nil
	case "not":
		v, err := r.evalAs(e.Args[0], types.BoolT)
		if err != nil || v.Null {
			return typedNull(types.BoolT), err
		}
		return types.NewBool(v.I == 0), nil
	case "xor":
		a, err := r.evalAs(e.Args[0], types.BoolT)
		if err != nil {
			return a, err
		}
		b, err := r.evalAs(e.Args[1], types.BoolT)
		if err != nil {
			return b, err
		}
		if a.Null || b.Null {
			return typedNull(types.BoolT), nil
		}
		return types.NewBool((a.I != 0) != (b.I != 0)), nil
	case "is_null", "isnull", "is_not_null":
		v, err := r.eval(e.Args[0])
		if err != nil {
			return v, err
		}
		return types.NewBool(v.Null == (name != "is_not_null")), nil
	case "is_true", "is_not_true", "is_false", "is_not_false":
		v, err := r.evalAs(e.Args[0], types.BoolT)
		if err != nil {
			return v, err
		}
		want := name == "is_true" || name == "is_not_true"
		res := !v.Null && (v.I != 0) == want
		if strings.HasPrefix(name, "is_not_") {
			res = !res
		}
		return types.NewBool(res), nil
	case "like", "not_like":
		return r.like(e, name == "not_like")
	case "between", "not_between":
		lo, err := r.compare(e.Args[0], e.Args[1])
		if err != nil {
			return lo, err
		}
		// Right operand of the AND/OR only when the left does not decide.
		if name == "between" {
			if !lo.Null && lo.I < 0 {
				return types.NewBool(false), nil
			}
			hi, err := r.compare(e.Args[0], e.Args[2])
			if err != nil {
				return hi, err
			}
			if !hi.Null && hi.I > 0 {
				return types.NewBool(false), nil
			}
			if lo.Null || hi.Null {
				return typedNull(types.BoolT), nil
			}
			return types.NewBool(true), nil
		}
		if !lo.Null && lo.I < 0 {
			return types.NewBool(true), nil
		}
		hi, err := r.compare(e.Args[0], e.Args[2])
		if err != nil {
			return hi, err
		}
		if !hi.Null && hi.I > 0 {
			return types.NewBool(true), nil
		}
		if lo.Null || hi.Null {
			return typedNull(types.BoolT), nil
		}
		return types.NewBool(false), nil
	case "coalesce", "ifnull":
		if e.T.Kind == types.Null {
			return types.NullValue, nil
		}
		for _, a := range e.Args {
			v, err := r.evalAs(a, e.T)
			if err != nil || !v.Null {
				return v, err
			}
		}
		return typedNull(e.T), nil
	case "if":
		if e.T.Kind == types.Null {
			return types.NullValue, nil
		}
		c, err := r.evalAs(e.Args[0], types.BoolT)
		if err != nil {
			return c, err
		}
		if !c.Null && c.I != 0 {
			return r.evalAs(e.Args[1], e.T)
		}
		return r.evalAs(e.Args[2], e.T)
	case "nullif":
		if e.T.Kind == types.Null {
			return types.NullValue, nil
		}
		c, err := r.compare(e.Args[0], e.Args[1])
		if err != nil {
			return c, err
		}
		if !c.Null && c.I == 0 {
			return typedNull(e.T), nil
		}
		return r.evalAs(e.Args[0], e.T)
	case "greatest", "least":
		if e.T.Kind == types.Null {
			return types.NullValue, nil
		}
		t := e.T
		if t.Kind == types.Bool {
			t = types.Int64T
		}
		// Every argument is evaluated (an error in any of them surfaces)
		// before NULLs decide, as the kernel does.
		vals := make([]types.Value, len(e.Args))
		for k, a := range e.Args {
			v, err := r.evalAs(a, t)
			if err != nil {
				return v, err
			}
			vals[k] = v
		}
		var best types.Value
		for k, v := range vals {
			if v.Null {
				return typedNull(e.T), nil
			}
			c := 0
			if k > 0 {
				c = compareValues(v, best)
			}
			if k == 0 || (name == "greatest" && c > 0) || (name == "least" && c < 0) {
				best = v
			}
		}
		return castValueT(best, t, e.T)
	}
	return r.scalar(name, e)
}

// scalar runs a func_*.go function through its shared row implementation.
func (r *rowEval) scalar(name string, e *plan.Func) (types.Value, error) {
	spec := funcByName[name]
	if spec == nil || spec.bind == nil {
		return types.Value{}, unknownFunc(name, len(e.Args))
	}
	if e.T.Kind == types.Null {
		return types.NullValue, nil
	}
	argTypes, impl, err := spec.bind(e)
	if err != nil {
		return types.Value{}, err
	}
	fa := &fargs{v: make([]*evec, len(e.Args))}
	anyNull := false
	for k, a := range e.Args {
		v, err := r.evalAs(a, argTypes[k])
		if err != nil {
			return v, err
		}
		anyNull = anyNull || v.Null
		cv := constVec(v, argTypes[k])
		fa.v[k] = &cv
	}
	if anyNull && !impl.lenient {
		return typedNull(e.T), nil
	}
	var st fstat
	out := types.Value{Kind: e.T.Kind}
	if (physOf(e.T.Kind) == pI64 && impl.i64 == nil) || (physOf(e.T.Kind) == pF64 && impl.f64 == nil) ||
		(physOf(e.T.Kind) == pStr && impl.str == nil) || (physOf(e.T.Kind) == pBool && impl.bl == nil) {
		return out, eTypeErr(e.String(), "the function cannot return "+e.T.String())
	}
	switch physOf(e.T.Kind) {
	case pI64:
		out.I, st = impl.i64(fa, 0)
	case pF64:
		out.F, st = impl.f64(fa, 0)
	case pBool:
		var b bool
		b, st = impl.bl(fa, 0)
		out.I = eB2I(b)
	case pStr:
		var buf []byte
		buf, st = impl.str(fa, 0, nil)
		out.S = string(buf)
	}
	switch st {
	case fNull:
		return typedNull(e.T), nil
	case fRangeI64:
		return out, eRangeErr("BIGINT", e.String())
	case fRangeF64:
		return out, eRangeErr("DOUBLE", e.String())
	}
	return out, nil
}

func (r *rowEval) arith(e *plan.Func, name string) (types.Value, error) {
	if e.T.Kind == types.Null {
		return types.NullValue, nil
	}
	lt, rt := e.Args[0].Type(), e.Args[1].Type()
	intWork := physOf(e.T.Kind) == pI64
	switch name {
	case "/":
		intWork = false
	case "div":
		intWork = isIntLike(lt) && isIntLike(rt)
	}
	work := types.Float64T
	if intWork {
		work = types.Int64T
	}
	x, err := r.evalAs(e.Args[0], work)
	if err != nil {
		return x, err
	}
	y, err := r.evalAs(e.Args[1], work)
	if err != nil {
		return y, err
	}
	if x.Null || y.Null {
		return typedNull(e.T), nil
	}
	rangeErr := func(t string) (types.Value, error) { return types.Value{}, eRangeErr(t, e.String()) }
	if intWork {
		a, b := x.I, y.I
		var res int64
		switch name {
		case "+":
			res = a + b
			if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
				return rangeErr("BIGINT")
			}
		case "-":
			res = a - b
			if (b < 0 && a > math.MaxInt64+b) || (b > 0 && a < math.MinInt64+b) {
				return rangeErr("BIGINT")
			}
		case "*":
			hi, lo := bits.Mul64(absU(a), absU(b))
			neg := (a < 0) != (b < 0)
			limit := uint64(math.MaxInt64)
			if neg {
				limit++
			}
			if hi != 0 || lo > limit {
				return rangeErr("BIGINT")
			}
			res = a * b
		case "div":
			if b == 0 {
				return typedNull(e.T), nil
			}
			if a == math.MinInt64 && b == -1 {
				return rangeErr("BIGINT")
			}
			res = a / b
		case "%", "mod":
			if b == 0 {
				return typedNull(e.T), nil
			}
			if b == -1 {
				res = 0
			} else {
				res = a % b
			}
		}
		return types.Value{Kind: e.T.Kind, I: res}, nil
	}
	a, b := x.F, y.F
	var res float64
	switch name {
	case "+":
		res = a + b
	case "-":
		res = a - b
	case "*":
		res = a * b
	case "/":
		if b == 0 {
			return typedNull(e.T), nil
		}
		res = a / b
	case "%", "mod":
		if b == 0 {
			return typedNull(e.T), nil
		}
		res = math.Mod(a, b)
	case "div":
		if b == 0 {
			return typedNull(e.T), nil
		}
		q := math.Trunc(a / b)
		if q >= math.Pow(2, 63) || q < -math.Pow(2, 63) {
			return rangeErr("BIGINT")
		}
		return types.Value{Kind: e.T.Kind, I: int64(q)}, nil
	}
	if math.IsInf(res, 0) || math.IsNaN(res) {
		return rangeErr("DOUBLE")
	}
	if e.T.Kind == types.Decimal {
		res = roundScale(res, int(e.T.Scale))
	}
	return types.Value{Kind: e.T.Kind, F: res}, nil
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1
	}
	return uint64(a)
}

// like is the reference LIKE: the pattern translated to an anchored
// regular expression (independent of the kernels' matcher).
func (r *rowEval) like(e *plan.Func, negate bool) (types.Value, error) {
	s, err := r.evalAs(e.Args[0], types.StringT)
	if err != nil {
		return s, err
	}
	p, err := r.evalAs(e.Args[1], types.StringT)
	if err != nil {
		return p, err
	}
	if s.Null || p.Null {
		return typedNull(types.BoolT), nil
	}
	esc := byte('\\')
	if len(e.Args) == 3 {
		if c, ok := e.Args[2].(*plan.Const); ok && !c.V.Null && len(c.V.S) == 1 {
			esc = c.V.S[0]
		}
	}
	var re strings.Builder
	re.WriteString(`(?s)\A`)
	var litBytes []byte // literal run, quoted as raw bytes (UTF-8 intact)
	flush := func() {
		re.WriteString(regexp.QuoteMeta(string(litBytes)))
		litBytes = litBytes[:0]
	}
	for i := 0; i < len(p.S); i++ {
		ch := p.S[i]
		switch {
		case ch == esc && i+1 < len(p.S):
			i++
			litBytes = append(litBytes, p.S[i])
		case ch == '%':
			flush()
			re.WriteString(`.*`)
		case ch == '_':
			flush()
			re.WriteString(`.`)
		default:
			litBytes = append(litBytes, ch)
		}
	}
	flush()
	re.WriteString(`\z`)
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return types.Value{}, lferr.Wrap(lferr.InvalidInput, err, "bad LIKE pattern %q", p.S)
	}
	return types.NewBool(rx.MatchString(s.S) != negate), nil
}

func (r *rowEval) evalSubquery(e *plan.Subquery) (types.Value, error) {
	env := &Env{Ctx: context.Background(), Outer: append(append([]OuterRow(nil), r.outer...), OuterRow(r.row))}
	cc := &compiler{env: env}
	node, err := cc.compileSubquery(e)
	if err != nil {
		return types.Value{}, err
	}
	n := node.(*subqNode)
	res, err := n.run(env)
	if err != nil {
		return types.Value{}, err
	}
	switch e.Kind {
	case plan.ScalarSubquery:
		return castValue(res.val, e.T)
	case plan.ExistsSubquery:
		return types.NewBool(res.exists != e.Not), nil
	}
	x, err := r.evalAs(e.Arg, n.cmpT)
	if err != nil {
		return x, err
	}
	if res.set.n == 0 && !res.set.hasNull {
		return types.NewBool(e.Not), nil
	}
	if x.Null {
		return typedNull(types.BoolT), nil
	}
	cv := constVec(x, n.cmpT)
	found, null := res.set.containsRow(&cv, 0)
	if null {
		return typedNull(types.BoolT), nil
	}
	return types.NewBool(found != e.Not), nil
}
