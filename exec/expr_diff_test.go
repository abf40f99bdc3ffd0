package exec

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// The differential test: random typed expressions over random batches
// (NULLs, selection vectors, dictionary strings, hostile values in dead
// rows) evaluated by the kernels and, row by row on the live rows, by
// EvalRow. Values must agree on every live row; the kernels must fail
// exactly when EvalRow fails on some live row.

var diffSchema = []types.T{
	types.Int64T, types.Int64T, types.Float64T, types.StringT, types.StringT,
	types.BoolT, types.DateT, types.DecimalT(10, 2), types.TimestampT, types.StringT,
}

type exprGen struct {
	r     *rand.Rand
	depth int
}

func (g *exprGen) pick(n int) int { return g.r.Intn(n) }

func (g *exprGen) intConst() types.Value {
	switch g.pick(12) {
	case 0:
		return vI(math.MaxInt64)
	case 1:
		return vI(math.MinInt64 + int64(g.pick(2)))
	case 2:
		return vI(int64(g.pick(1000)) - 500)
	}
	return vI(int64(g.pick(7)) - 3)
}

func (g *exprGen) strConst() types.Value {
	pool := []string{"", "a", "abc", "ABC", "b", "10", "3x", " 7 ", "héllo", "2020-01-31", "a%", "zz"}
	return vS(pool[g.pick(len(pool))])
}

func (g *exprGen) floatConst() types.Value {
	pool := []float64{0, 0.5, -1.25, 2, 3.75, 1e300, -7}
	return vF(pool[g.pick(len(pool))])
}

// gen returns a random expression of type t.
func (g *exprGen) gen(t types.T) plan.Expr {
	g.depth++
	defer func() { g.depth-- }()
	leaf := g.depth > 4 || g.pick(4) == 0
	if leaf {
		return g.leaf(t)
	}
	switch t.Kind {
	case types.Int64:
		return g.genInt()
	case types.Float64, types.Decimal:
		return g.genFloat(t)
	case types.String:
		return g.genStr()
	case types.Bool:
		return g.genBool()
	case types.Date:
		return g.genDate()
	}
	return g.leaf(t)
}

func (g *exprGen) leaf(t types.T) plan.Expr {
	var cols []int
	for i, ct := range diffSchema {
		if ct == t {
			cols = append(cols, i)
		}
	}
	if len(cols) > 0 && g.pick(3) != 0 {
		return col(cols[g.pick(len(cols))], t)
	}
	return g.constLeaf(t)
}

func (g *exprGen) constLeaf(t types.T) *plan.Const {
	if g.pick(10) == 0 {
		return lit(nullOf(t), t)
	}
	switch t.Kind {
	case types.Int64:
		return lit(g.intConst(), t)
	case types.Float64:
		return lit(g.floatConst(), t)
	case types.Decimal:
		return lit(vDec(float64(g.pick(2000)-1000)/100), t)
	case types.String:
		return lit(g.strConst(), t)
	case types.Bool:
		return lit(vB(g.pick(2) == 0), t)
	case types.Date:
		return lit(types.NewDate(int64(g.pick(40000))-10000), t)
	case types.Timestamp:
		return lit(types.NewTimestamp(int64(g.pick(1<<30))*1_000_000), t)
	}
	return lit(nullOf(t), t)
}

