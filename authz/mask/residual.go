package mask

import (
	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	celtypes "cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Class is how the engine must apply a mask for one principal.
type Class uint8

const (
	Identity     Class = iota // the mask is `value`: nothing to do
	BuiltinClass              // one built-in: a vectorized kernel
	Fallback                  // a residual CEL program, per row
)

func (c Class) String() string {
	switch c {
	case Identity:
		return "identity"
	case BuiltinClass:
		return "builtin"
	}
	return "cel"
}

// Residual is a mask specialized to one principal.
type Residual struct {
	Class Class
	// Builtin is set when Class == BuiltinClass.
	Builtin Builtin
	// Source is the residual CEL expression (for EXPLAIN and audit).
	Source string

	mask      *Mask
	principal map[string]any
	prog      cel.Program // Fallback only
}

// String describes the residual for EXPLAIN: "identity", "sha256",
// "show_first(4)", or "cel(<source>)".
func (r *Residual) String() string {
	switch r.Class {
	case Identity:
		return "identity"
	case BuiltinClass:
		return r.Builtin.String()
	}
	return "cel(" + r.Source + ")"
}

// Residual partially evaluates the mask for principal p and classifies the
// result. A mask that evaluates to an error for p whatever the row (a
// missing session tag, say) is AccessDenied: the column is neither
// unmasked nor silently NULLed.
func (m *Mask) Residual(p Principal) (*Residual, error) {
	pv := p.celValue()
	act, err := cel.PartialVars(map[string]any{"principal": pv}, m.unknown...)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "column mask: partial activation: %v", err)
	}
	out, det, err := m.partial.Eval(act)
	if err != nil && !celtypes.IsUnknown(out) {
		return nil, lferr.Wrap(lferr.AccessDenied, err, "column mask cannot be evaluated for principal %s: %v", p.ARN, err)
	}
	res, err := m.env.ResidualAst(m.ast, det)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "column mask: residual: %v", err)
	}
	src, err := cel.AstToString(res)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "column mask: residual text: %v", err)
	}
	r := &Residual{Source: src, mask: m, principal: pv}
	if cls, b, ok := classify(res.NativeRep().Expr(), m.col); ok {
		r.Class, r.Builtin = cls, b
		return r, nil
	}
	r.Class = Fallback
	if r.prog, err = m.env.Program(res, cel.CostLimit(CostLimit)); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "column mask: residual program: %v", err)
	}
	return r, nil
}

func isValue(e celast.Expr) bool { return e.Kind() == celast.IdentKind && e.AsIdent() == "value" }

// classify recognizes the residual shapes that need no CEL at run time.
func classify(e celast.Expr, col types.T) (Class, Builtin, bool) {
	switch e.Kind() {
	case celast.IdentKind:
		switch e.AsIdent() {
		case "value":
			return Identity, Builtin{}, true
		case "default":
			return BuiltinClass, Builtin{Kind: KindDefault}, true
		}
	case celast.LiteralKind:
		lit := e.AsLiteral()
		if lit == celtypes.NullValue {
			return BuiltinClass, Builtin{Kind: KindNull}, true
		}
		v, err := fromCEL(lit, col)
		if err != nil {
			return 0, Builtin{}, false
		}
		return BuiltinClass, Builtin{Kind: KindConstant, Args: []types.Value{v}}, true
	case celast.CallKind:
		c := e.AsCall()
		args := c.Args()
		if c.IsMemberFunction() || len(args) == 0 || !isValue(args[0]) {
			return 0, Builtin{}, false
		}
		lit := func(i int) (ref.Val, bool) {
			if len(args) != i+1 || args[i].Kind() != celast.LiteralKind {
				return nil, false
			}
			return args[i].AsLiteral(), true
		}
		switch c.FunctionName() {
		case "redact":
			if len(args) == 1 {
				return BuiltinClass, Builtin{Kind: KindRedact}, true
			}
		case "sha256":
			if len(args) == 1 {
				return BuiltinClass, Builtin{Kind: KindSHA256}, true
			}
		case "show_first", "show_last":
			if v, ok := lit(1); ok {
				if n, ok := v.(celtypes.Int); ok && n >= 0 {
					k := KindShowFirst
					if c.FunctionName() == "show_last" {
						k = KindShowLast
					}
					return BuiltinClass, Builtin{Kind: k, Args: []types.Value{types.NewInt(int64(n))}}, true
				}
			}
		case "truncate_date":
			if v, ok := lit(1); ok {
				if u, ok := v.(celtypes.String); ok && (u == "year" || u == "month") {
					return BuiltinClass, Builtin{Kind: KindTruncateDate, Args: []types.Value{types.NewString(string(u))}}, true
				}
			}
		}
	}
	return 0, Builtin{}, false
}

// Apply evaluates the residual for one row: the per-row path of a
// Fallback residual, and the reference for the other classes (Identity
// returns value, BuiltinClass runs ApplyBuiltin). NULL value gives NULL.
func (r *Residual) Apply(value types.Value, row map[string]types.Value) (types.Value, error) {
	col := r.mask.col
	if value.Null {
		return types.Value{Kind: col.Kind, Null: true}, nil
	}
	switch r.Class {
	case Identity:
		return value, nil
	case BuiltinClass:
		return ApplyBuiltin(r.Builtin, col, value)
	}
	act, err := r.mask.activation(value, row, r.principal)
	if err != nil {
		return types.Value{}, err
	}
	out, _, err := r.prog.Eval(act)
	if err != nil {
		return types.Value{}, lferr.Wrap(lferr.ExecutionError, err, "column mask evaluation: %v", err)
	}
	return fromCEL(out, col)
}
