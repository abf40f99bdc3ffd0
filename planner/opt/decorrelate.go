package opt

import (
	"github.com/sluicedb/sluice/planner/plan"
)

// Decorrelate turns [NOT] EXISTS and IN subqueries that are conjuncts of a
// Filter into semi / anti joins with the Filter's input:
//
//	Filter(p AND EXISTS(Q))  →  SemiJoin(Filter(p), Q')
//
// where Q' is Q with its correlated predicates pulled up into the join's
// keys (inner = outer equalities) and Extra. Only these are rewritten:
//
//   - EXISTS / NOT EXISTS, and IN (never NOT IN: with NULLs it is not an
//     anti join), appearing as a top-level conjunct of a Filter, where a
//     NULL result and false both drop the row, so a semi join is exact;
//   - subqueries whose outer references reach only the Filter's input row
//     (depth 1) and sit in Filters and inner joins that predicates can be
//     pulled out of; anything else stays a subquery, which exec evaluates
//     (with caching) row by row.
//
// A semi join outputs exactly the left columns, so the Filter's layout and
// every other expression above it are unchanged.
func Decorrelate(n plan.Node) plan.Node {
	return decorrelate(n)
}

func decorrelate(n plan.Node) plan.Node {
	switch n := n.(type) {
	case *plan.Filter:
		in := decorrelate(n.Input)
		var rest []plan.Expr
		var joins []*plan.Join
		var extras [][]plan.Expr
		for _, c := range Conjuncts(decorrelateExprPlans(n.Pred), nil) {
			if j, extra := semiJoinFor(c); j != nil {
				joins = append(joins, j)
				extras = append(extras, extra)
				continue
			}
			rest = append(rest, c)
		}
		out := in
		if len(rest) > 0 {
			out = &plan.Filter{Input: in, Pred: And(rest)}
		}
		// Semi and anti joins output the left row unchanged, so every join
		// sees the same left layout: the Filter's input.
		lw := Width(in)
		for i, j := range joins {
			j.Left = out
			var ex []plan.Expr
			for _, p := range extras[i] {
				// Extra reads left columns then right ones: right ColRefs
				// shift by the left width, outer references become left
				// columns.
				ex = append(ex, outerToCol(Remap(p, func(k int) int { return k + lw }), 0))
			}
			j.Extra = And(ex)
			out = j
		}
		return out
	case *plan.Project:
		exprs := make([]plan.Expr, len(n.Exprs))
		for i, e := range n.Exprs {
			exprs[i] = decorrelateExprPlans(e)
		}
		return &plan.Project{Input: decorrelate(n.Input), Exprs: exprs, Cols: n.Cols}
	case *plan.Aggregate:
		cp := *n
		cp.Input = decorrelate(n.Input)
		return &cp
	case *plan.Join:
		cp := *n
		cp.Left, cp.Right = decorrelate(n.Left), decorrelate(n.Right)
		cp.Extra = decorrelateExprPlans(n.Extra)
		return &cp
	case *plan.Sort:
		cp := *n
		cp.Input = decorrelate(n.Input)
		cp.Keys = make([]plan.SortKey, len(n.Keys))
		for i, k := range n.Keys {
			cp.Keys[i] = plan.SortKey{Expr: decorrelateExprPlans(k.Expr), Desc: k.Desc}
		}
		return &cp
	case *plan.Limit:
		cp := *n
		cp.Input = decorrelate(n.Input)
		return &cp
	case *plan.Distinct:
		return &plan.Distinct{Input: decorrelate(n.Input)}
	case *plan.Union:
		out := &plan.Union{All: n.All}
		for _, in := range n.Inputs {
			out.Inputs = append(out.Inputs, decorrelate(in))
		}
		return out
	}
	return n
}

// decorrelateExprPlans rewrites the plans of the subqueries inside e.
func decorrelateExprPlans(e plan.Expr) plan.Expr {
	if e == nil || !hasSubquery(e) {
		return e
	}
	e = Remap(e, func(i int) int { return i }) // copy, so the plans can be replaced
	plan.Walk(e, func(x plan.Expr) bool {
		if s, ok := x.(*plan.Subquery); ok {
			s.Plan = decorrelate(s.Plan)
		}
		return true
	})
	return e
}

// reach returns how many levels above n's own level its outer references
// go (0: uncorrelated, 1: only the holder row of n's subquery, ...).
func reach(n plan.Node, k int) int {
	r := 0
	visit := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch x := x.(type) {
			case *plan.OuterRef:
				r = max(r, x.Depth-k)
			case *plan.Subquery:
				r = max(r, reach(x.Plan, k+1))
			}
			return true
		})
	}
	forEachExpr(n, visit)
	for _, c := range n.Children() {
		r = max(r, reach(c, k))
	}
	return r
}