func (g *exprGen) genInt() plan.Expr {
	switch g.pick(20) {
	case 0, 1:
		ops := []string{"+", "-", "*"}
		return fn(ops[g.pick(3)], tI, g.gen(tI), g.gen(tI))
	case 2:
		return fn([]string{"div", "%"}[g.pick(2)], tI, g.gen(tI), g.gen(tI))
	case 3:
		return fn("neg", tI, g.gen(tI))
	case 4:
		return fn("abs", tI, g.gen(tI))
	case 5:
		return g.genCase(tI)
	case 6:
		return fn("coalesce", tI, g.gen(tI), g.gen(tI))
	case 7:
		return fn("if", tI, g.gen(tB), g.gen(tI), g.gen(tI))
	case 8:
		return &plan.Cast{Arg: g.gen(tS), T: tI}
	case 9:
		return &plan.Cast{Arg: g.gen(tF), T: tI}
	case 10:
		return fn([]string{"length", "char_length"}[g.pick(2)], tI, g.gen(tS))
	case 11:
		return fn([]string{"year", "month", "day"}[g.pick(3)], tI, g.gen(tD))
	case 12:
		return fn("greatest", tI, g.gen(tI), g.gen(tI))
	case 13:
		return fn("nullif", tI, g.gen(tI), g.gen(tI))
	case 14:
		return fn("div", tI, g.gen(tF), g.gen(tF))
	case 15:
		return fn("round", tI, g.gen(tI), lit(vI(int64(g.pick(4))-2), tI))
	}
	switch g.pick(8) {
	case 0:
		return fn([]string{"floor", "ceil"}[g.pick(2)], tI, g.gen(tF))
	case 1:
		return fn([]string{"instr", "locate"}[g.pick(2)], tI, g.gen(tS), g.gen(tS))
	case 2:
		return fn([]string{"extract_hour", "extract_minute", "dayofweek", "quarter"}[g.pick(4)], tI, col(8, tT))
	case 3:
		return fn("datediff", tI, g.gen(tD), g.gen(tD))
	case 4:
		return fn("sign", tI, g.gen(tF))
	case 5:
		return fn("round", tI, g.gen(tF))
	case 6:
		return fn("least", tI, g.gen(tI), g.gen(tI), g.gen(tI))
	}
	return &plan.Cast{Arg: g.gen(tD), T: tI}
}

func (g *exprGen) genFloat(t types.T) plan.Expr {
	switch g.pick(13) {
	case 0, 1, 2:
		ops := []string{"+", "-", "*", "/"}
		return fn(ops[g.pick(4)], t, g.gen(t), g.gen(t))
	case 3:
		return fn("/", t, g.gen(tI), g.gen(tI))
	case 4:
		return &plan.Cast{Arg: g.gen(tI), T: t}
	case 5:
		return g.genCase(t)
	case 6:
		return fn("sqrt", tF, g.gen(tF))
	case 7:
		return fn("%", t, g.gen(t), g.gen(t))
	case 8:
		return &plan.Cast{Arg: g.gen(tS), T: t}
	case 9:
		return fn("coalesce", t, g.gen(t), g.gen(tI))
	}
	switch g.pick(4) {
	case 0:
		return fn("round", t, g.gen(t), lit(vI(int64(g.pick(5))-2), tI))
	case 1:
		return fn("abs", t, g.gen(t))
	case 2:
		return fn("power", tF, g.gen(tF), lit(vF(2), tF))
	}
	return fn("neg", t, g.gen(t))
}

func (g *exprGen) genStr() plan.Expr {
	switch g.pick(14) {
	case 0:
		return fn("concat", tS, g.gen(tS), g.gen(tS))
	case 1:
		return fn([]string{"upper", "lower", "reverse", "trim"}[g.pick(4)], tS, g.gen(tS))
	case 2:
		return fn("substring", tS, g.gen(tS), g.gen(tI), lit(vI(int64(g.pick(4))), tI))
	case 3:
		return &plan.Cast{Arg: g.gen(tI), T: tS}
	case 4:
		return g.genCase(tS)
	case 5:
		return fn("coalesce", tS, g.gen(tS), g.gen(tS))
	case 6:
		return fn("replace", tS, g.gen(tS), lit(vS("a"), tS), g.gen(tS))
	case 7:
		return fn("lpad", tS, g.gen(tS), lit(vI(int64(g.pick(6))), tI), lit(vS("xy"), tS))
	case 8:
		return fn("if", tS, g.gen(tB), g.gen(tS), g.gen(tS))
	case 9:
		return &plan.Cast{Arg: g.gen(tF), T: tS}
	case 10:
		return fn("concat_ws", tS, lit(vS("-"), tS), g.gen(tS), g.gen(tS))
	}
	switch g.pick(6) {
	case 0:
		return fn([]string{"left", "right"}[g.pick(2)], tS, g.gen(tS), g.gen(tI))
	case 1:
		return fn("repeat", tS, g.gen(tS), lit(vI(int64(g.pick(4))), tI))
	case 2:
		return fn("greatest", tS, g.gen(tS), g.gen(tS))
	case 3:
		return fn("nullif", tS, g.gen(tS), g.gen(tS))
	case 4:
		return &plan.Cast{Arg: col(8, tT), T: tS}
	}
	return &plan.Cast{Arg: g.gen(tD), T: tS}
}

