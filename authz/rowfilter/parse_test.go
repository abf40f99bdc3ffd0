package rowfilter

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Accepted filters and their canonical form. The spec's own examples
// (§6.1, §6.2) come first.
var acceptCases = []struct{ in, canon string }{
	{`product_type='pharma'`, `product_type = 'pharma'`},
	{`customer.customerName <> 'John'`, `customer.customername <> 'John'`},
	{`year > 2010 and country != 'US'`, `year > 2010 AND country <> 'US'`},
	{`(year > 2010 and country = 'US') or (month < 8 and id > 23)`, `year > 2010 AND country = 'US' OR month < 8 AND id > 23`},
	{`(country between 'Z' and 'U') and (year = 2018)`, `country BETWEEN 'Z' AND 'U' AND year = 2018`},
	{`(country like '%ited%') and (year > 2000)`, `country LIKE '%ited%' AND year > 2000`},
	{`year > 2010 and customer.customerId <> 1`, `year > 2010 AND customer.customerid <> 1`},
	{`TRUE`, `TRUE`},
	{`true`, `TRUE`},
	{`FALSE`, `FALSE`},
	{`a = 1`, `a = 1`},
	{`a<>1`, `a <> 1`},
	{`a != 1`, `a <> 1`},
	{`a < 1`, `a < 1`},
	{`a <= -1`, `a <= -1`},
	{`a > - 1`, `a > -1`},
	{`a >= 1.5`, `a >= 1.5`},
	{`a = 1.`, `a = 1.0`},
	{`a = .5`, `a = 0.5`},
	{`a = 1e3`, `a = 1000.0`},
	{`a = 1.5E-3`, `a = 0.0015`},
	{`a = 1e100`, `a = 1e+100`},
	{`a = -9223372036854775808`, `a = -9223372036854775808`},
	{`a = 9223372036854775807`, `a = 9223372036854775807`},
	{`flag = TRUE`, `flag = TRUE`},
	{`flag = false`, `flag = FALSE`},
	{`s = 'it''s'`, `s = 'it''s'`},
	{`s = ''`, `s = ''`},
	{`s = 'ünïcødé ✓'`, `s = 'ünïcødé ✓'`},
	{"s = 'line\nbreak'", "s = 'line\nbreak'"},
	{`"Select" = 1`, `"Select" = 1`},
	{`"value" = 1`, `"value" = 1`},
	{`"a""b" = 1`, `"a""b" = 1`},
	{`"lower" = 1`, `"lower" = 1`},
	{`MixedCase = 1`, `mixedcase = 1`},
	{`"a"."B".c = 1`, `"a"."B".c = 1`},
	{`a IN (1, 2, 3)`, `a IN (1, 2, 3)`},
	{`a in ('x')`, `a IN ('x')`},
	{`a NOT IN (1,2)`, `a NOT IN (1, 2)`},
	{`a BETWEEN 1 AND 5`, `a BETWEEN 1 AND 5`},
	{`a not between -1 and 1.5`, `a NOT BETWEEN -1 AND 1.5`},
	{`a between 1 and 2 and b = 3`, `a BETWEEN 1 AND 2 AND b = 3`},
	{`s LIKE 'a_c%'`, `s LIKE 'a_c%'`},
	{`s NOT LIKE '%x'`, `s NOT LIKE '%x'`},
	{`s LIKE 'a!%b' ESCAPE '!'`, `s LIKE 'a!%b' ESCAPE '!'`},
	{`a IS NULL`, `a IS NULL`},
	{`a is not null`, `a IS NOT NULL`},
	{`NOT a = 1`, `NOT (a = 1)`},
	{`NOT (a = 1 OR b = 2)`, `NOT (a = 1 OR b = 2)`},
	{`NOT NOT a = 1`, `NOT (NOT (a = 1))`},
	{`a = 1 AND b = 2 AND c = 3`, `a = 1 AND b = 2 AND c = 3`},
	{`(a = 1 AND b = 2) AND c = 3`, `a = 1 AND b = 2 AND c = 3`},
	{`a = 1 AND (b = 2 AND c = 3)`, `a = 1 AND b = 2 AND c = 3`},
	{`a = 1 OR b = 2 AND c = 3`, `a = 1 OR b = 2 AND c = 3`},
	{`(a = 1 OR b = 2) AND c = 3`, `(a = 1 OR b = 2) AND c = 3`},
	{`((((a = 1))))`, `a = 1`},
	{`a = 1 OR TRUE`, `a = 1 OR TRUE`},
	{"\t a\n=\r\n1 ", `a = 1`},
	{`year = 2020 and month = 1`, `year = 2020 AND month = 1`},
}

