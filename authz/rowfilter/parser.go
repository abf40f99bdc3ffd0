package rowfilter

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Limits of Parse.
const (
	// MaxLength is the PredicateString limit of the LF API model (characters).
	MaxLength = 2048
	// MaxDepth bounds nesting of parentheses and NOT, so that recursive
	// walkers, the CEL parser and the CEL checker stay far from their own
	// recursion limits.
	MaxDepth = 32
)

// Options tune Parse for texts that are not a single filter as an admin
// wrote it: the RowFilter of GetUnfilteredTableMetadata is the OR of all the
// caller's filters and may exceed the per-filter PredicateString limit.
type Options struct {
	MaxLength int // characters; 0 means MaxLength
}

// reserved words that must be double-quoted to be used as a column name.
// They are the words with a role in this grammar plus the PartiQL / SQL
// clause words whose appearance in a filter means the author wrote something
// this grammar cannot express (spec §6.2: keyword collisions are parse
// errors). YEAR, MONTH, ... are deliberately not reserved: the LF guide's own
// examples use them as bare column names.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`and or not in between like is null true false escape missing
		select from where group by order having limit offset union intersect except
		case when then else end cast exists all any some distinct as on join inner outer
		left right full cross natural using values value date time timestamp interval
		with lateral pivot unpivot at`) {
		reserved[w] = true
	}
}

// Parse parses a row-filter expression with the default limits.
// Errors are lferr.InvalidInput with a message naming the problem and its
// position.
func Parse(text string) (Expr, error) { return ParseOptions(text, Options{}) }

// ParseOptions parses a row-filter expression with explicit limits.
func ParseOptions(text string, o Options) (Expr, error) {
	maxLen := o.MaxLength
	if maxLen <= 0 {
		maxLen = MaxLength
	}
	if n := utf8.RuneCountInString(text); n > maxLen {
		return nil, lferr.New(lferr.InvalidInput, "row filter expression is %d characters long; the limit is %d", n, maxLen)
	}
	if !utf8.ValidString(text) {
		return nil, lferr.New(lferr.InvalidInput, "row filter expression is not valid UTF-8")
	}
	if strings.TrimSpace(text) == "" {
		return nil, lferr.New(lferr.InvalidInput, "row filter expression is empty; use TRUE (or AllRowsWildcard) for all rows")
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, errAt(t.pos, "unbalanced ')'")
		}
		return nil, p.unexpected(t, "AND, OR or end of expression")
	}
	return e, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether t is the unquoted keyword kw (case-insensitive).
func keyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) unexpected(t token, want string) error {
	switch {
	case t.kind == tArith || t.kind == tMinus:
		return errAt(t.pos, "arithmetic (%q) is not supported in row filters", t.text)
	case keyword(t, "select"):
		return errAt(t.pos, "subqueries are not supported in row filters")
	case t.kind == tIdent && p.peekAt(1).kind == tLParen && p.toks[p.i] == t:
		return errAt(t.pos, "function calls are not supported in row filters: %s(", t.text)
	}
	return errAt(t.pos, "expected %s, found %s", want, t.describe())
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return errAt(pos, "expression nested more than %d levels deep", MaxDepth)
	}
	return nil
}

func (p *parser) parseOr() (Expr, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for keyword(p.peek(), "or") {
		p.next()
		e, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &Or{Terms: flatten[*Or](terms)}, nil
}

func (p *parser) parseAnd() (Expr, error) {
	first, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for keyword(p.peek(), "and") {
		p.next()
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &And{Terms: flatten[*And](terms)}, nil
}

// flatten splices terms of the same connective into the parent, so that
// "(a AND b) AND c" and "a AND (b AND c)" have the same AST as "a AND b AND c".
func flatten[N interface {
	*And | *Or
	Expr
}](terms []Expr) []Expr {
	out := make([]Expr, 0, len(terms))
	for _, t := range terms {
		if n, ok := t.(N); ok {
			switch x := any(n).(type) {
			case *And:
				out = append(out, x.Terms...)
			case *Or:
				out = append(out, x.Terms...)
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func (p *parser) parseNot() (Expr, error) {
	t := p.peek()
	if keyword(t, "not") {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.parseNot()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch {
	case t.kind == tLParen:
		if keyword(p.peekAt(1), "select") {
			return nil, errAt(p.peekAt(1).pos, "subqueries are not supported in row filters")
		}
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if r := p.peek(); r.kind != tRParen {
			if r.kind == tEOF {
				return nil, errAt(t.pos, "unbalanced '('")
			}
			return nil, p.unexpected(r, "')'")
		}
		p.next()
		return e, nil
	case keyword(t, "true"), keyword(t, "false"):
		p.next()
		if nt := p.peek(); nt.kind == tOp || keyword(nt, "is") || keyword(nt, "in") || keyword(nt, "between") || keyword(nt, "like") {
			return nil, errAt(t.pos, "a comparison must have a column on the left, found %s", t.text)
		}
		return &Bool{Value: strings.EqualFold(t.text, "true")}, nil
	case keyword(t, "null"):
		return nil, errAt(t.pos, "NULL is not a predicate; use column IS NULL")
	case t.kind == tString || t.kind == tNumber || (t.kind == tMinus && p.peekAt(1).kind == tNumber):
		return nil, errAt(t.pos, "a comparison must have a column on the left, found %s", t.describe())
	case t.kind == tIdent || t.kind == tQIdent:
		return p.parsePredicate()
	case t.kind == tEOF:
		return nil, errAt(t.pos, "expression ends where a predicate was expected")
	}
	return nil, p.unexpected(t, "a predicate")
}

func (p *parser) parseColumn() (Column, error) {
	var col Column
	for {
		t := p.peek()
		switch t.kind {
		case tIdent:
			lower := strings.ToLower(t.text)
			if p.peekAt(1).kind == tLParen {
				return col, errAt(t.pos, "function calls are not supported in row filters: %s(", t.text)
			}
			if lower == "select" {
				return col, errAt(t.pos, "subqueries are not supported in row filters")
			}
			if reserved[lower] {
				return col, errAt(t.pos, "%s is a reserved word; double-quote it to use it as a column name", t.text)
			}
			col.Path = append(col.Path, Ident{Name: lower})
		case tQIdent:
			if p.peekAt(1).kind == tLParen {
				return col, errAt(t.pos, "function calls are not supported in row filters: %s(", t.describe())
			}
			col.Path = append(col.Path, Ident{Name: t.text, Quoted: true})
		default:
			return col, p.unexpected(t, "a column name")
		}
		p.next()
		if len(col.Path) > 8 {
			return col, errAt(t.pos, "column path has more than 8 levels")
		}
		if p.peek().kind != tDot {
			return col, nil
		}
		p.next()
	}
}

func (p *parser) parsePredicate() (Expr, error) {
	colTok := p.peek()
	col, err := p.parseColumn()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind == tOp:
		p.next()
		lit, err := p.parseLiteral(col)
		if err != nil {
			return nil, err
		}
		return &Compare{Op: opOf(t.text), Col: col, Lit: lit}, nil
	case keyword(t, "is"):
		p.next()
		neg := false
		if keyword(p.peek(), "not") {
			p.next()
			neg = true
		}
		if n := p.peek(); !keyword(n, "null") {
			return nil, p.unexpected(n, "NULL after IS")
		}
		p.next()
		return &IsNull{Col: col, Negated: neg}, nil
	case keyword(t, "not"):
		p.next()
		n := p.peek()
		switch {
		case keyword(n, "in"), keyword(n, "between"), keyword(n, "like"):
			return p.parsePredicateTail(col, true)
		}
		return nil, p.unexpected(n, "IN, BETWEEN or LIKE after NOT")
	case keyword(t, "in"), keyword(t, "between"), keyword(t, "like"):
		return p.parsePredicateTail(col, false)
	case t.kind == tArith || t.kind == tMinus:
		return nil, errAt(t.pos, "arithmetic (%q) is not supported in row filters", t.text)
	case t.kind == tEOF:
		return nil, errAt(colTok.pos, "column %s is not compared with anything; write a comparison such as %s = TRUE", colTok.describe(), formatColumn(col))
	}
	return nil, p.unexpected(t, "a comparison operator, IN, BETWEEN, LIKE or IS after column "+formatColumn(col))
}

func (p *parser) parsePredicateTail(col Column, neg bool) (Expr, error) {
	t := p.next()
	switch strings.ToLower(t.text) {
	case "in":
		lp := p.peek()
		if lp.kind != tLParen {
			return nil, p.unexpected(lp, "'(' after IN")
		}
		if keyword(p.peekAt(1), "select") {
			return nil, errAt(p.peekAt(1).pos, "subqueries are not supported in row filters")
		}
		p.next()
		var list []types.Value
		for {
			lit, err := p.parseLiteral(col)
			if err != nil {
				return nil, err
			}
			list = append(list, lit)
			n := p.next()
			if n.kind == tRParen {
				break
			}
			if n.kind != tComma {
				if n.kind == tEOF {
					return nil, errAt(lp.pos, "unbalanced '(' in IN list")
				}
				p.i--
				return nil, p.unexpected(n, "',' or ')' in IN list")
			}
		}
		return &In{Col: col, List: list, Negated: neg}, nil
	case "between":
		lo, err := p.parseLiteral(col)
		if err != nil {
			return nil, err
		}
		if a := p.peek(); !keyword(a, "and") {
			return nil, p.unexpected(a, "AND in BETWEEN")
		}
		p.next()
		hi, err := p.parseLiteral(col)
		if err != nil {
			return nil, err
		}
		return &Between{Col: col, Lo: lo, Hi: hi, Negated: neg}, nil
	default: // like
		pt := p.peek()
		if pt.kind != tString {
			if pt.kind == tIdent || pt.kind == tQIdent {
				return nil, errAt(pt.pos, "column-to-column comparisons are not supported: LIKE needs a string literal pattern")
			}
			return nil, p.unexpected(pt, "a string literal pattern after LIKE")
		}
		p.next()
		var esc rune
		if keyword(p.peek(), "escape") {
			p.next()
			et := p.peek()
			if et.kind != tString || utf8.RuneCountInString(et.text) != 1 {
				return nil, errAt(et.pos, "ESCAPE needs a one-character string literal")
			}
			p.next()
			esc, _ = utf8.DecodeRuneInString(et.text)
			if esc == '%' || esc == '_' {
				return nil, errAt(et.pos, "ESCAPE character cannot be '%%' or '_'")
			}
		}
		if msg := validatePattern(pt.text, esc); msg != "" {
			return nil, errAt(pt.pos, "%s", msg)
		}
		return &Like{Col: col, Pattern: pt.text, Escape: esc, Negated: neg}, nil
	}
}

func opOf(s string) CmpOp {
	switch s {
	case "=":
		return Eq
	case "<>", "!=":
		return Ne
	case "<":
		return Lt
	case "<=":
		return Le
	case ">":
		return Gt
	}
	return Ge
}

// parseLiteral reads the constant side of a predicate and rejects, with a
// specific message, everything that is not a constant.
func (p *parser) parseLiteral(col Column) (types.Value, error) {
	t := p.peek()
	var v types.Value
	switch {
	case t.kind == tString:
		p.next()
		v = types.NewString(t.text)
	case t.kind == tNumber:
		p.next()
		var err error
		if v, err = parseNumber(t.text, false, t.pos); err != nil {
			return v, err
		}
	case t.kind == tMinus && p.peekAt(1).kind == tNumber:
		p.next()
		n := p.next()
		var err error
		if v, err = parseNumber(n.text, true, t.pos); err != nil {
			return v, err
		}
	case keyword(t, "true"), keyword(t, "false"):
		p.next()
		v = types.NewBool(strings.EqualFold(t.text, "true"))
	case keyword(t, "null"):
		return v, errAt(t.pos, "comparison with NULL is never true; use %s IS NULL or IS NOT NULL", formatColumn(col))
	case keyword(t, "date"), keyword(t, "timestamp"), keyword(t, "time"), keyword(t, "interval"):
		return v, errAt(t.pos, "%s literals are not supported in row filters", strings.ToUpper(t.text))
	case keyword(t, "select"):
		return v, errAt(t.pos, "subqueries are not supported in row filters")
	case t.kind == tLParen:
		if keyword(p.peekAt(1), "select") {
			return v, errAt(p.peekAt(1).pos, "subqueries are not supported in row filters")
		}
		return v, errAt(t.pos, "expected a constant, found '('; only column-versus-constant comparisons are supported")
	case t.kind == tIdent || t.kind == tQIdent:
		if p.peekAt(1).kind == tLParen {
			return v, errAt(t.pos, "function calls are not supported in row filters: %s(", t.text)
		}
		return v, errAt(t.pos, "column-to-column comparisons are not supported: %s compared with %s", formatColumn(col), t.describe())
	default:
		return v, p.unexpected(t, "a constant")
	}
	if n := p.peek(); n.kind == tArith || n.kind == tMinus {
		return v, errAt(n.pos, "arithmetic (%q) is not supported in row filters", n.text)
	}
	return v, nil
}

// parseNumber turns a numeric literal into an Int64 value when it has no
// fraction or exponent, otherwise a Float64 value.
func parseNumber(text string, neg bool, pos int) (types.Value, error) {
	s := text
	if neg {
		s = "-" + text
	}
	if !strings.ContainsAny(text, ".eE") {
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return types.Value{}, errAt(pos, "integer literal %s is out of the BIGINT range", s)
		}
		return types.NewInt(i), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return types.Value{}, errAt(pos, "numeric literal %s is out of the DOUBLE range", s)
	}
	return types.NewFloat(f), nil
}

// validatePattern checks that every escape character in a LIKE pattern is
// followed by '%', '_' or itself; it returns the problem, or "".
func validatePattern(pat string, esc rune) string {
	if esc == 0 {
		return ""
	}
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		if rs[i] == esc {
			if i+1 >= len(rs) || (rs[i+1] != '%' && rs[i+1] != '_' && rs[i+1] != esc) {
				return fmt.Sprintf("LIKE pattern has escape character %q not followed by '%%', '_' or itself", esc)
			}
			i++
		}
	}
	return ""
}
