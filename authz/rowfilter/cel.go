package rowfilter

import (
	"encoding/hex"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	celtypes "cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// celReserved are CEL's reserved words and literals; a column with one of
// these names cannot be a CEL variable of the same name.
var celReserved = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true, "for": true,
	"function": true, "if": true, "import": true, "let": true, "loop": true, "package": true,
	"namespace": true, "return": true, "var": true, "void": true, "while": true,
	"in": true, "true": true, "false": true, "null": true,
}

// VarName is the CEL variable that stands for column c. A top-level column
// whose name is a plain lower-case identifier (and neither a CEL reserved
// word nor starting with "__") keeps its name; any other column (nested
// paths, quoted names, upper case) becomes "__" + hex of its Key, which is
// a valid, collision-free CEL identifier.
func VarName(c Column) string {
	if len(c.Path) == 1 {
		n := c.Path[0].Name
		if plainCEL(n) {
			return n
		}
	}
	return "__" + hex.EncodeToString([]byte(c.Key()))
}

func plainCEL(n string) bool {
	if n == "" || strings.HasPrefix(n, "__") || celReserved[n] || !isIdentStart(n[0]) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if !isIdentPart(n[i]) || (n[i] >= 'A' && n[i] <= 'Z') {
			return false
		}
	}
	return true
}

// ToCEL translates e into a CEL expression of type optional_type(bool):
// optional.of(true) / optional.of(false) for SQL TRUE / FALSE, and
// optional.none() for SQL NULL. Every column is a CEL variable (VarName) of
// type optional_type(T), absent when the cell is NULL. See the package doc
// for the T/F construction. Literals are emitted as they are in e: translate
// a bound expression (Bind), or CompileCEL will reject int/double mixes.
func ToCEL(e Expr) (string, error) {
	t, err := celTrue(e)
	if err != nil {
		return "", err
	}
	f, err := celFalse(e)
	if err != nil {
		return "", err
	}
	return "(" + t + ") ? optional.of(true) : ((" + f + ") ? optional.of(false) : optional.none())", nil
}

// ToCELPredicate translates e into the CEL bool "e is TRUE": the row
// filter's pass condition (NULL and FALSE both reject the row).
func ToCELPredicate(e Expr) (string, error) { return celTrue(e) }

func celTrue(e Expr) (string, error)  { return celTF(e, true) }
func celFalse(e Expr) (string, error) { return celTF(e, false) }

