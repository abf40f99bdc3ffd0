package catalog

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Predicate is a compiled Glue partition expression (GetPartitions'
// Expression): a function of a partition's Values.
//
// The supported subset: comparisons (= == != <> < <= > >=) between a
// partition key and a literal (in either order), [NOT] IN (literal, ...),
// [NOT] BETWEEN literal AND literal, [NOT] LIKE 'pattern' (% and _),
// AND, OR, NOT and parentheses. Keys are bare or "double-quoted" or
// `backquoted` identifiers matched without regard to case; literals are
// 'single-quoted' strings (” escapes a quote) or numbers. Anything else is
// refused with InvalidInputException rather than guessed at.
//
// Comparisons follow the key's declared type: integer keys compare as
// integers, floating and decimal keys as numbers, every other type (string,
// date, timestamp, boolean) as strings. A partition value that does not
// parse as its key's number type (Hive's __HIVE_DEFAULT_PARTITION__, for
// instance) makes the comparison unknown, as a SQL NULL would, and the
// partition is not returned.
type Predicate struct {
	root pnode
}

// Match reports whether a partition with these values satisfies p. A nil
// Predicate matches every partition.
func (p *Predicate) Match(values []string) bool {
	if p == nil {
		return true
	}
	return p.root.eval(values) == tTrue
}

// CompilePartitionExpression compiles expr over the partition keys of table
// (named in messages). An empty or blank expression compiles to nil, which
// matches everything.
func CompilePartitionExpression(table, expr string, keys []api.Column) (*Predicate, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	if n := utf8.RuneCountInString(expr); n > maxExpressionLen {
		return nil, lferr.New(lferr.InvalidInput, "Partition expression is %d characters long; the limit is %d.", n, maxExpressionLen)
	}
	if !utf8.ValidString(expr) {
		return nil, lferr.New(lferr.InvalidInput, "Partition expression is not valid UTF-8.")
	}
	if len(keys) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "Table %s has no partition keys, so a partition expression cannot apply.", table)
	}
	p := &pparser{src: expr, table: table, keys: keys}
	if err := p.lex(); err != nil {
		return nil, err
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, p.errAt(p.toks[p.pos], "unexpected %s", p.toks[p.pos].describe())
	}
	return &Predicate{root: root}, nil
}

// tri is SQL's three-valued truth.
type tri uint8

const (
	tFalse tri = iota
	tTrue
	tUnknown
)

func triOf(b bool) tri {
	if b {
		return tTrue
	}
	return tFalse
}

type pnode interface {
	eval(values []string) tri
}

type andNode struct{ l, r pnode }
type orNode struct{ l, r pnode }
type notNode struct{ x pnode }

func (n andNode) eval(v []string) tri {
	l := n.l.eval(v)
	if l == tFalse {
		return tFalse
	}
	r := n.r.eval(v)
	switch {
	case r == tFalse:
		return tFalse
	case l == tTrue && r == tTrue:
		return tTrue
	}
	return tUnknown
}

func (n orNode) eval(v []string) tri {
	l := n.l.eval(v)
	if l == tTrue {
		return tTrue
	}
	r := n.r.eval(v)
	switch {
	case r == tTrue:
		return tTrue
	case l == tFalse && r == tFalse:
		return tFalse
	}
	return tUnknown
}

func (n notNode) eval(v []string) tri {
	switch n.x.eval(v) {
	case tTrue:
		return tFalse
	case tFalse:
		return tTrue
	}
	return tUnknown
}

// keyClass is how values of a partition key compare.
type keyClass uint8

const (
	classString keyClass = iota
	classInt
	classFloat
)

func classOf(typ string) keyClass {
	t, err := types.ParseGlue(typ)
	if err != nil {
		return classString
	}
	switch t.Kind {
	case types.Int64:
		return classInt
	case types.Float64, types.Decimal:
		return classFloat
	}
	return classString
}

// lit is a literal converted once, at compile time, to its key's class.
type lit struct {
	s     string
	i     int64
	f     float64
	isInt bool // for classInt: i holds the value; otherwise compare as float f
}

