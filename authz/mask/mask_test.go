package mask

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

var schema = map[string]types.T{
	"email":      types.StringT,
	"ssn":        types.StringT,
	"region":     types.StringT,
	"salary":     types.Int64T,
	"score":      types.Float64T,
	"amount":     types.DecimalT(10, 2),
	"active":     types.BoolT,
	"birth":      types.DateT,
	"created":    types.TimestampT,
	"Weird Name": types.StringT,
}

var (
	hr    = Principal{ARN: "arn:aws:iam::111122223333:role/hr", Account: "111122223333", Tags: map[string]string{"dept": "hr"}}
	eng   = Principal{ARN: "arn:aws:iam::111122223333:role/eng", Account: "111122223333", Tags: map[string]string{"dept": "eng"}}
	other = Principal{ARN: "arn:aws:iam::444455556666:role/x", Account: "444455556666", Tags: map[string]string{}}
)

func TestBuiltinKernels(t *testing.T) {
	cases := []struct{ in, redact, first2, last2 string }{
		{"", "", "", ""},
		{"abc", "xxx", "abx", "xbc"},
		{"john.doe@example.com", "xxxx.xxx@xxxxxxx.xxx", "joxx.xxx@xxxxxxx.xxx", "xxxx.xxx@xxxxxxx.xom"},
		{"+1 (555) 010-9999", "xnx(nnn)xnnn-nnnn", "+1x(nnn)xnnn-nnnn", "xnx(nnn)xnnn-nn99"},
		{"Ünïcødé", "xxxxxxx", "Ünxxxxx", "xxxxxdé"},
		{"a,b", "x,x", "a,x", "x,b"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.redact {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.redact)
		}
		if got, _ := ShowFirst(c.in, 2); got != c.first2 {
			t.Errorf("ShowFirst(%q, 2) = %q, want %q", c.in, got, c.first2)
		}
		if got, _ := ShowLast(c.in, 2); got != c.last2 {
			t.Errorf("ShowLast(%q, 2) = %q, want %q", c.in, got, c.last2)
		}
	}
	if got, _ := ShowFirst("abc", 100); got != "abc" {
		t.Errorf("ShowFirst beyond length = %q", got)
	}
	if got, _ := ShowLast("abc", 0); got != "xxx" {
		t.Errorf("ShowLast(0) = %q", got)
	}
	if _, err := ShowFirst("abc", -1); err == nil {
		t.Error("ShowFirst(-1) succeeded")
	}
	// Known SHA-256 vectors.
	if got := SHA256Hex(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("SHA256Hex(\"\") = %s", got)
	}
	if got := SHA256Hex("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("SHA256Hex(abc) = %s", got)
	}
	// Dates: 2021-07-15 is day 18823; 2021-01-01 is 18628; 2021-07-01 is 18809.
	for _, c := range []struct {
		unit string
		in   types.Value
		want types.Value
	}{
		{"year", types.NewDate(18823), types.NewDate(18628)},
		{"month", types.NewDate(18823), types.NewDate(18809)},
		{"year", types.NewDate(-1), types.NewDate(-365)}, // 1969-12-31 → 1969-01-01
		{"month", types.NewDate(-1), types.NewDate(-31)}, // → 1969-12-01
		{"year", types.NewTimestamp(1626350400_123456), types.NewTimestamp(1609459200_000000)},
		{"month", types.NewTimestamp(1626350400_123456), types.NewTimestamp(1625097600_000000)},
	} {
		got, err := ApplyBuiltin(Builtin{Kind: KindTruncateDate, Args: []types.Value{types.NewString(c.unit)}}, types.T{Kind: c.in.Kind}, c.in)
		if err != nil || got != c.want {
			t.Errorf("truncate_date(%v, %s) = %v, %v; want %v", c.in, c.unit, got, err, c.want)
		}
	}
	for _, ty := range []types.T{types.BoolT, types.Int64T, types.Float64T, types.StringT, types.DateT, types.TimestampT} {
		d := Default(ty)
		if d.Null || d.Kind != ty.Kind {
			t.Errorf("Default(%v) = %#v", ty, d)
		}
	}
}

