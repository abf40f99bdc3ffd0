package planner

import (
	"fmt"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// checkPlan validates the invariants exec relies on (plan/doc.go): every
// column reference is in range and typed like the column it reads, outer
// references reach an enclosing row, comparison operands share a type,
// and node schemas agree with their expressions.
func checkPlan(n plan.Node, outer [][]plan.Column) error {
	var in []plan.Column
	if len(n.Children()) == 1 {
		in = n.Children()[0].Schema()
	}
	ex := func(e plan.Expr, row []plan.Column) error { return checkExpr(e, row, outer) }
	switch n := n.(type) {
	case *plan.Scan:
		row := make([]plan.Column, len(n.Columns))
		for i, c := range n.Columns {
			row[i] = plan.Column{Name: c.Name, T: c.T}
		}
		for _, f := range n.PruneFilters {
			if err := ex(f, row); err != nil {
				return fmt.Errorf("prune filter: %w", err)
			}
		}
	case *plan.Values:
		for _, r := range n.Rows {
			if len(r) != len(n.Cols) {
				return fmt.Errorf("values row has %d items for %d columns", len(r), len(n.Cols))
			}
			for i, e := range r {
				if err := ex(e, nil); err != nil {
					return err
				}
				if e.Type() != n.Cols[i].T && e.Type().Kind != types.Null {
					return fmt.Errorf("values item %s typed %v, column %v", e, e.Type(), n.Cols[i].T)
				}
			}
		}
	case *plan.Filter:
		if n.Pred.Type() != types.BoolT {
			return fmt.Errorf("filter predicate %s is %v", n.Pred, n.Pred.Type())
		}
		if err := ex(n.Pred, in); err != nil {
			return err
		}
	case *plan.Project:
		if len(n.Exprs) != len(n.Cols) {
			return fmt.Errorf("project has %d exprs, %d cols", len(n.Exprs), len(n.Cols))
		}
		for i, e := range n.Exprs {
			if err := ex(e, in); err != nil {
				return err
			}
			if e.Type() != n.Cols[i].T {
				return fmt.Errorf("project column %s typed %v, expr %s is %v", n.Cols[i].Name, n.Cols[i].T, e, e.Type())
			}
		}
	case *plan.Aggregate:
		if len(n.Cols) != len(n.GroupBy)+len(n.Aggs) {
			return fmt.Errorf("aggregate has %d cols for %d keys + %d aggs", len(n.Cols), len(n.GroupBy), len(n.Aggs))
		}
		for i, g := range n.GroupBy {
			if err := ex(g, in); err != nil {
				return err
			}
			if g.Type() != n.Cols[i].T {
				return fmt.Errorf("group key %s typed %v, column %v", g, g.Type(), n.Cols[i].T)
			}
		}
		for i, a := range n.Aggs {
			if a.Arg != nil {
				if err := ex(a.Arg, in); err != nil {
					return err
				}
			}
			if a.T != n.Cols[len(n.GroupBy)+i].T {
				return fmt.Errorf("aggregate %s typed %v, column %v", a, a.T, n.Cols[len(n.GroupBy)+i].T)
			}
		}
	case *plan.Join:
		l, r := n.Left.Schema(), n.Right.Schema()
		if len(n.LeftKeys) != len(n.RightKeys) {
			return fmt.Errorf("join has %d left keys, %d right keys", len(n.LeftKeys), len(n.RightKeys))
		}
		for i := range n.LeftKeys {
			if err := ex(n.LeftKeys[i], l); err != nil {
				return fmt.Errorf("left key: %w", err)
			}
			if err := ex(n.RightKeys[i], r); err != nil {
				return fmt.Errorf("right key: %w", err)
			}
			if n.LeftKeys[i].Type().Kind != n.RightKeys[i].Type().Kind {
				return fmt.Errorf("join keys %s (%v) and %s (%v) differ", n.LeftKeys[i], n.LeftKeys[i].Type(), n.RightKeys[i], n.RightKeys[i].Type())
			}
		}
		if n.Extra != nil {
			if err := ex(n.Extra, append(append([]plan.Column(nil), l...), r...)); err != nil {
				return fmt.Errorf("join extra: %w", err)
			}
		}
	case *plan.Sort:
		for _, k := range n.Keys {
			if err := ex(k.Expr, in); err != nil {
				return err
			}
		}
	case *plan.Union:
		first := n.Inputs[0].Schema()
		for _, x := range n.Inputs[1:] {
			s := x.Schema()
			if len(s) != len(first) {
				return fmt.Errorf("union inputs differ in width")
			}
			for i := range s {
				if s[i].T != first[i].T {
					return fmt.Errorf("union column %d: %v vs %v", i, first[i].T, s[i].T)
				}
			}
		}
	}
	for _, c := range n.Children() {
		if err := checkPlan(c, outer); err != nil {
			return err
		}
	}
	return nil
}

var sameTypeOps = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "<=>": true,
	"between": true, "not_between": true, "+": true, "-": true, "*": true, "/": true, "%": true, "div": true}

func checkExpr(e plan.Expr, row []plan.Column, outer [][]plan.Column) error {
	var err error
	plan.Walk(e, func(x plan.Expr) bool {
		if err != nil {
			return false
		}
		switch x := x.(type) {
		case *plan.ColRef:
			if x.Idx < 0 || x.Idx >= len(row) {
				err = fmt.Errorf("%s: column #%d out of range (%d columns)", e, x.Idx, len(row))
			} else if row[x.Idx].T != x.T {
				err = fmt.Errorf("%s: column #%d typed %v, reads %v", e, x.Idx, x.T, row[x.Idx].T)
			}
		case *plan.OuterRef:
			if x.Depth < 1 || x.Depth > len(outer) {
				err = fmt.Errorf("%s: outer depth %d with %d enclosing rows", e, x.Depth, len(outer))
				return false
			}
			o := outer[len(outer)-x.Depth]
			if x.Idx < 0 || x.Idx >= len(o) || o[x.Idx].T != x.T {
				err = fmt.Errorf("%s: outer ref #%d (%v) does not match enclosing row", e, x.Idx, x.T)
			}
		case *plan.Func:
			if sameTypeOps[x.Name] && len(x.Args) >= 2 {
				k := x.Args[0].Type().Kind
				for _, a := range x.Args[1:] {
					if a.Type().Kind != k {
						err = fmt.Errorf("%s: operands of %s typed %v and %v", e, x.Name, x.Args[0].Type(), a.Type())
					}
				}
			}
		case *plan.InList:
			for _, a := range x.List {
				if a.Type().Kind != x.Arg.Type().Kind {
					err = fmt.Errorf("%s: IN list item typed %v, argument %v", e, a.Type(), x.Arg.Type())
				}
			}
		case *plan.Subquery:
			if x.Kind == plan.InSubquery {
				if s := x.Plan.Schema(); len(s) != 1 || s[0].T.Kind != x.Arg.Type().Kind {
					err = fmt.Errorf("%s: IN subquery column does not match argument %v", e, x.Arg.Type())
					return false
				}
			}
			err = checkPlan(x.Plan, append(append([][]plan.Column(nil), outer...), row))
		}
		return err == nil
	})
	return err
}