func TestParseAccept(t *testing.T) {
	for _, c := range acceptCases {
		e, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		got := String(e)
		if got != c.canon {
			t.Errorf("String(Parse(%q)) = %q, want %q", c.in, got, c.canon)
		}
		e2, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(canonical %q): %v", got, err)
			continue
		}
		if !reflect.DeepEqual(e, e2) {
			t.Errorf("round trip of %q changed the AST:\n%#v\n%#v", c.in, e, e2)
		}
	}
}

// Rejected filters and a fragment the message must contain.
var rejectCases = []struct{ in, msg string }{
	{``, "empty"},
	{`   `, "empty"},
	{`upper(name) = 'X'`, "function calls"},
	{`name = upper('x')`, "function calls"},
	{`a = b`, "column-to-column"},
	{`a = "b"`, "column-to-column"},
	{`a = t.b`, "column-to-column"},
	{`a IN (1, b)`, "column-to-column"},
	{`a BETWEEN b AND 3`, "column-to-column"},
	{`s LIKE t`, "column-to-column"},
	{`a + 1 = 2`, "arithmetic"},
	{`a = 1 + 2`, "arithmetic"},
	{`a = 2 * 3`, "arithmetic"},
	{`a = 1 - 2`, "arithmetic"},
	{`a - 1 = 2`, "arithmetic"},
	{`a = 'x' || 'y'`, "arithmetic"},
	{`a / 2 > 1`, "arithmetic"},
	{`a IN (SELECT id FROM t)`, "subqueries"},
	{`a = (SELECT 1)`, "subqueries"},
	{`(SELECT 1) = 1`, "subqueries"},
	{`EXISTS (SELECT 1)`, "function calls"},
	{`a = NULL`, "IS NULL"},
	{`a <> null`, "IS NULL"},
	{`a IN (1, NULL)`, "IS NULL"},
	{`NULL`, "NULL is not a predicate"},
	{`1 = a`, "column on the left"},
	{`'x' = a`, "column on the left"},
	{`TRUE = a`, "column on the left"},
	{`a`, "not compared"},
	{`a AND b = 1`, "comparison operator"},
	{`a = 1 AND`, "ends where a predicate"},
	{`a = 1 OR OR b = 2`, "reserved word"},
	{`(a = 1`, "unbalanced '('"},
	{`a = 1)`, "unbalanced ')'"},
	{`a IN (1, 2`, "unbalanced"},
	{`a IN ()`, "expected a constant"},
	{`a IN 1`, "'(' after IN"},
	{`a BETWEEN 1 OR 2`, "AND in BETWEEN"},
	{`a IS 1`, "NULL after IS"},
	{`a IS TRUE`, "NULL after IS"},
	{`a NOT = 1`, "IN, BETWEEN or LIKE after NOT"},
	{`s LIKE 5`, "string literal pattern"},
	{`s LIKE 'a' ESCAPE 'ab'`, "one-character"},
	{`s LIKE 'a!' ESCAPE '!'`, "escape character"},
	{`s LIKE 'a!b' ESCAPE '!'`, "escape character"},
	{`s LIKE 'a' ESCAPE '%'`, "cannot be"},
	{`a = 'unterminated`, "unterminated string"},
	{`"unterminated = 1`, "unterminated quoted identifier"},
	{`"" = 1`, "empty quoted identifier"},
	{`a == 1`, "'=='"},
	{`a = 1; DROP TABLE t`, "';'"},
	{`a = 1 -- comment`, "comments"},
	{`a = 1 /* c */`, "comments"},
	{`a = ?`, "parameters"},
	{`a = :x`, "parameters"},
	{`a = 12abc`, "malformed numeric"},
	{`a = 1.2.3`, "malformed numeric"},
	{`a = 1e`, "malformed exponent"},
	{`a = 99999999999999999999`, "out of the BIGINT range"},
	{`a = 1e999`, "out of the DOUBLE range"},
	{`d = DATE '2020-01-01'`, "DATE literals"},
	{`d > TIMESTAMP '2020-01-01 00:00:00'`, "TIMESTAMP literals"},
	{`select = 1`, "subqueries"},
	{`from = 1`, "reserved word"},
	{`value = 1`, "reserved word"},
	{`date = '2020'`, "reserved word"},
	{`a = 1 b = 2`, "expected AND, OR"},
	{`a = 1 AND NOT`, "ends where a predicate"},
	{`a = 'x' 'y'`, "expected AND, OR"},
	{`a.= 1`, "a column name"},
	{`a. b.c.d.e.f.g.h.i = 1`, "more than 8 levels"},
	{`a ~ 'x'`, "unexpected character"},
	{`a = 'x' ESCAPE 'y'`, "expected AND, OR"},
	{`a = 1 AND (SELECT 1)`, "subqueries"},
	{`CASE WHEN a = 1 THEN TRUE END`, "reserved word"},
	{`a IN (1 2)`, "',' or ')'"},
	{`a = !1`, "unexpected character"},
	{"a = '\xff'", "UTF-8"},
	{`a = 1 OR`, "ends where a predicate"},
	{`a = -'x'`, "arithmetic"},
}