// cmpValue compares a partition value with l: -1, 0, 1, or ok=false when
// the value does not parse as the key's type.
func cmpValue(class keyClass, v string, l *lit) (int, bool) {
	switch class {
	case classInt:
		if l.isInt {
			x, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, false
			}
			return cmp3(x < l.i, x > l.i), true
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, false
		}
		return cmp3(x < l.f, x > l.f), true
	case classFloat:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, false
		}
		return cmp3(x < l.f, x > l.f), true
	}
	return strings.Compare(v, l.s), true
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = map[string]cmpOp{"=": opEq, "==": opEq, "!=": opNe, "<>": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// flip is the operator with its operands swapped (5 < k ≡ k > 5).
func (o cmpOp) flip() cmpOp {
	switch o {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return o
}

type cmpNode struct {
	idx   int
	class keyClass
	op    cmpOp
	lit   lit
}

func (n *cmpNode) eval(v []string) tri {
	if n.idx >= len(v) {
		return tUnknown
	}
	c, ok := cmpValue(n.class, v[n.idx], &n.lit)
	if !ok {
		return tUnknown
	}
	switch n.op {
	case opEq:
		return triOf(c == 0)
	case opNe:
		return triOf(c != 0)
	case opLt:
		return triOf(c < 0)
	case opLe:
		return triOf(c <= 0)
	case opGt:
		return triOf(c > 0)
	}
	return triOf(c >= 0)
}

type inNode struct {
	idx   int
	class keyClass
	lits  []lit
}

func (n *inNode) eval(v []string) tri {
	if n.idx >= len(v) {
		return tUnknown
	}
	for i := range n.lits {
		c, ok := cmpValue(n.class, v[n.idx], &n.lits[i])
		if !ok {
			return tUnknown
		}
		if c == 0 {
			return tTrue
		}
	}
	return tFalse
}

type betweenNode struct {
	idx    int
	class  keyClass
	lo, hi lit
}

func (n *betweenNode) eval(v []string) tri {
	if n.idx >= len(v) {
		return tUnknown
	}
	a, ok1 := cmpValue(n.class, v[n.idx], &n.lo)
	b, ok2 := cmpValue(n.class, v[n.idx], &n.hi)
	if !ok1 || !ok2 {
		return tUnknown
	}
	return triOf(a >= 0 && b <= 0)
}

type likeNode struct {
	idx     int
	pattern []rune
}

func (n *likeNode) eval(v []string) tri {
	if n.idx >= len(v) {
		return tUnknown
	}
	return triOf(likeMatch(n.pattern, []rune(v[n.idx])))
}

// likeMatch matches SQL LIKE wildcards: % any run, _ one character.
// Iterative with one backtrack point, so it is linear-ish and cannot blow
// the stack on hostile patterns.
func likeMatch(p, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '_' || p[pi] == s[si]) && p[pi] != '%':
			pi++
			si++
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// ---- lexer and parser ----

type tokKind uint8

const (
	tkIdent tokKind = iota
	tkQuotedIdent
	tkString
	tkNumber
	tkOp
	tkLParen
	tkRParen
	tkComma
)

type token struct {
	kind tokKind
	text string // identifier / literal text / operator, unquoted
	pos  int    // byte offset in the source
}

func (t token) describe() string {
	switch t.kind {
	case tkString:
		return "string '" + t.text + "'"
	case tkQuotedIdent:
		return `identifier "` + t.text + `"`
	}
	return `"` + t.text + `"`
}

func (t token) isKeyword(kw string) bool { return t.kind == tkIdent && strings.EqualFold(t.text, kw) }

type pparser struct {
	src   string
	table string
	keys  []api.Column
	toks  []token
	pos   int
	depth int
}

const maxExprDepth = 64

func (p *pparser) errAt(t token, format string, args ...any) error {
	return p.errPos(t.pos, format, args...)
}

func (p *pparser) errPos(pos int, format string, args ...any) error {
	e := lferr.New(lferr.InvalidInput, format, args...)
	e.Message = "Invalid partition expression " + strconv.Quote(p.src) + ": " + e.Message + " at position " + strconv.Itoa(pos+1) + "."
	return e
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

func (p *pparser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			p.toks = append(p.toks, token{tkIdent, s[i:j], i})
			i = j
		case c == '\'' || c == '"' || c == '`':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled quote escapes itself
						b.WriteByte(c)
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return p.errPos(i, "unterminated quoted text")
			}
			kind := tkQuotedIdent
			if c == '\'' {
				kind = tkString
			}
			p.toks = append(p.toks, token{kind, b.String(), i})
			i = j
		case (c >= '0' && c <= '9') || c == '.' ||
			(c == '-' && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '.') && p.numberAllowed()):
			j := i + 1
			for j < len(s) && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				((s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E'))) {
				j++
			}
			if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
				return p.errPos(i, "malformed number %q", s[i:j])
			}
			p.toks = append(p.toks, token{tkNumber, s[i:j], i})
			i = j
		case c == '(':
			p.toks = append(p.toks, token{tkLParen, "(", i})
			i++
		case c == ')':
			p.toks = append(p.toks, token{tkRParen, ")", i})
			i++
		case c == ',':
			p.toks = append(p.toks, token{tkComma, ",", i})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			op := s[i:j]
			if _, ok := cmpOps[op]; !ok {
				return p.errPos(i, "unsupported operator %q", op)
			}
			p.toks = append(p.toks, token{tkOp, op, i})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return p.errPos(i, "unexpected character %q", r)
		}
	}
	return nil
}

