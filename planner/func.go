package planner

import (
	"strings"
	"time"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// funcAliases maps MySQL spellings to the one name exec implements.
var funcAliases = map[string]string{
	"ceiling":          "ceil",
	"lcase":            "lower",
	"ucase":            "upper",
	"substr":           "substring",
	"mid":              "substring",
	"dayofmonth":       "day",
	"pow":              "power",
	"character_length": "char_length",
	"octet_length":     "length",
}

// EmittedFuncs lists every scalar function name the planner can emit in a
// plan.Func (operators aside), with the argument counts it uses. exec
// must implement all of them (exec.FuncSupported); a test keeps the two
// lists honest once exec exports its own.
var EmittedFuncs = map[string][]int{
	"abs": {1}, "sign": {1}, "round": {1, 2}, "floor": {1}, "ceil": {1}, "sqrt": {1},
	"power": {2}, "mod": {2}, "exp": {1}, "ln": {1}, "log10": {1},
	"coalesce": nil, "ifnull": {2}, "nullif": {2}, "if": {3}, "greatest": nil, "least": nil,
	"length": {1}, "char_length": {1}, "lower": {1}, "upper": {1}, "substring": {2, 3},
	"trim": {1}, "ltrim": {1}, "rtrim": {1}, "replace": {3}, "concat": nil, "concat_ws": nil,
	"left": {2}, "right": {2}, "reverse": {1}, "lpad": {3}, "rpad": {3}, "instr": {2}, "locate": {2, 3},
	"year": {1}, "month": {1}, "day": {1}, "date_add_days": {2}, "date_add_months": {2},
	"date_trunc":   {2},
	"extract_year": {1}, "extract_month": {1}, "extract_day": {1}, "extract_quarter": {1},
	"extract_hour": {1}, "extract_minute": {1}, "extract_second": {1},
	"truncate": {2}, "log": {1, 2}, "log2": {1}, "ascii": {1}, "repeat": {2},
	"quarter": {1}, "dayofweek": {1}, "dayofyear": {1}, "hour": {1}, "minute": {1}, "second": {1},
	"datediff": {2},
}

func (b *builder) function(s *scope, e *sqlparser.FuncExpr) plan.Expr {
	if !e.Qualifier.IsEmpty() {
		failf(lferr.Unsupported, "qualified function %s is not supported", sqlparser.String(e))
	}
	name := e.Name.Lowered()
	if a, ok := funcAliases[name]; ok {
		name = a
	}
	args := func() []plan.Expr {
		out := make([]plan.Expr, len(e.Exprs))
		for i, a := range e.Exprs {
			out[i] = b.expr(s, a)
		}
		return out
	}
	nargs := func(ns ...int) {
		for _, n := range ns {
			if len(e.Exprs) == n {
				return
			}
		}
		failf(lferr.InvalidInput, "incorrect number of arguments to %s: %d", strings.ToUpper(name), len(e.Exprs))
	}
	strs := func(xs []plan.Expr) []plan.Expr {
		for i := range xs {
			xs[i] = castTo(xs[i], types.StringT)
		}
		return xs
	}
	switch name {
	case "coalesce", "ifnull", "greatest", "least":
		if name == "ifnull" {
			nargs(2)
		} else if len(e.Exprs) == 0 {
			failf(lferr.InvalidInput, "incorrect number of arguments to %s", strings.ToUpper(name))
		}
		xs := args()
		ts := make([]types.T, len(xs))
		for i, x := range xs {
			xs[i] = fromBoolIfMixed(x, xs)
			ts[i] = xs[i].Type()
		}
		t := nonNull(unifyResult(ts))
		for i := range xs {
			xs[i] = castTo(xs[i], t)
		}
		return fn(name, t, xs...)
	case "isnull":
		nargs(1)
		return fn("is_null", types.BoolT, args()[0])
	case "nullif":
		nargs(2)
		xs := args()
		t := nonNull(compareType(xs[0].Type(), xs[1].Type()))
		return fn(name, t, castTo(xs[0], t), castTo(xs[1], t))
	case "if":
		nargs(3)
		c := toBool(b.expr(s, e.Exprs[0]))
		x, y := b.expr(s, e.Exprs[1]), b.expr(s, e.Exprs[2])
		t := nonNull(unify2(x.Type(), y.Type()))
		return fn("if", t, c, castTo(x, t), castTo(y, t))
	case "abs":
		nargs(1)
		x := fromBool(args()[0])
		t := numericOf(x.Type())
		return fn(name, t, castTo(x, t))
	case "sign":
		nargs(1)
		x := fromBool(args()[0])
		return fn(name, types.Int64T, castTo(x, numericOf(x.Type())))
	case "round":
		nargs(1, 2)
		xs := args()
		x := fromBool(xs[0])
		t := numericOf(x.Type())
		out := []plan.Expr{castTo(x, t)}
		if len(xs) == 2 {
			d := castTo(xs[1], types.Int64T)
			if c, ok := d.(*plan.Const); ok && !c.V.Null && t.Kind == types.Decimal {
				t = types.DecimalT(t.Precision, clampScale(int(min(max(c.V.I, 0), 30))))
			}
			out = append(out, d)
		} else if t.Kind == types.Decimal {
			t = types.DecimalT(t.Precision, 0)
		}
		return fn(name, t, out...)
	case "floor", "ceil":
		nargs(1)
		x := fromBool(args()[0])
		t := numericOf(x.Type())
		rt := types.Int64T
		if t.Kind == types.Float64 {
			rt = types.Float64T
		}
		return fn(name, rt, castTo(x, t))
	case "sqrt", "exp", "ln", "log10", "log2":
		nargs(1)
		return fn(name, types.Float64T, castTo(fromBool(args()[0]), types.Float64T))
	case "log":
		nargs(1, 2)
		xs := args()
		for i := range xs {
			xs[i] = castTo(fromBool(xs[i]), types.Float64T)
		}
		return fn(name, types.Float64T, xs...)
	case "truncate":
		nargs(2)
		xs := args()
		x := fromBool(xs[0])
		t := numericOf(x.Type())
		d := castTo(xs[1], types.Int64T)
		if c, ok := d.(*plan.Const); ok && !c.V.Null && t.Kind == types.Decimal {
			t = types.DecimalT(t.Precision, clampScale(int(min(max(c.V.I, 0), 30))))
		}
		return fn(name, t, castTo(x, t), d)
	case "ascii":
		nargs(1)
		return fn(name, types.Int64T, strs(args())...)
	case "repeat":
		nargs(2)
		xs := args()
		return fn(name, types.StringT, castTo(xs[0], types.StringT), castTo(xs[1], types.Int64T))
	case "quarter", "dayofweek", "dayofyear", "hour", "minute", "second":
		nargs(1)
		return fn(name, types.Int64T, b.temporalArg(s, e.Exprs[0]))
	case "datediff":
		nargs(2)
		return fn(name, types.Int64T, castTo(b.temporalArg(s, e.Exprs[0]), types.DateT), castTo(b.temporalArg(s, e.Exprs[1]), types.DateT))
	case "power":
		nargs(2)
		xs := args()
		return fn(name, types.Float64T, castTo(fromBool(xs[0]), types.Float64T), castTo(fromBool(xs[1]), types.Float64T))
	case "mod":
		nargs(2)
		xs := args()
		l, r := fromBool(xs[0]), fromBool(xs[1])
		t := numericCommon(l.Type(), r.Type())
		return fn("%", t, castTo(l, t), castTo(r, t))
	case "length", "char_length":
		nargs(1)
		return fn(name, types.Int64T, strs(args())...)
	case "lower", "upper", "reverse", "trim", "ltrim", "rtrim":
		nargs(1)
		return fn(name, types.StringT, strs(args())...)
	case "replace":
		nargs(3)
		return fn(name, types.StringT, strs(args())...)
	case "concat", "concat_ws":
		if len(e.Exprs) == 0 || (name == "concat_ws" && len(e.Exprs) < 2) {
			failf(lferr.InvalidInput, "incorrect number of arguments to %s", strings.ToUpper(name))
		}
		return fn(name, types.StringT, strs(args())...)
	case "substring":
		nargs(2, 3)
		xs := args()
		xs[0] = castTo(xs[0], types.StringT)
		for i := 1; i < len(xs); i++ {
			xs[i] = castTo(xs[i], types.Int64T)
		}
		return fn(name, types.StringT, xs...)
	case "left", "right":
		nargs(2)
		xs := args()
		return fn(name, types.StringT, castTo(xs[0], types.StringT), castTo(xs[1], types.Int64T))
	case "lpad", "rpad":
		nargs(3)
		xs := args()
		return fn(name, types.StringT, castTo(xs[0], types.StringT), castTo(xs[1], types.Int64T), castTo(xs[2], types.StringT))
	case "instr":
		nargs(2)
		return fn(name, types.Int64T, strs(args())...)
	case "locate":
		nargs(2, 3)
		xs := args()
		xs[0], xs[1] = castTo(xs[0], types.StringT), castTo(xs[1], types.StringT)
		if len(xs) == 3 {
			xs[2] = castTo(xs[2], types.Int64T)
		}
		return fn(name, types.Int64T, xs...)
	case "year", "month", "day":
		nargs(1)
		return fn(name, types.Int64T, b.temporalArg(s, e.Exprs[0]))
	case "date":
		nargs(1)
		return castTo(b.temporalArg(s, e.Exprs[0]), types.DateT)
	case "current_date", "curdate", "utc_date":
		nargs(0)
		return &plan.Const{V: types.NewDate(time.Now().UTC().Unix() / 86400), T: types.DateT}
	case "now", "current_timestamp", "localtimestamp", "sysdate":
		nargs(0)
		return &plan.Const{V: types.NewTimestamp(time.Now().UTC().Truncate(time.Second).UnixMicro()), T: types.TimestampT}
	case "date_trunc":
		nargs(2)
		unit := castTo(b.expr(s, e.Exprs[0]), types.StringT)
		d := b.temporalArg(s, e.Exprs[1])
		return fn(name, d.Type(), unit, d)
	case "adddate", "subdate", "date_add", "date_sub":
		// the INTERVAL forms arrive as IntervalDateExpr; this is f(d, n days)
		nargs(2)
		d := b.temporalArg(s, e.Exprs[0])
		n := castTo(fromBool(b.expr(s, e.Exprs[1])), types.Int64T)
		if name == "subdate" || name == "date_sub" {
			n = negate(n)
		}
		return fn("date_add_days", d.Type(), d, n)
	}
	failf(lferr.Unsupported, "unknown function %s", strings.ToUpper(e.Name.String()))
	return nil
}

// fromBoolIfMixed converts a boolean argument to a number when the other
// arguments are not all boolean (COALESCE(a > b, 0) is numeric in MySQL).
func fromBoolIfMixed(x plan.Expr, all []plan.Expr) plan.Expr {
	if x.Type().Kind != types.Bool {
		return x
	}
	for _, o := range all {
		if k := o.Type().Kind; k != types.Bool && k != types.Null {
			return fromBool(x)
		}
	}
	return x
}