func TestParseReject(t *testing.T) {
	for _, c := range rejectCases {
		e, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want error containing %q", c.in, String(e), c.msg)
			continue
		}
		if !errors.Is(err, lferr.InvalidInput) {
			t.Errorf("Parse(%q): error %v is not InvalidInput", c.in, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%q): error %q does not contain %q", c.in, err, c.msg)
		}
	}
}

func TestParseLimits(t *testing.T) {
	// Exactly at the length limit is fine; one more character is not.
	base := "s = '"
	ok := base + strings.Repeat("x", MaxLength-len(base)-1) + "'"
	if _, err := Parse(ok); err != nil {
		t.Fatalf("filter of %d chars: %v", len(ok), err)
	}
	long := base + strings.Repeat("x", MaxLength-len(base)) + "'"
	if _, err := Parse(long); err == nil || !strings.Contains(err.Error(), "limit is 2048") {
		t.Fatalf("filter of %d chars: err = %v", len(long), err)
	}
	// Characters, not bytes: 2000 two-byte characters are within the limit.
	if _, err := Parse("s = '" + strings.Repeat("é", 2000) + "'"); err != nil {
		t.Fatalf("multi-byte filter: %v", err)
	}
	// Options raise the limit for combined RowFilter texts.
	if _, err := ParseOptions(long, Options{MaxLength: 1 << 20}); err != nil {
		t.Fatalf("ParseOptions: %v", err)
	}
	// Nesting.
	deep := func(n int) string { return strings.Repeat("(", n) + "a = 1" + strings.Repeat(")", n) }
	if _, err := Parse(deep(MaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Parse(deep(MaxDepth + 1)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("depth %d: err = %v", MaxDepth+1, err)
	}
	if _, err := Parse(strings.Repeat("NOT ", MaxDepth+1) + "a = 1"); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("NOT depth: err = %v", err)
	}
	// Long flat chains are not nesting: they flatten into one node.
	chain := "a = 1" + strings.Repeat(" AND a = 1", 200)
	e, err := Parse(chain)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.(*And).Terms); n != 201 {
		t.Fatalf("chain has %d terms", n)
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := Parse(`a = 1 AND upper(b) = 'X'`)
	if err == nil || !strings.Contains(err.Error(), "position 11") {
		t.Fatalf("err = %v, want position 11", err)
	}
}