func TestResidualClassification(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		col   types.T
		p     Principal
		class Class
		desc  string
	}{
		{"hr sees value", `principal.tags["dept"] == "hr" ? value : sha256(value)`, types.StringT, hr, Identity, "identity"},
		{"eng gets sha256", `principal.tags["dept"] == "hr" ? value : sha256(value)`, types.StringT, eng, BuiltinClass, "sha256"},
		{"safe tag test, no tag", `has(principal.tags.dept) && principal.tags.dept == "hr" ? value : redact(value)`, types.StringT, other, BuiltinClass, "redact"},
		{"optional tag", `principal.tags.?dept.orValue("") == "hr" ? value : show_last(value, 4)`, types.StringT, other, BuiltinClass, "show_last(4)"},
		{"account", `principal.account == "111122223333" ? value : null`, types.StringT, other, BuiltinClass, "null"},
		{"account same", `principal.account == "111122223333" ? value : null`, types.StringT, hr, Identity, "identity"},
		{"shorthand redact", `redact`, types.StringT, hr, BuiltinClass, "redact"},
		{"shorthand sha256", ` sha256 `, types.StringT, hr, BuiltinClass, "sha256"},
		{"shorthand show_first", `show_first(4)`, types.StringT, hr, BuiltinClass, "show_first(4)"},
		{"shorthand show_last", `show_last( 2 )`, types.StringT, hr, BuiltinClass, "show_last(2)"},
		{"shorthand truncate", `truncate_date(year)`, types.DateT, hr, BuiltinClass, `truncate_date("year")`},
		{"shorthand truncate quoted", `truncate_date('month')`, types.TimestampT, hr, BuiltinClass, `truncate_date("month")`},
		{"identity", `identity`, types.Int64T, hr, Identity, "identity"},
		{"null", `null`, types.Int64T, hr, BuiltinClass, "null"},
		{"default int", `default`, types.Int64T, hr, BuiltinClass, "default"},
		{"default date", `default`, types.DateT, hr, BuiltinClass, "default"},
		{"constant", `"***"`, types.StringT, hr, BuiltinClass, `constant("***")`},
		{"constant int", `principal.tags["dept"] == "hr" ? value : -1`, types.Int64T, eng, BuiltinClass, "constant(-1)"},
		{"constant decimal", `0.0`, types.DecimalT(10, 2), eng, BuiltinClass, "constant(0)"},
		{"row dependent", `region == "eu" ? sha256(value) : value`, types.StringT, hr, Fallback, `cel((region == "eu") ? sha256(value) : value)`},
		{"row dependent pruned", `principal.tags["dept"] == "hr" ? value : (region == "eu" ? sha256(value) : value)`, types.StringT, eng, Fallback, `cel((region == "eu") ? sha256(value) : value)`},
		{"row dependent pruned to identity", `principal.tags["dept"] == "hr" ? value : (region == "eu" ? sha256(value) : value)`, types.StringT, hr, Identity, "identity"},
		{"expression", `value.substring(0, 1) + "***"`, types.StringT, hr, Fallback, `cel(value.substring(0, 1) + "***")`},
		{"int arithmetic", `value / 1000 * 1000`, types.Int64T, hr, Fallback, `cel(value / 1000 * 1000)`},
		{"principal in args", `show_first(value, principal.tags["dept"] == "hr" ? 10 : 2)`, types.StringT, eng, BuiltinClass, "show_first(2)"},
	}
	for _, c := range cases {
		m, err := Compile(c.text, c.col, schema)
		if err != nil {
			t.Errorf("%s: Compile(%q): %v", c.name, c.text, err)
			continue
		}
		r, err := m.Residual(c.p)
		if err != nil {
			t.Errorf("%s: Residual: %v", c.name, err)
			continue
		}
		if r.Class != c.class || r.String() != c.desc {
			t.Errorf("%s: residual of %q = %v %s, want %v %s", c.name, c.text, r.Class, r.String(), c.class, c.desc)
		}
	}
}

func TestResidualMissingTagFailsClosed(t *testing.T) {
	m, err := Compile(`principal.tags["dept"] == "hr" ? value : sha256(value)`, types.StringT, schema)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Residual(other)
	if !errors.Is(err, lferr.AccessDenied) {
		t.Fatalf("Residual without the tag: err = %v, want AccessDenied", err)
	}
	if _, err := m.Apply(types.NewString("x"), nil, other); err == nil {
		t.Fatal("Apply without the tag succeeded")
	}
}

