package planner

import (
	"math"
	"strconv"
	"strings"
	"time"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// expr binds and types one scalar expression in scope s.
func (b *builder) expr(s *scope, e sqlparser.Expr) plan.Expr {
	if isAggregate(e) {
		return b.aggregate(s, e)
	}
	if s.agg != nil && len(s.agg.groupAST) > 0 {
		switch e.(type) {
		case *sqlparser.ColName, *sqlparser.Literal:
		default:
			k := sqlparser.String(e)
			for i, g := range s.agg.groupAST {
				if g == k {
					return &plan.ColRef{Idx: i, T: s.agg.groups[i].Type(), Name: k}
				}
			}
		}
	}
	switch e := e.(type) {
	case *sqlparser.Literal:
		return literal(e)
	case *sqlparser.NullVal:
		return &plan.Const{V: types.NullValue, T: types.NullT}
	case sqlparser.BoolVal:
		return &plan.Const{V: types.NewBool(bool(e)), T: types.BoolT}
	case *sqlparser.ColName:
		return b.resolve(s, e)
	case *sqlparser.AndExpr:
		return fn("and", types.BoolT, toBool(b.expr(s, e.Left)), toBool(b.expr(s, e.Right)))
	case *sqlparser.OrExpr:
		return fn("or", types.BoolT, toBool(b.expr(s, e.Left)), toBool(b.expr(s, e.Right)))
	case *sqlparser.XorExpr:
		return fn("xor", types.BoolT, toBool(b.expr(s, e.Left)), toBool(b.expr(s, e.Right)))
	case *sqlparser.NotExpr:
		if ex, ok := e.Expr.(*sqlparser.ExistsExpr); ok {
			return b.exists(s, ex, true)
		}
		return fn("not", types.BoolT, toBool(b.expr(s, e.Expr)))
	case *sqlparser.ExistsExpr:
		return b.exists(s, e, false)
	case *sqlparser.ComparisonExpr:
		return b.comparison(s, e)
	case *sqlparser.BetweenExpr:
		x, lo, hi := b.expr(s, e.Left), b.expr(s, e.From), b.expr(s, e.To)
		t := compareType(compareType(x.Type(), lo.Type()), hi.Type())
		name := "between"
		if !e.IsBetween {
			name = "not_between"
		}
		return fn(name, types.BoolT, castTo(x, t), castTo(lo, t), castTo(hi, t))
	case *sqlparser.IsExpr:
		x := b.expr(s, e.Left)
		switch e.Right {
		case sqlparser.IsNullOp:
			return fn("is_null", types.BoolT, x)
		case sqlparser.IsNotNullOp:
			return fn("is_not_null", types.BoolT, x)
		case sqlparser.IsTrueOp:
			return fn("is_true", types.BoolT, toBool(x))
		case sqlparser.IsNotTrueOp:
			return fn("not", types.BoolT, fn("is_true", types.BoolT, toBool(x)))
		case sqlparser.IsFalseOp:
			return fn("is_false", types.BoolT, toBool(x))
		case sqlparser.IsNotFalseOp:
			return fn("not", types.BoolT, fn("is_false", types.BoolT, toBool(x)))
		}
	case *sqlparser.BinaryExpr:
		return b.binary(s, e)
	case *sqlparser.UnaryExpr:
		switch e.Operator {
		case sqlparser.UPlusOp:
			return b.expr(s, e.Expr)
		case sqlparser.UMinusOp:
			return negate(fromBool(b.expr(s, e.Expr)))
		case sqlparser.BangOp:
			return fn("not", types.BoolT, toBool(b.expr(s, e.Expr)))
		}
		failf(lferr.Unsupported, "operator %s is not supported", e.Operator.ToString())
	case *sqlparser.IntroducerExpr:
		return b.expr(s, e.Expr)
	case *sqlparser.CollateExpr:
		return b.expr(s, e.Expr)
	case *sqlparser.CaseExpr:
		return b.caseExpr(s, e)
	case *sqlparser.CastExpr:
		return b.cast(s, e.Expr, e.Type)
	case *sqlparser.ConvertExpr:
		return b.cast(s, e.Expr, e.Type)
	case *sqlparser.Subquery:
		return b.scalarSubquery(s, e)
	case *sqlparser.FuncExpr:
		return b.function(s, e)
	case *sqlparser.IntervalDateExpr:
		return b.interval(s, e)
	case *sqlparser.ExtractFuncExpr:
		unit := strings.ToLower(e.IntervalType.ToString())
		switch unit {
		case "year", "month", "day", "quarter", "week", "hour", "minute", "second":
		default:
			failf(lferr.Unsupported, "EXTRACT(%s ...) is not supported", strings.ToUpper(unit))
		}
		return fn("extract_"+unit, types.Int64T, b.temporalArg(s, e.Expr))
	case *sqlparser.SubstrExpr:
		args := []plan.Expr{castTo(b.expr(s, e.Name), types.StringT), castTo(b.expr(s, e.From), types.Int64T)}
		if e.To != nil {
			args = append(args, castTo(b.expr(s, e.To), types.Int64T))
		}
		return fn("substring", types.StringT, args...)
	case *sqlparser.TrimFuncExpr:
		if e.TrimArg != nil {
			failf(lferr.Unsupported, "TRIM(... FROM ...) is not supported")
		}
		name := "trim"
		switch e.TrimFuncType {
		case sqlparser.LTrimType:
			name = "ltrim"
		case sqlparser.RTrimType:
			name = "rtrim"
		default:
			switch e.Type {
			case sqlparser.LeadingTrimType:
				name = "ltrim"
			case sqlparser.TrailingTrimType:
				name = "rtrim"
			}
		}
		return fn(name, types.StringT, castTo(b.expr(s, e.StringArg), types.StringT))
	case *sqlparser.CurTimeFuncExpr:
		switch e.Name.Lowered() {
		case "current_timestamp", "now", "localtime", "localtimestamp", "sysdate", "utc_timestamp":
			return &plan.Const{V: types.NewTimestamp(time.Now().UTC().Truncate(time.Second).UnixMicro()), T: types.TimestampT}
		}
		failf(lferr.Unsupported, "function %s is not supported", e.Name.String())
	case sqlparser.ValTuple:
		failf(lferr.InvalidInput, "operand should contain 1 column: %s", sqlparser.String(e))
	}
	failf(lferr.Unsupported, "expression not supported: %s", sqlparser.String(e))
	return nil
}

// literal types a constant the MySQL way: integers BIGINT (DECIMAL when
// they do not fit), 1.5 DECIMAL, 1e3 DOUBLE.
func literal(l *sqlparser.Literal) plan.Expr {
	switch l.Type {
	case sqlparser.StrVal:
		return &plan.Const{V: types.NewString(l.Val), T: types.StringT}
	case sqlparser.IntVal:
		if i, err := strconv.ParseInt(l.Val, 10, 64); err == nil {
			return &plan.Const{V: types.NewInt(i), T: types.Int64T}
		}
		f, err := strconv.ParseFloat(l.Val, 64)
		if err != nil {
			failf(lferr.SyntaxError, "invalid number %s", l.Val)
		}
		return &plan.Const{V: types.Value{Kind: types.Decimal, F: f}, T: types.DecimalT(uint8(min(len(l.Val), maxDecimalPrecision)), 0)}
	case sqlparser.DecimalVal:
		f, err := strconv.ParseFloat(l.Val, 64)
		if err != nil {
			failf(lferr.SyntaxError, "invalid number %s", l.Val)
		}
		digits, scale := 0, 0
		seenDot := false
		for _, c := range l.Val {
			if c >= '0' && c <= '9' {
				digits++
				if seenDot {
					scale++
				}
			} else if c == '.' {
				seenDot = true
			}
		}
		p := min(max(digits, scale, 1), maxDecimalPrecision)
		return &plan.Const{V: types.Value{Kind: types.Decimal, F: f}, T: types.DecimalT(uint8(p), uint8(min(scale, p)))}
	case sqlparser.FloatVal:
		f, err := strconv.ParseFloat(l.Val, 64)
		if err != nil {
			failf(lferr.SyntaxError, "invalid number %s", l.Val)
		}
		return &plan.Const{V: types.NewFloat(f), T: types.Float64T}
	case sqlparser.HexNum:
		v := strings.TrimPrefix(strings.TrimPrefix(l.Val, "0x"), "0X")
		i, err := strconv.ParseUint(v, 16, 64)
		if err != nil || i > math.MaxInt64 {
			failf(lferr.InvalidInput, "hexadecimal literal %s is out of range", l.Val)
		}
		return &plan.Const{V: types.NewInt(int64(i)), T: types.Int64T}
	case sqlparser.BitNum:
		v := strings.TrimPrefix(strings.TrimPrefix(l.Val, "0b"), "0B")
		i, err := strconv.ParseUint(v, 2, 64)
		if err != nil || i > math.MaxInt64 {
			failf(lferr.InvalidInput, "bit literal %s is out of range", l.Val)
		}
		return &plan.Const{V: types.NewInt(int64(i)), T: types.Int64T}
	case sqlparser.HexVal:
		raw := make([]byte, 0, len(l.Val)/2)
		for i := 0; i+1 < len(l.Val); i += 2 {
			x, err := strconv.ParseUint(l.Val[i:i+2], 16, 8)
			if err != nil {
				failf(lferr.SyntaxError, "invalid hexadecimal literal X'%s'", l.Val)
			}
			raw = append(raw, byte(x))
		}
		return &plan.Const{V: types.NewString(string(raw)), T: types.StringT}
	case sqlparser.DateVal:
		d, ok := parseDate(l.Val)
		if !ok {
			failf(lferr.InvalidInput, "invalid DATE literal '%s'", l.Val)
		}
		return &plan.Const{V: types.NewDate(d), T: types.DateT}
	case sqlparser.TimestampVal:
		ts, ok := parseTimestamp(l.Val)
		if !ok {
			failf(lferr.InvalidInput, "invalid TIMESTAMP literal '%s'", l.Val)
		}
		return &plan.Const{V: types.NewTimestamp(ts), T: types.TimestampT}
	}
	failf(lferr.Unsupported, "literal %s is not supported", sqlparser.String(l))
	return nil
}

func parseDate(s string) (int64, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Unix() / 86400, true
}

func parseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// negate is unary minus; literals fold so -5 stays a constant.
func negate(x plan.Expr) plan.Expr {
	if c, ok := x.(*plan.Const); ok && !c.V.Null {
		switch c.T.Kind {
		case types.Int64:
			if c.V.I != math.MinInt64 {
				return &plan.Const{V: types.NewInt(-c.V.I), T: c.T}
			}
		case types.Float64, types.Decimal:
			return &plan.Const{V: types.Value{Kind: c.V.Kind, F: -c.V.F}, T: c.T}
		}
	}
	t := numericOf(x.Type())
	return fn("neg", t, castTo(x, t))
}

var compareOps = map[sqlparser.ComparisonExprOperator]string{
	sqlparser.EqualOp:         "=",
	sqlparser.LessThanOp:      "<",
	sqlparser.GreaterThanOp:   ">",
	sqlparser.LessEqualOp:     "<=",
	sqlparser.GreaterEqualOp:  ">=",
	sqlparser.NotEqualOp:      "<>",
	sqlparser.NullSafeEqualOp: "<=>",
}

func (b *builder) comparison(s *scope, e *sqlparser.ComparisonExpr) plan.Expr {
	switch e.Operator {
	case sqlparser.InOp, sqlparser.NotInOp:
		not := e.Operator == sqlparser.NotInOp
		if e.Modifier != sqlparser.Missing {
			failf(lferr.SyntaxError, "IN cannot take ANY/ALL")
		}
		return b.in(s, e.Left, e.Right, not)
	case sqlparser.LikeOp, sqlparser.NotLikeOp:
		name := "like"
		if e.Operator == sqlparser.NotLikeOp {
			name = "not_like"
		}
		args := []plan.Expr{castTo(b.expr(s, e.Left), types.StringT), castTo(b.expr(s, e.Right), types.StringT)}
		if e.Escape != nil {
			args = append(args, castTo(b.expr(s, e.Escape), types.StringT))
		}
		return fn(name, types.BoolT, args...)
	case sqlparser.RegexpOp, sqlparser.NotRegexpOp:
		failf(lferr.Unsupported, "REGEXP is not supported")
	}
	op, ok := compareOps[e.Operator]
	if !ok {
		failf(lferr.Unsupported, "comparison %s is not supported", e.Operator.ToString())
	}
	if e.Modifier != sqlparser.Missing {
		// x = ANY (subquery) is IN; x <> ALL (subquery) is NOT IN. Other
		// quantified comparisons need min/max rewriting with careful NULL
		// handling, not implemented yet.
		if op == "=" && e.Modifier == sqlparser.Any {
			return b.in(s, e.Left, e.Right, false)
		}
		if op == "<>" && e.Modifier == sqlparser.All {
			return b.in(s, e.Left, e.Right, true)
		}
		failf(lferr.Unsupported, "quantified comparison %s ANY/ALL (subquery) is not supported", op)
	}
	if lt, ok := e.Left.(sqlparser.ValTuple); ok {
		rt, ok := e.Right.(sqlparser.ValTuple)
		if !ok || len(lt) != len(rt) || (op != "=" && op != "<>") {
			failf(lferr.Unsupported, "row comparison %s is not supported", sqlparser.String(e))
		}
		// (a, b) = (c, d) is a = c AND b = d; <> is its negation.
		var acc plan.Expr
		for i := range lt {
			c := compare("=", b.expr(s, lt[i]), b.expr(s, rt[i]))
			if acc == nil {
				acc = c
			} else {
				acc = fn("and", types.BoolT, acc, c)
			}
		}
		if op == "<>" {
			acc = fn("not", types.BoolT, acc)
		}
		return acc
	}
	return compare(op, b.expr(s, e.Left), b.expr(s, e.Right))
}

// compare builds l op r with both sides cast to their comparison type.
func compare(op string, l, r plan.Expr) plan.Expr {
	t := compareType(l.Type(), r.Type())
	return fn(op, types.BoolT, castTo(l, t), castTo(r, t))
}

func (b *builder) in(s *scope, left, right sqlparser.Expr, not bool) plan.Expr {
	if _, ok := left.(sqlparser.ValTuple); ok {
		failf(lferr.Unsupported, "row IN is not supported: %s", sqlparser.String(left))
	}
	x := b.expr(s, left)
	switch r := right.(type) {
	case sqlparser.ValTuple:
		list := make([]plan.Expr, len(r))
		t := x.Type()
		for i, it := range r {
			list[i] = b.expr(s, it)
			t = compareType(t, list[i].Type())
		}
		t = nonNull(t)
		for i := range list {
			list[i] = castTo(list[i], t)
		}
		return &plan.InList{Arg: castTo(x, t), List: list, Not: not}
	case *sqlparser.Subquery:
		node, corr := b.subquery(s, r.Select)
		cols := node.Schema()
		if len(cols) != 1 {
			failf(lferr.InvalidInput, "operand should contain 1 column: IN subquery returns %d", len(cols))
		}
		t := nonNull(compareType(x.Type(), cols[0].T))
		node = castNode(node, []types.T{t})
		return &plan.Subquery{Kind: plan.InSubquery, Plan: node, Arg: castTo(x, t), Not: not, Correlated: corr, T: types.BoolT}
	}
	failf(lferr.Unsupported, "IN (%s) is not supported", sqlparser.String(right))
	return nil
}

// castExact is castTo that also converts between decimal precisions, so a
// node's output types are exactly ts (set operations need equal types).
func castExact(e plan.Expr, t types.T) plan.Expr {
	if et := e.Type(); et != t && et.Kind == types.Decimal && t.Kind == types.Decimal {
		return &plan.Cast{Arg: e, T: t}
	}
	return castTo(e, t)
}

// castNode projects node's columns to ts where they differ.
func castNode(n plan.Node, ts []types.T) plan.Node {
	cols := n.Schema()
	same := true
	for i, c := range cols {
		if c.T != ts[i] {
			same = false
		}
	}
	if same {
		return n
	}
	exprs := make([]plan.Expr, len(cols))
	out := make([]plan.Column, len(cols))
	for i, c := range cols {
		exprs[i] = castExact(&plan.ColRef{Idx: i, T: c.T, Name: c.Name}, ts[i])
		out[i] = plan.Column{Name: c.Name, Table: c.Table, T: exprs[i].Type()}
	}
	return &plan.Project{Input: n, Exprs: exprs, Cols: out}
}

func (b *builder) exists(s *scope, e *sqlparser.ExistsExpr, not bool) plan.Expr {
	node, corr := b.subquery(s, e.Subquery.Select)
	return &plan.Subquery{Kind: plan.ExistsSubquery, Plan: node, Not: not, Correlated: corr, T: types.BoolT}
}

func (b *builder) scalarSubquery(s *scope, e *sqlparser.Subquery) plan.Expr {
	node, corr := b.subquery(s, e.Select)
	cols := node.Schema()
	if len(cols) != 1 {
		failf(lferr.InvalidInput, "operand should contain 1 column: scalar subquery returns %d", len(cols))
	}
	return &plan.Subquery{Kind: plan.ScalarSubquery, Plan: node, Correlated: corr, T: cols[0].T}
}

// subquery plans a nested query whose outer scope is s.
func (b *builder) subquery(s *scope, ts sqlparser.TableStatement) (plan.Node, bool) {
	lvl := &level{}
	r := b.planQuery(ts, s, lvl)
	return r, lvl.correlated
}

func (b *builder) binary(s *scope, e *sqlparser.BinaryExpr) plan.Expr {
	l, r := fromBool(b.expr(s, e.Left)), fromBool(b.expr(s, e.Right))
	lt, rt := numericOf(l.Type()), numericOf(r.Type())
	t := numericCommon(lt, rt)
	switch e.Operator {
	case sqlparser.PlusOp, sqlparser.MinusOp, sqlparser.MultOp:
		name := map[sqlparser.BinaryExprOperator]string{sqlparser.PlusOp: "+", sqlparser.MinusOp: "-", sqlparser.MultOp: "*"}[e.Operator]
		if t.Kind == types.Decimal && e.Operator == sqlparser.MultOp {
			dl, dr := decimalOf(lt), decimalOf(rt)
			t = types.DecimalT(maxDecimalPrecision, clampScale(int(dl.Scale)+int(dr.Scale)))
		}
		return fn(name, t, castTo(l, t), castTo(r, t))
	case sqlparser.DivOp:
		// MySQL: / never yields an integer; exact operands give DECIMAL with
		// div_precision_increment (4) more digits of scale.
		if t.Kind != types.Float64 {
			t = types.DecimalT(maxDecimalPrecision, clampScale(int(decimalOf(lt).Scale)+4))
		}
		return fn("/", t, castTo(l, t), castTo(r, t))
	case sqlparser.IntDivOp:
		return fn("div", types.Int64T, castTo(l, t), castTo(r, t))
	case sqlparser.ModOp:
		return fn("%", t, castTo(l, t), castTo(r, t))
	}
	failf(lferr.Unsupported, "operator %s is not supported", e.Operator.ToString())
	return nil
}

func (b *builder) caseExpr(s *scope, e *sqlparser.CaseExpr) plan.Expr {
	var operand plan.Expr
	if e.Expr != nil {
		operand = b.expr(s, e.Expr)
	}
	whens := make([]plan.When, len(e.Whens))
	ts := make([]types.T, 0, len(e.Whens)+1)
	for i, w := range e.Whens {
		var cond plan.Expr
		if operand != nil {
			// the simple form becomes the searched form so each comparison
			// gets its own type unification
			cond = compare("=", operand, b.expr(s, w.Cond))
		} else {
			cond = toBool(b.expr(s, w.Cond))
		}
		then := b.expr(s, w.Val)
		whens[i] = plan.When{Cond: cond, Then: then}
		ts = append(ts, then.Type())
	}
	var els plan.Expr
	if e.Else != nil {
		els = b.expr(s, e.Else)
		ts = append(ts, els.Type())
	}
	t := nonNull(unifyResult(ts))
	for i := range whens {
		whens[i].Then = castTo(whens[i].Then, t)
	}
	if els != nil {
		els = castTo(els, t)
	}
	return &plan.Case{Whens: whens, Else: els, T: t}
}

func (b *builder) cast(s *scope, x sqlparser.Expr, ct *sqlparser.ConvertType) plan.Expr {
	arg := b.expr(s, x)
	t := castType(ct)
	if arg.Type() == t {
		return arg
	}
	if c, ok := arg.(*plan.Const); ok && c.V.Null {
		return typedNull(t)
	}
	return &plan.Cast{Arg: arg, T: t}
}

func castType(ct *sqlparser.ConvertType) types.T {
	name := strings.ToLower(strings.TrimSpace(ct.Type))
	switch {
	case strings.HasPrefix(name, "signed"), strings.HasPrefix(name, "unsigned"), name == "integer", name == "int", name == "bigint":
		return types.Int64T
	case name == "decimal" || name == "numeric" || name == "dec":
		p, sc := 10, 0
		if ct.Length != nil {
			p = *ct.Length
		}
		if ct.Scale != nil {
			sc = *ct.Scale
		}
		if p < 1 || p > maxDecimalPrecision || sc < 0 || sc > p {
			failf(lferr.InvalidInput, "invalid DECIMAL(%d,%d)", p, sc)
		}
		return types.DecimalT(uint8(p), uint8(sc))
	case name == "char" || name == "nchar" || name == "varchar" || name == "binary" || name == "text":
		return types.StringT
	case name == "date":
		return types.DateT
	case name == "datetime" || name == "timestamp":
		return types.TimestampT
	case name == "double" || name == "float" || name == "real" || name == "double precision":
		return types.Float64T
	}
	failf(lferr.Unsupported, "CAST to %s is not supported", strings.ToUpper(name))
	return types.T{}
}

// temporalArg binds a date-valued argument, converting strings to DATE.
func (b *builder) temporalArg(s *scope, x sqlparser.Expr) plan.Expr {
	e := b.expr(s, x)
	switch e.Type().Kind {
	case types.Date, types.Timestamp:
		return e
	case types.String, types.Null:
		return castTo(e, types.DateT)
	}
	failf(lferr.TypeError, "expected a date, got %s: %s", e.Type(), sqlparser.String(x))
	return nil
}

func (b *builder) interval(s *scope, e *sqlparser.IntervalDateExpr) plan.Expr {
	d := b.temporalArg(s, e.Date)
	n := fromBool(b.expr(s, e.Interval))
	if !n.Type().IsNumeric() && n.Type().Kind != types.Null && n.Type().Kind != types.String {
		failf(lferr.TypeError, "INTERVAL needs a number, got %s", n.Type())
	}
	n = castTo(n, types.Int64T)
	switch e.Syntax {
	case sqlparser.IntervalDateExprDateSub, sqlparser.IntervalDateExprSubdate, sqlparser.IntervalDateExprBinarySub:
		n = negate(n)
	}
	mul := func(k int64) plan.Expr {
		if k == 1 {
			return n
		}
		if c, ok := n.(*plan.Const); ok && !c.V.Null {
			return &plan.Const{V: types.NewInt(c.V.I * k), T: types.Int64T}
		}
		return fn("*", types.Int64T, n, &plan.Const{V: types.NewInt(k), T: types.Int64T})
	}
	switch e.Unit {
	case sqlparser.IntervalDay:
		return dateAdd("date_add_days", d, n)
	case sqlparser.IntervalWeek:
		return dateAdd("date_add_days", d, mul(7))
	case sqlparser.IntervalMonth:
		return dateAdd("date_add_months", d, n)
	case sqlparser.IntervalQuarter:
		return dateAdd("date_add_months", d, mul(3))
	case sqlparser.IntervalYear:
		return dateAdd("date_add_months", d, mul(12))
	}
	failf(lferr.Unsupported, "INTERVAL unit %s is not supported", strings.ToUpper(e.Unit.ToString()))
	return nil
}

// dateAdd builds date_add_days / date_add_months, folding constants so a
// predicate like d <= DATE '1998-12-01' - INTERVAL 90 DAY compares with a
// literal (and can prune by statistics).
func dateAdd(name string, d, n plan.Expr) plan.Expr {
	dc, ok1 := d.(*plan.Const)
	nc, ok2 := n.(*plan.Const)
	if !ok1 || !ok2 || dc.V.Null || nc.V.Null || nc.T.Kind != types.Int64 {
		return fn(name, d.Type(), d, n)
	}
	if v, ok := foldDateAdd(name, dc.V, nc.V.I); ok {
		return &plan.Const{V: v, T: d.Type()}
	}
	return fn(name, d.Type(), d, n)
}

const usPerDay = 86400 * 1_000_000

func foldDateAdd(name string, v types.Value, n int64) (types.Value, bool) {
	if n > 1_000_000 || n < -1_000_000 {
		return types.Value{}, false // leave range errors to exec
	}
	var t time.Time
	switch v.Kind {
	case types.Date:
		t = time.Unix(v.I*86400, 0).UTC()
	case types.Timestamp:
		t = time.UnixMicro(v.I).UTC()
	default:
		return types.Value{}, false
	}
	if name == "date_add_days" {
		t = t.AddDate(0, 0, int(n))
	} else {
		// MySQL clamps to the last day of the month: 2024-01-31 + 1 month
		// is 2024-02-29 (Go's AddDate would normalize to March 2).
		y, m, day := t.Date()
		first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		last := first.AddDate(0, 1, -1).Day()
		t = first.AddDate(0, 0, min(day, last)-1)
	}
	if t.Year() < 1 || t.Year() > 9999 {
		return types.Value{}, false
	}
	if v.Kind == types.Date {
		return types.NewDate(t.Unix() / 86400), true
	}
	return types.NewTimestamp(t.UnixMicro()), true
}
