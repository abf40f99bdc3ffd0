package mask

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	celtypes "cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Limits.
const (
	// MaxLength bounds a mask's text (characters).
	MaxLength = 4096
	// CostLimit bounds one evaluation (CEL cost units), so that a per-row
	// fallback cannot be made arbitrarily expensive.
	CostLimit = 100_000
)

// Principal is who the query runs as: what a mask may look at.
type Principal struct {
	ARN     string
	Account string
	Tags    map[string]string
}

func (p Principal) celValue() map[string]any {
	tags := make(map[string]string, len(p.Tags))
	for k, v := range p.Tags {
		tags[k] = v
	}
	return map[string]any{"arn": p.ARN, "account": p.Account, "tags": tags}
}

// Kind names a built-in mask.
type Kind uint8

const (
	KindNull         Kind = iota + 1 // NULL
	KindRedact                       // redact(value)
	KindShowFirst                    // show_first(value, Args[0]:Int64)
	KindShowLast                     // show_last(value, Args[0]:Int64)
	KindSHA256                       // sha256(value)
	KindTruncateDate                 // truncate_date(value, Args[0]:String "year"|"month")
	KindDefault                      // the type's default
	KindConstant                     // Args[0], a constant of the column's type
)

var kindNames = map[Kind]string{
	KindNull: "null", KindRedact: "redact", KindShowFirst: "show_first", KindShowLast: "show_last",
	KindSHA256: "sha256", KindTruncateDate: "truncate_date", KindDefault: "default", KindConstant: "constant",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Builtin is a built-in mask with its constant arguments.
type Builtin struct {
	Kind Kind
	Args []types.Value
}

func (b Builtin) String() string {
	if len(b.Args) == 0 {
		return b.Kind.String()
	}
	parts := make([]string, len(b.Args))
	for i, a := range b.Args {
		if a.Kind == types.String && !a.Null {
			parts[i] = strconv.Quote(a.S)
		} else {
			parts[i] = a.String()
		}
	}
	return b.Kind.String() + "(" + strings.Join(parts, ", ") + ")"
}

// Mask is a compiled, type-checked mask for one column.
type Mask struct {
	src     string // CEL source after shorthand expansion
	col     types.T
	env     *cel.Env
	ast     *cel.Ast
	prog    cel.Program // full evaluation
	partial cel.Program // partial evaluation (residuals)
	unknown []*cel.AttributePatternType
	refCols []rowCol // columns of the row the mask reads
}

type rowCol struct {
	name string
	t    types.T
}

// Source is the mask's CEL source (shorthands expanded).
func (m *Mask) Source() string { return m.src }

// Column is the type of the masked column.
func (m *Mask) Column() types.T { return m.col }

// Columns are the other columns of the row the mask reads, sorted.
func (m *Mask) Columns() []string {
	out := make([]string, len(m.refCols))
	for i, c := range m.refCols {
		out[i] = c.name
	}
	return out
}

var (
	showRe     = regexp.MustCompile(`^(show_first|show_last)\(\s*(\d+)\s*\)$`)
	truncateRe = regexp.MustCompile(`^truncate_date\(\s*(?:"(year|month)"|'(year|month)'|(year|month))\s*\)$`)
)

// expand rewrites the shorthand forms into CEL.
func expand(text string) string {
	t := strings.TrimSpace(text)
	switch t {
	case "redact", "sha256":
		return t + "(value)"
	case "identity":
		return "value"
	}
	if m := showRe.FindStringSubmatch(t); m != nil {
		return m[1] + "(value, " + m[2] + ")"
	}
	if m := truncateRe.FindStringSubmatch(t); m != nil {
		return `truncate_date(value, "` + m[1] + m[2] + m[3] + `")`
	}
	return text
}

var celReserved = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true, "for": true,
	"function": true, "if": true, "import": true, "let": true, "loop": true, "package": true,
	"namespace": true, "return": true, "var": true, "void": true, "while": true,
	"in": true, "true": true, "false": true, "null": true,
	// names the mask language itself binds
	"value": true, "default": true, "principal": true,
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// celType is the CEL type of a column's values, and whether CEL can
// represent a NULL of it as a typed wrapper.
func celType(t types.T) (*cel.Type, bool, error) {
	switch t.Kind {
	case types.Bool:
		return cel.BoolType, true, nil
	case types.Int64:
		return cel.IntType, true, nil
	case types.Float64, types.Decimal:
		return cel.DoubleType, true, nil
	case types.String:
		return cel.StringType, true, nil
	case types.Date, types.Timestamp:
		return cel.TimestampType, false, nil
	}
	return nil, false, lferr.New(lferr.InvalidInput, "column mask: unsupported column type %s", t)
}

func invalid(format string, args ...any) error {
	return lferr.New(lferr.InvalidInput, "column mask: "+format, args...)
}

// Compile parses and type-checks a mask for a column of type column in a
// table whose columns are schema (name → type). It rejects, with
// lferr.InvalidInput, texts over MaxLength, CEL syntax and type errors,
// results of the wrong type, and built-ins with bad constant arguments.
func Compile(text string, column types.T, schema map[string]types.T) (*Mask, error) {
	if n := utf8.RuneCountInString(text); n > MaxLength {
		return nil, invalid("expression is %d characters long; the limit is %d", n, MaxLength)
	}
	if strings.TrimSpace(text) == "" {
		return nil, invalid("expression is empty")
	}
	src := expand(text)
	valT, nullable, err := celType(column)
	if err != nil {
		return nil, err
	}
	env, err := newEnv(column, valT, nullable, schema)
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, invalid("%v", iss.Err())
	}
	out := ast.OutputType()
	okType := out.IsExactType(cel.NullType) || out.IsExactType(valT) ||
		(nullable && out.IsExactType(cel.NullableType(valT)))
	if !okType {
		return nil, invalid("result type %s does not match the column type %s (%s)", cel.FormatCELType(out), column, cel.FormatCELType(valT))
	}
	if err := checkConstArgs(ast.NativeRep().Expr()); err != nil {
		return nil, err
	}
	m := &Mask{src: src, col: column, env: env, ast: ast}
	// The row columns the mask reads: identifiers that are declared columns.
	seen := map[string]bool{}
	celast.PreOrderVisit(ast.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.IdentKind {
			return
		}
		n := e.AsIdent()
		if t, ok := schema[n]; ok && !celReserved[n] && identRe.MatchString(n) && !seen[n] {
			seen[n] = true
			m.refCols = append(m.refCols, rowCol{name: n, t: t})
		}
	}))
	sort.Slice(m.refCols, func(i, j int) bool { return m.refCols[i].name < m.refCols[j].name })
	m.unknown = []*cel.AttributePatternType{cel.AttributePattern("value"), cel.AttributePattern("default")}
	for _, c := range m.refCols {
		m.unknown = append(m.unknown, cel.AttributePattern(c.name))
	}
	if m.prog, err = env.Program(ast, cel.CostLimit(CostLimit)); err != nil {
		return nil, invalid("%v", err)
	}
	if m.partial, err = env.Program(ast, cel.EvalOptions(cel.OptTrackState, cel.OptPartialEval), cel.CostLimit(CostLimit)); err != nil {
		return nil, invalid("%v", err)
	}
	return m, nil
}

