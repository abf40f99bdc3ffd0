package opt

import (
	"github.com/sluicedb/sluice/planner/plan"
)

// PushFilters moves filter conjuncts down the plan, through projections
// (substituting the projected expressions), DISTINCT, ORDER BY, UNION
// inputs, the group keys of an aggregate, the preserved side of a LEFT
// JOIN and both sides of inner / semi / anti joins, until they sit
// directly above a scan, where they also become PruneFilters.
//
// Rules: conjuncts holding a subquery never move (their OuterRefs address
// the row of the node holding them); nothing moves below a LIMIT or into
// the NULL-padded side of a LEFT JOIN; a conjunct moves below an
// aggregate only if it reads group keys alone and there is at least one
// (a global aggregate yields a row even for empty input). Every node keeps
// its output layout, and filters are only ever placed above a relation,
// never inside a secure scan (opt/doc.go).
func PushFilters(n plan.Node) plan.Node { return push(n, nil) }

// push returns a node equivalent to Filter(preds) over n, with preds
// (over n's output) placed as low as they can go.
func push(n plan.Node, preds []plan.Expr) plan.Node {
	switch n := n.(type) {
	case *plan.Filter:
		var fixed []plan.Expr
		for _, c := range Conjuncts(n.Pred, nil) {
			if hasSubquery(c) {
				fixed = append(fixed, c)
			} else {
				preds = append(preds, c)
			}
		}
		// conjuncts from above that hold subqueries are not in preds
		return withFilter(push(n.Input, preds), fixed)
	case *plan.Project:
		if hasSubquery(n.Exprs...) {
			return withFilter(&plan.Project{Input: push(n.Input, nil), Exprs: n.Exprs, Cols: n.Cols}, preds)
		}
		down := make([]plan.Expr, len(preds))
		for i, p := range preds {
			down[i] = substitute(p, n.Exprs)
		}
		return &plan.Project{Input: push(n.Input, down), Exprs: n.Exprs, Cols: n.Cols}
	case *plan.Sort:
		return &plan.Sort{Input: push(n.Input, preds), Keys: n.Keys}
	case *plan.Distinct:
		return &plan.Distinct{Input: push(n.Input, preds)}
	case *plan.Limit:
		return withFilter(&plan.Limit{Input: push(n.Input, nil), Offset: n.Offset, Count: n.Count}, preds)
	case *plan.Union:
		out := &plan.Union{All: n.All}
		for _, in := range n.Inputs {
			out.Inputs = append(out.Inputs, push(in, preds))
		}
		return out
	case *plan.Aggregate:
		var down, stay []plan.Expr
		for _, p := range preds {
			u := Use(p)
			ok := len(u.Cols) > 0 && !u.HasSubquery
			for _, c := range u.Cols {
				if c >= len(n.GroupBy) {
					ok = false
				}
			}
			if ok {
				down = append(down, substitute(p, n.GroupBy))
			} else {
				stay = append(stay, p)
			}
		}
		cp := *n
		cp.Input = push(n.Input, down)
		return withFilter(&cp, stay)
	case *plan.Join:
		lw := Width(n.Left)
		var left, right, stay []plan.Expr
		for _, p := range preds {
			switch sideOfCols(p, lw) {
			case 0:
				left = append(left, p)
			case 1:
				if n.Kind == plan.InnerJoin {
					right = append(right, Remap(p, func(i int) int { return i - lw }))
				} else {
					stay = append(stay, p)
				}
			default:
				stay = append(stay, p)
			}
		}
		cp := *n
		cp.Left = push(n.Left, left)
		cp.Right = push(n.Right, right)
		if n.Kind == plan.InnerJoin && len(stay) > 0 {
			// on an inner join a predicate over both sides is join work
			if n.Extra != nil {
				stay = append([]plan.Expr{n.Extra}, stay...)
			}
			cp.Extra = And(stay)
			stay = nil
		}
		return withFilter(&cp, stay)
	case *plan.Scan:
		if len(preds) == 0 {
			return n
		}
		if n.Secure == nil {
			cp := *n
			cp.PruneFilters = append([]plan.Expr(nil), n.PruneFilters...)
			for _, p := range preds {
				if Prunable(p) && !containsExpr(cp.PruneFilters, p) {
					cp.PruneFilters = append(cp.PruneFilters, p)
				}
			}
			return &plan.Filter{Input: &cp, Pred: And(preds)}
		}
		return &plan.Filter{Input: n, Pred: And(preds)}
	}
	return withFilter(n, preds)
}

// sideOfCols: 0 when e reads only columns < lw, 1 only >= lw, -1 mixed,
// none, or holding a subquery.
func sideOfCols(e plan.Expr, lw int) int {
	u := Use(e)
	if u.HasSubquery || len(u.Cols) == 0 {
		return -1
	}
	side := -2
	for _, c := range u.Cols {
		s := 0
		if c >= lw {
			s = 1
		}
		if side != -2 && side != s {
			return -1
		}
		side = s
	}
	return side
}

func containsExpr(es []plan.Expr, e plan.Expr) bool {
	k := e.String()
	for _, x := range es {
		if x.String() == k {
			return true
		}
	}
	return false
}
