package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

var exprKeys = cols("year", "int", "Region", "string", "day", "date", "ratio", "double")

var exprParts = [][]string{
	{"2023", "eu", "2023-01-05", "0.5"},                     // 0
	{"2024", "eu", "2024-02-01", "1.5"},                     // 1
	{"2024", "us", "2024-03-01", "2"},                       // 2
	{"2025", "us-east", "2025-01-01", "10"},                 // 3
	{"__HIVE_DEFAULT_PARTITION__", "ap", "2025-06-01", "x"}, // 4: unparseable numbers
	{"9", "o'brien", "2022-12-31", "-1"},                    // 5: 9 < 10 numerically, "9" > "10" as text
}

func TestPartitionExpressions(t *testing.T) {
	cases := []struct {
		expr string
		want []int
	}{
		{"", []int{0, 1, 2, 3, 4, 5}},
		{"   ", []int{0, 1, 2, 3, 4, 5}},
		{"year = 2024", []int{1, 2}},
		{"year = '2024'", []int{1, 2}},
		{"YEAR == 2024", []int{1, 2}},
		{"2024 = year", []int{1, 2}},
		{"year > 2023", []int{1, 2, 3}},
		{"2023 < year", []int{1, 2, 3}},
		{"year >= 2024 AND year <= 2024", []int{1, 2}},
		{"year < 10", []int{5}},          // numeric, not text, order
		{"year <> 2024", []int{0, 3, 5}}, // unknown for the default partition
		{"year != 2024", []int{0, 3, 5}},
		{"NOT year = 2024", []int{0, 3, 5}},
		{"NOT (year = 2024 OR year = 2023)", []int{3, 5}},
		{"year > 2023.5", []int{1, 2, 3}},
		{"region = 'eu'", []int{0, 1}},
		{`"Region" = 'us'`, []int{2}},
		{"`region` = 'us'", []int{2}},
		{"region = 'o''brien'", []int{5}},
		{"region > 'eu'", []int{2, 3, 5}},
		{"region = 'eu' and year = 2024", []int{1}},
		{"region = 'eu' or year = 2025", []int{0, 1, 3}},
		{"region = 'eu' OR region = 'us' AND year = 2024", []int{0, 1, 2}}, // AND binds tighter
		{"(region = 'eu' OR region = 'us') AND year = 2024", []int{1, 2}},
		{"year IN (2023, 2025)", []int{0, 3}},
		{"year IN ('2023')", []int{0}},
		{"year NOT IN (2023, 2025)", []int{1, 2, 5}},
		{"region in ('ap', 'us')", []int{2, 4}},
		{"year BETWEEN 2023 AND 2024", []int{0, 1, 2}},
		{"year NOT BETWEEN 2023 AND 2024", []int{3, 5}},
		{"day BETWEEN '2024-01-01' AND '2024-12-31'", []int{1, 2}},
		{"day >= '2025-01-01'", []int{3, 4}},
		{"ratio > 1", []int{1, 2, 3}},
		{"ratio < 0", []int{5}},
		{"ratio = -1", []int{5}},
		{"year IN (-5, 9)", []int{5}},
		{"ratio BETWEEN -2 AND -0.5", []int{5}},
		{"region LIKE 'us%'", []int{2, 3}},
		{"region LIKE '_u'", []int{0, 1}},
		{"region LIKE '_'", nil},
		{"region LIKE '_s'", []int{2}},
		{"region NOT LIKE '%e%'", []int{2, 4}},
		{"region LIKE '%'", []int{0, 1, 2, 3, 4, 5}},
		{"((((year = 2025))))", []int{3}},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			p, err := CompilePartitionExpression("db.t", c.expr, exprKeys)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			var got []int
			for i, vals := range exprParts {
				if p.Match(vals) {
					got = append(got, i)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("matched %v, want %v", got, c.want)
			}
		})
	}
}

