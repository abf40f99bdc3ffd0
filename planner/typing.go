package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// MySQL-style type rules. Physical DECIMAL is float64 in exec, so decimal
// precision only matters for DDL and rendering; the planner still keeps
// scales so SUM/AVG/division results carry MySQL's shape.

const maxDecimalPrecision = 38

func decimalOf(t types.T) types.T {
	switch t.Kind {
	case types.Decimal:
		return t
	case types.Int64, types.Bool:
		return types.DecimalT(19, 0)
	}
	return types.DecimalT(maxDecimalPrecision, 0)
}

func clampScale(s int) uint8 {
	if s > 30 {
		s = 30
	}
	if s < 0 {
		s = 0
	}
	return uint8(s)
}

// numericOf maps a type to the numeric type MySQL converts it to in an
// arithmetic context.
func numericOf(t types.T) types.T {
	switch t.Kind {
	case types.Int64, types.Float64, types.Decimal:
		return t
	case types.Bool, types.Null:
		return types.Int64T
	}
	// strings, dates: MySQL converts to double
	return types.Float64T
}

// numericCommon is the common type of two numeric operands.
func numericCommon(a, b types.T) types.T {
	a, b = numericOf(a), numericOf(b)
	switch {
	case a.Kind == types.Float64 || b.Kind == types.Float64:
		return types.Float64T
	case a.Kind == types.Decimal || b.Kind == types.Decimal:
		da, db := decimalOf(a), decimalOf(b)
		s := max(da.Scale, db.Scale)
		ip := max(int(da.Precision)-int(da.Scale), int(db.Precision)-int(db.Scale))
		p := min(ip+int(s)+1, maxDecimalPrecision)
		return types.DecimalT(uint8(max(p, int(s), 1)), s)
	}
	return types.Int64T
}

// compareType is the type both sides of a comparison are cast to.
func compareType(a, b types.T) types.T {
	if a.Kind == types.Null {
		return nonNull(b)
	}
	if b.Kind == types.Null {
		return a
	}
	if a.Kind == b.Kind {
		if a.Kind == types.Decimal {
			return numericCommon(a, b)
		}
		return a
	}
	switch {
	case a.IsNumeric() && b.IsNumeric():
		return numericCommon(a, b)
	case a.Kind == types.Bool && b.IsNumeric(), b.Kind == types.Bool && a.IsNumeric():
		return numericCommon(a, b)
	case isTemporal(a) && isTemporal(b):
		return types.TimestampT
	case isTemporal(a) && b.Kind == types.String:
		return a
	case isTemporal(b) && a.Kind == types.String:
		return b
	}
	// string vs number (and anything else): compare as double, as MySQL does.
	return types.Float64T
}

func nonNull(t types.T) types.T {
	if t.Kind == types.Null {
		return types.Int64T
	}
	return t
}

func isTemporal(t types.T) bool { return t.Kind == types.Date || t.Kind == types.Timestamp }

// unifyResult is the result type of CASE / COALESCE / IF / UNION branches.
func unifyResult(ts []types.T) types.T {
	out := types.NullT
	for _, t := range ts {
		out = unify2(out, t)
	}
	return out
}

func unify2(a, b types.T) types.T {
	switch {
	case a.Kind == types.Null:
		return b
	case b.Kind == types.Null:
		return a
	case a == b:
		return a
	case a.Kind == b.Kind && a.Kind == types.Decimal:
		return numericCommon(a, b)
	case (a.IsNumeric() || a.Kind == types.Bool) && (b.IsNumeric() || b.Kind == types.Bool):
		return numericCommon(a, b)
	case isTemporal(a) && isTemporal(b):
		return types.TimestampT
	}
	return types.StringT
}

// castTo converts e to t, folding casts of NULL literals into typed NULLs.
func castTo(e plan.Expr, t types.T) plan.Expr {
	et := e.Type()
	if et == t || (et.Kind == t.Kind && t.Kind != types.Decimal) {
		return e
	}
	if et.Kind == t.Kind && t.Kind == types.Decimal {
		// Same physical representation; a rescale is not a conversion.
		return e
	}
	if c, ok := e.(*plan.Const); ok {
		if c.V.Null {
			return typedNull(t)
		}
		if v, ok := foldCast(c.V, t); ok {
			return &plan.Const{V: v, T: t}
		}
	}
	if t.Kind == types.Null {
		return e
	}
	return &plan.Cast{Arg: e, T: t}
}

