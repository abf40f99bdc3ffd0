package rowfilter

import (
	"testing"

	"github.com/sluicedb/sluice/planner/types"
)

const benchFilter = `(year > 2010 AND country = 'US') OR (month < 8 AND id > 23) OR product_type LIKE 'ph%' OR price BETWEEN 1 AND 99.5`

var benchSchema = SchemaOf(map[string]types.T{
	"year": types.Int64T, "month": types.Int64T, "id": types.Int64T,
	"country": types.StringT, "product_type": types.StringT, "price": types.Float64T,
})

var benchRow = map[string]types.Value{
	"year": types.NewInt(2005), "month": types.NewInt(9), "id": {Kind: types.Int64, Null: true},
	"country": types.NewString("US"), "product_type": types.NewString("pharma"), "price": types.NewFloat(3),
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchFilter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileCEL(b *testing.B) {
	e, _ := Parse(benchFilter)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompileCEL(e, benchSchema); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalDirect(b *testing.B) {
	e, _ := Parse(benchFilter)
	bound, _ := Bind(e, benchSchema)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Eval(bound, benchRow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCEL(b *testing.B) {
	e, _ := Parse(benchFilter)
	p, _ := CompileCEL(e, benchSchema)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EvalCEL(p, benchRow); err != nil {
			b.Fatal(err)
		}
	}
}
