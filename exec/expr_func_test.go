package exec

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// ecase is one expression over argument values. Every case runs five ways:
// the reference EvalRow; compiled over constants (folded); compiled over
// columns in one live row flanked by dead rows holding hostile values
// (overflow, zero divisors); the same with dictionary-encoded strings; and
// over columns without a selection vector.
type ecase struct {
	name  string
	mk    func(a []plan.Expr) plan.Expr
	args  []types.Value
	types []types.T // optional: argument types (default: from the value's Kind)
	want  types.Value
	err   lferr.Code // expected error code ("" = success)
	msg   string     // substring of the expected error message
}

func call(name string, t types.T) func(a []plan.Expr) plan.Expr {
	return func(a []plan.Expr) plan.Expr { return fn(name, t, a...) }
}

func (c ecase) argTypes() []types.T {
	ts := make([]types.T, len(c.args))
	for i, v := range c.args {
		if c.types != nil {
			ts[i] = c.types[i]
			continue
		}
		ts[i] = types.T{Kind: v.Kind}
		if v.Kind == types.Decimal {
			ts[i] = types.DecimalT(18, 2)
		}
	}
	return ts
}

// hostile returns a dead-row value of type t chosen to make kernels fail
// if they ever looked at it.
func hostile(t types.T, k int) types.Value {
	switch t.Kind {
	case types.Int64:
		if k%2 == 0 {
			return vI(math.MinInt64)
		}
		return vI(0)
	case types.Float64:
		if k%2 == 0 {
			return vF(1e308)
		}
		return vF(0)
	case types.Decimal:
		return vDec(1e300)
	case types.String:
		return vS("9223372036854775807")
	case types.Bool:
		return vB(true)
	case types.Date:
		return types.NewDate(daysFromCivil(9999, 12, 31))
	case types.Timestamp:
		return types.NewTimestamp(daysFromCivil(9999, 12, 31) * usPerDay)
	}
	return nullOf(t)
}

func runECase(t *testing.T, c ecase) {
	t.Helper()
	ts := c.argTypes()
	check := func(mode string, got types.Value, err error) {
		t.Helper()
		if c.err != "" {
			if err == nil {
				t.Errorf("%s [%s]: got %v, want error %s", c.name, mode, got, c.err)
				return
			}
			if lferr.CodeOf(err) != c.err || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s [%s]: error %v, want %s containing %q", c.name, mode, err, c.err, c.msg)
			}
			return
		}
		if err != nil {
			t.Errorf("%s [%s]: unexpected error %v", c.name, mode, err)
			return
		}
		if !sameValue(got, c.want) {
			t.Errorf("%s [%s]: got %v (%v null=%v), want %v (%v null=%v)", c.name, mode, got, got.Kind, got.Null, c.want, c.want.Kind, c.want.Null)
		}
	}
	// 1. Reference.
	consts := make([]plan.Expr, len(c.args))
	for i, v := range c.args {
		consts[i] = lit(v, ts[i])
	}
	ce := c.mk(consts)
	got, err := EvalRow(ce, nil, nil)
	check("EvalRow", got, err)

	// 2. Compiled over constants.
	mem := checkedMem(t)
	env := &Env{Alloc: mem}
	if ev, err := CompileExpr(ce, env); err != nil {
		check("compile-const", types.Value{}, err)
	} else {
		b := &Batch{N: 2}
		arr, err := ev.Eval(b)
		if err == nil {
			check("const", readArray(t, arr, 1, ce.Type()), nil)
			arr.Release()
		} else {
			check("const", types.Value{}, err)
		}
	}

	// 3-5. Compiled over columns.
	cols := make([]plan.Expr, len(c.args))
	for i := range c.args {
		cols[i] = col(i, ts[i])
	}
	e := c.mk(cols)
	for _, mode := range []string{"sel", "sel+dict", "nosel"} {
		ev, err := CompileExpr(e, env)
		if err != nil {
			check(mode, types.Value{}, err)
			continue
		}
		var b Batch
		live := 0
		for i, v := range c.args {
			var vals []types.Value
			if mode == "nosel" {
				vals = []types.Value{v}
			} else {
				vals = []types.Value{hostile(ts[i], 0), v, hostile(ts[i], 1)}
				live = 1
			}
			b.Cols = append(b.Cols, buildArray(t, mem, ts[i], vals, mode == "sel+dict"))
		}
		if mode == "nosel" {
			b.N = 1
		} else {
			b.N, b.Sel = 3, []int32{1}
		}
		arr, err := ev.Eval(&b)
		if err != nil {
			check(mode, types.Value{}, err)
		} else {
			if arr.Len() != b.N {
				t.Errorf("%s [%s]: result length %d, want %d", c.name, mode, arr.Len(), b.N)
			}
			check(mode, readArray(t, arr, live, e.Type()), nil)
			arr.Release()
		}
		for _, a := range b.Cols {
			a.Release()
		}
	}
}

