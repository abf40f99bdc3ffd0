package rowfilter_test

import (
	"fmt"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/planner/types"
)

// The documentation's restrict-pharma filter, from creation-time check to
// row evaluation.
func Example() {
	schema := rowfilter.SchemaFromGlue([]api.Column{
		{Name: "product_type", Type: "string"},
		{Name: "customer_name", Type: "string"},
		{Name: "qty", Type: "int"},
	}, nil)
	e, err := rowfilter.Parse("product_type='pharma' AND qty >= 10")
	if err != nil {
		panic(err)
	}
	prog, err := rowfilter.CompileCEL(e, schema)
	if err != nil {
		panic(err)
	}
	fmt.Println(rowfilter.String(prog.Expr()))
	for _, qty := range []types.Value{types.NewInt(12), types.NewInt(3), {Kind: types.Int64, Null: true}} {
		row := map[string]types.Value{"product_type": types.NewString("pharma"), "qty": qty}
		t, _ := rowfilter.EvalCEL(prog, row)
		fmt.Println(qty, t)
	}
	_, err = rowfilter.Parse("upper(product_type) = 'PHARMA'")
	fmt.Println(err)
	// Output:
	// product_type = 'pharma' AND qty >= 10
	// 12 TRUE
	// 3 FALSE
	// NULL NULL
	// InvalidInputException: row filter expression: function calls are not supported in row filters: upper( at position 1
}