// numberAllowed reports whether a '-' starts a negative number here: only
// where an operand is expected (not after an operand), since the subset has
// no arithmetic.
func (p *pparser) numberAllowed() bool {
	if len(p.toks) == 0 {
		return true
	}
	switch p.toks[len(p.toks)-1].kind {
	case tkOp, tkLParen, tkComma:
		return true
	case tkIdent:
		last := p.toks[len(p.toks)-1]
		return last.isKeyword("AND") || last.isKeyword("OR") || last.isKeyword("NOT") || last.isKeyword("BETWEEN")
	}
	return false
}

func (p *pparser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *pparser) endPos() int { return len(p.src) }

func (p *pparser) expectMore(what string) (token, error) {
	t, ok := p.peek()
	if !ok {
		return t, p.errPos(p.endPos(), "expected %s but the expression ended", what)
	}
	return t, nil
}

func (p *pparser) parseOr() (pnode, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !t.isKeyword("OR") {
			return l, nil
		}
		p.pos++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
}

func (p *pparser) parseAnd() (pnode, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !t.isKeyword("AND") {
			return l, nil
		}
		p.pos++
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
}

func (p *pparser) parseUnary() (pnode, error) {
	t, err := p.expectMore("a condition")
	if err != nil {
		return nil, err
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, p.errAt(t, "nesting deeper than %d levels", maxExprDepth)
	}
	if t.isKeyword("NOT") {
		p.pos++
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	if t.kind == tkLParen {
		p.pos++
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c, err := p.expectMore(`")"`)
		if err != nil {
			return nil, err
		}
		if c.kind != tkRParen {
			return nil, p.errAt(c, `expected ")" but found %s`, c.describe())
		}
		p.pos++
		return x, nil
	}
	return p.parsePredicate()
}

var reserved = map[string]bool{"AND": true, "OR": true, "NOT": true, "IN": true, "BETWEEN": true, "LIKE": true, "IS": true, "NULL": true}

// operand is either a partition key (idx ≥ 0) or a literal token.
type operand struct {
	idx int
	tok token
}

func (p *pparser) parseOperand() (operand, error) {
	t, err := p.expectMore("a partition key or a literal")
	if err != nil {
		return operand{}, err
	}
	switch t.kind {
	case tkIdent, tkQuotedIdent:
		if t.kind == tkIdent && reserved[strings.ToUpper(t.text)] {
			if t.isKeyword("NULL") {
				return operand{}, p.errAt(t, "NULL is not supported: partition values are never null")
			}
			return operand{}, p.errAt(t, "expected a partition key or a literal but found %s", t.describe())
		}
		for i, k := range p.keys {
			if strings.EqualFold(k.Name, t.text) {
				p.pos++
				return operand{idx: i, tok: t}, nil
			}
		}
		names := make([]string, len(p.keys))
		for i, k := range p.keys {
			names[i] = k.Name
		}
		return operand{}, p.errAt(t, "%s is not a partition key of table %s (its partition keys are %s)", t.text, p.table, strings.Join(names, ", "))
	case tkString, tkNumber:
		p.pos++
		return operand{idx: -1, tok: t}, nil
	}
	return operand{}, p.errAt(t, "expected a partition key or a literal but found %s", t.describe())
}

// literal converts a literal token for comparison with key idx.
func (p *pparser) literal(idx int, t token) (lit, error) {
	if t.kind != tkString && t.kind != tkNumber {
		return lit{}, p.errAt(t, "expected a literal but found %s", t.describe())
	}
	l := lit{s: t.text}
	switch classOf(p.keys[idx].Type) {
	case classInt:
		if i, err := strconv.ParseInt(strings.TrimSpace(t.text), 10, 64); err == nil {
			l.i, l.isInt = i, true
			return l, nil
		}
		fallthrough
	case classFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(t.text), 64)
		if err != nil {
			return lit{}, p.errAt(t, "%s is not a number, but partition key %s has type %s", t.describe(), p.keys[idx].Name, p.keys[idx].Type)
		}
		l.f = f
	}
	return l, nil
}

