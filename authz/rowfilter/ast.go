package rowfilter

import (
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// Expr is a row-filter expression node. The set of node types is closed:
// *Compare, *In, *Between, *Like, *IsNull, *And, *Or, *Not, *Bool.
type Expr interface {
	node()
}

// Ident is one element of a column path. Unquoted identifiers are
// case-insensitive and stored lower-case; quoted ones are matched exactly.
type Ident struct {
	Name   string
	Quoted bool
}

// Column references a top-level column (one element) or a nested struct
// field (several elements: customer.customerid).
type Column struct {
	Path []Ident
}

// Key is the column's path joined with '.', the key under which Eval and
// EvalCEL look the column up in a row. Column names containing '.' cannot be
// addressed (spec §6.1), so keys are unambiguous for bound expressions.
func (c Column) Key() string {
	if len(c.Path) == 1 {
		return c.Path[0].Name
	}
	parts := make([]string, len(c.Path))
	for i, id := range c.Path {
		parts[i] = id.Name
	}
	return strings.Join(parts, ".")
}

// CmpOp is a comparison operator.
type CmpOp uint8

const (
	Eq CmpOp = iota // =
	Ne              // <> (also written !=)
	Lt              // <
	Le              // <=
	Gt              // >
	Ge              // >=
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (o CmpOp) String() string {
	if int(o) < len(cmpNames) {
		return cmpNames[o]
	}
	return "?"
}

// Compare is `Col Op Lit`. The column is always on the left: the grammar
// allows nothing else.
type Compare struct {
	Op  CmpOp
	Col Column
	Lit types.Value
}

// In is `Col [NOT] IN (List...)`; List is never empty and holds no NULL.
type In struct {
	Col     Column
	List    []types.Value
	Negated bool
}

// Between is `Col [NOT] BETWEEN Lo AND Hi`, inclusive at both ends.
type Between struct {
	Col     Column
	Lo, Hi  types.Value
	Negated bool
}

// Like is `Col [NOT] LIKE Pattern [ESCAPE Escape]`: '%' matches any run of
// characters, '_' exactly one character (Unicode code point), case-sensitive,
// anchored at both ends. Escape is 0 when there is no ESCAPE clause.
type Like struct {
	Col     Column
	Pattern string
	Escape  rune
	Negated bool
}

// IsNull is `Col IS [NOT] NULL`.
type IsNull struct {
	Col     Column
	Negated bool
}

// And is the conjunction of two or more terms (nested ANDs are flattened).
type And struct {
	Terms []Expr
}

// Or is the disjunction of two or more terms (nested ORs are flattened).
type Or struct {
	Terms []Expr
}

// Not is logical negation.
type Not struct {
	X Expr
}

// Bool is the constant TRUE (all rows) or FALSE (no rows).
type Bool struct {
	Value bool
}

func (*Compare) node() {}
func (*In) node()      {}
func (*Between) node() {}
func (*Like) node()    {}
func (*IsNull) node()  {}
func (*And) node()     {}
func (*Or) node()      {}
func (*Not) node()     {}
func (*Bool) node()    {}

// Walk calls f on e and, while f returns true, on its descendants in
// pre-order (connectives before their terms, terms left to right).
func Walk(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch n := e.(type) {
	case *And:
		for _, t := range n.Terms {
			Walk(t, f)
		}
	case *Or:
		for _, t := range n.Terms {
			Walk(t, f)
		}
	case *Not:
		Walk(n.X, f)
	}
}

// Columns returns the columns e references, in first-occurrence order,
// without duplicates (by Key).
func Columns(e Expr) []Column {
	var out []Column
	seen := map[string]bool{}
	Walk(e, func(x Expr) bool {
		var c Column
		switch n := x.(type) {
		case *Compare:
			c = n.Col
		case *In:
			c = n.Col
		case *Between:
			c = n.Col
		case *Like:
			c = n.Col
		case *IsNull:
			c = n.Col
		default:
			return true
		}
		if k := c.Key(); !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
		return true
	})
	return out
}

// IsTrue reports whether e is the literal TRUE (the all-rows filter).
func IsTrue(e Expr) bool {
	b, ok := e.(*Bool)
	return ok && b.Value
}

// OrOf combines filters the way spec §6.3 combines several grants' row
// predicates: the disjunction, flattened, with TRUE absorbing everything
// (the all-rows filter prevails) and FALSE terms dropped. OrOf() is FALSE.
// The terms are shared, not copied.
func OrOf(terms ...Expr) Expr {
	var out []Expr
	for _, t := range terms {
		switch n := t.(type) {
		case *Bool:
			if n.Value {
				return &Bool{Value: true}
			}
			continue
		case *Or:
			out = append(out, n.Terms...)
			continue
		}
		out = append(out, t)
	}
	switch len(out) {
	case 0:
		return &Bool{Value: false}
	case 1:
		return out[0]
	}
	return &Or{Terms: out}
}

// AndOf is the conjunction (cross-account intersection of spec §6.3 rule
// 3), flattened, with FALSE absorbing and TRUE terms dropped. AndOf() is
// TRUE.
func AndOf(terms ...Expr) Expr {
	var out []Expr
	for _, t := range terms {
		switch n := t.(type) {
		case *Bool:
			if !n.Value {
				return &Bool{Value: false}
			}
			continue
		case *And:
			out = append(out, n.Terms...)
			continue
		}
		out = append(out, t)
	}
	switch len(out) {
	case 0:
		return &Bool{Value: true}
	case 1:
		return out[0]
	}
	return &And{Terms: out}
}