// forEachExpr calls fn for every expression a node holds directly.
func forEachExpr(n plan.Node, fn func(plan.Expr)) {
	switch n := n.(type) {
	case *plan.Scan:
		for _, e := range n.PruneFilters {
			fn(e)
		}
		if n.Secure != nil {
			fn(n.Secure.RowFilter)
			for _, e := range n.Secure.CellGuards {
				fn(e)
			}
			for _, e := range n.Secure.Masks {
				fn(e)
			}
		}
	case *plan.Values:
		for _, r := range n.Rows {
			for _, e := range r {
				fn(e)
			}
		}
	case *plan.Filter:
		fn(n.Pred)
	case *plan.Project:
		for _, e := range n.Exprs {
			fn(e)
		}
	case *plan.Aggregate:
		for _, e := range n.GroupBy {
			fn(e)
		}
		for _, a := range n.Aggs {
			fn(a.Arg)
		}
	case *plan.Join:
		for _, e := range n.LeftKeys {
			fn(e)
		}
		for _, e := range n.RightKeys {
			fn(e)
		}
		fn(n.Extra)
	case *plan.Sort:
		for _, k := range n.Keys {
			fn(k.Expr)
		}
	}
}

// exprReach is reach for one expression evaluated at level 0.
func exprReach(e plan.Expr) (outer bool, beyond bool) {
	plan.Walk(e, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.OuterRef:
			if x.Depth == 1 {
				outer = true
			} else {
				beyond = true
			}
		case *plan.Subquery:
			if r := reach(x.Plan, 1); r >= 1 {
				beyond = true // a nested subquery reaching our level or above
			}
		}
		return true
	})
	return
}

// semiJoinFor returns the semi / anti join replacing conjunct c (without
// its left input) and the predicates for its Extra, still over the right
// layout with outer references; or nil.
func semiJoinFor(c plan.Expr) (*plan.Join, []plan.Expr) {
	s, ok := c.(*plan.Subquery)
	if !ok {
		return nil, nil
	}
	kind := plan.SemiJoin
	switch s.Kind {
	case plan.ExistsSubquery:
		if s.Not {
			kind = plan.AntiJoin
		}
	case plan.InSubquery:
		if s.Not {
			return nil, nil // NOT IN is NULL-aware: not an anti join
		}
		if out, beyond := exprReach(s.Arg); out || beyond {
			return nil, nil // the argument is evaluated over the left row; no outer refs expected
		}
	default:
		return nil, nil
	}
	if reach(s.Plan, 0) > 1 {
		return nil, nil
	}
	// Peel what cannot change whether a row matches: DISTINCT and ORDER BY
	// (for IN and EXISTS), LIMIT n > 0 without OFFSET (EXISTS only), and
	// projections, composed so that for IN the single output is the key.
	body := s.Plan
	var projected []plan.Expr
peel:
	for {
		switch x := body.(type) {
		case *plan.Distinct:
			body = x.Input
		case *plan.Sort:
			body = x.Input
		case *plan.Limit:
			if s.Kind != plan.ExistsSubquery || x.Offset != 0 || x.Count == 0 {
				break peel
			}
			body = x.Input
		case *plan.Project:
			if hasSubquery(x.Exprs...) {
				break peel
			}
			if projected == nil {
				projected = append([]plan.Expr(nil), x.Exprs...)
			} else {
				for i, e := range projected {
					projected[i] = substitute(e, x.Exprs)
				}
			}
			body = x.Input
		default:
			break peel
		}
	}
	if s.Kind == plan.InSubquery {
		if len(projected) != 1 {
			return nil, nil
		}
		if out, beyond := exprReach(projected[0]); out || beyond || hasSubquery(projected[0]) {
			return nil, nil
		}
	}
	right, preds, ok := pullUp(body)
	if !ok {
		return nil, nil
	}
	j := &plan.Join{Kind: kind, Right: right}
	if s.Kind == plan.InSubquery {
		j.LeftKeys = append(j.LeftKeys, s.Arg)
		j.RightKeys = append(j.RightKeys, projected[0])
	}
	var extra []plan.Expr
	for _, p := range preds {
		if f, ok := p.(*plan.Func); ok && f.Name == "=" && len(f.Args) == 2 {
			a, b := f.Args[0], f.Args[1]
			if onlyOuter(a) && onlyInner(b) {
				j.LeftKeys = append(j.LeftKeys, outerToCol(a, 0))
				j.RightKeys = append(j.RightKeys, b)
				continue
			}
			if onlyOuter(b) && onlyInner(a) {
				j.LeftKeys = append(j.LeftKeys, outerToCol(b, 0))
				j.RightKeys = append(j.RightKeys, a)
				continue
			}
		}
		extra = append(extra, p)
	}
	return j, extra
}

