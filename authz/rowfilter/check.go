package rowfilter

import (
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// reservedColumns cannot be used in row or cell filtering (spec §6.1).
var reservedColumns = map[string]bool{
	"ctid": true, "oid": true, "xmin": true, "cmin": true, "xmax": true, "cmax": true,
	"tableoid": true, "insertxid": true, "deletexid": true, "importoid": true, "redcatuniqueid": true,
}

// Check type-checks e against the table schema (see Bind).
func Check(e Expr, s Schema) error {
	_, err := Bind(e, s)
	return err
}

// Bind resolves every column of e against s, type-checks every predicate,
// and returns a copy of e in which column paths carry the schema's exact
// names and every literal has the kind of its column (an integer constant
// compared with a DOUBLE column becomes a Float64, with a DECIMAL column a
// Decimal). Planners and evaluators should work on bound expressions.
//
// Unquoted identifiers match case-insensitively (an exact match wins over a
// case-folded one; two case-folded matches are ambiguous and rejected);
// quoted identifiers match exactly.
func Bind(e Expr, s Schema) (Expr, error) {
	b := binder{s: s}
	return b.bind(e)
}

type binder struct {
	s Schema
}

type resolved struct {
	col  Column
	t    types.T
	part bool
}

func (b *binder) bind(e Expr) (Expr, error) {
	switch n := e.(type) {
	case *Bool:
		return &Bool{Value: n.Value}, nil
	case *Not:
		x, err := b.bind(n.X)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case *And:
		terms, err := b.bindAll(n.Terms)
		if err != nil {
			return nil, err
		}
		return &And{Terms: terms}, nil
	case *Or:
		terms, err := b.bindAll(n.Terms)
		if err != nil {
			return nil, err
		}
		return &Or{Terms: terms}, nil
	case *Compare:
		r, err := b.resolve(n.Col)
		if err != nil {
			return nil, err
		}
		if r.t.Kind == types.Bool && n.Op != Eq && n.Op != Ne {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: operator %s is not defined on BOOLEAN column %s; use = or <>", n.Op, formatColumn(r.col))
		}
		lit, err := coerce(n.Lit, r)
		if err != nil {
			return nil, err
		}
		return &Compare{Op: n.Op, Col: r.col, Lit: lit}, nil
	case *In:
		r, err := b.resolve(n.Col)
		if err != nil {
			return nil, err
		}
		if len(n.List) == 0 {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: IN list for %s is empty", formatColumn(r.col))
		}
		list := make([]types.Value, len(n.List))
		for i, v := range n.List {
			if list[i], err = coerce(v, r); err != nil {
				return nil, err
			}
		}
		return &In{Col: r.col, List: list, Negated: n.Negated}, nil
	case *Between:
		r, err := b.resolve(n.Col)
		if err != nil {
			return nil, err
		}
		if r.t.Kind == types.Bool {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: BETWEEN is not defined on BOOLEAN column %s", formatColumn(r.col))
		}
		lo, err := coerce(n.Lo, r)
		if err != nil {
			return nil, err
		}
		hi, err := coerce(n.Hi, r)
		if err != nil {
			return nil, err
		}
		return &Between{Col: r.col, Lo: lo, Hi: hi, Negated: n.Negated}, nil
	case *Like:
		r, err := b.resolve(n.Col)
		if err != nil {
			return nil, err
		}
		if r.t.Kind != types.String {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: LIKE needs a string column, but %s is %s", formatColumn(r.col), r.t)
		}
		if msg := validatePattern(n.Pattern, n.Escape); msg != "" {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: %s", msg)
		}
		return &Like{Col: r.col, Pattern: n.Pattern, Escape: n.Escape, Negated: n.Negated}, nil
	case *IsNull:
		r, err := b.resolve(n.Col)
		if err != nil {
			return nil, err
		}
		if r.part {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: IS [NOT] NULL is not allowed on partition column %s", formatColumn(r.col))
		}
		return &IsNull{Col: r.col, Negated: n.Negated}, nil
	case nil:
		return nil, lferr.New(lferr.InvalidInput, "row filter expression: missing expression")
	}
	return nil, lferr.AssertionFailedf("rowfilter: unknown node %T", e)
}

func (b *binder) bindAll(in []Expr) ([]Expr, error) {
	if len(in) < 2 {
		return nil, lferr.New(lferr.InvalidInput, "row filter expression: AND/OR needs at least two terms")
	}
	out := make([]Expr, len(in))
	for i, t := range in {
		var err error
		if out[i], err = b.bind(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *binder) resolve(c Column) (resolved, error) {
	if len(c.Path) == 0 {
		return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: empty column reference")
	}
	fields := b.s.Fields
	var out resolved
	out.col.Path = make([]Ident, 0, len(c.Path))
	for i, id := range c.Path {
		shown := formatColumn(Column{Path: c.Path[:i+1]})
		if strings.Contains(id.Name, ".") {
			return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: column name %s contains '.' and cannot be addressed", shown)
		}
		f, err := lookup(fields, id, shown)
		if err != nil {
			return resolved{}, err
		}
		if i == 0 {
			out.part = f.Partition
			if f.Partition && len(c.Path) > 1 {
				return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: nested fields of partition column %s cannot be referenced", shown)
			}
			if reservedColumns[strings.ToLower(f.Name)] {
				return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: column name %s is reserved and cannot be used in row filters", shown)
			}
		}
		out.col.Path = append(out.col.Path, Ident{Name: f.Name, Quoted: !plainIdent(f.Name)})
		last := i == len(c.Path)-1
		switch {
		case f.Unsupported != "":
			return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: column %s has type %s, which row filters do not support", shown, f.Unsupported)
		case !last && f.Fields == nil:
			return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: column %s is not a struct, so %s does not exist", shown, formatColumn(c))
		case last && f.Fields != nil:
			return resolved{}, lferr.New(lferr.InvalidInput, "row filter expression: %s is a struct; compare one of its fields", shown)
		case last:
			out.t = f.Type
		}
		fields = f.Fields
	}
	return out, nil
}

func lookup(fields []Field, id Ident, shown string) (*Field, error) {
	for i := range fields {
		if fields[i].Name == id.Name {
			return &fields[i], nil
		}
	}
	if !id.Quoted {
		var found *Field
		for i := range fields {
			if strings.EqualFold(fields[i].Name, id.Name) {
				if found != nil {
					return nil, lferr.New(lferr.InvalidInput, "row filter expression: column %s is ambiguous (%q and %q); double-quote the exact name", shown, found.Name, fields[i].Name)
				}
				found = &fields[i]
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, lferr.New(lferr.InvalidInput, "row filter expression: unknown column %s", shown)
}

func kindWord(v types.Value) string {
	switch v.Kind {
	case types.String:
		return "a string"
	case types.Int64:
		return "an integer"
	case types.Float64, types.Decimal:
		return "a decimal number"
	case types.Bool:
		return "a boolean"
	}
	return v.Kind.String()
}

// coerce checks that lit may be compared with the column (spec §6.2: the
// constant's type must match the column's) and converts it to the column's
// kind. Integers widen to DOUBLE/DECIMAL; nothing else converts: an integer
// column compared with 2.5, or a string column with 42, is an error.
func coerce(lit types.Value, r resolved) (types.Value, error) {
	mismatch := func() error {
		return lferr.New(lferr.InvalidInput, "row filter expression: type mismatch: column %s is %s but the constant %s is %s",
			formatColumn(r.col), r.t, FormatLiteral(lit), kindWord(lit))
	}
	if lit.Null {
		return lit, lferr.New(lferr.InvalidInput, "row filter expression: comparison of %s with NULL is never true; use IS NULL", formatColumn(r.col))
	}
	switch r.t.Kind {
	case types.String:
		if lit.Kind == types.String {
			return lit, nil
		}
	case types.Int64:
		if lit.Kind == types.Int64 {
			return lit, nil
		}
	case types.Float64, types.Decimal:
		switch lit.Kind {
		case types.Int64:
			return types.Value{Kind: r.t.Kind, F: float64(lit.I)}, nil
		case types.Float64, types.Decimal:
			return types.Value{Kind: r.t.Kind, F: lit.F}, nil
		}
	case types.Bool:
		if lit.Kind == types.Bool {
			return lit, nil
		}
	}
	return lit, mismatch()
}