func TestArithmetic(t *testing.T) {
	dec := types.DecimalT(18, 2)
	cases := []ecase{
		{name: "int add", mk: call("+", tI), args: []types.Value{vI(2), vI(3)}, want: vI(5)},
		{name: "int add null", mk: call("+", tI), args: []types.Value{vI(2), nullOf(tI)}, want: nullOf(tI)},
		{name: "int add overflow", mk: call("+", tI), args: []types.Value{vI(math.MaxInt64), vI(1)}, err: lferr.ExecutionError, msg: "BIGINT value is out of range"},
		{name: "int sub overflow", mk: call("-", tI), args: []types.Value{vI(math.MinInt64), vI(1)}, err: lferr.ExecutionError, msg: "BIGINT value is out of range"},
		{name: "int mul", mk: call("*", tI), args: []types.Value{vI(-4000000000), vI(2000000000)}, want: vI(-8000000000000000000)},
		{name: "int mul overflow", mk: call("*", tI), args: []types.Value{vI(4000000000), vI(4000000000)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "int mul minint*-1", mk: call("*", tI), args: []types.Value{vI(math.MinInt64), vI(-1)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "int mul minint*1", mk: call("*", tI), args: []types.Value{vI(math.MinInt64), vI(1)}, want: vI(math.MinInt64)},
		{name: "div is float", mk: call("/", tF), args: []types.Value{vI(7), vI(2)}, want: vF(3.5)},
		{name: "div by zero null", mk: call("/", tF), args: []types.Value{vI(7), vI(0)}, want: nullOf(tF)},
		{name: "decimal div rounds", mk: call("/", types.DecimalT(10, 4)), args: []types.Value{vI(2), vI(3)}, want: vDec(0.6667)},
		{name: "intdiv trunc", mk: call("div", tI), args: []types.Value{vI(-7), vI(2)}, want: vI(-3)},
		{name: "intdiv zero", mk: call("div", tI), args: []types.Value{vI(7), vI(0)}, want: nullOf(tI)},
		{name: "intdiv overflow", mk: call("div", tI), args: []types.Value{vI(math.MinInt64), vI(-1)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "intdiv float args", mk: call("div", tI), args: []types.Value{vF(7.5), vF(2)}, want: vI(3)},
		{name: "mod sign of dividend", mk: call("%", tI), args: []types.Value{vI(-7), vI(3)}, want: vI(-1)},
		{name: "mod positive", mk: call("mod", tI), args: []types.Value{vI(7), vI(-3)}, want: vI(1)},
		{name: "mod zero", mk: call("%", tI), args: []types.Value{vI(7), vI(0)}, want: nullOf(tI)},
		{name: "mod minint -1", mk: call("%", tI), args: []types.Value{vI(math.MinInt64), vI(-1)}, want: vI(0)},
		{name: "float mod", mk: call("%", tF), args: []types.Value{vF(-7.5), vF(2)}, want: vF(-1.5)},
		{name: "float mul overflow", mk: call("*", tF), args: []types.Value{vF(1e308), vF(10)}, err: lferr.ExecutionError, msg: "DOUBLE value is out of range"},
		{name: "mixed int float", mk: call("+", tF), args: []types.Value{vI(1), vF(0.5)}, want: vF(1.5)},
		{name: "decimal add rounds", mk: call("+", dec), args: []types.Value{vDec(0.1), vDec(0.2)}, want: vDec(0.3)},
		{name: "string operand prefix", mk: call("+", tF), args: []types.Value{vS("3abc"), vI(1)}, want: vF(4)},
		{name: "neg", mk: call("neg", tI), args: []types.Value{vI(5)}, want: vI(-5)},
		{name: "neg minint", mk: call("neg", tI), args: []types.Value{vI(math.MinInt64)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "neg float", mk: call("neg", tF), args: []types.Value{vF(2.5)}, want: vF(-2.5)},
		{name: "const minus col", mk: call("-", tF), args: []types.Value{vF(1), vF(0.25)}, want: vF(0.75)},
		{name: "null type", mk: call("+", tI), args: []types.Value{vNull, vI(1)}, types: []types.T{tN, tI}, want: nullOf(tI)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestComparisonAndLogic(t *testing.T) {
	cases := []ecase{
		{name: "int lt", mk: call("<", tB), args: []types.Value{vI(1), vI(2)}, want: vB(true)},
		{name: "int ge", mk: call(">=", tB), args: []types.Value{vI(1), vI(2)}, want: vB(false)},
		{name: "eq null", mk: call("=", tB), args: []types.Value{vI(1), nullOf(tI)}, want: nullOf(tB)},
		{name: "nulleq null null", mk: call("<=>", tB), args: []types.Value{nullOf(tI), nullOf(tI)}, want: vB(true)},
		{name: "nulleq null 1", mk: call("<=>", tB), args: []types.Value{nullOf(tI), vI(1)}, want: vB(false)},
		{name: "nulleq str", mk: call("<=>", tB), args: []types.Value{vS("a"), vS("a")}, want: vB(true)},
		{name: "int vs float", mk: call("=", tB), args: []types.Value{vI(2), vF(2.0)}, want: vB(true)},
		{name: "int vs float lt", mk: call("<", tB), args: []types.Value{vI(2), vF(2.5)}, want: vB(true)},
		{name: "string vs number", mk: call("=", tB), args: []types.Value{vS("10abc"), vI(10)}, want: vB(true)},
		{name: "string binary case", mk: call("=", tB), args: []types.Value{vS("abc"), vS("ABC")}, want: vB(false)},
		{name: "string lt", mk: call("<", tB), args: []types.Value{vS("abc"), vS("abd")}, want: vB(true)},
		{name: "string ne", mk: call("<>", tB), args: []types.Value{vS("x"), vS("y")}, want: vB(true)},
		{name: "date vs string", mk: call("=", tB), args: []types.Value{vD("2020-01-31"), vS("2020-01-31")}, want: vB(true)},
		{name: "date lt", mk: call("<", tB), args: []types.Value{vD("2019-12-31"), vD("2020-01-01")}, want: vB(true)},
		{name: "ts vs date", mk: call(">", tB), args: []types.Value{vTS("2020-01-01 00:00:01"), vD("2020-01-01")}, want: vB(true)},
		{name: "bool eq", mk: call("=", tB), args: []types.Value{vB(true), vI(1)}, want: vB(true)},
		{name: "and false null", mk: call("and", tB), args: []types.Value{vB(false), nullOf(tB)}, want: vB(false)},
		{name: "and true null", mk: call("and", tB), args: []types.Value{vB(true), nullOf(tB)}, want: nullOf(tB)},
		{name: "and null false", mk: call("and", tB), args: []types.Value{nullOf(tB), vB(false)}, want: vB(false)},
		{name: "or true null", mk: call("or", tB), args: []types.Value{nullOf(tB), vB(true)}, want: vB(true)},
		{name: "or false null", mk: call("or", tB), args: []types.Value{vB(false), nullOf(tB)}, want: nullOf(tB)},
		{name: "and numbers", mk: call("and", tB), args: []types.Value{vI(5), vF(0.5)}, want: vB(true)},
		{name: "not null", mk: call("not", tB), args: []types.Value{nullOf(tB)}, want: nullOf(tB)},
		{name: "not int", mk: call("not", tB), args: []types.Value{vI(0)}, want: vB(true)},
		{name: "xor", mk: call("xor", tB), args: []types.Value{vB(true), vB(false)}, want: vB(true)},
		{name: "xor null", mk: call("xor", tB), args: []types.Value{vB(true), nullOf(tB)}, want: nullOf(tB)},
		{name: "is null", mk: call("is_null", tB), args: []types.Value{nullOf(tS)}, want: vB(true)},
		{name: "is not null", mk: call("is_not_null", tB), args: []types.Value{vS("")}, want: vB(true)},
		{name: "is true null", mk: call("is_true", tB), args: []types.Value{nullOf(tB)}, want: vB(false)},
		{name: "is not true null", mk: call("is_not_true", tB), args: []types.Value{nullOf(tB)}, want: vB(true)},
		{name: "is false 0", mk: call("is_false", tB), args: []types.Value{vI(0)}, want: vB(true)},
		{name: "is not false null", mk: call("is_not_false", tB), args: []types.Value{nullOf(tI)}, want: vB(true)},
		{name: "between", mk: call("between", tB), args: []types.Value{vI(5), vI(1), vI(10)}, want: vB(true)},
		{name: "between null hi false", mk: call("between", tB), args: []types.Value{vI(0), vI(1), nullOf(tI)}, want: vB(false)},
		{name: "between null hi", mk: call("between", tB), args: []types.Value{vI(5), vI(1), nullOf(tI)}, want: nullOf(tB)},
		{name: "not between", mk: call("not_between", tB), args: []types.Value{vI(11), vI(1), vI(10)}, want: vB(true)},
		{name: "between strings", mk: call("between", tB), args: []types.Value{vS("b"), vS("a"), vS("c")}, want: vB(true)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestLike(t *testing.T) {
	like := call("like", tB)
	cases := []ecase{
		{name: "exact", mk: like, args: []types.Value{vS("abc"), vS("abc")}, want: vB(true)},
		{name: "case sensitive", mk: like, args: []types.Value{vS("abc"), vS("ABC")}, want: vB(false)},
		{name: "prefix", mk: like, args: []types.Value{vS("abcdef"), vS("abc%")}, want: vB(true)},
		{name: "suffix", mk: like, args: []types.Value{vS("abcdef"), vS("%def")}, want: vB(true)},
		{name: "contains", mk: like, args: []types.Value{vS("abcdef"), vS("%cd%")}, want: vB(true)},
		{name: "contains miss", mk: like, args: []types.Value{vS("abcdef"), vS("%dc%")}, want: vB(false)},
		{name: "underscore", mk: like, args: []types.Value{vS("abc"), vS("a_c")}, want: vB(true)},
		{name: "underscore utf8", mk: like, args: []types.Value{vS("aéc"), vS("a_c")}, want: vB(true)},
		{name: "underscore too short", mk: like, args: []types.Value{vS("ac"), vS("a_c")}, want: vB(false)},
		{name: "general", mk: like, args: []types.Value{vS("xaybzc"), vS("%a%b%c")}, want: vB(true)},
		{name: "backtrack", mk: like, args: []types.Value{vS("aaab"), vS("%ab")}, want: vB(true)},
		{name: "percent only", mk: like, args: []types.Value{vS(""), vS("%")}, want: vB(true)},
		{name: "empty pattern", mk: like, args: []types.Value{vS("a"), vS("")}, want: vB(false)},
		{name: "escaped percent", mk: like, args: []types.Value{vS("10%"), vS(`10\%`)}, want: vB(true)},
		{name: "escaped percent miss", mk: like, args: []types.Value{vS("100"), vS(`10\%`)}, want: vB(false)},
		{name: "custom escape", mk: func(a []plan.Expr) plan.Expr { return fn("like", tB, a[0], a[1], lit(vS("!"), tS)) }, args: []types.Value{vS("a_b"), vS("a!_b")}, want: vB(true)},
		{name: "custom escape miss", mk: func(a []plan.Expr) plan.Expr { return fn("like", tB, a[0], a[1], lit(vS("!"), tS)) }, args: []types.Value{vS("axb"), vS("a!_b")}, want: vB(false)},
		{name: "null", mk: like, args: []types.Value{nullOf(tS), vS("%")}, want: nullOf(tB)},
		{name: "null pattern", mk: like, args: []types.Value{vS("a"), nullOf(tS)}, want: nullOf(tB)},
		{name: "not like", mk: call("not_like", tB), args: []types.Value{vS("abc"), vS("a%")}, want: vB(false)},
		{name: "number like", mk: like, args: []types.Value{vI(123), vS("12%")}, want: vB(true)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestConditionals(t *testing.T) {
	cases := []ecase{
		{name: "coalesce", mk: call("coalesce", tI), args: []types.Value{nullOf(tI), vI(2), vI(3)}, want: vI(2)},
		{name: "coalesce all null", mk: call("coalesce", tI), args: []types.Value{nullOf(tI), nullOf(tI)}, want: nullOf(tI)},
		{name: "coalesce str", mk: call("coalesce", tS), args: []types.Value{nullOf(tS), vS("x")}, want: vS("x")},
		{name: "ifnull", mk: call("ifnull", tF), args: []types.Value{nullOf(tI), vF(2.5)}, want: vF(2.5)},
		{name: "nullif eq", mk: call("nullif", tI), args: []types.Value{vI(2), vI(2)}, want: nullOf(tI)},
		{name: "nullif ne", mk: call("nullif", tI), args: []types.Value{vI(2), vI(3)}, want: vI(2)},
		{name: "if true", mk: call("if", tS), args: []types.Value{vB(true), vS("a"), vS("b")}, want: vS("a")},
		{name: "if null", mk: call("if", tS), args: []types.Value{nullOf(tB), vS("a"), vS("b")}, want: vS("b")},
		{name: "if lazy", mk: func(a []plan.Expr) plan.Expr {
			// IF(x > 0, 9223372036854775807 + x, 0): the overflow branch is
			// never taken for x = 0.
			return fn("if", tI, fn(">", tB, a[0], lit(vI(0), tI)), fn("+", tI, lit(vI(math.MaxInt64), tI), a[0]), lit(vI(0), tI))
		}, args: []types.Value{vI(0)}, want: vI(0)},
		{name: "greatest", mk: call("greatest", tI), args: []types.Value{vI(2), vI(7), vI(3)}, want: vI(7)},
		{name: "least str", mk: call("least", tS), args: []types.Value{vS("b"), vS("a"), vS("c")}, want: vS("a")},
		{name: "greatest null", mk: call("greatest", tI), args: []types.Value{vI(2), nullOf(tI)}, want: nullOf(tI)},
		{name: "greatest mixed", mk: call("greatest", tF), args: []types.Value{vI(2), vF(2.5)}, want: vF(2.5)},
		{name: "case searched", mk: func(a []plan.Expr) plan.Expr {
			return &plan.Case{Whens: []plan.When{
				{Cond: fn("<", tB, a[0], lit(vI(0), tI)), Then: lit(vS("neg"), tS)},
				{Cond: fn("=", tB, a[0], lit(vI(0), tI)), Then: lit(vS("zero"), tS)},
			}, Else: lit(vS("pos"), tS), T: tS}
		}, args: []types.Value{vI(0)}, want: vS("zero")},
		{name: "case simple no else", mk: func(a []plan.Expr) plan.Expr {
			return &plan.Case{Operand: a[0], Whens: []plan.When{
				{Cond: lit(vI(1), tI), Then: lit(vF(1.5), tF)},
			}, T: tF}
		}, args: []types.Value{vI(2)}, want: nullOf(tF)},
		{name: "case null operand", mk: func(a []plan.Expr) plan.Expr {
			return &plan.Case{Operand: a[0], Whens: []plan.When{{Cond: lit(vNull, tN), Then: lit(vI(1), tI)}}, Else: lit(vI(2), tI), T: tI}
		}, args: []types.Value{nullOf(tI)}, want: vI(2)},
		{name: "case lazy div", mk: func(a []plan.Expr) plan.Expr {
			return &plan.Case{Whens: []plan.When{{Cond: fn("<>", tB, a[0], lit(vI(0), tI)), Then: fn("*", tI, lit(vI(math.MaxInt64), tI), a[0])}}, Else: lit(vI(-1), tI), T: tI}
		}, args: []types.Value{vI(0)}, want: vI(-1)},
		{name: "case then raises", mk: func(a []plan.Expr) plan.Expr {
			return &plan.Case{Whens: []plan.When{{Cond: fn("<>", tB, a[0], lit(vI(0), tI)), Then: fn("*", tI, lit(vI(math.MaxInt64), tI), a[0])}}, Else: lit(vI(-1), tI), T: tI}
		}, args: []types.Value{vI(2)}, err: lferr.ExecutionError, msg: "BIGINT"},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestInList(t *testing.T) {
	in := func(not bool, items ...plan.Expr) func(a []plan.Expr) plan.Expr {
		return func(a []plan.Expr) plan.Expr { return &plan.InList{Arg: a[0], List: items, Not: not} }
	}
	cases := []ecase{
		{name: "int in", mk: in(false, lit(vI(1), tI), lit(vI(2), tI)), args: []types.Value{vI(2)}, want: vB(true)},
		{name: "int not found", mk: in(false, lit(vI(1), tI), lit(vI(2), tI)), args: []types.Value{vI(3)}, want: vB(false)},
		{name: "not found with null", mk: in(false, lit(vI(1), tI), lit(vNull, tN)), args: []types.Value{vI(3)}, want: nullOf(tB)},
		{name: "found with null", mk: in(false, lit(vI(1), tI), lit(vNull, tN)), args: []types.Value{vI(1)}, want: vB(true)},
		{name: "null arg", mk: in(false, lit(vI(1), tI)), args: []types.Value{nullOf(tI)}, want: nullOf(tB)},
		{name: "not in found", mk: in(true, lit(vI(1), tI)), args: []types.Value{vI(1)}, want: vB(false)},
		{name: "not in with null", mk: in(true, lit(vI(1), tI), lit(vNull, tN)), args: []types.Value{vI(3)}, want: nullOf(tB)},
		{name: "str in", mk: in(false, lit(vS("a"), tS), lit(vS("b"), tS)), args: []types.Value{vS("b")}, want: vB(true)},
		{name: "str not in", mk: in(true, lit(vS("a"), tS), lit(vS("b"), tS)), args: []types.Value{vS("c")}, want: vB(true)},
		{name: "mixed numeric", mk: in(false, lit(vF(2.0), tF)), args: []types.Value{vI(2)}, want: vB(true)},
		{name: "expr items", mk: func(a []plan.Expr) plan.Expr {
			return &plan.InList{Arg: a[0], List: []plan.Expr{fn("+", tI, a[1], lit(vI(1), tI)), a[1]}}
		}, args: []types.Value{vI(5), vI(4)}, want: vB(true)},
		{name: "expr items null", mk: func(a []plan.Expr) plan.Expr {
			return &plan.InList{Arg: a[0], List: []plan.Expr{a[1], lit(vI(7), tI)}}
		}, args: []types.Value{vI(5), nullOf(tI)}, want: nullOf(tB)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestCast(t *testing.T) {
	cast := func(to types.T) func(a []plan.Expr) plan.Expr {
		return func(a []plan.Expr) plan.Expr { return &plan.Cast{Arg: a[0], T: to} }
	}
	cases := []ecase{
		{name: "str to int prefix", mk: cast(tI), args: []types.Value{vS(" 12abc")}, want: vI(12)},
		{name: "str to int frac", mk: cast(tI), args: []types.Value{vS("1.9")}, want: vI(1)},
		{name: "str to int empty", mk: cast(tI), args: []types.Value{vS("")}, want: vI(0)},
		{name: "str to int neg", mk: cast(tI), args: []types.Value{vS("-42x")}, want: vI(-42)},
		{name: "str to int clamp", mk: cast(tI), args: []types.Value{vS("99999999999999999999")}, want: vI(math.MaxInt64)},
		{name: "float to int rint", mk: cast(tI), args: []types.Value{vF(2.5)}, want: vI(2)},
		{name: "float to int rint2", mk: cast(tI), args: []types.Value{vF(3.5)}, want: vI(4)},
		{name: "decimal to int away", mk: cast(tI), args: []types.Value{vDec(2.5)}, want: vI(3)},
		{name: "decimal to int neg", mk: cast(tI), args: []types.Value{vDec(-2.5)}, want: vI(-3)},
		{name: "str to float", mk: cast(tF), args: []types.Value{vS("1.5e3xyz")}, want: vF(1500)},
		{name: "str to float junk", mk: cast(tF), args: []types.Value{vS("abc")}, want: vF(0)},
		{name: "to decimal rounds", mk: cast(types.DecimalT(10, 2)), args: []types.Value{vF(2.675)}, want: vDec(2.68)},
		{name: "to decimal neg", mk: cast(types.DecimalT(10, 1)), args: []types.Value{vF(-0.25)}, want: vDec(-0.3)},
		{name: "int to str", mk: cast(tS), args: []types.Value{vI(-12)}, want: vS("-12")},
		{name: "float to str", mk: cast(tS), args: []types.Value{vF(0.1)}, want: vS("0.1")},
		{name: "float to str big", mk: cast(tS), args: []types.Value{vF(1e20)}, want: vS("1e20")},
		{name: "float to str small", mk: cast(tS), args: []types.Value{vF(1.5e-7)}, want: vS("1.5e-7")},
		{name: "float to str int", mk: cast(tS), args: []types.Value{vF(100)}, want: vS("100")},
		{name: "decimal to str", mk: cast(tS), args: []types.Value{vDec(1.5)}, types: []types.T{types.DecimalT(10, 2)}, want: vS("1.50")},
		{name: "bool to str", mk: cast(tS), args: []types.Value{vB(true)}, want: vS("1")},
		{name: "date to str", mk: cast(tS), args: []types.Value{vD("2020-02-29")}, want: vS("2020-02-29")},
		{name: "ts to str", mk: cast(tS), args: []types.Value{vTS("2020-02-29 13:04:05")}, want: vS("2020-02-29 13:04:05")},
		{name: "ts frac to str", mk: cast(tS), args: []types.Value{vTS("2020-02-29 13:04:05.25")}, want: vS("2020-02-29 13:04:05.25")},
		{name: "str to date", mk: cast(tD), args: []types.Value{vS("2021-3-7")}, want: vD("2021-03-07")},
		{name: "str to date with time", mk: cast(tD), args: []types.Value{vS("2021-03-07 10:11:12")}, want: vD("2021-03-07")},
		{name: "str to date invalid", mk: cast(tD), args: []types.Value{vS("2021-02-30")}, want: nullOf(tD)},
		{name: "str to date junk", mk: cast(tD), args: []types.Value{vS("hello")}, want: nullOf(tD)},
		{name: "str to ts", mk: cast(tT), args: []types.Value{vS("2021-03-07 10:11:12")}, want: vTS("2021-03-07 10:11:12")},
		{name: "str to ts bad time", mk: cast(tT), args: []types.Value{vS("2021-03-07 25:00:00")}, want: nullOf(tT)},
		{name: "int to date", mk: cast(tD), args: []types.Value{vI(20200131)}, want: vD("2020-01-31")},
		{name: "date to int", mk: cast(tI), args: []types.Value{vD("2020-01-31")}, want: vI(20200131)},
		{name: "date to ts", mk: cast(tT), args: []types.Value{vD("2020-01-31")}, want: vTS("2020-01-31 00:00:00")},
		{name: "ts to date", mk: cast(tD), args: []types.Value{vTS("1969-12-31 23:59:59")}, want: vD("1969-12-31")},
		{name: "str to bool", mk: cast(tB), args: []types.Value{vS("0.0")}, want: vB(false)},
		{name: "null cast", mk: cast(tI), args: []types.Value{nullOf(tS)}, want: nullOf(tI)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestNumericFunctions(t *testing.T) {
	cases := []ecase{
		{name: "abs", mk: call("abs", tI), args: []types.Value{vI(-3)}, want: vI(3)},
		{name: "abs minint", mk: call("abs", tI), args: []types.Value{vI(math.MinInt64)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "abs float", mk: call("abs", tF), args: []types.Value{vF(-2.5)}, want: vF(2.5)},
		{name: "sign", mk: call("sign", tI), args: []types.Value{vF(-0.5)}, want: vI(-1)},
		{name: "round decimal half away", mk: call("round", types.DecimalT(10, 0)), args: []types.Value{vDec(2.5)}, want: vDec(3)},
		{name: "round double half even", mk: call("round", tF), args: []types.Value{vF(2.5)}, want: vF(2)},
		{name: "round digits", mk: call("round", types.DecimalT(10, 2)), args: []types.Value{vDec(1.235), vI(2)}, want: vDec(1.24)},
		{name: "round neg digits int", mk: call("round", tI), args: []types.Value{vI(1250), vI(-2)}, want: vI(1300)},
		{name: "round neg int", mk: call("round", tI), args: []types.Value{vI(-1250), vI(-2)}, want: vI(-1300)},
		{name: "round int", mk: call("round", tI), args: []types.Value{vI(7)}, want: vI(7)},
		{name: "truncate", mk: call("truncate", tF), args: []types.Value{vF(1.999), vI(1)}, want: vF(1.9)},
		{name: "floor", mk: call("floor", tI), args: []types.Value{vF(-1.5)}, want: vI(-2)},
		{name: "ceil", mk: call("ceil", tI), args: []types.Value{vF(1.2)}, want: vI(2)},
		{name: "ceiling float", mk: call("ceiling", tF), args: []types.Value{vF(-1.2)}, want: vF(-1)},
		{name: "floor overflow", mk: call("floor", tI), args: []types.Value{vF(1e30)}, err: lferr.ExecutionError, msg: "BIGINT"},
		{name: "sqrt", mk: call("sqrt", tF), args: []types.Value{vI(16)}, want: vF(4)},
		{name: "sqrt neg", mk: call("sqrt", tF), args: []types.Value{vI(-1)}, want: nullOf(tF)},
		{name: "power", mk: call("power", tF), args: []types.Value{vI(2), vI(10)}, want: vF(1024)},
		{name: "power nan", mk: call("pow", tF), args: []types.Value{vF(-8), vF(0.5)}, want: nullOf(tF)},
		{name: "power overflow", mk: call("power", tF), args: []types.Value{vF(10), vF(400)}, err: lferr.ExecutionError, msg: "DOUBLE"},
		{name: "ln", mk: call("ln", tF), args: []types.Value{vF(0)}, want: nullOf(tF)},
		{name: "log base", mk: call("log", tF), args: []types.Value{vF(2), vF(8)}, want: vF(3)},
		{name: "mod func", mk: call("mod", tI), args: []types.Value{vI(10), vI(4)}, want: vI(2)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestStringFunctions(t *testing.T) {
	cases := []ecase{
		{name: "length bytes", mk: call("length", tI), args: []types.Value{vS("héllo")}, want: vI(6)},
		{name: "char_length", mk: call("char_length", tI), args: []types.Value{vS("héllo")}, want: vI(5)},
		{name: "lower", mk: call("lower", tS), args: []types.Value{vS("AbÉ")}, want: vS("abé")},
		{name: "upper", mk: call("upper", tS), args: []types.Value{vS("abé")}, want: vS("ABÉ")},
		{name: "substring", mk: call("substring", tS), args: []types.Value{vS("Quadratically"), vI(5)}, want: vS("ratically")},
		{name: "substring len", mk: call("substring", tS), args: []types.Value{vS("Quadratically"), vI(5), vI(6)}, want: vS("ratica")},
		{name: "substring neg", mk: call("substr", tS), args: []types.Value{vS("Sakila"), vI(-3)}, want: vS("ila")},
		{name: "substring neg len", mk: call("substring", tS), args: []types.Value{vS("Sakila"), vI(-5), vI(3)}, want: vS("aki")},
		{name: "substring zero", mk: call("substring", tS), args: []types.Value{vS("Sakila"), vI(0)}, want: vS("")},
		{name: "substring past", mk: call("substring", tS), args: []types.Value{vS("abc"), vI(-4)}, want: vS("")},
		{name: "substring utf8", mk: call("substring", tS), args: []types.Value{vS("héllo"), vI(2), vI(2)}, want: vS("él")},
		{name: "trim", mk: call("trim", tS), args: []types.Value{vS("  a b  ")}, want: vS("a b")},
		{name: "trim rem", mk: call("trim", tS), args: []types.Value{vS("xxaxx"), vS("x")}, want: vS("a")},
		{name: "ltrim", mk: call("ltrim", tS), args: []types.Value{vS("  a ")}, want: vS("a ")},
		{name: "rtrim", mk: call("rtrim", tS), args: []types.Value{vS("  a ")}, want: vS("  a")},
		{name: "replace", mk: call("replace", tS), args: []types.Value{vS("www.mysql.com"), vS("w"), vS("Ww")}, want: vS("WwWwWw.mysql.com")},
		{name: "replace empty", mk: call("replace", tS), args: []types.Value{vS("abc"), vS(""), vS("x")}, want: vS("abc")},
		{name: "concat", mk: call("concat", tS), args: []types.Value{vS("a"), vI(1), vS("b")}, want: vS("a1b")},
		{name: "concat null", mk: call("concat", tS), args: []types.Value{vS("a"), nullOf(tS)}, want: nullOf(tS)},
		{name: "concat float", mk: call("concat", tS), args: []types.Value{vF(1.5), vS("x")}, want: vS("1.5x")},
		{name: "concat_ws", mk: call("concat_ws", tS), args: []types.Value{vS(","), vS("a"), nullOf(tS), vS("b")}, want: vS("a,b")},
		{name: "concat_ws null sep", mk: call("concat_ws", tS), args: []types.Value{nullOf(tS), vS("a")}, want: nullOf(tS)},
		{name: "left", mk: call("left", tS), args: []types.Value{vS("foobarbar"), vI(5)}, want: vS("fooba")},
		{name: "left neg", mk: call("left", tS), args: []types.Value{vS("foo"), vI(-1)}, want: vS("")},
		{name: "right", mk: call("right", tS), args: []types.Value{vS("foobarbar"), vI(4)}, want: vS("rbar")},
		{name: "reverse", mk: call("reverse", tS), args: []types.Value{vS("abé")}, want: vS("éba")},
		{name: "lpad", mk: call("lpad", tS), args: []types.Value{vS("hi"), vI(4), vS("??")}, want: vS("??hi")},
		{name: "lpad trunc", mk: call("lpad", tS), args: []types.Value{vS("hi"), vI(1), vS("??")}, want: vS("h")},
		{name: "lpad odd", mk: call("lpad", tS), args: []types.Value{vS("hi"), vI(5), vS("ab")}, want: vS("abahi")},
		{name: "rpad", mk: call("rpad", tS), args: []types.Value{vS("hi"), vI(5), vS("?")}, want: vS("hi???")},
		{name: "rpad empty pad", mk: call("rpad", tS), args: []types.Value{vS("hi"), vI(5), vS("")}, want: nullOf(tS)},
		{name: "lpad neg", mk: call("lpad", tS), args: []types.Value{vS("hi"), vI(-1), vS("x")}, want: nullOf(tS)},
		{name: "lpad huge", mk: call("lpad", tS), args: []types.Value{vS("hi"), vI(1 << 40), vS("x")}, want: nullOf(tS)},
		{name: "instr", mk: call("instr", tI), args: []types.Value{vS("foobarbar"), vS("bar")}, want: vI(4)},
		{name: "instr miss", mk: call("instr", tI), args: []types.Value{vS("xbar"), vS("foobar")}, want: vI(0)},
		{name: "locate pos", mk: call("locate", tI), args: []types.Value{vS("bar"), vS("foobarbar"), vI(5)}, want: vI(7)},
		{name: "locate utf8", mk: call("locate", tI), args: []types.Value{vS("l"), vS("héllo")}, want: vI(3)},
		{name: "repeat", mk: call("repeat", tS), args: []types.Value{vS("ab"), vI(3)}, want: vS("ababab")},
		{name: "ascii", mk: call("ascii", tI), args: []types.Value{vS("A")}, want: vI(65)},
		{name: "length of int", mk: call("length", tI), args: []types.Value{vI(-123)}, want: vI(4)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

func TestDateFunctions(t *testing.T) {
	cases := []ecase{
		{name: "year", mk: call("year", tI), args: []types.Value{vD("2021-07-04")}, want: vI(2021)},
		{name: "month ts", mk: call("month", tI), args: []types.Value{vTS("2021-07-04 10:00:00")}, want: vI(7)},
		{name: "day", mk: call("day", tI), args: []types.Value{vD("1969-12-31")}, want: vI(31)},
		{name: "year of string", mk: call("year", tI), args: []types.Value{vS("2019-05-06")}, want: vI(2019)},
		{name: "year of bad string", mk: call("year", tI), args: []types.Value{vS("nope")}, want: nullOf(tI)},
		{name: "extract hour", mk: call("extract_hour", tI), args: []types.Value{vTS("2021-07-04 13:14:15")}, want: vI(13)},
		{name: "extract minute", mk: call("extract_minute", tI), args: []types.Value{vTS("2021-07-04 13:14:15")}, want: vI(14)},
		{name: "extract quarter", mk: call("extract_quarter", tI), args: []types.Value{vD("2021-08-01")}, want: vI(3)},
		{name: "dayofweek", mk: call("dayofweek", tI), args: []types.Value{vD("2024-01-07")}, want: vI(1)}, // a Sunday
		{name: "dayofyear", mk: call("dayofyear", tI), args: []types.Value{vD("2024-03-01")}, want: vI(61)},
		{name: "add days", mk: call("date_add_days", tD), args: []types.Value{vD("2020-02-28"), vI(2)}, want: vD("2020-03-01")},
		{name: "sub days", mk: call("date_add_days", tD), args: []types.Value{vD("2020-03-01"), vI(-1)}, want: vD("2020-02-29")},
		{name: "add days ts", mk: call("date_add_days", tT), args: []types.Value{vTS("2020-02-28 10:00:00"), vI(1)}, want: vTS("2020-02-29 10:00:00")},
		{name: "add months clamp", mk: call("date_add_months", tD), args: []types.Value{vD("2020-01-31"), vI(1)}, want: vD("2020-02-29")},
		{name: "add years", mk: call("date_add_months", tD), args: []types.Value{vD("2020-02-29"), vI(12)}, want: vD("2021-02-28")},
		{name: "sub months", mk: call("date_add_months", tD), args: []types.Value{vD("2020-01-15"), vI(-2)}, want: vD("2019-11-15")},
		{name: "add months overflow", mk: call("date_add_months", tD), args: []types.Value{vD("9999-12-01"), vI(1)}, want: nullOf(tD)},
		{name: "date_trunc month", mk: func(a []plan.Expr) plan.Expr { return fn("date_trunc", tD, lit(vS("month"), tS), a[0]) }, args: []types.Value{vD("2020-05-17")}, want: vD("2020-05-01")},
		{name: "date_trunc year ts", mk: func(a []plan.Expr) plan.Expr { return fn("date_trunc", tT, lit(vS("year"), tS), a[0]) }, args: []types.Value{vTS("2020-05-17 10:11:12")}, want: vTS("2020-01-01 00:00:00")},
		{name: "date_trunc cast unit", mk: func(a []plan.Expr) plan.Expr {
			return fn("date_trunc", tD, &plan.Cast{Arg: lit(vS("QUARTER"), tS), T: tS}, a[0])
		}, args: []types.Value{vD("2020-05-17")}, want: vD("2020-04-01")},
		{name: "datediff", mk: call("datediff", tI), args: []types.Value{vD("2020-03-01"), vD("2020-02-01")}, want: vI(29)},
	}
	for _, c := range cases {
		runECase(t, c)
	}
}

// TestEvalResultIsCallerOwned checks the ownership contract: results are
// independent arrays the caller releases (a checked allocator would flag
// a leak of input columns retained for pass-through).
func TestEvalResultIsCallerOwned(t *testing.T) {
	mem := checkedMem(t)
	env := &Env{Alloc: mem}
	arr := buildArray(t, mem, tI, []types.Value{vI(1), vI(2)}, false)
	defer arr.Release()
	ev, err := CompileExpr(col(0, tI), env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
	ev2, err := CompileExpr(fn("+", tI, col(0, tI), lit(vI(1), tI)), env)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := ev2.Eval(&Batch{Cols: []arrow.Array{arr}, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ev2.Eval(&Batch{Cols: []arrow.Array{arr}, N: 2, Sel: []int32{0}})
	if err != nil {
		t.Fatal(err)
	}
	// r1 must not have been overwritten by the second Eval.
	if got := readArray(t, r1, 1, tI); got.I != 3 {
		t.Fatalf("first result changed after a second Eval: %v", got)
	}
	r1.Release()
	r2.Release()
}

func TestFuncSupported(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nargs int
		want  bool
	}{
		{"+", 2, true}, {"+", 3, false}, {"concat", 5, true}, {"substring", 1, false},
		{"SUBSTRING", 3, true}, {"round", 2, true}, {"nosuch", 1, false}, {"date_add_days", 2, true},
		{"and", 4, true}, {"like", 3, true}, {"coalesce", 0, false},
	} {
		if got := FuncSupported(tc.name, tc.nargs); got != tc.want {
			t.Errorf("FuncSupported(%q, %d) = %v, want %v", tc.name, tc.nargs, got, tc.want)
		}
	}
	for _, s := range funcTable {
		if s.Doc == "" {
			t.Errorf("%s has no documentation", s.Name)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		e    plan.Expr
		code lferr.Code
	}{
		{fn("nosuch", tI, lit(vI(1), tI)), lferr.Unsupported},
		{fn("substring", tS, lit(vS("a"), tS)), lferr.InvalidInput},
		{fn("like", tB, col(0, tS), lit(vS("a"), tS), col(1, tS)), lferr.TypeError},
		{fn("date_trunc", tD, lit(vS("fortnight"), tS), col(0, tD)), lferr.InvalidInput},
		{fn("upper", tI, col(0, tS)), lferr.TypeError},
		{fn("length", tS, col(0, tS)), lferr.TypeError},
		{nil, lferr.InternalService},
	} {
		_, err := CompileExpr(tc.e, nil)
		if lferr.CodeOf(err) != tc.code {
			t.Errorf("CompileExpr(%v): error %v, want code %s", tc.e, err, tc.code)
		}
	}
}

// TestConstantFolding: constant subtrees become one constant node; a
// subtree that fails is left in place to fail only for a live row.
func TestConstantFolding(t *testing.T) {
	for _, tc := range []struct {
		e      plan.Expr
		folded bool
	}{
		{fn("+", tI, lit(vI(1), tI), fn("*", tI, lit(vI(2), tI), lit(vI(3), tI))), true},
		{fn("concat", tS, lit(vS("a"), tS), fn("upper", tS, lit(vS("b"), tS))), true},
		{fn("+", tI, lit(vI(math.MaxInt64), tI), lit(vI(1), tI)), false},
		{fn("+", tI, col(0, tI), lit(vI(1), tI)), false},
	} {
		ev, err := CompileExpr(tc.e, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, isConst := ev.(*exprEvaluator).root.(*constNode)
		if isConst != tc.folded {
			t.Errorf("%s: folded = %v, want %v", tc.e, isConst, tc.folded)
		}
	}
}

// TestCellGuardKeepsDictionary: CASE WHEN guard THEN col END over a
// dictionary column yields a dictionary array over the same dictionary,
// with NULL where the guard fails and valid indices everywhere.
func TestCellGuardKeepsDictionary(t *testing.T) {
	mem := checkedMem(t)
	strs := []types.Value{vS("alice"), vS("bob"), nullOf(tS), vS("alice"), vS("carol")}
	ks := []types.Value{vI(1), vI(0), vI(1), vI(1), nullOf(tI)}
	cols := []arrow.Array{buildArray(t, mem, tS, strs, true), buildArray(t, mem, tI, ks, false)}
	defer cols[0].Release()
	defer cols[1].Release()
	guard := &plan.Case{Whens: []plan.When{{Cond: fn("=", tB, col(1, tI), lit(vI(1), tI)), Then: col(0, tS)}}, T: tS}
	ev, err := CompileExpr(guard, &Env{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range [][]int32{nil, {0, 3, 4}} {
		out, err := ev.Eval(&Batch{Cols: cols, N: len(strs), Sel: sel})
		if err != nil {
			t.Fatal(err)
		}
		d, ok := out.(*array.Dictionary)
		if !ok {
			t.Fatalf("cell guard result is %T, want a dictionary array", out)
		}
		if err := array.ValidateFull(d); err != nil {
			t.Fatalf("invalid dictionary result: %v", err)
		}
		live := sel
		if live == nil {
			live = []int32{0, 1, 2, 3, 4}
		}
		for _, i := range live {
			want, _ := EvalRow(guard, []types.Value{strs[i], ks[i]}, nil)
			if got := readArray(t, out, int(i), tS); !sameValue(got, want) {
				t.Errorf("row %d: got %v, want %v", i, got, want)
			}
		}
		out.Release()
	}
}