func (g *exprGen) genDate() plan.Expr {
	switch g.pick(4) {
	case 0:
		return fn("date_add_days", tD, g.gen(tD), g.gen(tI))
	case 1:
		return fn("date_add_months", tD, g.gen(tD), lit(vI(int64(g.pick(30))-15), tI))
	case 2:
		return &plan.Cast{Arg: g.gen(tS), T: tD}
	}
	return fn("date_trunc", tD, lit(vS([]string{"year", "quarter", "month", "day"}[g.pick(4)]), tS), g.gen(tD))
}

func (g *exprGen) anyType() types.T {
	return []types.T{tI, tF, tS, tB, tD, types.DecimalT(10, 2)}[g.pick(6)]
}

func (g *exprGen) genBool() plan.Expr {
	switch g.pick(14) {
	case 0, 1, 2:
		t := g.anyType()
		ops := []string{"=", "<>", "<", "<=", ">", ">=", "<=>"}
		return fn(ops[g.pick(len(ops))], tB, g.gen(t), g.gen(t))
	case 3:
		// Mixed-type comparison.
		return fn([]string{"=", "<"}[g.pick(2)], tB, g.gen(g.anyType()), g.gen(g.anyType()))
	case 4, 5:
		return fn([]string{"and", "or", "xor"}[g.pick(3)], tB, g.gen(tB), g.gen(tB))
	case 6:
		return fn("not", tB, g.gen(tB))
	case 7:
		names := []string{"is_null", "is_not_null", "is_true", "is_false", "is_not_true", "is_not_false"}
		name := names[g.pick(len(names))]
		if name == "is_null" || name == "is_not_null" {
			return fn(name, tB, g.gen(g.anyType()))
		}
		return fn(name, tB, g.gen(tB))
	case 8:
		pats := []string{"a%", "%c", "%b%", "abc", "_b_", "%", "h_llo", "%1%0", `a\%`}
		var p plan.Expr = lit(vS(pats[g.pick(len(pats))]), tS)
		if g.pick(4) == 0 {
			p = g.gen(tS)
		}
		return fn([]string{"like", "not_like"}[g.pick(2)], tB, g.gen(tS), p)
	case 9, 10:
		t := []types.T{tI, tS, tF}[g.pick(3)]
		n := 1 + g.pick(4)
		items := make([]plan.Expr, n)
		for i := range items {
			if g.pick(3) == 0 {
				items[i] = g.gen(t)
			} else {
				items[i] = g.constLeaf(t)
			}
		}
		return &plan.InList{Arg: g.gen(t), List: items, Not: g.pick(2) == 0}
	case 11:
		t := g.anyType()
		return fn([]string{"between", "not_between"}[g.pick(2)], tB, g.gen(t), g.gen(t), g.gen(t))
	case 12:
		return g.genCase(tB)
	}
	return &plan.Cast{Arg: g.gen(tI), T: tB}
}

func (g *exprGen) genCase(t types.T) plan.Expr {
	n := 1 + g.pick(3)
	c := &plan.Case{T: t}
	if g.pick(2) == 0 {
		c.Operand = g.gen(tI)
		for i := 0; i < n; i++ {
			c.Whens = append(c.Whens, plan.When{Cond: g.gen(tI), Then: g.gen(t)})
		}
	} else {
		for i := 0; i < n; i++ {
			c.Whens = append(c.Whens, plan.When{Cond: g.gen(tB), Then: g.gen(t)})
		}
	}
	if g.pick(3) != 0 {
		c.Else = g.gen(t)
	}
	return c
}

