package opt

import (
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Conjuncts splits e on AND into its conjuncts, appending to out.
func Conjuncts(e plan.Expr, out []plan.Expr) []plan.Expr {
	if f, ok := e.(*plan.Func); ok && f.Name == "and" && len(f.Args) == 2 {
		out = Conjuncts(f.Args[0], out)
		return Conjuncts(f.Args[1], out)
	}
	return append(out, e)
}

// And combines conjuncts (nil for none).
func And(es []plan.Expr) plan.Expr {
	var out plan.Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = &plan.Func{Name: "and", Args: []plan.Expr{out, e}, T: types.BoolT}
		}
	}
	return out
}

// Usage describes which input columns an expression reads.
type Usage struct {
	Cols        []int // ColRef indexes, possibly repeated
	HasSubquery bool
}

// Use collects the column references of e.
func Use(e plan.Expr) Usage {
	var u Usage
	plan.Walk(e, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.ColRef:
			u.Cols = append(u.Cols, x.Idx)
		case *plan.Subquery:
			u.HasSubquery = true
		}
		return true
	})
	return u
}

// Remap returns a copy of e with every ColRef index i replaced by m(i).
// Subquery plans are shared, not copied: callers must not remap an
// expression holding a correlated subquery (its OuterRefs address the
// original layout).
func Remap(e plan.Expr, m func(int) int) plan.Expr {
	return Transform(e, func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColRef); ok {
			r := *c
			r.Idx = m(c.Idx)
			return &r
		}
		return nil
	})
}

// Transform returns a copy of e in which every node for which leaf returns
// a non-nil expression is replaced by it; the other nodes are copied with
// their children transformed (Func arguments, Case operand, arms and else,
// Cast and InList operands, a Subquery's Arg). Subquery plans are shared,
// not copied. The one traversal behind Remap, substitute and outerToCol.
func Transform(e plan.Expr, leaf func(plan.Expr) plan.Expr) plan.Expr {
	if e == nil {
		return nil
	}
	if r := leaf(e); r != nil {
		return r
	}
	switch e := e.(type) {
	case *plan.Func:
		f := *e
		f.Args = make([]plan.Expr, len(e.Args))
		for i, a := range e.Args {
			f.Args[i] = Transform(a, leaf)
		}
		return &f
	case *plan.Case:
		c := *e
		c.Operand = Transform(e.Operand, leaf)
		c.Whens = make([]plan.When, len(e.Whens))
		for i, w := range e.Whens {
			c.Whens[i] = plan.When{Cond: Transform(w.Cond, leaf), Then: Transform(w.Then, leaf)}
		}
		c.Else = Transform(e.Else, leaf)
		return &c
	case *plan.Cast:
		c := *e
		c.Arg = Transform(e.Arg, leaf)
		return &c
	case *plan.InList:
		c := *e
		c.Arg = Transform(e.Arg, leaf)
		c.List = make([]plan.Expr, len(e.List))
		for i, a := range e.List {
			c.List[i] = Transform(a, leaf)
		}
		return &c
	case *plan.Subquery:
		c := *e
		c.Arg = Transform(e.Arg, leaf)
		return &c
	}
	return e
}

// Prunable reports whether e may serve as a scan PruneFilter: a
// comparison, BETWEEN, IN list or IS [NOT] NULL between one bare column
// and constants. Such predicates cannot raise errors, so evaluating them
// against statistics reveals nothing a Filter would not.
func Prunable(e plan.Expr) bool {
	switch e := e.(type) {
	case *plan.Func:
		switch e.Name {
		case "=", "<", "<=", ">", ">=", "between", "is_null", "is_not_null":
		default:
			return false
		}
		cols := 0
		for _, a := range e.Args {
			switch a.(type) {
			case *plan.ColRef:
				cols++
			case *plan.Const:
			default:
				return false
			}
		}
		return cols == 1
	case *plan.InList:
		if _, ok := e.Arg.(*plan.ColRef); !ok || e.Not {
			return false
		}
		for _, a := range e.List {
			if _, ok := a.(*plan.Const); !ok {
				return false
			}
		}
		return true
	}
	return false
}