func (p *pparser) parseLiteralFor(idx int) (lit, error) {
	t, err := p.expectMore("a literal")
	if err != nil {
		return lit{}, err
	}
	l, err := p.literal(idx, t)
	if err != nil {
		return lit{}, err
	}
	p.pos++
	return l, nil
}

func (p *pparser) parsePredicate() (pnode, error) {
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	t, err := p.expectMore("an operator")
	if err != nil {
		return nil, err
	}
	if t.kind == tkOp {
		p.pos++
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		op := cmpOps[t.text]
		switch {
		case left.idx >= 0 && right.idx >= 0:
			return nil, p.errAt(t, "comparing two partition keys is not supported")
		case left.idx < 0 && right.idx < 0:
			return nil, p.errAt(t, "a comparison needs a partition key on one side")
		case left.idx < 0:
			left, right = right, left
			op = op.flip()
		}
		l, err := p.literal(left.idx, right.tok)
		if err != nil {
			return nil, err
		}
		return &cmpNode{idx: left.idx, class: classOf(p.keys[left.idx].Type), op: op, lit: l}, nil
	}
	if left.idx < 0 {
		return nil, p.errAt(left.tok, "a condition must start with a partition key here, found %s", left.tok.describe())
	}
	negate := false
	if t.isKeyword("NOT") {
		negate = true
		p.pos++
		if t, err = p.expectMore("IN, BETWEEN or LIKE"); err != nil {
			return nil, err
		}
	}
	var n pnode
	class := classOf(p.keys[left.idx].Type)
	switch {
	case t.isKeyword("IN"):
		p.pos++
		if c, err := p.expectMore(`"("`); err != nil {
			return nil, err
		} else if c.kind != tkLParen {
			return nil, p.errAt(c, `expected "(" after IN but found %s`, c.describe())
		}
		p.pos++
		in := &inNode{idx: left.idx, class: class}
		for {
			l, err := p.parseLiteralFor(left.idx)
			if err != nil {
				return nil, err
			}
			in.lits = append(in.lits, l)
			c, err := p.expectMore(`"," or ")"`)
			if err != nil {
				return nil, err
			}
			p.pos++
			if c.kind == tkRParen {
				break
			}
			if c.kind != tkComma {
				return nil, p.errAt(c, `expected "," or ")" but found %s`, c.describe())
			}
		}
		n = in
	case t.isKeyword("BETWEEN"):
		p.pos++
		lo, err := p.parseLiteralFor(left.idx)
		if err != nil {
			return nil, err
		}
		a, err := p.expectMore("AND")
		if err != nil {
			return nil, err
		}
		if !a.isKeyword("AND") {
			return nil, p.errAt(a, "expected AND in BETWEEN but found %s", a.describe())
		}
		p.pos++
		hi, err := p.parseLiteralFor(left.idx)
		if err != nil {
			return nil, err
		}
		n = &betweenNode{idx: left.idx, class: class, lo: lo, hi: hi}
	case t.isKeyword("LIKE"):
		p.pos++
		pt, err := p.expectMore("a pattern")
		if err != nil {
			return nil, err
		}
		if pt.kind != tkString {
			return nil, p.errAt(pt, "LIKE needs a quoted pattern, found %s", pt.describe())
		}
		p.pos++
		n = &likeNode{idx: left.idx, pattern: []rune(pt.text)}
	case t.isKeyword("IS"):
		return nil, p.errAt(t, "IS [NOT] NULL is not supported: partition values are never null")
	default:
		return nil, p.errAt(t, "expected a comparison operator, IN, BETWEEN or LIKE but found %s", t.describe())
	}
	if negate {
		n = notNode{n}
	}
	return n, nil
}