// celTF returns T(e) when wantTrue, F(e) otherwise.
func celTF(e Expr, wantTrue bool) (string, error) {
	leafTF := func(c Column, cond string, negated bool) string {
		v := VarName(c)
		if negated == wantTrue {
			return "(" + v + ".hasValue() && !(" + cond + "))"
		}
		return "(" + v + ".hasValue() && " + cond + ")"
	}
	switch n := e.(type) {
	case *Bool:
		return strconv.FormatBool(n.Value == wantTrue), nil
	case *Not:
		return celTF(n.X, !wantTrue)
	case *And, *Or:
		var terms []Expr
		isAnd := false
		if a, ok := n.(*And); ok {
			terms, isAnd = a.Terms, true
		} else {
			terms = n.(*Or).Terms
		}
		// T(AND) = AND of T; F(AND) = OR of F; dually for OR.
		op := " || "
		if isAnd == wantTrue {
			op = " && "
		}
		parts := make([]string, len(terms))
		for i, t := range terms {
			s, err := celTF(t, wantTrue)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case *IsNull:
		v := VarName(n.Col)
		if n.Negated == wantTrue {
			return v + ".hasValue()", nil
		}
		return "!" + v + ".hasValue()", nil
	case *Compare:
		lit, err := celLiteral(n.Lit)
		if err != nil {
			return "", err
		}
		op := n.Op.String()
		switch n.Op {
		case Eq:
			op = "=="
		case Ne:
			op = "!="
		}
		return leafTF(n.Col, VarName(n.Col)+".value() "+op+" "+lit, false), nil
	case *In:
		lits := make([]string, len(n.List))
		for i, l := range n.List {
			s, err := celLiteral(l)
			if err != nil {
				return "", err
			}
			lits[i] = s
		}
		return leafTF(n.Col, VarName(n.Col)+".value() in ["+strings.Join(lits, ", ")+"]", n.Negated), nil
	case *Between:
		lo, err := celLiteral(n.Lo)
		if err != nil {
			return "", err
		}
		hi, err := celLiteral(n.Hi)
		if err != nil {
			return "", err
		}
		v := VarName(n.Col) + ".value()"
		return leafTF(n.Col, v+" >= "+lo+" && "+v+" <= "+hi, n.Negated), nil
	case *Like:
		re := strconv.Quote(likeRegexp(n.Pattern, n.Escape))
		return leafTF(n.Col, VarName(n.Col)+".value().matches("+re+")", n.Negated), nil
	}
	return "", lferr.AssertionFailedf("rowfilter: unknown node %T", e)
}

// celLiteral renders a literal as CEL source. Go's strconv.Quote output is
// valid CEL for valid UTF-8 text (the lexer guarantees it): the escapes it
// produces (\a \b \f \n \r \t \v \\ \" \xHH below 0x80, \u, \U) mean the
// same code points in CEL.
func celLiteral(v types.Value) (string, error) {
	if v.Null {
		return "", lferr.New(lferr.InvalidInput, "row filter expression: NULL constant")
	}
	switch v.Kind {
	case types.String:
		return strconv.Quote(v.S), nil
	case types.Int64:
		return strconv.FormatInt(v.I, 10), nil
	case types.Float64, types.Decimal:
		return formatFloat(v.F), nil
	case types.Bool:
		return strconv.FormatBool(v.I != 0), nil
	}
	return "", lferr.New(lferr.InvalidInput, "row filter expression: unsupported constant of type %s", v.Kind)
}

func celType(t types.T) (*cel.Type, bool) {
	switch t.Kind {
	case types.String:
		return cel.StringType, true
	case types.Int64:
		return cel.IntType, true
	case types.Float64, types.Decimal:
		return cel.DoubleType, true
	case types.Bool:
		return cel.BoolType, true
	}
	return nil, false
}

// Program is a row filter compiled to a type-checked CEL program.
type Program struct {
	expr Expr // bound
	src  string
	ast  *cel.Ast
	prog cel.Program
	cols []progCol
}

type progCol struct {
	key, varName string
	t            types.T
}

// Expr is the bound expression the program was compiled from.
func (p *Program) Expr() Expr { return p.expr }

// Source is the CEL source (ToCEL of the bound expression).
func (p *Program) Source() string { return p.src }

// Ast is the checked CEL AST (output type optional_type(bool)).
func (p *Program) Ast() *cel.Ast { return p.ast }

// CompileCEL binds e to the schema, translates it with ToCEL, and compiles
// it in a CEL environment that declares exactly the referenced columns as
// optional_type(T) variables, so the CEL checker independently confirms
// that every comparison is well typed. Errors are lferr.InvalidInput for a
// bad filter and InternalService if the translation itself is ill-typed.
func CompileCEL(e Expr, s Schema) (*Program, error) {
	bound, err := Bind(e, s)
	if err != nil {
		return nil, err
	}
	src, err := ToCEL(bound)
	if err != nil {
		return nil, err
	}
	// The CEL text is generated from an AST whose size Parse already
	// bounded; lift CEL's own source-size and node limits so that a long
	// combined RowFilter (ParseOptions) still compiles.
	opts := []cel.EnvOption{cel.OptionalTypes(),
		cel.ParserExpressionSizeLimit(max(100_000, len(src)+1)),
		cel.ExpressionNodeLimit(-1)}
	var cols []progCol
	seen := map[string]bool{}
	for _, c := range Columns(bound) {
		r, err := (&binder{s: s}).resolve(c)
		if err != nil {
			return nil, err
		}
		ct, ok := celType(r.t)
		if !ok {
			return nil, lferr.New(lferr.InvalidInput, "row filter expression: column %s has unsupported type %s", formatColumn(c), r.t)
		}
		vn := VarName(c)
		if seen[vn] {
			return nil, lferr.AssertionFailedf("rowfilter: CEL variable %s declared twice", vn)
		}
		seen[vn] = true
		opts = append(opts, cel.Variable(vn, cel.OptionalType(ct)))
		cols = append(cols, progCol{key: c.Key(), varName: vn, t: r.t})
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "rowfilter: CEL environment")
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, lferr.Wrap(lferr.InternalService, iss.Err(), "BUG: rowfilter: CEL translation does not type-check: %v", iss.Err())
	}
	if !ast.OutputType().IsExactType(cel.OptionalType(cel.BoolType)) {
		return nil, lferr.AssertionFailedf("rowfilter: CEL translation has type %v", ast.OutputType())
	}
	prog, err := env.Program(ast)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "rowfilter: CEL program")
	}
	return &Program{expr: bound, src: src, ast: ast, prog: prog, cols: cols}, nil
}

// EvalCEL evaluates the compiled filter on one row (keyed by Column.Key(),
// as for Eval) with the CEL interpreter and returns SQL's three-valued
// result. A missing column or a value of the wrong kind is an error.
func EvalCEL(p *Program, row map[string]types.Value) (Truth, error) {
	act := make(map[string]any, len(p.cols))
	for _, c := range p.cols {
		v, ok := row[c.key]
		if !ok {
			return Unknown, lferr.New(lferr.UnknownColumn, "row has no value for column %s", c.key)
		}
		cv, err := celValue(v, c.t)
		if err != nil {
			return Unknown, err
		}
		act[c.varName] = cv
	}
	out, _, err := p.prog.Eval(act)
	if err != nil {
		return Unknown, lferr.Wrap(lferr.ExecutionError, err, "row filter evaluation: %v", err)
	}
	opt, ok := out.(*celtypes.Optional)
	if !ok {
		return Unknown, lferr.AssertionFailedf("rowfilter: CEL result %T", out)
	}
	if !opt.HasValue() {
		return Unknown, nil
	}
	b, ok := opt.GetValue().(celtypes.Bool)
	if !ok {
		return Unknown, lferr.AssertionFailedf("rowfilter: CEL optional holds %T", opt.GetValue())
	}
	return of(bool(b)), nil
}

func celValue(v types.Value, t types.T) (ref.Val, error) {
	if v.Null {
		return celtypes.OptionalNone, nil
	}
	bad := func() (ref.Val, error) {
		return nil, lferr.New(lferr.TypeError, "row value of kind %s for a %s column", v.Kind, t)
	}
	switch t.Kind {
	case types.String:
		if v.Kind != types.String {
			return bad()
		}
		return celtypes.OptionalOf(celtypes.String(v.S)), nil
	case types.Int64:
		if v.Kind != types.Int64 {
			return bad()
		}
		return celtypes.OptionalOf(celtypes.Int(v.I)), nil
	case types.Float64, types.Decimal:
		if !isNum(v.Kind) {
			return bad()
		}
		return celtypes.OptionalOf(celtypes.Double(v.AsFloat())), nil
	case types.Bool:
		if v.Kind != types.Bool {
			return bad()
		}
		return celtypes.OptionalOf(celtypes.Bool(v.I != 0)), nil
	}
	return bad()
}