func newEnv(column types.T, valT *cel.Type, nullable bool, schema map[string]types.T) (*cel.Env, error) {
	valueDecl := valT
	if nullable {
		valueDecl = cel.NullableType(valT)
	}
	str := cel.NullableType(cel.StringType)
	opts := []cel.EnvOption{
		cel.OptionalTypes(),
		ext.Strings(),
		// Residuals of macros (exists, all, map, ...) over row data must
		// print back to CEL source.
		cel.EnableMacroCallTracking(),
		cel.Variable("value", valueDecl),
		cel.Variable("default", valT),
		cel.Variable("principal", cel.MapType(cel.StringType, cel.DynType)),
		cel.Function("redact", cel.Overload("redact_string", []*cel.Type{cel.StringType}, str,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, ok := v.(celtypes.String)
				if !ok {
					return celtypes.MaybeNoSuchOverloadErr(v)
				}
				return celtypes.String(Redact(string(s)))
			}))),
		cel.Function("sha256", cel.Overload("sha256_string", []*cel.Type{cel.StringType}, str,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, ok := v.(celtypes.String)
				if !ok {
					return celtypes.MaybeNoSuchOverloadErr(v)
				}
				return celtypes.String(SHA256Hex(string(s)))
			}))),
		cel.Function("show_first", cel.Overload("show_first_string_int", []*cel.Type{cel.StringType, cel.IntType}, str,
			cel.BinaryBinding(showBinding(ShowFirst)))),
		cel.Function("show_last", cel.Overload("show_last_string_int", []*cel.Type{cel.StringType, cel.IntType}, str,
			cel.BinaryBinding(showBinding(ShowLast)))),
		cel.Function("truncate_date", cel.Overload("truncate_date_timestamp_string", []*cel.Type{cel.TimestampType, cel.StringType}, cel.TimestampType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				ts, ok1 := a.(celtypes.Timestamp)
				unit, ok2 := b.(celtypes.String)
				if !ok1 || !ok2 {
					return celtypes.MaybeNoSuchOverloadErr(a)
				}
				t, err := TruncateTime(ts.Time, string(unit))
				if err != nil {
					return celtypes.NewErr("%s", lferr.MessageOf(err))
				}
				return celtypes.Timestamp{Time: t}
			}))),
	}
	names := make([]string, 0, len(schema))
	for n := range schema {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if celReserved[n] || !identRe.MatchString(n) {
			continue // not addressable from CEL (documented)
		}
		ct, wrap, err := celType(schema[n])
		if err != nil {
			continue // a column of a type masks cannot read is simply not in scope
		}
		if wrap {
			ct = cel.NullableType(ct)
		}
		// DATE/TIMESTAMP have no CEL wrapper type: they stay timestamp, and
		// a NULL cell is bound as CEL null, so an operation on it is an
		// evaluation error (fail closed) while passing it through is NULL.
		opts = append(opts, cel.Variable(n, ct))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "column mask: CEL environment: %v", err)
	}
	return env, nil
}

