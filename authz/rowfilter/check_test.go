package rowfilter

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

func ordersSchema() Schema {
	return SchemaFromGlue([]api.Column{
		{Name: "product_type", Type: "string"},
		{Name: "customer_name", Type: "varchar(64)"},
		{Name: "qty", Type: "int"},
		{Name: "big", Type: "long"},
		{Name: "price", Type: "double"},
		{Name: "amount", Type: "decimal(10,2)"},
		{Name: "active", Type: "boolean"},
		{Name: "order_date", Type: "date"},
		{Name: "ts", Type: "timestamp"},
		{Name: "tags", Type: "array<string>"},
		{Name: "attrs", Type: "map<string,string>"},
		{Name: "customer", Type: "struct<customerId:int,customerName:string,address:struct<city:string,zip:decimal(5,0)>>"},
		{Name: "Country", Type: "string"},
		{Name: "dup", Type: "string"},
		{Name: "Mixed", Type: "string"},
		{Name: "MIXED", Type: "string"},
		{Name: "DUP", Type: "string"},
		{Name: "a.b", Type: "string"},
		{Name: "xmin", Type: "int"},
		{Name: "value", Type: "string"},
	}, []api.Column{
		{Name: "region", Type: "string"},
		{Name: "year", Type: "int"},
		{Name: "pstruct", Type: "struct<x:int>"},
	})
}

func TestBindAccept(t *testing.T) {
	s := ordersSchema()
	cases := []struct{ in, bound string }{
		{`product_type='pharma'`, `product_type = 'pharma'`},
		{`PRODUCT_TYPE = 'pharma'`, `product_type = 'pharma'`},
		{`qty > 5 AND price < 10`, `qty > 5 AND price < 10.0`},
		{`price = 3`, `price = 3.0`},
		{`price IN (1, 2.5)`, `price IN (1.0, 2.5)`},
		{`amount BETWEEN 1 AND 99.99`, `amount BETWEEN 1.0 AND 99.99`},
		{`big >= -9223372036854775808`, `big >= -9223372036854775808`},
		{`active = TRUE`, `active = TRUE`},
		{`active <> false`, `active <> FALSE`},
		{`active IN (TRUE)`, `active IN (TRUE)`},
		{`customer.customerId <> 1`, `customer."customerId" <> 1`},
		{`customer.customername = 'John'`, `customer."customerName" = 'John'`},
		{`customer.address.city LIKE 'Par%'`, `customer.address.city LIKE 'Par%'`},
		{`customer.address.zip = 75001`, `customer.address.zip = 75001.0`},
		{`country = 'US'`, `"Country" = 'US'`},
		{`"Country" = 'US'`, `"Country" = 'US'`},
		{`dup = 'x'`, `dup = 'x'`},
		{`Dup = 'x'`, `dup = 'x'`}, // exact match of the folded name wins over "DUP"
		{`"DUP" = 'x'`, `"DUP" = 'x'`},
		{`"value" = 'v'`, `"value" = 'v'`},
		{`region = 'eu' AND year > 2010`, `region = 'eu' AND year > 2010`},
		{`product_type IS NULL`, `product_type IS NULL`},
		{`TRUE`, `TRUE`},
		{`NOT (qty IN (1, 2) OR customer_name NOT LIKE 'A%')`, `NOT (qty IN (1, 2) OR customer_name NOT LIKE 'A%')`},
	}
	for _, c := range cases {
		e, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		b, err := Bind(e, s)
		if err != nil {
			t.Errorf("Bind(%q): %v", c.in, err)
			continue
		}
		if got := String(b); got != c.bound {
			t.Errorf("Bind(%q) = %q, want %q", c.in, got, c.bound)
		}
		// A bound expression re-parses and re-binds to itself.
		e2, err := Parse(String(b))
		if err != nil {
			t.Errorf("Parse(bound %q): %v", String(b), err)
			continue
		}
		b2, err := Bind(e2, s)
		if err != nil || String(b2) != String(b) {
			t.Errorf("rebind of %q: %v %q", String(b), err, String(b2))
		}
	}
}

