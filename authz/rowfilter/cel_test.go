package rowfilter

import (
	"flag"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/planner/types"
)

var long = flag.Bool("long", false, "run the randomized differential tests with many more cases")

// Kleene's three-valued connectives, as SQL defines them.
var (
	andTable = map[[2]Truth]Truth{
		{True, True}: True, {True, False}: False, {True, Unknown}: Unknown,
		{False, True}: False, {False, False}: False, {False, Unknown}: False,
		{Unknown, True}: Unknown, {Unknown, False}: False, {Unknown, Unknown}: Unknown,
	}
	orTable = map[[2]Truth]Truth{
		{True, True}: True, {True, False}: True, {True, Unknown}: True,
		{False, True}: True, {False, False}: False, {False, Unknown}: Unknown,
		{Unknown, True}: True, {Unknown, False}: Unknown, {Unknown, Unknown}: Unknown,
	}
	notTable = map[Truth]Truth{True: False, False: True, Unknown: Unknown}
)

// valueFor returns a value of column a/b making "x = 1" have truth t.
func valueFor(t Truth) types.Value {
	switch t {
	case True:
		return types.NewInt(1)
	case False:
		return types.NewInt(2)
	}
	return types.Value{Kind: types.Int64, Null: true}
}

func evalBoth(t *testing.T, text string, s Schema, row map[string]types.Value) (Truth, Truth) {
	t.Helper()
	e, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	b, err := Bind(e, s)
	if err != nil {
		t.Fatalf("Bind(%q): %v", text, err)
	}
	direct, err := Eval(b, row)
	if err != nil {
		t.Fatalf("Eval(%q): %v", text, err)
	}
	p, err := CompileCEL(e, s)
	if err != nil {
		t.Fatalf("CompileCEL(%q): %v", text, err)
	}
	viaCEL, err := EvalCEL(p, row)
	if err != nil {
		t.Fatalf("EvalCEL(%q): %v", text, err)
	}
	return direct, viaCEL
}

