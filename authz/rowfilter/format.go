package rowfilter

import (
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// String renders e in canonical form: keywords upper-case, one space around
// operators, '<>' for inequality, identifiers quoted only when they must be,
// literals in a form Parse reads back to the same value, and parentheses
// only where precedence requires them (plus always after NOT). For every
// expression Parse returns, Parse(String(e)) yields an equal AST.
func String(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, 0)
	return b.String()
}

// precedence levels: 0 = OR context, 1 = AND context, 2 = atom.
func writeExpr(b *strings.Builder, e Expr, ctx int) {
	switch n := e.(type) {
	case *Or:
		if ctx > 0 {
			b.WriteByte('(')
		}
		for i, t := range n.Terms {
			if i > 0 {
				b.WriteString(" OR ")
			}
			writeExpr(b, t, 1)
		}
		if ctx > 0 {
			b.WriteByte(')')
		}
	case *And:
		if ctx > 1 {
			b.WriteByte('(')
		}
		for i, t := range n.Terms {
			if i > 0 {
				b.WriteString(" AND ")
			}
			writeExpr(b, t, 2)
		}
		if ctx > 1 {
			b.WriteByte(')')
		}
	case *Not:
		b.WriteString("NOT (")
		writeExpr(b, n.X, 0)
		b.WriteByte(')')
	case *Bool:
		if n.Value {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case *Compare:
		b.WriteString(formatColumn(n.Col))
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteByte(' ')
		b.WriteString(FormatLiteral(n.Lit))
	case *In:
		b.WriteString(formatColumn(n.Col))
		if n.Negated {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, v := range n.List {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatLiteral(v))
		}
		b.WriteByte(')')
	case *Between:
		b.WriteString(formatColumn(n.Col))
		if n.Negated {
			b.WriteString(" NOT")
		}
		b.WriteString(" BETWEEN ")
		b.WriteString(FormatLiteral(n.Lo))
		b.WriteString(" AND ")
		b.WriteString(FormatLiteral(n.Hi))
	case *Like:
		b.WriteString(formatColumn(n.Col))
		if n.Negated {
			b.WriteString(" NOT")
		}
		b.WriteString(" LIKE ")
		b.WriteString(quoteString(n.Pattern))
		if n.Escape != 0 {
			b.WriteString(" ESCAPE ")
			b.WriteString(quoteString(string(n.Escape)))
		}
	case *IsNull:
		b.WriteString(formatColumn(n.Col))
		if n.Negated {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	default:
		b.WriteString("<invalid>")
	}
}

func formatColumn(c Column) string {
	var b strings.Builder
	for i, id := range c.Path {
		if i > 0 {
			b.WriteByte('.')
		}
		if id.Quoted || !plainIdent(id.Name) {
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(id.Name, `"`, `""`))
			b.WriteByte('"')
		} else {
			b.WriteString(id.Name)
		}
	}
	return b.String()
}

// plainIdent reports whether name can be written unquoted and reads back as
// itself: lower-case identifier characters and not a reserved word.
func plainIdent(name string) bool {
	if name == "" || !isIdentStart(name[0]) || reserved[name] {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isIdentPart(c) || (c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// FormatLiteral renders a literal value in row-filter syntax. Floats always
// carry a '.' or an exponent so that they read back as floats, not integers.
func FormatLiteral(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	switch v.Kind {
	case types.String:
		return quoteString(v.S)
	case types.Bool:
		if v.I != 0 {
			return "TRUE"
		}
		return "FALSE"
	case types.Int64:
		return strconv.FormatInt(v.I, 10)
	case types.Float64, types.Decimal:
		return formatFloat(v.F)
	}
	return v.String()
}

func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEIN") {
		s += ".0"
	}
	return s
}
