package opt

import (
	"github.com/sluicedb/sluice/planner/plan"
)

// PruneColumns removes columns no operator needs, so scans read only the
// columns a query uses, and folds projections that only rename or reorder
// columns into the projection above them. The root keeps all its output
// columns, in order.
//
// Rule for subqueries: a node whose expressions hold a correlated subquery
// keeps its whole input row unchanged, because OuterRefs inside the
// subquery address that row by position. Subquery plans are pruned on their own (all their
// outputs needed), which is safe for the same reason one level down.
// Secure scans are narrowed by pruneSecure, which keeps everything the
// policy reads for the columns that stay (secure_prune.go).
func PruneColumns(n plan.Node) plan.Node {
	need := make([]bool, Width(n))
	for i := range need {
		need[i] = true
	}
	out, _ := prune(n, need)
	return out
}

func all(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

func markUsed(e plan.Expr, need []bool) {
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColRef); ok && c.Idx >= 0 && c.Idx < len(need) {
			need[c.Idx] = true
		}
		return true
	})
}

func hasSubquery(es ...plan.Expr) bool {
	found := false
	for _, e := range es {
		plan.Walk(e, func(x plan.Expr) bool {
			if _, ok := x.(*plan.Subquery); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// readsHolderRow reports whether a subquery inside es reads the row of
// the node holding it (an OuterRef reaching that level or beyond): only
// then must that row keep its layout.
func readsHolderRow(es ...plan.Expr) bool {
	found := false
	for _, e := range es {
		plan.Walk(e, func(x plan.Expr) bool {
			if s, ok := x.(*plan.Subquery); ok && reach(s.Plan, 0) >= 1 {
				found = true
			}
			return !found
		})
	}
	return found
}

// remap rewrites column references through m and prunes subquery plans.
func remap(e plan.Expr, m []int) plan.Expr {
	if e == nil {
		return nil
	}
	e = Remap(e, func(i int) int {
		if i >= 0 && i < len(m) && m[i] >= 0 {
			return m[i]
		}
		return i // unreachable when the need sets are right
	})
	return pruneSubqueries(e)
}

// pruneSubqueries replaces every subquery plan in e by its pruned copy.
// Remap already copied the expression nodes, so mutating them is safe.
func pruneSubqueries(e plan.Expr) plan.Expr {
	plan.Walk(e, func(x plan.Expr) bool {
		if s, ok := x.(*plan.Subquery); ok {
			s.Plan = PruneColumns(s.Plan)
		}
		return true
	})
	return e
}

// prune returns a node producing (at least) the needed columns of n and
// the mapping from n's output positions to the new ones (-1: dropped).
func prune(n plan.Node, need []bool) (plan.Node, []int) {
	switch n := n.(type) {
	case *plan.Scan:
		if n.Secure != nil {
			return pruneSecure(n, need)
		}
		m := make([]int, len(n.Columns))
		var cols []plan.ScanColumn
		for i, c := range n.Columns {
			m[i] = -1
			// Partition keys are kept: they cost no I/O, and with all of
			// them present exec maps PartitionRef.Values (in the table's
			// key order) to columns by position rather than by parsing
			// the partition location.
			if need[i] || c.PartitionKey {
				m[i] = len(cols)
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 && len(n.Columns) > 0 {
			// keep one column so the scan still yields its row count;
			// prefer a file column over a partition key
			k := 0
			for i, c := range n.Columns {
				if !c.PartitionKey {
					k = i
					break
				}
			}
			m[k] = 0
			cols = append(cols, n.Columns[k])
		}
		if len(cols) == len(n.Columns) {
			return n, identity(len(need))
		}
		cp := *n
		cp.Columns = cols
		cp.PruneFilters = make([]plan.Expr, 0, len(n.PruneFilters))
		for _, f := range n.PruneFilters {
			ok := true
			plan.Walk(f, func(x plan.Expr) bool {
				if c, isCol := x.(*plan.ColRef); isCol && m[c.Idx] < 0 {
					ok = false
				}
				return ok
			})
			if ok {
				cp.PruneFilters = append(cp.PruneFilters, Remap(f, func(i int) int { return m[i] }))
			}
		}
		return &cp, m
	case *plan.Values:
		return n, identity(len(need))
	case *plan.Filter:
		width := Width(n.Input)
		var childNeed []bool
		if readsHolderRow(n.Pred) {
			childNeed = all(width)
		} else {
			childNeed = append([]bool(nil), need...)
			markUsed(n.Pred, childNeed)
		}
		in, m := prune(n.Input, childNeed)
		return &plan.Filter{Input: in, Pred: remap(n.Pred, m)}, m
	case *plan.Project:
		width := Width(n.Input)
		keep := make([]int, 0, len(n.Exprs))
		for i := range n.Exprs {
			if need[i] {
				keep = append(keep, i)
			}
		}
		if len(keep) == 0 && len(n.Exprs) > 0 {
			keep = append(keep, 0)
		}
		childNeed := make([]bool, width)
		sub := false
		for _, i := range keep {
			if readsHolderRow(n.Exprs[i]) {
				sub = true
			}
			markUsed(n.Exprs[i], childNeed)
		}
		if sub {
			childNeed = all(width)
		}
		in, cm := prune(n.Input, childNeed)
		m := make([]int, len(n.Exprs))
		for i := range m {
			m[i] = -1
		}
		exprs := make([]plan.Expr, len(keep))
		cols := make([]plan.Column, len(keep))
		for j, i := range keep {
			m[i] = j
			exprs[j] = remap(n.Exprs[i], cm)
			cols[j] = n.Cols[i]
		}
		// fold a child projection that only selects columns
		if inner, ok := in.(*plan.Project); ok && !sub && onlyColRefs(inner.Exprs) {
			for j, e := range exprs {
				exprs[j] = Remap(e, func(i int) int { return inner.Exprs[i].(*plan.ColRef).Idx })
			}
			in = inner.Input
		}
		// a projection that only selects columns of a child projection
		// takes the child's expressions directly (same input row, so even
		// subqueries keep their meaning)
		if inner, ok := in.(*plan.Project); ok && onlyColRefs(exprs) {
			folded := make([]plan.Expr, len(exprs))
			for j, e := range exprs {
				folded[j] = inner.Exprs[e.(*plan.ColRef).Idx]
			}
			return &plan.Project{Input: inner.Input, Exprs: folded, Cols: cols}, m
		}
		if isIdentity(exprs, in) {
			// keep the names of this projection: they are the result's
			if sameNames(cols, in.Schema()) {
				return in, m
			}
		}
		return &plan.Project{Input: in, Exprs: exprs, Cols: cols}, m
	case *plan.Aggregate:
		width := Width(n.Input)
		childNeed := make([]bool, width)
		var all_ []plan.Expr
		all_ = append(all_, n.GroupBy...)
		for _, a := range n.Aggs {
			if a.Arg != nil {
				all_ = append(all_, a.Arg)
			}
		}
		if readsHolderRow(all_...) {
			childNeed = all(width)
		} else {
			for _, e := range all_ {
				markUsed(e, childNeed)
			}
		}
		in, cm := prune(n.Input, childNeed)
		out := &plan.Aggregate{Input: in, Cols: n.Cols}
		for _, g := range n.GroupBy {
			out.GroupBy = append(out.GroupBy, remap(g, cm))
		}
		for _, a := range n.Aggs {
			a.Arg = remap(a.Arg, cm)
			out.Aggs = append(out.Aggs, a)
		}
		return out, identity(len(need))
	case *plan.Join:
		lw := Width(n.Left)
		rw := Width(n.Right)
		ln, rn := make([]bool, lw), make([]bool, rw)
		if readsHolderRow(n.Extra) || readsHolderRow(n.LeftKeys...) || readsHolderRow(n.RightKeys...) {
			ln, rn = all(lw), all(rw)
		} else {
			for i := range need {
				if !need[i] {
					continue
				}
				if i < lw {
					ln[i] = true
				} else {
					rn[i-lw] = true
				}
			}
			for _, k := range n.LeftKeys {
				markUsed(k, ln)
			}
			for _, k := range n.RightKeys {
				markUsed(k, rn)
			}
			if n.Extra != nil {
				both := make([]bool, lw+rw)
				markUsed(n.Extra, both)
				for i, u := range both {
					if u && i < lw {
						ln[i] = true
					} else if u {
						rn[i-lw] = true
					}
				}
			}
		}
		l, lm := prune(n.Left, ln)
		r, rm := prune(n.Right, rn)
		newLW := Width(l)
		m := make([]int, lw+rw)
		copy(m, lm)
		for i, x := range rm {
			if x >= 0 {
				m[lw+i] = newLW + x
			} else {
				m[lw+i] = -1
			}
		}
		out := &plan.Join{Kind: n.Kind, Left: l, Right: r}
		for _, k := range n.LeftKeys {
			out.LeftKeys = append(out.LeftKeys, remap(k, lm))
		}
		for _, k := range n.RightKeys {
			out.RightKeys = append(out.RightKeys, remap(k, rm))
		}
		out.Extra = remap(n.Extra, m)
		if n.Kind == plan.SemiJoin || n.Kind == plan.AntiJoin {
			return out, lm
		}
		return out, m
	case *plan.Sort:
		childNeed := append([]bool(nil), need...)
		keys := make([]plan.Expr, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = k.Expr
		}
		if readsHolderRow(keys...) {
			childNeed = all(len(need))
		} else {
			for _, k := range keys {
				markUsed(k, childNeed)
			}
		}
		in, m := prune(n.Input, childNeed)
		out := &plan.Sort{Input: in}
		for _, k := range n.Keys {
			out.Keys = append(out.Keys, plan.SortKey{Expr: remap(k.Expr, m), Desc: k.Desc})
		}
		return out, m
	case *plan.Limit:
		in, m := prune(n.Input, need)
		return &plan.Limit{Input: in, Offset: n.Offset, Count: n.Count}, m
	case *plan.Distinct:
		in, m := prune(n.Input, all(len(need)))
		return &plan.Distinct{Input: in}, m
	case *plan.Union:
		out := &plan.Union{All: n.All}
		for _, in := range n.Inputs {
			x, _ := prune(in, all(len(need)))
			out.Inputs = append(out.Inputs, x)
		}
		return out, identity(len(need))
	}
	return n, identity(len(need))
}

func onlyColRefs(es []plan.Expr) bool {
	for _, e := range es {
		if _, ok := e.(*plan.ColRef); !ok {
			return false
		}
	}
	return true
}

// isIdentity reports whether exprs read in's columns 0..n-1 in order.
func isIdentity(exprs []plan.Expr, in plan.Node) bool {
	if len(exprs) != Width(in) {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*plan.ColRef)
		if !ok || c.Idx != i {
			return false
		}
	}
	return true
}

func sameNames(a, b []plan.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].T != b[i].T || a[i].Table != b[i].Table {
			return false
		}
	}
	return true
}

// Width is the number of output columns of n, computed without building
// the schema (a join's Schema allocates the concatenation at every level,
// which is quadratic over a 64-table join tree).
func Width(n plan.Node) int {
	switch n := n.(type) {
	case *plan.Join:
		if n.Kind == plan.SemiJoin || n.Kind == plan.AntiJoin {
			return Width(n.Left)
		}
		return Width(n.Left) + Width(n.Right)
	case *plan.Filter:
		return Width(n.Input)
	case *plan.Sort:
		return Width(n.Input)
	case *plan.Limit:
		return Width(n.Input)
	case *plan.Distinct:
		return Width(n.Input)
	case *plan.Project:
		return len(n.Cols)
	case *plan.Aggregate:
		return len(n.Cols)
	case *plan.Values:
		return len(n.Cols)
	case *plan.Scan:
		if n.Secure != nil {
			return len(n.Secure.OutputCols)
		}
		return len(n.Columns)
	case *plan.Union:
		return Width(n.Inputs[0])
	}
	return len(n.Schema())
}