// randomBatch builds n rows of diffSchema; a fifth of the values are NULL.
func randomBatch(t *testing.T, g *exprGen, n int) ([][]types.Value, *Batch) {
	mem := checkedMem(t)
	rows := make([][]types.Value, n)
	for i := range rows {
		rows[i] = make([]types.Value, len(diffSchema))
		for j, ct := range diffSchema {
			if g.pick(5) == 0 {
				rows[i][j] = nullOf(ct)
				continue
			}
			for {
				if c := g.constLeaf(ct); !c.V.Null {
					rows[i][j] = c.V
					break
				}
			}
		}
	}
	b := &Batch{N: n}
	switch g.pick(3) {
	case 0: // all rows
	case 1:
		b.Sel = []int32{}
		for i := 0; i < n; i++ {
			if g.pick(2) == 0 {
				b.Sel = append(b.Sel, int32(i))
			}
		}
	default:
		b.Sel = []int32{int32(g.pick(n))}
	}
	if b.Sel != nil {
		// Dead rows get values that overflow or fail whatever touches them.
		live := map[int32]bool{}
		for _, i := range b.Sel {
			live[i] = true
		}
		for i := range rows {
			if !live[int32(i)] && g.pick(2) == 0 {
				for j, ct := range diffSchema {
					rows[i][j] = hostile(ct, g.pick(2))
				}
			}
		}
	}
	for j, ct := range diffSchema {
		vals := make([]types.Value, n)
		for i := range rows {
			vals[i] = rows[i][j]
		}
		b.Cols = append(b.Cols, buildArray(t, mem, ct, vals, ct.Kind == types.String && g.pick(2) == 0))
	}
	t.Cleanup(func() {
		for _, c := range b.Cols {
			c.Release()
		}
	})
	return rows, b
}

func TestDifferentialRandom(t *testing.T) {
	mismatches := 0
	exprs := 0
	seeds := int64(80)
	if s, err := strconv.Atoi(os.Getenv("SLUICE_DIFF_SEEDS")); err == nil && s > 0 {
		seeds = int64(s) // longer local runs; CI keeps the suite fast
	}
	for seed := int64(1); seed <= seeds; seed++ {
		g := &exprGen{r: rand.New(rand.NewSource(seed))}
		rows, b := randomBatch(t, g, []int{1, 40, 40, 300}[seed%4])
		live := b.Sel
		if live == nil {
			for i := 0; i < b.N; i++ {
				live = append(live, int32(i))
			}
		}
		for k := 0; k < 120; k++ {
			rt := g.anyType()
			e := g.gen(rt)
			exprs++
			ev, err := CompileExpr(e, &Env{})
			if err != nil {
				t.Fatalf("seed %d: compile %s: %v", seed, e, err)
			}
			arr, verr := ev.Eval(b)
			var rowErr error
			want := make([]types.Value, b.N)
			for _, i := range live {
				v, err := EvalRow(e, rows[i], nil)
				if err != nil {
					rowErr = err
					break
				}
				want[i] = v
			}
			if (verr != nil) != (rowErr != nil) {
				mismatches++
				t.Errorf("seed %d: %s: kernel error %v, reference error %v", seed, e, verr, rowErr)
				if arr != nil {
					arr.Release()
				}
				continue
			}
			if verr != nil {
				continue
			}
			if arr.Len() != b.N {
				t.Errorf("%s: length %d, want %d", e, arr.Len(), b.N)
			}
			for _, i := range live {
				got := readArray(t, arr, int(i), e.Type())
				if !sameValue(got, want[i]) {
					mismatches++
					if mismatches < 20 {
						t.Errorf("seed %d row %d: %s = %v (null=%v), reference %v (null=%v); row %v", seed, i, e, got, got.Null, want[i], want[i].Null, fmtRow(rows[i]))
					}
				}
			}
			arr.Release()
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d mismatches over %d expressions", mismatches, exprs)
	}
	t.Logf("%d random expressions agree with EvalRow", exprs)
}

func fmtRow(r []types.Value) string {
	s := "["
	for i, v := range r {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%v", v)
	}
	return s + "]"
}
