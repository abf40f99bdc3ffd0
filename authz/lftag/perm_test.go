package lftag

import (
	"testing"

	"github.com/sluicedb/sluice/authz/api"
)

func TestCoversValues(t *testing.T) {
	g := func(k string, v ...string) api.LFTagKeyResource { return api.LFTagKeyResource{TagKey: k, TagValues: v} }
	cases := []struct {
		name   string
		r      api.LFTagKeyResource
		key    string
		values []string
		want   bool
	}{
		{"exact", g("module", "sales"), "module", []string{"sales"}, true},
		{"case", g("Module", "SALES"), "module", []string{"Sales"}, true},
		{"subset", g("module", "sales", "orders"), "module", []string{"orders"}, true},
		{"all of several", g("module", "sales", "orders"), "module", []string{"orders", "sales"}, true},
		{"one missing", g("module", "sales"), "module", []string{"orders", "sales"}, false},
		{"star grant covers any", g("module", "*"), "module", []string{"anything"}, true},
		{"star grant covers star", g("module", "*"), "module", []string{"*"}, true},
		{"values never cover star", g("module", "sales", "orders"), "module", []string{"*"}, false},
		{"other key", g("region", "*"), "module", []string{"sales"}, false},
		{"nothing asked", g("module", "*"), "module", nil, false},
	}
	for _, c := range cases {
		if got := CoversValues(c.r, c.key, c.values); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestEquivalentExpressions(t *testing.T) {
	base := []api.LFTag{e("module", "customers"), e("region", "west", "south")}
	cases := []struct {
		name  string
		other []api.LFTag
		want  bool
	}{
		{"identical", []api.LFTag{e("module", "customers"), e("region", "west", "south")}, true},
		{"reordered and recased", []api.LFTag{e("REGION", "South", "west"), e("module", "Customers")}, true},
		{"duplicate value", []api.LFTag{e("region", "south", "west", "west"), e("module", "customers")}, true},
		{"fewer values (narrower)", []api.LFTag{e("module", "customers"), e("region", "west")}, false},
		{"more keys (narrower)", []api.LFTag{e("module", "customers"), e("region", "west", "south"), e("class", "public")}, false},
		{"fewer keys (wider)", []api.LFTag{e("module", "customers")}, false},
		{"key written twice", []api.LFTag{e("module", "customers"), e("region", "west", "south"), e("module", "customers")}, false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		if got := EquivalentExpressions(base, c.other); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
		if got := EquivalentExpressions(c.other, base); got != c.want {
			t.Errorf("%s (swapped): got %v", c.name, got)
		}
	}
}

func TestExpressionCoveredBy(t *testing.T) {
	granted := []api.LFTagKeyResource{{TagKey: "module", TagValues: []string{"sales", "orders"}}, {TagKey: "region", TagValues: []string{"*"}}}
	cases := []struct {
		expr []api.LFTag
		want bool
	}{
		{[]api.LFTag{e("module", "sales")}, true},
		{[]api.LFTag{e("module", "sales", "orders"), e("region", "west", "*")}, true},
		{[]api.LFTag{e("module", "sales", "hr")}, false},
		{[]api.LFTag{e("module", "*")}, false},
		{[]api.LFTag{e("class", "public")}, false},
		{[]api.LFTag{e("module")}, false},
		{nil, false},
	}
	for i, c := range cases {
		if got := ExpressionCoveredBy(c.expr, granted); got != c.want {
			t.Errorf("case %d %v: got %v", i, c.expr, got)
		}
	}
}