func showBinding(f func(string, int64) (string, error)) func(a, b ref.Val) ref.Val {
	return func(a, b ref.Val) ref.Val {
		s, ok1 := a.(celtypes.String)
		n, ok2 := b.(celtypes.Int)
		if !ok1 || !ok2 {
			return celtypes.MaybeNoSuchOverloadErr(a)
		}
		out, err := f(string(s), int64(n))
		if err != nil {
			return celtypes.NewErr("%s", lferr.MessageOf(err))
		}
		return celtypes.String(out)
	}
}

// checkConstArgs rejects at creation the built-in calls whose constant
// arguments are wrong (they would fail on every row).
func checkConstArgs(root celast.Expr) error {
	var err error
	celast.PreOrderVisit(root, celast.NewExprVisitor(func(e celast.Expr) {
		if err != nil || e.Kind() != celast.CallKind {
			return
		}
		c := e.AsCall()
		args := c.Args()
		switch c.FunctionName() {
		case "show_first", "show_last":
			if len(args) == 2 && args[1].Kind() == celast.LiteralKind {
				if n, ok := args[1].AsLiteral().(celtypes.Int); ok && n < 0 {
					err = invalid("%s length must not be negative, got %d", c.FunctionName(), int64(n))
				}
			}
		case "truncate_date":
			if len(args) == 2 && args[1].Kind() == celast.LiteralKind {
				if u, ok := args[1].AsLiteral().(celtypes.String); ok && u != "year" && u != "month" {
					err = invalid("truncate_date unit must be \"year\" or \"month\", not %q", string(u))
				}
			}
		}
	}))
	return err
}

