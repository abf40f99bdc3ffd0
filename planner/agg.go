package planner

import (
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// aggCtx collects the group keys and aggregate calls of one SELECT while
// its post-aggregation expressions (select list, HAVING, ORDER BY) are
// bound. The Aggregate node is built after all of them, so HAVING and
// ORDER BY can add aggregates the select list does not have.
type aggCtx struct {
	from      *scope // the aggregate's input scope
	groups    []plan.Expr
	groupAST  []string // canonical text of each GROUP BY expression
	groupKeys []string // exprKey of each bound group expression
	aggs      []plan.AggCall
	aggKeys   []string
}

// column maps input column idx to the aggregate output: its group key if
// it is one, otherwise MIN(col). MySQL without ONLY_FULL_GROUP_BY returns
// "any value of the group" for such a column; MIN is a deterministic
// member of the group, and equal to it when the column is functionally
// dependent on the keys (the common case).
func (a *aggCtx) column(idx int, c colInfo) plan.Expr {
	key := exprKey(&plan.ColRef{Idx: idx})
	for i, g := range a.groupKeys {
		if g == key {
			return &plan.ColRef{Idx: i, T: a.groups[i].Type(), Name: c.display}
		}
	}
	return a.add(plan.AggCall{Func: "min", Arg: &plan.ColRef{Idx: idx, T: c.t, Name: c.display}, T: c.t})
}

func (a *aggCtx) add(call plan.AggCall) *plan.ColRef {
	key := call.Func + "|" + exprKey(call.Arg)
	if call.Distinct {
		key = "D" + key
	}
	for i, k := range a.aggKeys {
		if k == key {
			return &plan.ColRef{Idx: len(a.groups) + i, T: a.aggs[i].T, Name: a.aggs[i].String()}
		}
	}
	a.aggs = append(a.aggs, call)
	a.aggKeys = append(a.aggKeys, key)
	return &plan.ColRef{Idx: len(a.groups) + len(a.aggs) - 1, T: call.T, Name: call.String()}
}

// isAggregate reports whether e is an aggregate function call.
func isAggregate(e sqlparser.Expr) bool {
	switch e.(type) {
	case *sqlparser.CountStar, *sqlparser.Count, *sqlparser.Sum, *sqlparser.Avg,
		*sqlparser.Min, *sqlparser.Max, *sqlparser.GroupConcatExpr:
		return true
	}
	return false
}

// containsAggregate reports whether e has an aggregate outside subqueries.
func containsAggregate(e sqlparser.SQLNode) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if found {
			return false, nil
		}
		switch n.(type) {
		case *sqlparser.Subquery:
			return false, nil
		}
		if ex, ok := n.(sqlparser.Expr); ok && isAggregate(ex) {
			found = true
			return false, nil
		}
		return true, nil
	}, e)
	return found
}

// aggregate binds an aggregate call in the aggregate's input scope and
// returns its output column.
func (b *builder) aggregate(s *scope, e sqlparser.Expr) plan.Expr {
	if s.agg == nil {
		failf(lferr.InvalidInput, "invalid use of aggregate function %s", sqlparser.String(e))
	}
	in := s.agg.from
	arg := func(x sqlparser.Expr) plan.Expr {
		if containsAggregate(x) {
			failf(lferr.InvalidInput, "aggregate functions cannot be nested: %s", sqlparser.String(e))
		}
		return b.expr(in, x)
	}
	if hasOver(e) {
		failf(lferr.Unsupported, "window functions are not supported: %s", sqlparser.String(e))
	}
	var call plan.AggCall
	switch e := e.(type) {
	case *sqlparser.CountStar:
		call = plan.AggCall{Func: "count_star", T: types.Int64T}
	case *sqlparser.Count:
		if len(e.Args) != 1 {
			failf(lferr.Unsupported, "COUNT with %d arguments is not supported", len(e.Args))
		}
		call = plan.AggCall{Func: "count", Arg: arg(e.Args[0]), Distinct: e.Distinct, T: types.Int64T}
	case *sqlparser.Sum:
		x := fromBool(arg(e.Arg))
		t := sumType(x.Type())
		call = plan.AggCall{Func: "sum", Arg: castTo(x, numericOf(x.Type())), Distinct: e.Distinct, T: t}
	case *sqlparser.Avg:
		x := fromBool(arg(e.Arg))
		t := avgType(x.Type())
		call = plan.AggCall{Func: "avg", Arg: castTo(x, numericOf(x.Type())), Distinct: e.Distinct, T: t}
	case *sqlparser.Min:
		x := arg(e.Arg)
		call = plan.AggCall{Func: "min", Arg: x, Distinct: e.Distinct, T: nonNull(x.Type())}
		call.Arg = castTo(x, call.T)
	case *sqlparser.Max:
		x := arg(e.Arg)
		call = plan.AggCall{Func: "max", Arg: x, Distinct: e.Distinct, T: nonNull(x.Type())}
		call.Arg = castTo(x, call.T)
	case *sqlparser.GroupConcatExpr:
		if len(e.OrderBy) > 0 || e.Limit != nil || (e.Separator != "" && e.Separator != ",") {
			failf(lferr.Unsupported, "GROUP_CONCAT with ORDER BY, LIMIT or SEPARATOR is not supported")
		}
		var x plan.Expr
		if len(e.Exprs) == 1 {
			x = castTo(arg(e.Exprs[0]), types.StringT)
		} else {
			args := make([]plan.Expr, len(e.Exprs))
			for i, a := range e.Exprs {
				args[i] = castTo(arg(a), types.StringT)
			}
			x = fn("concat", types.StringT, args...)
		}
		call = plan.AggCall{Func: "group_concat", Arg: x, Distinct: e.Distinct, T: types.StringT}
	default:
		fail(lferr.AssertionFailedf("not an aggregate: %s", sqlparser.String(e)))
	}
	if call.Arg != nil && call.Func == "count" && call.Arg.Type().Kind == types.Null {
		call.Arg = typedNull(types.Int64T)
	}
	return s.agg.add(call)
}

// sumType follows MySQL: SUM of exact numbers is DECIMAL, of approximate
// ones DOUBLE.
func sumType(t types.T) types.T {
	switch t.Kind {
	case types.Int64, types.Null:
		return types.DecimalT(maxDecimalPrecision, 0)
	case types.Decimal:
		return types.DecimalT(maxDecimalPrecision, t.Scale)
	}
	return types.Float64T
}

// avgType follows MySQL: AVG of exact numbers is DECIMAL with 4 more
// digits of scale (div_precision_increment), of approximate ones DOUBLE.
func avgType(t types.T) types.T {
	switch t.Kind {
	case types.Int64, types.Null:
		return types.DecimalT(maxDecimalPrecision, 4)
	case types.Decimal:
		return types.DecimalT(maxDecimalPrecision, clampScale(int(t.Scale)+4))
	}
	return types.Float64T
}

// hasOver reports an aggregate used as a window function (OVER ...).
func hasOver(e sqlparser.Expr) bool {
	switch e := e.(type) {
	case *sqlparser.CountStar:
		return e.OverClause != nil
	case *sqlparser.Count:
		return e.OverClause != nil
	case *sqlparser.Sum:
		return e.OverClause != nil
	case *sqlparser.Avg:
		return e.OverClause != nil
	case *sqlparser.Min:
		return e.OverClause != nil
	case *sqlparser.Max:
		return e.OverClause != nil
	}
	return false
}