// substitute replaces ColRef i in e by inner[i].
func substitute(e plan.Expr, inner []plan.Expr) plan.Expr {
	return Transform(e, func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColRef); ok {
			return inner[c.Idx]
		}
		return nil
	})
}

func onlyOuter(e plan.Expr) bool {
	ok, any := true, false
	plan.Walk(e, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.ColRef, *plan.Subquery:
			ok = false
		case *plan.OuterRef:
			if x.Depth != 1 {
				ok = false
			}
			any = true
		}
		return ok
	})
	return ok && any
}

func onlyInner(e plan.Expr) bool {
	ok := true
	plan.Walk(e, func(x plan.Expr) bool {
		switch x.(type) {
		case *plan.OuterRef, *plan.Subquery:
			ok = false
		}
		return ok
	})
	return ok
}

// outerToCol turns depth-1 OuterRefs into ColRefs at offset+idx.
func outerToCol(e plan.Expr, offset int) plan.Expr {
	return Transform(e, func(x plan.Expr) plan.Expr {
		if o, ok := x.(*plan.OuterRef); ok {
			return &plan.ColRef{Idx: offset + o.Idx, T: o.T, Name: o.Name}
		}
		return nil
	})
}

// pullUp removes the predicates that read the outer row (depth-1
// OuterRefs) from the Filters and inner joins of n and returns them over
// n's output layout. ok is false when an outer reference sits somewhere it
// cannot be pulled from (under an aggregate, limit, outer join, ...).
func pullUp(n plan.Node) (plan.Node, []plan.Expr, bool) {
	switch n := n.(type) {
	case *plan.Filter:
		in, preds, ok := pullUp(n.Input)
		if !ok {
			return nil, nil, false
		}
		var keep []plan.Expr
		for _, c := range Conjuncts(n.Pred, nil) {
			outer, beyond := exprReach(c)
			switch {
			case beyond || (outer && hasSubquery(c)):
				return nil, nil, false
			case outer:
				preds = append(preds, c)
			default:
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return in, preds, true
		}
		return &plan.Filter{Input: in, Pred: And(keep)}, preds, true
	case *plan.Join:
		if n.Kind != plan.InnerJoin {
			break
		}
		for _, k := range append(append([]plan.Expr(nil), n.LeftKeys...), n.RightKeys...) {
			if o, b := exprReach(k); o || b {
				return nil, nil, false
			}
		}
		l, lp, ok := pullUp(n.Left)
		if !ok {
			return nil, nil, false
		}
		r, rp, ok := pullUp(n.Right)
		if !ok {
			return nil, nil, false
		}
		lw := Width(n.Left)
		preds := lp
		for _, p := range rp {
			preds = append(preds, Remap(p, func(i int) int { return i + lw }))
		}
		cp := *n
		cp.Left, cp.Right = l, r
		if n.Extra != nil {
			var keep []plan.Expr
			for _, c := range Conjuncts(n.Extra, nil) {
				outer, beyond := exprReach(c)
				switch {
				case beyond || (outer && hasSubquery(c)):
					return nil, nil, false
				case outer:
					preds = append(preds, c)
				default:
					keep = append(keep, c)
				}
			}
			cp.Extra = And(keep)
		}
		return &cp, preds, true
	case *plan.Project:
		// a projection that keeps every column in order (the FROM-order
		// restore) passes predicates through after remapping
		if len(n.Exprs) != Width(n.Input) || hasSubquery(n.Exprs...) {
			break
		}
		inv := make([]int, len(n.Exprs))
		seen := make([]bool, len(n.Exprs))
		for i, e := range n.Exprs {
			c, ok := e.(*plan.ColRef)
			if !ok || c.Idx < 0 || c.Idx >= len(seen) || seen[c.Idx] {
				return pullUpLeaf(n)
			}
			seen[c.Idx] = true
			inv[c.Idx] = i
		}
		in, preds, ok := pullUp(n.Input)
		if !ok {
			return nil, nil, false
		}
		for i, p := range preds {
			preds[i] = Remap(p, func(j int) int { return inv[j] })
		}
		return &plan.Project{Input: in, Exprs: n.Exprs, Cols: n.Cols}, preds, true
	}
	return pullUpLeaf(n)
}

// pullUpLeaf accepts a subtree only if it does not read the outer row.
func pullUpLeaf(n plan.Node) (plan.Node, []plan.Expr, bool) {
	if reach(n, 0) > 0 {
		return nil, nil, false
	}
	return n, nil, true
}
