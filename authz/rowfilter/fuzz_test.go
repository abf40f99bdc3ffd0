package rowfilter

import (
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// FuzzParse: arbitrary text never panics; errors are typed InvalidInput;
// anything accepted prints canonically and reads back to the same AST, and
// binds + compiles to CEL or fails with a typed error.
func FuzzParse(f *testing.F) {
	for _, c := range acceptCases {
		f.Add(c.in)
	}
	for _, c := range rejectCases {
		f.Add(c.in)
	}
	s := SchemaOf(map[string]types.T{
		"a": types.Int64T, "b": types.Int64T, "s": types.StringT, "flag": types.BoolT,
		"price": types.Float64T, "year": types.Int64T, "country": types.StringT,
	})
	f.Fuzz(func(t *testing.T, text string) {
		e, err := Parse(text)
		if err != nil {
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Fatalf("Parse(%q): untyped error %v", text, err)
			}
			return
		}
		canon := String(e)
		e2, err := ParseOptions(canon, Options{MaxLength: 1 << 20})
		if err != nil {
			t.Fatalf("Parse(String(Parse(%q))) = Parse(%q): %v", text, canon, err)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("round trip of %q via %q changed the AST", text, canon)
		}
		p, err := CompileCEL(e, s)
		if err != nil {
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Fatalf("CompileCEL(%q): %v", text, err)
			}
			return
		}
		row := map[string]types.Value{
			"a": types.NewInt(1), "b": {Kind: types.Int64, Null: true}, "s": types.NewString("x"),
			"flag": types.NewBool(true), "price": types.NewFloat(2.5), "year": types.NewInt(2020),
			"country": types.NewString("US"),
		}
		d, err := Eval(p.Expr(), row)
		if err != nil {
			t.Fatalf("Eval(%q): %v", canon, err)
		}
		v, err := EvalCEL(p, row)
		if err != nil {
			t.Fatalf("EvalCEL(%q): %v", canon, err)
		}
		if d != v {
			t.Fatalf("%q: direct %v, CEL %v", canon, d, v)
		}
	})
}
