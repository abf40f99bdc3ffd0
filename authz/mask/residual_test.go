package mask

import (
	"math/rand"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// TestResidualAgreesWithFullEvaluation: for every mask, principal, and
// random row, applying the principal's residual gives exactly what the
// whole mask gives (or both fail).
func TestResidualAgreesWithFullEvaluation(t *testing.T) {
	templates := []struct {
		text string
		col  types.T
	}{
		{`principal.tags.?dept.orValue("") == "hr" ? value : sha256(value)`, types.StringT},
		{`principal.tags.?dept.orValue("") == "hr" ? value : (region == "eu" ? redact(value) : show_last(value, 2))`, types.StringT},
		{`principal.account == "111122223333" ? show_first(value, 3) : null`, types.StringT},
		{`has(principal.tags.level) && principal.tags.level == "high" ? value : (salary > 50 ? default : value)`, types.Int64T},
		{`region == "eu" && principal.tags.?dept.orValue("") != "hr" ? 0.0 : value`, types.Float64T},
		{`principal.arn.endsWith("/hr") ? value : truncate_date(value, "year")`, types.DateT},
		{`principal.tags.?dept.orValue("") in ["hr", "eng"] ? truncate_date(value, "month") : default`, types.TimestampT},
		{`active == true ? value : !value`, types.BoolT},
		{`value + "-" + principal.account`, types.StringT},
		{`region == null ? "none" : value`, types.StringT},
		{`redact`, types.StringT},
		{`["a", "Zürich-42"].exists(x, x == value) ? redact(value) : value`, types.StringT},
		{`[region].all(r, r != "eu") || principal.tags.?dept.orValue("") == "hr" ? value : sha256(value)`, types.StringT},
		{`null`, types.Int64T},
	}
	principals := []Principal{hr, eng, other,
		{ARN: "arn:aws:iam::111122223333:role/lvl", Account: "111122223333", Tags: map[string]string{"level": "high"}},
	}
	r := rand.New(rand.NewSource(7))
	strs := []string{"", "a", "Zürich-42", "john@x.org", "eu", "us"}
	randVal := func(t types.T) types.Value {
		if r.Intn(5) == 0 {
			return types.Value{Kind: t.Kind, Null: true}
		}
		switch t.Kind {
		case types.String:
			return types.NewString(strs[r.Intn(len(strs))])
		case types.Int64:
			return types.NewInt(int64(r.Intn(100)))
		case types.Float64:
			return types.NewFloat(float64(r.Intn(100)) / 4)
		case types.Bool:
			return types.NewBool(r.Intn(2) == 0)
		case types.Date:
			return types.NewDate(int64(r.Intn(40000) - 10000))
		case types.Timestamp:
			return types.NewTimestamp(r.Int63n(4e15) - 1e15)
		}
		return types.NullValue
	}
	checked := 0
	for _, tpl := range templates {
		m, err := Compile(tpl.text, tpl.col, schema)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tpl.text, err)
		}
		for _, p := range principals {
			res, err := m.Residual(p)
			if err != nil {
				t.Fatalf("Residual(%q, %s): %v", tpl.text, p.ARN, err)
			}
			for i := 0; i < 50; i++ {
				row := map[string]types.Value{}
				for n, ty := range schema {
					row[n] = randVal(ty)
				}
				v := randVal(tpl.col)
				want, err1 := m.Apply(v, row, p)
				got, err2 := res.Apply(v, row)
				if (err1 == nil) != (err2 == nil) || (err1 == nil && got != want) {
					t.Fatalf("%q for %s [%s] on value %v row %v:\nfull %#v %v\nresidual %#v %v", tpl.text, p.ARN, res, v, row, want, err1, got, err2)
				}
				if err1 != nil && lferr.CodeOf(err1) == "" {
					t.Fatalf("untyped error %v", err1)
				}
				if err1 == nil && !got.Null && got.Kind != tpl.col.Kind {
					t.Fatalf("%q produced kind %s for a %s column", tpl.text, got.Kind, tpl.col)
				}
				checked++
			}
		}
	}
	t.Logf("%d comparisons", checked)
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`redact`, `sha256`, `show_first(4)`, `truncate_date(year)`, `default`, `null`,
		`principal.tags["dept"] == "hr" ? value : sha256(value)`, `value.substring(0, 2)`,
		`region == "eu" ? value : "x"`, `[1,2].map(x, x * 2).size() == 2 ? value : ""`,
	} {
		f.Add(s, uint8(types.String))
	}
	f.Fuzz(func(t *testing.T, text string, kind uint8) {
		col := types.T{Kind: types.Kind(kind % 8)}
		m, err := Compile(text, col, schema)
		if err != nil {
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Fatalf("Compile(%q, %v): %v", text, col, err)
			}
			return
		}
		for _, p := range []Principal{hr, other} {
			res, err := m.Residual(p)
			if err != nil {
				if c := lferr.CodeOf(err); c != lferr.AccessDenied {
					t.Fatalf("Residual(%q): %v", text, err)
				}
				continue
			}
			v := Default(col)
			row := map[string]types.Value{}
			for n, ty := range schema {
				row[n] = Default(ty)
			}
			want, err1 := m.Apply(v, row, p)
			got, err2 := res.Apply(v, row)
			if (err1 == nil) != (err2 == nil) || (err1 == nil && got != want) {
				t.Fatalf("%q: full %v %v, residual %v %v", text, want, err1, got, err2)
			}
		}
	})
}