// activation builds the CEL inputs for one row.
func (m *Mask) activation(value types.Value, row map[string]types.Value, p map[string]any) (map[string]any, error) {
	act := make(map[string]any, len(m.refCols)+3)
	v, err := toCEL(value, m.col)
	if err != nil {
		return nil, err
	}
	act["value"] = v
	d, _ := toCEL(Default(m.col), m.col)
	act["default"] = d
	act["principal"] = p
	for _, c := range m.refCols {
		rv, ok := row[c.name]
		if !ok {
			return nil, lferr.New(lferr.UnknownColumn, "column mask reads column %s, which the row does not carry", c.name)
		}
		if rv.Null {
			act[c.name] = celtypes.NullValue
			continue
		}
		cv, err := toCEL(rv, c.t)
		if err != nil {
			return nil, err
		}
		act[c.name] = cv
	}
	return act, nil
}

// Apply evaluates the whole mask for one row with the CEL interpreter: the
// row-at-a-time reference. value is the column's cell; row carries the
// other columns the mask reads (Columns). NULL value gives NULL.
func (m *Mask) Apply(value types.Value, row map[string]types.Value, p Principal) (types.Value, error) {
	if value.Null {
		return types.Value{Kind: m.col.Kind, Null: true}, nil
	}
	act, err := m.activation(value, row, p.celValue())
	if err != nil {
		return types.Value{}, err
	}
	out, _, err := m.prog.Eval(act)
	if err != nil {
		return types.Value{}, lferr.Wrap(lferr.ExecutionError, err, "column mask evaluation: %v", err)
	}
	return fromCEL(out, m.col)
}

func toCEL(v types.Value, t types.T) (ref.Val, error) {
	bad := func() (ref.Val, error) {
		return nil, lferr.New(lferr.TypeError, "column mask: %s value for a %s column", v.Kind, t)
	}
	if v.Null {
		return celtypes.NullValue, nil
	}
	switch t.Kind {
	case types.Bool:
		if v.Kind == types.Bool {
			return celtypes.Bool(v.I != 0), nil
		}
	case types.Int64:
		if v.Kind == types.Int64 {
			return celtypes.Int(v.I), nil
		}
	case types.Float64, types.Decimal:
		if v.Kind == types.Float64 || v.Kind == types.Decimal || v.Kind == types.Int64 {
			return celtypes.Double(v.AsFloat()), nil
		}
	case types.String:
		if v.Kind == types.String {
			return celtypes.String(v.S), nil
		}
	case types.Date:
		if v.Kind == types.Date {
			return celtypes.Timestamp{Time: dateToTime(v.I)}, nil
		}
	case types.Timestamp:
		if v.Kind == types.Timestamp {
			return celtypes.Timestamp{Time: time.UnixMicro(v.I).UTC()}, nil
		}
	}
	return bad()
}

func fromCEL(out ref.Val, t types.T) (types.Value, error) {
	bad := func() (types.Value, error) {
		return types.Value{}, lferr.New(lferr.ExecutionError, "column mask produced %s for a %s column", out.Type().TypeName(), t)
	}
	switch o := out.(type) {
	case celtypes.Null:
		return types.Value{Kind: t.Kind, Null: true}, nil
	case *celtypes.Err:
		return types.Value{}, lferr.Wrap(lferr.ExecutionError, o, "column mask evaluation: %v", o)
	case celtypes.Bool:
		if t.Kind == types.Bool {
			return types.NewBool(bool(o)), nil
		}
	case celtypes.Int:
		if t.Kind == types.Int64 {
			return types.NewInt(int64(o)), nil
		}
	case celtypes.Double:
		if t.Kind == types.Float64 || t.Kind == types.Decimal {
			return types.Value{Kind: t.Kind, F: float64(o)}, nil
		}
	case celtypes.String:
		if t.Kind == types.String {
			return types.NewString(string(o)), nil
		}
	case celtypes.Timestamp:
		switch t.Kind {
		case types.Date:
			return types.NewDate(timeToDate(o.Time)), nil
		case types.Timestamp:
			return types.NewTimestamp(o.Time.UnixMicro()), nil
		}
	}
	return bad()
}