func TestCompileReject(t *testing.T) {
	cases := []struct {
		text string
		col  types.T
		msg  string
	}{
		{``, types.StringT, "empty"},
		{`value +`, types.StringT, "Syntax error"},
		{`sha256(value)`, types.Int64T, "found no matching overload"},
		{`redact(value)`, types.DateT, "found no matching overload"},
		{`value + 1`, types.StringT, "found no matching overload"},
		{`1`, types.StringT, "result type int does not match the column type VARCHAR"},
		{`"x"`, types.Int64T, "does not match"},
		{`value == "a"`, types.StringT, "result type bool"},
		{`principal.tags["x"]`, types.StringT, "result type dyn"},
		{`nosuch`, types.StringT, "undeclared reference to 'nosuch'"},
		{`show_first(value, -1)`, types.StringT, "must not be negative"},
		{`show_first(-1)`, types.StringT, "no matching overload"},
		{`truncate_date(value, "day")`, types.DateT, `not "day"`},
		{`truncate_date(week)`, types.DateT, "undeclared reference"},
		{`1.5`, types.Int64T, "does not match"},
		{strings.Repeat("a", MaxLength+1), types.StringT, "limit is 4096"},
	}
	for _, c := range cases {
		_, err := Compile(c.text, c.col, schema)
		if err == nil {
			t.Errorf("Compile(%q, %v) accepted, want %q", c.text, c.col, c.msg)
			continue
		}
		if !errors.Is(err, lferr.InvalidInput) {
			t.Errorf("Compile(%q): %v is not InvalidInput", c.text, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Compile(%q): %q does not contain %q", c.text, err, c.msg)
		}
	}
}

func TestApply(t *testing.T) {
	row := map[string]types.Value{
		"region": types.NewString("eu"), "salary": types.NewInt(123456),
		"active": {Kind: types.Bool, Null: true}, "birth": types.NewDate(18823),
	}
	cases := []struct {
		text  string
		col   types.T
		value types.Value
		p     Principal
		want  types.Value
	}{
		{`sha256`, types.StringT, types.NewString("abc"), eng, types.NewString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")},
		{`sha256`, types.StringT, types.Value{Kind: types.String, Null: true}, eng, types.Value{Kind: types.String, Null: true}},
		{`redact`, types.StringT, types.NewString("Ab1-"), eng, types.NewString("xxn-")},
		{`region == "eu" ? show_first(value, 1) : value`, types.StringT, types.NewString("secret"), eng, types.NewString("sxxxxx")},
		{`active == true ? value : "hidden"`, types.StringT, types.NewString("v"), eng, types.NewString("hidden")}, // NULL active: null == true is false
		{`salary > 100000 ? 0 : value`, types.Int64T, types.NewInt(7), eng, types.NewInt(0)},
		{`value / 1000 * 1000`, types.Int64T, types.NewInt(123456), eng, types.NewInt(123000)},
		{`default`, types.DecimalT(10, 2), types.Value{Kind: types.Decimal, F: 9.5}, eng, types.Value{Kind: types.Decimal}},
		{`truncate_date(month)`, types.DateT, types.NewDate(18823), eng, types.NewDate(18809)},
		{`birth`, types.DateT, types.NewDate(1), eng, types.NewDate(18823)},
		{`null`, types.BoolT, types.NewBool(true), eng, types.Value{Kind: types.Bool, Null: true}},
		{`principal.tags["dept"] == "hr" ? value : null`, types.StringT, types.NewString("x"), eng, types.Value{Kind: types.String, Null: true}},
		{`principal.arn.endsWith("/hr") ? value : redact(value)`, types.StringT, types.NewString("ab"), hr, types.NewString("ab")},
	}
	for _, c := range cases {
		m, err := Compile(c.text, c.col, schema)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.text, err)
			continue
		}
		got, err := m.Apply(c.value, row, c.p)
		if err != nil || got != c.want {
			t.Errorf("Apply(%q, %v) = %#v, %v; want %#v", c.text, c.value, got, err, c.want)
		}
		// The residual for the same principal gives the same answer.
		r, err := m.Residual(c.p)
		if err != nil {
			t.Errorf("Residual(%q): %v", c.text, err)
			continue
		}
		got2, err := r.Apply(c.value, row)
		if err != nil || got2 != c.want {
			t.Errorf("Residual(%q) [%s].Apply = %#v, %v; want %#v", c.text, r, got2, err, c.want)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	m, err := Compile(`region == "eu" ? value : "x"`, types.StringT, schema)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Columns(); len(got) != 1 || got[0] != "region" {
		t.Fatalf("Columns = %v", got)
	}
	if _, err := m.Apply(types.NewString("v"), map[string]types.Value{}, hr); lferr.CodeOf(err) != lferr.UnknownColumn {
		t.Errorf("missing row column: %v", err)
	}
	if _, err := m.Apply(types.NewInt(1), map[string]types.Value{"region": types.NewString("eu")}, hr); lferr.CodeOf(err) != lferr.TypeError {
		t.Errorf("wrong value kind: %v", err)
	}
	// A runtime error on some rows only is an execution error, not a leak.
	m, err = Compile(`region < "m" ? value : "x"`, types.StringT, schema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(types.NewString("v"), map[string]types.Value{"region": {Kind: types.String, Null: true}}, hr); lferr.CodeOf(err) != lferr.ExecutionError {
		t.Errorf("null ordering: %v", err)
	}
}
