package plan

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// Expr is a typed scalar expression.
type Expr interface {
	Type() types.T
	String() string
	expr()
}

// ColRef reads column Idx of the input row.
type ColRef struct {
	Idx  int
	T    types.T
	Name string // for EXPLAIN and error messages only
}

// OuterRef reads column Idx of the row of an enclosing query, Depth levels up.
type OuterRef struct {
	Depth int
	Idx   int
	T     types.T
	Name  string
}

// Const is a literal.
type Const struct {
	V types.Value
	T types.T
}

// Func applies a named scalar function or operator. Names are lower case.
//
// Operators: "+", "-", "*", "/" (MySQL: always non-integer result, x/0 is
// NULL), "div" (integer division, x div 0 is NULL), "%" (mod; x%0 is NULL),
// "neg", "=", "<>", "<", "<=", ">", ">=", "<=>" (null-safe equal), "and",
// "or", "not", "xor", "is_null", "is_not_null", "is_true", "is_false", "like",
// "not_like" (Args[2], when present, is the escape character), "between"
// (x, lo, hi), "not_between", "concat", "||".
//
// Functions: "abs", "coalesce", "ifnull", "nullif", "if", "greatest",
// "least", "length", "char_length", "lower", "upper", "substring", "trim",
// "ltrim", "rtrim", "replace", "round", "floor", "ceil", "sign", "sqrt",
// "power", "mod", "year", "month", "day", "date_trunc", "date_add_days",
// "extract_*", ... exec documents the full list it implements; the planner
// must only emit names exec knows (exec.FuncSupported).
type Func struct {
	Name string
	Args []Expr
	T    types.T
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE ...] END. With Operand nil
// each When is a boolean condition; otherwise When[i] is compared to Operand
// with "=". A missing Else is NULL.
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr
	T       types.T
}

// When is one arm of a Case.
type When struct {
	Cond, Then Expr
}

// Cast converts Arg to T with MySQL semantics (CAST(x AS SIGNED) truncates
// toward zero for floats from strings it takes the leading numeric prefix).
type Cast struct {
	Arg Expr
	T   types.T
}

// InList is Arg [NOT] IN (List...), three-valued: NULL when Arg is NULL or no
// element matches and some element is NULL.
type InList struct {
	Arg  Expr
	List []Expr
	Not  bool
}

// SubqueryKind tells how a Subquery's rows become a value.
type SubqueryKind uint8

const (
	// ScalarSubquery yields the single column of the single row (NULL if no
	// row; an error if more than one row).
	ScalarSubquery SubqueryKind = iota
	// ExistsSubquery yields true iff the subquery returns a row.
	ExistsSubquery
	// InSubquery yields Arg [NOT] IN (subquery) with three-valued logic.
	InSubquery
)

// Subquery evaluates Plan, possibly once per outer row when Correlated.
// Inside Plan, OuterRef{Depth: 1} refers to the input row of the node that
// holds this expression.
type Subquery struct {
	Kind       SubqueryKind
	Plan       Node
	Arg        Expr // InSubquery only
	Not        bool // InSubquery: NOT IN; ExistsSubquery: NOT EXISTS
	Correlated bool // Plan contains OuterRefs reaching this level
	T          types.T
}

func (*ColRef) expr()   {}
func (*OuterRef) expr() {}
func (*Const) expr()    {}
func (*Func) expr()     {}
func (*Case) expr()     {}
func (*Cast) expr()     {}
func (*InList) expr()   {}
func (*Subquery) expr() {}

func (e *ColRef) Type() types.T   { return e.T }
func (e *OuterRef) Type() types.T { return e.T }
func (e *Const) Type() types.T    { return e.T }
func (e *Func) Type() types.T     { return e.T }
func (e *Case) Type() types.T     { return e.T }
func (e *Cast) Type() types.T     { return e.T }
func (e *InList) Type() types.T   { return types.BoolT }
func (e *Subquery) Type() types.T { return e.T }

func (e *ColRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Idx)
}
func (e *OuterRef) String() string {
	if e.Name != "" {
		return fmt.Sprintf("outer(%s)", e.Name)
	}
	return fmt.Sprintf("outer%d#%d", e.Depth, e.Idx)
}
func (e *Const) String() string {
	if e.V.Null {
		return "NULL"
	}
	if e.V.Kind == types.String {
		return "'" + strings.ReplaceAll(e.V.S, "'", "''") + "'"
	}
	return e.V.String()
}
func (e *Func) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	if len(args) == 2 && isInfix(e.Name) {
		return "(" + args[0] + " " + e.Name + " " + args[1] + ")"
	}
	return e.Name + "(" + strings.Join(args, ", ") + ")"
}
func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteString(" " + e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Then.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}
func (e *Cast) String() string { return "CAST(" + e.Arg.String() + " AS " + e.T.String() + ")" }
func (e *InList) String() string {
	items := make([]string, len(e.List))
	for i, a := range e.List {
		items[i] = a.String()
	}
	op := " IN ("
	if e.Not {
		op = " NOT IN ("
	}
	return e.Arg.String() + op + strings.Join(items, ", ") + ")"
}
func (e *Subquery) String() string {
	switch e.Kind {
	case ExistsSubquery:
		if e.Not {
			return "NOT EXISTS(subquery)"
		}
		return "EXISTS(subquery)"
	case InSubquery:
		if e.Not {
			return e.Arg.String() + " NOT IN (subquery)"
		}
		return e.Arg.String() + " IN (subquery)"
	}
	return "(subquery)"
}

func isInfix(name string) bool {
	switch name {
	case "+", "-", "*", "/", "div", "%", "=", "<>", "<", "<=", ">", ">=", "<=>", "and", "or", "xor", "like", "not_like", "||":
		return true
	}
	return false
}

// Walk calls fn for e and every sub-expression, depth first, stopping a
// branch when fn returns false. It does not descend into Subquery plans.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Func:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	case *Case:
		Walk(e.Operand, fn)
		for _, w := range e.Whens {
			Walk(w.Cond, fn)
			Walk(w.Then, fn)
		}
		Walk(e.Else, fn)
	case *Cast:
		Walk(e.Arg, fn)
	case *InList:
		Walk(e.Arg, fn)
		for _, a := range e.List {
			Walk(a, fn)
		}
	case *Subquery:
		Walk(e.Arg, fn)
	}
}
