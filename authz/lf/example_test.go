package lf

import (
	"slices"
	"testing"
)

// TestLFGuideTagExample is the tag-based example of the LF developer guide,
// end to end, under sluice's nearest-assignment-wins rule (VISION rule 3):
// LF-tag module with values Sales, Orders, Customers; databases A (Sales),
// B (Orders), C (Customers); tables A.1, A.2 (Orders override), B.1, B.2
// (Customers assigned), C.1–C.3.
func TestLFGuideTagExample(t *testing.T) {
	e := newEnv(t)
	e.createTag("module", "Sales", "Orders", "Customers")
	tables := map[string][]string{"a": {"t1", "t2"}, "b": {"t1", "t2"}, "c": {"t1", "t2", "t3"}}
	for _, db := range []string{"a", "b", "c"} {
		e.createDB(db, "")
		for _, tb := range tables[db] {
			e.createTable(db, tb, "", "id", "v")
		}
	}
	e.assign("a", "", "module", "Sales")
	e.assign("b", "", "module", "Orders")
	e.assign("c", "", "module", "Customers")
	e.assign("a", "t2", "module", "Orders")
	e.assign("b", "t2", "module", "Customers")

	p1, p2, p3 := role("principal1"), role("principal2"), role("principal3")
	grants := map[string][]string{p1: {"Sales", "Customers"}, p2: {"Orders"}, p3: {"Customers"}}
	for p, vals := range grants {
		e.mustGrant(p, policyRes("DATABASE", tag("module", vals...)), []string{"CREATE_TABLE"})
		e.mustGrant(p, policyRes("TABLE", tag("module", vals...)), []string{"SELECT", "INSERT"})
	}

	type result struct{ tables, createTable []string }
	resolve := func(p string) result {
		var r result
		for _, db := range []string{"a", "b", "c"} {
			if e.dbAccess(db, p).Has("CREATE_TABLE") {
				r.createTable = append(r.createTable, db)
			}
			for _, tb := range tables[db] {
				a := e.access(db, tb, p)
				sel, ins := a.Has("SELECT"), a.Has("INSERT")
				if sel != ins {
					t.Errorf("%s on %s.%s: SELECT %v but INSERT %v", p, db, tb, sel, ins)
				}
				if sel {
					if len(a.Select) != 1 || !a.Select[0].AllColumns || a.Select[0].RowFilter != "" {
						t.Errorf("%s on %s.%s: select grants %+v", p, db, tb, a.Select)
					}
					r.tables = append(r.tables, db+"."+tb)
				}
			}
		}
		return r
	}
	want := map[string]result{
		p1: {[]string{"a.t1", "b.t2", "c.t1", "c.t2", "c.t3"}, []string{"a", "c"}},
		p2: {[]string{"a.t2", "b.t1"}, []string{"b"}},
		p3: {[]string{"b.t2", "c.t1", "c.t2", "c.t3"}, []string{"c"}},
	}
	for _, p := range []string{p1, p2, p3} {
		got := resolve(p)
		if !slices.Equal(got.tables, want[p].tables) || !slices.Equal(got.createTable, want[p].createTable) {
			t.Errorf("%s: tables %v CREATE_TABLE on %v; want %v on %v", p, got.tables, got.createTable, want[p].tables, want[p].createTable)
		}
	}

	// Changing one assignment changes the result: C.3 moves to Orders.
	e.assign("c", "t3", "module", "Orders")
	if got := resolve(p2); !slices.Equal(got.tables, []string{"a.t2", "b.t1", "c.t3"}) {
		t.Errorf("principal2 after re-tagging c.t3: %v", got.tables)
	}
	if got := resolve(p3); !slices.Equal(got.tables, []string{"b.t2", "c.t1", "c.t2"}) {
		t.Errorf("principal3 after re-tagging c.t3: %v", got.tables)
	}
	// And a principal outside the example gets nothing.
	if got := resolve(outsider); len(got.tables)+len(got.createTable) != 0 {
		t.Errorf("outsider: %+v", got)
	}
}