// foldCast converts a constant at plan time when the result is exact and
// unambiguous; everything else (e.g. MySQL's numeric-prefix conversion of
// '12abc') is left to exec's Cast.
func foldCast(v types.Value, t types.T) (types.Value, bool) {
	switch {
	case v.Kind == types.Int64 && (t.Kind == types.Float64 || t.Kind == types.Decimal):
		return types.Value{Kind: t.Kind, F: float64(v.I)}, true
	case (v.Kind == types.Float64 || v.Kind == types.Decimal) && (t.Kind == types.Float64 || t.Kind == types.Decimal):
		return types.Value{Kind: t.Kind, F: v.F}, true
	case v.Kind == types.Bool && t.Kind == types.Int64:
		return types.NewInt(v.I), true
	case v.Kind == types.Int64 && t.Kind == types.String:
		return types.NewString(strconv.FormatInt(v.I, 10)), true
	case v.Kind == types.String && t.Kind == types.Int64:
		if i, err := strconv.ParseInt(strings.TrimSpace(v.S), 10, 64); err == nil {
			return types.NewInt(i), true
		}
	case v.Kind == types.String && (t.Kind == types.Float64 || t.Kind == types.Decimal):
		s := strings.TrimSpace(v.S)
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXnNiI_") {
			return types.Value{Kind: t.Kind, F: f}, true
		}
	case v.Kind == types.String && t.Kind == types.Date:
		if d, ok := parseDate(v.S); ok {
			return types.NewDate(d), true
		}
	case v.Kind == types.String && t.Kind == types.Timestamp:
		if ts, ok := parseTimestamp(v.S); ok {
			return types.NewTimestamp(ts), true
		}
	case v.Kind == types.Date && t.Kind == types.Timestamp:
		return types.NewTimestamp(v.I * 86400 * 1_000_000), true
	}
	return types.Value{}, false
}

func typedNull(t types.T) *plan.Const {
	return &plan.Const{V: types.Value{Kind: t.Kind, Null: true}, T: t}
}

// toBool turns e into a boolean the way MySQL evaluates a condition.
func toBool(e plan.Expr) plan.Expr {
	t := e.Type()
	switch t.Kind {
	case types.Bool:
		return e
	case types.Null:
		return typedNull(types.BoolT)
	case types.Int64:
		return &plan.Func{Name: "<>", Args: []plan.Expr{e, &plan.Const{V: types.NewInt(0), T: types.Int64T}}, T: types.BoolT}
	case types.Float64, types.Decimal:
		return &plan.Func{Name: "<>", Args: []plan.Expr{e, &plan.Const{V: types.Value{Kind: t.Kind, F: 0}, T: t}}, T: types.BoolT}
	case types.String:
		return toBool(castTo(e, types.Float64T))
	}
	failf(lferr.TypeError, "cannot use %s value %s as a condition", t, e)
	return nil
}

// fromBool makes a boolean usable as a number (MySQL: TRUE is 1).
func fromBool(e plan.Expr) plan.Expr {
	if e.Type().Kind == types.Bool {
		return castTo(e, types.Int64T)
	}
	return e
}

func fn(name string, t types.T, args ...plan.Expr) *plan.Func {
	return &plan.Func{Name: name, Args: args, T: t}
}

// exprKey renders a bound expression canonically (column positions, not
// names) so two spellings of the same expression compare equal.
func exprKey(e plan.Expr) string {
	var b strings.Builder
	writeKey(&b, e)
	return b.String()
}

func writeKey(b *strings.Builder, e plan.Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString("nil")
	case *plan.ColRef:
		fmt.Fprintf(b, "#%d", e.Idx)
	case *plan.OuterRef:
		fmt.Fprintf(b, "o%d#%d", e.Depth, e.Idx)
	case *plan.Const:
		fmt.Fprintf(b, "c%d:%v:%d:%v:%q", e.T.Kind, e.V.Null, e.V.I, e.V.F, e.V.S)
	case *plan.Func:
		b.WriteString(e.Name)
		b.WriteByte('(')
		for i, a := range e.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, a)
		}
		b.WriteByte(')')
	case *plan.Cast:
		fmt.Fprintf(b, "cast<%s>(", e.T)
		writeKey(b, e.Arg)
		b.WriteByte(')')
	case *plan.Case:
		b.WriteString("case(")
		writeKey(b, e.Operand)
		for _, w := range e.Whens {
			b.WriteString(";")
			writeKey(b, w.Cond)
			b.WriteString(":")
			writeKey(b, w.Then)
		}
		b.WriteString(";")
		writeKey(b, e.Else)
		b.WriteByte(')')
	case *plan.InList:
		fmt.Fprintf(b, "in%v(", e.Not)
		writeKey(b, e.Arg)
		for _, a := range e.List {
			b.WriteByte(',')
			writeKey(b, a)
		}
		b.WriteByte(')')
	default:
		// subqueries are never equal to one another
		fmt.Fprintf(b, "%T@%p", e, e)
	}
}