func TestPartitionExpressionErrors(t *testing.T) {
	cases := []struct{ expr, msg string }{
		{"nokey = 1", "nokey is not a partition key of table db.t (its partition keys are year, Region, day, ratio)"},
		{"year = ", "expected a partition key or a literal but the expression ended"},
		{"year", "expected an operator but the expression ended"},
		{"year = 1 AND", "expected a condition but the expression ended"},
		{"year = 1 year = 2", `unexpected "year" at position 10`},
		{"(year = 1", `expected ")" but the expression ended`},
		{"year = 1)", `unexpected ")"`},
		{"year = 'abc'", "string 'abc' is not a number, but partition key year has type int"},
		{"ratio > 'x'", "is not a number"},
		{"year = region", "comparing two partition keys is not supported"},
		{"1 = 1", "a comparison needs a partition key on one side"},
		{"year IS NULL", "IS [NOT] NULL is not supported"},
		{"year = NULL", "NULL is not supported"},
		{"region = 'eu", "unterminated quoted text at position 10"},
		{"year ~ 1", `unexpected character '~'`},
		{"year = 1 + 1", `unexpected character '+'`},
		{"year === 1", `expected a partition key or a literal but found "=" at position 8`},
		{"year ! 1", `unsupported operator "!"`},
		{"year IN 2023", `expected "(" after IN`},
		{"year IN (2023 2024)", `expected "," or ")"`},
		{"year IN ()", "expected a literal"},
		{"year BETWEEN 1 OR 2", "expected AND in BETWEEN"},
		{"region LIKE eu", "LIKE needs a quoted pattern"},
		{"year NOT = 1", "expected a comparison operator, IN, BETWEEN or LIKE"},
		{"'x' IN ('x')", "a condition must start with a partition key"},
		{"year = 1.2.3", "malformed number"},
		{"region = 'é' AND year = 1 AND day = \xff", "not valid UTF-8"},
		{strings.Repeat("(", 70) + "year = 1" + strings.Repeat(")", 70), "nesting deeper than 64 levels"},
		{strings.Repeat("year = 1 OR ", 200) + "year = 2", "limit is 2048"},
		{"AND = 1", "expected a partition key or a literal but found"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := CompilePartitionExpression("db.t", c.expr, exprKeys)
			wantCode(t, err, lferr.InvalidInput, c.msg)
		})
	}
	_, err := CompilePartitionExpression("db.flat", "a = 1", nil)
	wantCode(t, err, lferr.InvalidInput, "Table db.flat has no partition keys")
}

func TestLikeMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"", "a", false}, {"%", "", true}, {"a%", "abc", true}, {"%c", "abc", true},
		{"a_c", "abc", true}, {"a_c", "ac", false}, {"%b%", "abc", true}, {"%%%", "x", true},
		{"a%b%c", "aXbYc", true}, {"a%b%c", "aXcYb", false}, {"é_", "éx", true},
		{strings.Repeat("%a", 20) + "b", strings.Repeat("a", 60), false}, // must not take exponential time
	}
	for _, c := range cases {
		if got := likeMatch([]rune(c.p), []rune(c.s)); got != c.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestGetPartitionsWithExpression(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db"}))
	f.must(f.cat.CreateTable(ctx, acct, "db", tableIn("t", cols("a", "int"), exprKeys)))
	var in []api.PartitionInput
	for _, v := range exprParts {
		in = append(in, api.PartitionInput{Values: v})
	}
	f.must(f.cat.BatchCreatePartition(ctx, acct, "db", "t", in))
	ps, err := f.cat.GetPartitions(ctx, acct, "db", "t", "year BETWEEN 2024 AND 2030 AND region LIKE 'us%'")
	f.must(err)
	if len(ps) != 2 || ps[0].Values[1] != "us" || ps[1].Values[1] != "us-east" {
		t.Errorf("GetPartitions = %+v", ps)
	}
	_, err = f.cat.GetPartitions(ctx, acct, "db", "t", "month = 1")
	wantCode(t, err, lferr.InvalidInput, "month is not a partition key of table db.t")
}