func TestThreeValuedTruthTables(t *testing.T) {
	s := SchemaOf(map[string]types.T{"a": types.Int64T, "b": types.Int64T})
	all := []Truth{True, False, Unknown}
	for _, x := range all {
		row := map[string]types.Value{"a": valueFor(x), "b": valueFor(True)}
		for _, c := range []struct {
			text string
			want Truth
		}{
			{"a = 1", x},
			{"NOT a = 1", notTable[x]},
			{"NOT NOT a = 1", x},
			{"a IS NULL", map[Truth]Truth{True: False, False: False, Unknown: True}[x]},
			{"a IS NOT NULL", map[Truth]Truth{True: True, False: True, Unknown: False}[x]},
			{"a IN (1, 3)", x},
			{"a NOT IN (1, 3)", notTable[x]},
			{"a BETWEEN 0 AND 1", x},
			{"a NOT BETWEEN 0 AND 1", notTable[x]},
		} {
			d, v := evalBoth(t, c.text, s, row)
			if d != c.want || v != c.want {
				t.Errorf("%s with a=%v: direct %v, CEL %v, want %v", c.text, row["a"], d, v, c.want)
			}
		}
		for _, y := range all {
			row := map[string]types.Value{"a": valueFor(x), "b": valueFor(y)}
			for _, c := range []struct {
				text string
				want Truth
			}{
				{"a = 1 AND b = 1", andTable[[2]Truth{x, y}]},
				{"a = 1 OR b = 1", orTable[[2]Truth{x, y}]},
				{"NOT (a = 1 AND b = 1)", notTable[andTable[[2]Truth{x, y}]]},
				{"NOT (a = 1 OR b = 1)", notTable[orTable[[2]Truth{x, y}]]},
				{"NOT a = 1 OR NOT b = 1", orTable[[2]Truth{notTable[x], notTable[y]}]},
			} {
				d, v := evalBoth(t, c.text, s, row)
				if d != c.want || v != c.want {
					t.Errorf("%s with a=%v b=%v: direct %v, CEL %v, want %v", c.text, row["a"], row["b"], d, v, c.want)
				}
			}
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, pat string
		esc    rune
		want   bool
	}{
		{"United States", "%ited%", 0, true},
		{"united", "%ited%", 0, true},
		{"UNITED", "%ited%", 0, false}, // case-sensitive
		{"abc", "a_c", 0, true},
		{"abbc", "a_c", 0, false},
		{"ac", "a%c", 0, true},
		{"", "%", 0, true},
		{"", "_", 0, false},
		{"a\nb", "a_b", 0, true},
		{"a\nb", "a%", 0, true},
		{"éa", "_a", 0, true},
		{"a%b", "a!%b", '!', true},
		{"axb", "a!%b", '!', false},
		{"a_b", "a!_b", '!', true},
		{"a!b", "a!!b", '!', true},
		{"a.b", "a.b", 0, true},
		{"axb", "a.b", 0, false}, // regex metacharacters are literal
		{"a(b", "a(%", 0, true},
		{"aaa", "%a%a%a%", 0, true},
		{"aa", "%a%a%a%", 0, false},
		{"mississippi", "%iss%ipp%", 0, true},
		{"\xffa", "_a", 0, true}, // an invalid byte is one character
	}
	s := SchemaOf(map[string]types.T{"s": types.StringT})
	for _, c := range cases {
		if got := MatchLike(c.s, c.pat, c.esc); got != c.want {
			t.Errorf("MatchLike(%q, %q, %q) = %v, want %v", c.s, c.pat, c.esc, got, c.want)
		}
		lk := &Like{Col: Column{Path: []Ident{{Name: "s"}}}, Pattern: c.pat, Escape: c.esc}
		p, err := CompileCEL(lk, s)
		if err != nil {
			t.Fatalf("CompileCEL(%s): %v", String(lk), err)
		}
		got, err := EvalCEL(p, map[string]types.Value{"s": types.NewString(c.s)})
		if err != nil {
			t.Fatal(err)
		}
		if got != of(c.want) {
			t.Errorf("CEL %s on %q = %v, want %v", String(lk), c.s, got, c.want)
		}
	}
}

func TestToCELShape(t *testing.T) {
	e, _ := Parse(`product_type = 'pharma' AND qty IS NOT NULL`)
	s := SchemaOf(map[string]types.T{"product_type": types.StringT, "qty": types.Int64T})
	b, err := Bind(e, s)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := ToCELPredicate(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `((product_type.hasValue() && product_type.value() == "pharma") && qty.hasValue())`
	if pred != want {
		t.Fatalf("ToCELPredicate = %s\nwant %s", pred, want)
	}
	p, err := CompileCEL(e, s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Source(), "("+want+") ? optional.of(true)") {
		t.Fatalf("Source = %s", p.Source())
	}
	if String(p.Expr()) != String(b) || p.Ast() == nil {
		t.Fatal("Program does not expose its bound expression / AST")
	}
}

func TestVarName(t *testing.T) {
	cases := []struct {
		path []Ident
		want string
	}{
		{[]Ident{{Name: "qty"}}, "qty"},
		{[]Ident{{Name: "in"}}, "__696e"},
		{[]Ident{{Name: "Qty", Quoted: true}}, "__517479"},
		{[]Ident{{Name: "__x"}}, "__5f5f78"},
		{[]Ident{{Name: "a"}, {Name: "b"}}, "__612e62"},
		{[]Ident{{Name: "a b", Quoted: true}}, "__612062"},
	}
	for _, c := range cases {
		if got := VarName(Column{Path: c.path}); got != c.want {
			t.Errorf("VarName(%v) = %s, want %s", c.path, got, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	s := SchemaOf(map[string]types.T{"a": types.Int64T})
	e, _ := Parse("a = 1")
	p, err := CompileCEL(e, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Eval(p.Expr(), map[string]types.Value{}); err == nil {
		t.Error("Eval with a missing column succeeded")
	}
	if _, err := EvalCEL(p, map[string]types.Value{}); err == nil {
		t.Error("EvalCEL with a missing column succeeded")
	}
	if _, err := EvalCEL(p, map[string]types.Value{"a": types.NewString("1")}); err == nil {
		t.Error("EvalCEL with a string for an int column succeeded")
	}
	if _, err := Eval(p.Expr(), map[string]types.Value{"a": types.NewString("1")}); err == nil {
		t.Error("Eval with a string for an int column succeeded")
	}
}

func TestCompileCELMaxDepth(t *testing.T) {
	s := SchemaOf(map[string]types.T{"a": types.Int64T, "b": types.StringT})
	// The deepest and longest filters Parse accepts must compile: the CEL
	// parser has its own recursion and size limits.
	// NOT and '(' each count one level.
	var sb strings.Builder
	closers := 0
	for level := 0; level < MaxDepth; closers++ {
		if closers%2 == 0 && level+2 <= MaxDepth {
			sb.WriteString("NOT (a = 1 OR ")
			level += 2
		} else {
			sb.WriteString("(b LIKE 'x%' AND ")
			level++
		}
	}
	sb.WriteString("a IN (1, 2)")
	sb.WriteString(strings.Repeat(")", closers))
	text := sb.String()
	e, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p, err := CompileCEL(e, s)
	if err != nil {
		t.Fatalf("CompileCEL(depth %d): %v", MaxDepth, err)
	}
	if _, err := EvalCEL(p, map[string]types.Value{"a": types.NewInt(1), "b": types.NewString("xy")}); err != nil {
		t.Fatal(err)
	}
	flat := "a = 1" + strings.Repeat(" OR b = 'zz'", (MaxLength-10)/12)
	e, err = Parse(flat)
	if err != nil {
		t.Fatalf("Parse flat: %v", err)
	}
	if _, err := CompileCEL(e, s); err != nil {
		t.Fatalf("CompileCEL(flat, %d chars): %v", len(flat), err)
	}
}

// --- randomized differential test: direct evaluator vs CEL ---

type genCol struct {
	col Column
	t   types.T
}

var genCols = []genCol{
	{Column{Path: []Ident{{Name: "s"}}}, types.StringT},
	{Column{Path: []Ident{{Name: "Str Col", Quoted: true}}}, types.StringT},
	{Column{Path: []Ident{{Name: "i"}}}, types.Int64T},
	{Column{Path: []Ident{{Name: "f"}}}, types.Float64T},
	{Column{Path: []Ident{{Name: "d"}}}, types.DecimalT(10, 2)},
	{Column{Path: []Ident{{Name: "b"}}}, types.BoolT},
	{Column{Path: []Ident{{Name: "n"}, {Name: "x"}}}, types.Int64T},
}

func genSchema() Schema {
	return SchemaFromGlue([]api.Column{
		{Name: "s", Type: "string"}, {Name: "Str Col", Type: "string"}, {Name: "i", Type: "bigint"},
		{Name: "f", Type: "double"}, {Name: "d", Type: "decimal(10,2)"}, {Name: "b", Type: "boolean"},
		{Name: "n", Type: "struct<x:bigint>"},
	}, nil)
}

var genStrings = []string{"", "a", "ab", "b", "A", "a%b", "é", "a\nb", "it's", "ba"}
var genFloats = []float64{-1.5, 0, 1, 2.5, 3, math.NaN(), math.Inf(1)}

func genLit(r *rand.Rand, t types.T) types.Value {
	switch t.Kind {
	case types.String:
		return types.NewString(genStrings[r.Intn(len(genStrings))])
	case types.Int64:
		return types.NewInt(int64(r.Intn(7) - 3))
	case types.Bool:
		return types.NewBool(r.Intn(2) == 0)
	}
	if r.Intn(2) == 0 {
		return types.NewInt(int64(r.Intn(5) - 2)) // Bind widens it
	}
	f := genFloats[r.Intn(len(genFloats)-2)] // no NaN/Inf literals: Parse cannot read them
	return types.NewFloat(f)
}

func genValue(r *rand.Rand, t types.T) types.Value {
	if r.Intn(4) == 0 {
		return types.Value{Kind: t.Kind, Null: true}
	}
	if t.Kind == types.Float64 || t.Kind == types.Decimal {
		return types.Value{Kind: t.Kind, F: genFloats[r.Intn(len(genFloats))]}
	}
	return genLit(r, t)
}

func genPattern(r *rand.Rand) (string, rune) {
	alpha := []string{"a", "b", "%", "_", "é", "'", "\n"}
	var b strings.Builder
	esc := rune(0)
	if r.Intn(4) == 0 {
		esc = '!'
	}
	for n := r.Intn(5); n > 0; n-- {
		if esc != 0 && r.Intn(4) == 0 {
			b.WriteString([]string{"!%", "!_", "!!"}[r.Intn(3)])
			continue
		}
		b.WriteString(alpha[r.Intn(len(alpha))])
	}
	return b.String(), esc
}

func genExpr(r *rand.Rand, depth int) Expr {
	if depth > 0 && r.Intn(3) > 0 {
		switch r.Intn(3) {
		case 0:
			return &Not{X: genExpr(r, depth-1)}
		case 1:
			return &And{Terms: flatten[*And]([]Expr{genExpr(r, depth-1), genExpr(r, depth-1)})}
		default:
			return &Or{Terms: flatten[*Or]([]Expr{genExpr(r, depth-1), genExpr(r, depth-1), genExpr(r, depth-1)}[:2+r.Intn(2)])}
		}
	}
	c := genCols[r.Intn(len(genCols))]
	switch k := r.Intn(7); {
	case k == 0:
		return &IsNull{Col: c.col, Negated: r.Intn(2) == 0}
	case k == 1 && c.t.Kind != types.Bool:
		return &Between{Col: c.col, Lo: genLit(r, c.t), Hi: genLit(r, c.t), Negated: r.Intn(2) == 0}
	case k == 2:
		list := make([]types.Value, 1+r.Intn(3))
		for i := range list {
			list[i] = genLit(r, c.t)
		}
		return &In{Col: c.col, List: list, Negated: r.Intn(2) == 0}
	case k == 3 && c.t.Kind == types.String:
		p, esc := genPattern(r)
		return &Like{Col: c.col, Pattern: p, Escape: esc, Negated: r.Intn(2) == 0}
	case k == 4 && r.Intn(4) == 0:
		return &Bool{Value: r.Intn(2) == 0}
	}
	op := CmpOp(r.Intn(6))
	if c.t.Kind == types.Bool {
		op = CmpOp(r.Intn(2))
	}
	return &Compare{Op: op, Col: c.col, Lit: genLit(r, c.t)}
}

func TestDifferentialCEL(t *testing.T) {
	nExpr, nRows := 300, 40
	if *long {
		nExpr, nRows = 5000, 200
	}
	r := rand.New(rand.NewSource(20261124))
	s := genSchema()
	mismatches, evaluated := 0, 0
	for i := 0; i < nExpr; i++ {
		e := genExpr(r, 4)
		text := String(e)
		// The generated AST must survive the text round trip (it is what
		// the control plane stores and the engine receives).
		parsed, err := ParseOptions(text, Options{MaxLength: 1 << 16})
		if err != nil {
			t.Fatalf("Parse(String(e)) for %s: %v", text, err)
		}
		b, err := Bind(parsed, s)
		if err != nil {
			t.Fatalf("Bind(%s): %v", text, err)
		}
		want, _ := Bind(e, s)
		if !reflect.DeepEqual(b, want) {
			t.Fatalf("round trip changed %s into %s", text, String(b))
		}
		p, err := CompileCEL(parsed, s)
		if err != nil {
			t.Fatalf("CompileCEL(%s): %v", text, err)
		}
		for j := 0; j < nRows; j++ {
			row := map[string]types.Value{}
			for _, c := range genCols {
				row[c.col.Key()] = genValue(r, c.t)
			}
			d, err := Eval(b, row)
			if err != nil {
				t.Fatalf("Eval(%s): %v", text, err)
			}
			v, err := EvalCEL(p, row)
			if err != nil {
				t.Fatalf("EvalCEL(%s): %v", text, err)
			}
			evaluated++
			if d != v {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("mismatch on %s\nrow %v\ndirect %v, CEL %v\nCEL: %s", text, row, d, v, p.Source())
				}
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d mismatches in %d evaluations", mismatches, evaluated)
	}
	t.Logf("%d expressions, %d evaluations, 0 mismatches", nExpr, evaluated)
}
