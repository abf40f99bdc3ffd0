package engine_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// TestLFGuideTagExampleThroughQueries is the tag-based example of the LF
// developer guide, checked through SQL as each principal: LF-tag module
// (Sales, Orders, Customers) on databases a, b, c; table a.t2 overrides
// to Orders and b.t2 to Customers (nearest assignment wins, rule 3).
// principal1 holds Sales and Customers, principal2 Orders, principal3
// Customers: CREATE_TABLE on the matching databases, SELECT and INSERT on
// the matching tables.
func TestLFGuideTagExampleThroughQueries(t *testing.T) {
	l := newLake(t)
	tables := map[string][]string{"a": {"t1", "t2"}, "b": {"t1", "t2"}, "c": {"t1", "t2", "t3"}}
	dbs := []string{"a", "b", "c"}
	for _, db := range dbs {
		l.exec("CREATE DATABASE " + db)
		for _, tb := range tables[db] {
			l.exec(fmt.Sprintf("CREATE TABLE %s.%s (id BIGINT, v VARCHAR(10))", db, tb),
				fmt.Sprintf("INSERT INTO %s.%s VALUES (1, '%s.%s')", db, tb, db, tb))
		}
	}
	l.createTag("module", "Sales", "Orders", "Customers")
	l.assign("a", "", "module", "Sales")
	l.assign("b", "", "module", "Orders")
	l.assign("c", "", "module", "Customers")
	l.assign("a", "t2", "module", "Orders")
	l.assign("b", "t2", "module", "Customers")
	holds := map[string][]string{"principal1": {"Sales", "Customers"}, "principal2": {"Orders"}, "principal3": {"Customers"}}
	for _, p := range []string{"principal1", "principal2", "principal3"} {
		l.role(p)
		l.grant(p, tagPolicy("DATABASE", "module", holds[p]...), "CREATE_TABLE")
		l.grant(p, tagPolicy("TABLE", "module", holds[p]...), "SELECT", "INSERT")
	}
	want := map[string]struct{ tables, create []string }{
		"principal1": {[]string{"a.t1", "b.t2", "c.t1", "c.t2", "c.t3"}, []string{"a", "c"}},
		"principal2": {[]string{"a.t2", "b.t1"}, []string{"b"}},
		"principal3": {[]string{"b.t2", "c.t1", "c.t2", "c.t3"}, []string{"c"}},
	}
	for _, p := range []string{"principal1", "principal2", "principal3"} {
		s := l.as(p)
		var sel, ins, create []string
		for _, db := range dbs {
			for _, tb := range tables[db] {
				name := db + "." + tb
				res, err := s.Exec(bg, "SELECT v FROM "+name+" WHERE id = 1")
				switch {
				case err == nil:
					if got := rowsText(res.Rows); got != name {
						t.Errorf("%s reads %s: %q", p, name, got)
					}
					sel = append(sel, name)
				case lferr.CodeOf(err) != lferr.AccessDenied:
					t.Errorf("%s SELECT %s: %v, want success or AccessDeniedException", p, name, err)
				}
				err = execErr(s, fmt.Sprintf("INSERT INTO %s VALUES (2, '%s')", name, p))
				switch {
				case err == nil:
					ins = append(ins, name)
				case lferr.CodeOf(err) != lferr.AccessDenied:
					t.Errorf("%s INSERT %s: %v, want success or AccessDeniedException", p, name, err)
				}
			}
			err := execErr(s, fmt.Sprintf("CREATE TABLE %s.by_%s (x BIGINT)", db, p))
			switch {
			case err == nil:
				create = append(create, db)
			case lferr.CodeOf(err) != lferr.AccessDenied:
				t.Errorf("%s CREATE TABLE in %s: %v, want success or AccessDeniedException", p, db, err)
			}
		}
		w := want[p]
		if !slices.Equal(sel, w.tables) || !slices.Equal(ins, w.tables) || !slices.Equal(create, w.create) {
			t.Errorf("%s: SELECT on %v, INSERT on %v, CREATE TABLE in %v; want %v, %v, %v", p, sel, ins, create, w.tables, w.tables, w.create)
		}
	}
	// The INSERTs landed where they were allowed, and only there.
	for _, db := range dbs {
		for _, tb := range tables[db] {
			name := db + "." + tb
			var writers []string
			for _, r := range mustExec(t, l.admin, "SELECT v FROM "+name+" WHERE id = 2 ORDER BY v").Rows {
				writers = append(writers, r[0].String())
			}
			var expect []string
			for _, p := range []string{"principal1", "principal2", "principal3"} {
				if slices.Contains(want[p].tables, name) {
					expect = append(expect, p)
				}
			}
			if !slices.Equal(writers, expect) {
				t.Errorf("%s written by %v, want %v", name, writers, expect)
			}
		}
	}
}
