package exec

import (
	"math"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func TestCivilDates(t *testing.T) {
	// Round trip against the time package over years 1..9999 (sampled).
	r := rand.New(rand.NewSource(3))
	lo, hi := daysFromCivil(1, 1, 1), daysFromCivil(9999, 12, 31)
	for k := 0; k < 20000; k++ {
		d := lo + r.Int63n(hi-lo+1)
		y, m, dd := civilFromDays(d)
		tm := time.Unix(d*86400, 0).UTC()
		if int(y) != tm.Year() || int(m) != int(tm.Month()) || int(dd) != tm.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, time says %s", d, y, m, dd, tm.Format("2006-01-02"))
		}
		if back := daysFromCivil(y, m, dd); back != d {
			t.Fatalf("daysFromCivil(%d,%d,%d) = %d, want %d", y, m, dd, back, d)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	for _, tc := range []struct {
		in      string
		ok      bool
		want    string
		hasTime bool
	}{
		{"2020-02-29", true, "2020-02-29 00:00:00", false},
		{" 2020-2-9 ", true, "2020-02-09 00:00:00", false},
		{"2021-02-29", false, "", false},
		{"2020-13-01", false, "", false},
		{"2020-00-10", false, "", false},
		{"2020-01-01 23:59:59", true, "2020-01-01 23:59:59", true},
		{"2020-01-01T01:02:03.5", true, "2020-01-01 01:02:03.5", true},
		{"2020-01-01 24:00:00", false, "", false},
		{"2020-01-01 10:00", false, "", false},
		{"2020-01-01x", false, "", false},
		{"20-01-01", false, "", false},
		{"0000-01-01", false, "", false},
		{"", false, "", false},
		{"9999-12-31 23:59:59.999999", true, "9999-12-31 23:59:59.999999", true},
	} {
		d, us, hasTime, ok := parseDateTime(tc.in)
		if ok != tc.ok {
			t.Errorf("parseDateTime(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if got := string(appendTimestamp(nil, d*usPerDay+us)); got != tc.want || hasTime != tc.hasTime {
			t.Errorf("parseDateTime(%q) = %s (time %v), want %s (time %v)", tc.in, got, hasTime, tc.want, tc.hasTime)
		}
	}
}

func TestNumberParsingAndRendering(t *testing.T) {
	for _, tc := range []struct {
		in string
		i  int64
		f  float64
	}{
		{"42", 42, 42}, {"  -7.9e1x", -7, -79}, {"+3", 3, 3}, {".5", 0, 0.5}, {"-.5e1", 0, -5},
		{"1e", 1, 1}, {"abc", 0, 0}, {"", 0, 0}, {"-", 0, 0}, {"1e400", 1, math.MaxFloat64},
		{"-99999999999999999999", math.MinInt64, -1e20}, {"0x1A", 0, 0},
	} {
		if got := strToInt(tc.in); got != tc.i {
			t.Errorf("strToInt(%q) = %d, want %d", tc.in, got, tc.i)
		}
		if got := strToFloat(tc.in); got != tc.f {
			t.Errorf("strToFloat(%q) = %g, want %g", tc.in, got, tc.f)
		}
	}
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-2.5, "-2.5"}, {0.1, "0.1"}, {1e15, "1e15"}, {123456789012345, "123456789012345"},
		{1e-5, "0.00001"}, {1.5e-7, "1.5e-7"}, {-1e300, "-1e300"}, {1.7976931348623157e308, "1.7976931348623157e308"},
	} {
		if got := string(appendFloat(nil, tc.f)); got != tc.want {
			t.Errorf("appendFloat(%g) = %q, want %q", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		f     float64
		scale int
		want  float64
	}{
		{2.675, 2, 2.68}, {-2.675, 2, -2.68}, {1.005, 2, 1.01}, {0.125, 2, 0.13}, {1e20, 2, 1e20}, {2.5, 0, 3}, {-0.5, 0, -1},
	} {
		if got := roundScale(tc.f, tc.scale); got != tc.want {
			t.Errorf("roundScale(%g, %d) = %g, want %g", tc.f, tc.scale, got, tc.want)
		}
	}
}

// TestLikeMatcherRandom compares the LIKE matcher (and its specialized
// shapes) with a regexp translation on random strings and patterns.
func TestLikeMatcherRandom(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	alpha := []string{"a", "b", "é", "%", "_", `\`}
	rnd := func(n int, pat bool) string {
		var sb strings.Builder
		for i := 0; i < n; i++ {
			c := alpha[r.Intn(len(alpha))]
			if !pat && (c == "%" || c == "_") && r.Intn(2) == 0 {
				c = "a"
			}
			sb.WriteString(c)
		}
		return sb.String()
	}
	for k := 0; k < 20000; k++ {
		s, p := rnd(r.Intn(7), false), rnd(r.Intn(6), true)
		want := likeRegexp(p, '\\').MatchString(s)
		if got := likeMatch(s, p, '\\'); got != want {
			t.Fatalf("likeMatch(%q, %q) = %v, want %v", s, p, got, want)
		}
		kind, lit := analyzeLike(p, '\\')
		if got := likeConst(kind, lit, p, '\\', s); got != want {
			t.Fatalf("likeConst(%d, %q)(%q) = %v, want %v", kind, p, s, got, want)
		}
	}
}

func likeRegexp(p string, esc byte) *regexp.Regexp {
	var re strings.Builder
	re.WriteString(`(?s)\A`)
	var lit []byte
	flush := func() { re.WriteString(regexp.QuoteMeta(string(lit))); lit = lit[:0] }
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == esc && i+1 < len(p):
			i++
			lit = append(lit, p[i])
		case c == '%':
			flush()
			re.WriteString(`.*`)
		case c == '_':
			flush()
			re.WriteString(`.`)
		default:
			lit = append(lit, c)
		}
	}
	flush()
	re.WriteString(`\z`)
	return regexp.MustCompile(re.String())
}

// TestEveryDocumentedFunctionCompiles keeps func_doc.go and the compiler
// in step: every listed name compiles at its minimum and maximum arity.
func TestEveryDocumentedFunctionCompiles(t *testing.T) {
	argFor := func(name string, k int) plan.Expr {
		switch {
		case name == "date_trunc" && k == 0:
			return lit(vS("month"), tS)
		case strings.HasPrefix(name, "date") || strings.HasPrefix(name, "extract_") || name == "year" || name == "month" ||
			name == "day" || name == "dayofmonth" || name == "quarter" || name == "dayofweek" || name == "dayofyear" ||
			name == "hour" || name == "minute" || name == "second":
			if k == 0 || name == "datediff" || name == "date_trunc" {
				return col(k, tD)
			}
			return col(k, tI)
		case name == "like" || name == "not_like":
			if k == 2 {
				return lit(vS("!"), tS)
			}
			return col(k, tS)
		}
		return col(k, tI)
	}
	resultT := func(name string) types.T {
		switch name {
		case "=", "<>", "!=", "<", "<=", ">", ">=", "<=>", "between", "not_between", "like", "not_like",
			"and", "or", "not", "xor", "is_null", "isnull", "is_not_null", "is_true", "is_not_true", "is_false", "is_not_false":
			return tB
		case "/", "sqrt", "power", "pow", "exp", "ln", "log", "log10", "log2":
			return tF
		case "date_add_days", "date_add_months", "date_trunc":
			return tD
		}
		if strings.Contains("lower lcase upper ucase reverse substring substr mid left right trim ltrim rtrim replace concat || concat_ws lpad rpad repeat mask_redact mask_show_first mask_show_last mask_sha256", name) {
			return tS
		}
		return tI
	}
	for _, s := range funcTable {
		for _, n := range []int{s.Min, s.Max} {
			if n < 0 {
				n = s.Min + 2
			}
			args := make([]plan.Expr, n)
			for k := range args {
				args[k] = argFor(s.Name, k)
			}
			e := fn(s.Name, resultT(s.Name), args...)
			if _, err := CompileExpr(e, nil); err != nil {
				t.Errorf("%s/%d: %v", s.Name, n, err)
			}
			if !FuncSupported(s.Name, n) {
				t.Errorf("FuncSupported(%s, %d) is false", s.Name, n)
			}
		}
		if s.Min > 0 && FuncSupported(s.Name, s.Min-1) {
			t.Errorf("FuncSupported(%s, %d) accepts too few arguments", s.Name, s.Min-1)
		}
	}
}

// TestDictionaryCacheAcrossBatches: per-entry results are reused while
// batches share a dictionary and recomputed when it changes.
func TestDictionaryCacheAcrossBatches(t *testing.T) {
	mem := checkedMem(t)
	d1 := buildArray(t, mem, tS, []types.Value{vS("x"), vS("y"), nullOf(tS), vS("x")}, true)
	defer d1.Release()
	d2 := buildArray(t, mem, tS, []types.Value{vS("y"), vS("x"), vS("z"), vS("z")}, true)
	defer d2.Release()
	for _, e := range []plan.Expr{
		fn("=", tB, col(0, tS), lit(vS("x"), tS)),
		fn("like", tB, col(0, tS), lit(vS("x%"), tS)),
		&plan.InList{Arg: col(0, tS), List: []plan.Expr{lit(vS("x"), tS), lit(vS("q"), tS)}},
		fn("<=>", tB, lit(vS("x"), tS), col(0, tS)),
	} {
		ev, err := CompileExpr(e, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		for _, arr := range []arrow.Array{d1, d1, d2, d1} {
			out, err := ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: 4})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				row := []types.Value{readArray(t, arr, i, tS)}
				want, _ := EvalRow(e, row, nil)
				if got := readArray(t, out, i, tB); !sameValue(got, want) {
					t.Errorf("%s row %d (%v): got %v, want %v", e, i, row[0], got, want)
				}
			}
			out.Release()
		}
	}
}

func TestNoPanicOnBadDictionary(t *testing.T) {
	mem := checkedMem(t)
	d := buildArray(t, mem, tS, []types.Value{vS("x"), vS("y")}, true)
	defer d.Release()
	ev, err := CompileExpr(fn("=", tB, col(0, tS), lit(vS("x"), tS)), &Env{})
	if err != nil {
		t.Fatal(err)
	}
	// A dictionary column typed as an integer by the plan is refused.
	ev2, _ := CompileExpr(fn("=", tB, col(0, tI), lit(vI(1), tI)), &Env{})
	if _, err := ev2.Eval(&Batch{Cols: []arrow.Array{d}, N: 2}); lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("dictionary typed BIGINT: got %v", err)
	}
	out, err := ev.Eval(&Batch{Cols: []arrow.Array{d}, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
}