func TestBindReject(t *testing.T) {
	s := ordersSchema()
	cases := []struct{ in, msg string }{
		{`nosuch = 1`, "unknown column nosuch"},
		{`"product_Type" = 'x'`, `unknown column "product_Type"`},
		{`customer.nosuch = 1`, "unknown column customer.nosuch"},
		{`product_type.x = 1`, "not a struct"},
		{`customer = 1`, "is a struct"},
		{`customer.address = 'x'`, "is a struct"},
		{`product_type = 42`, "type mismatch: column product_type is VARCHAR but the constant 42 is an integer"},
		{`qty = 'five'`, "type mismatch: column qty is BIGINT"},
		{`qty = 2.5`, "type mismatch"},
		{`qty = TRUE`, "type mismatch"},
		{`price = 'x'`, "type mismatch"},
		{`active = 1`, "type mismatch"},
		{`active = 'true'`, "type mismatch"},
		{`qty IN (1, 'two')`, "type mismatch"},
		{`qty BETWEEN 1 AND 'z'`, "type mismatch"},
		{`active < TRUE`, "not defined on BOOLEAN"},
		{`active BETWEEN FALSE AND TRUE`, "BETWEEN is not defined on BOOLEAN"},
		{`qty LIKE '1%'`, "LIKE needs a string column"},
		{`order_date = '2020-01-01'`, "has type DATE, which row filters do not support"},
		{`ts IS NULL`, "has type TIMESTAMP"},
		{`tags = 'x'`, "has type array<string>"},
		{`attrs IS NULL`, "has type map<string,string>"},
		{`dup2 = 'x'`, "unknown column"},
		{`mixed = 'x'`, "ambiguous"},
		{`"a.b" = 'x'`, "cannot be addressed"},
		{`xmin = 1`, "reserved"},
		{`region IS NULL`, "partition column region"},
		{`year IS NOT NULL`, "partition column year"},
		{`pstruct.x = 1`, "nested fields of partition column pstruct"},
		{`qty = 1 AND (price > 1 OR nosuch = 2)`, "unknown column nosuch"},
	}
	for _, c := range cases {
		e, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		_, err = Bind(e, s)
		if err == nil {
			t.Errorf("Bind(%q) accepted, want error containing %q", c.in, c.msg)
			continue
		}
		if !errors.Is(err, lferr.InvalidInput) {
			t.Errorf("Bind(%q): %v is not InvalidInput", c.in, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Bind(%q): %q does not contain %q", c.in, err, c.msg)
		}
		if Check(e, s) == nil {
			t.Errorf("Check(%q) accepted what Bind rejects", c.in)
		}
	}
}

func TestSchemaOf(t *testing.T) {
	s := SchemaOf(map[string]types.T{"b": types.Int64T, "a": types.StringT, "d": types.DateT})
	if len(s.Fields) != 3 || s.Fields[0].Name != "a" || s.Fields[2].Unsupported != "DATE" {
		t.Fatalf("SchemaOf = %+v", s)
	}
	e, _ := Parse(`a = 'x' AND b = 1`)
	if err := Check(e, s); err != nil {
		t.Fatal(err)
	}
	// Bind does not mutate its input.
	e, _ = Parse(`A = 'x'`)
	before := String(e)
	if _, err := Bind(e, s); err != nil {
		t.Fatal(err)
	}
	if String(e) != before {
		t.Fatalf("Bind mutated its input: %s", String(e))
	}
}

func TestBindMalformedAST(t *testing.T) {
	// Hand-built ASTs (the planner or control plane may construct them) are
	// validated too, never trusted.
	s := SchemaOf(map[string]types.T{"a": types.Int64T, "s": types.StringT})
	col := func(n string) Column { return Column{Path: []Ident{{Name: n}}} }
	bad := []Expr{
		nil,
		&And{Terms: []Expr{&Bool{Value: true}}},
		&Or{},
		&In{Col: col("a")},
		&Compare{Col: Column{}, Lit: types.NewInt(1)},
		&Compare{Col: col("a"), Lit: types.Value{Kind: types.Int64, Null: true}},
		&Like{Col: col("s"), Pattern: "x!", Escape: '!'},
	}
	for i, e := range bad {
		if _, err := Bind(e, s); err == nil {
			t.Errorf("case %d: Bind accepted %#v", i, e)
		}
	}
}
