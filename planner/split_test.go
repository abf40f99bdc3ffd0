package planner

import (
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT ';' ; SELECT \"a;b\"", []string{"SELECT ';'", "SELECT \"a;b\""}},
		{"SELECT `x;y` FROM t;", []string{"SELECT `x;y` FROM t"}},
		{"SELECT 1 -- c;omment\n; SELECT 2", []string{"SELECT 1 -- c;omment", "SELECT 2"}},
		{"SELECT /* ; */ 1;;  ;", []string{"SELECT /* ; */ 1"}},
		{"-- only a comment;\n", nil},
		{"SELECT 'it''s;' ; SELECT 'a\\';b'", []string{"SELECT 'it''s;'", "SELECT 'a\\';b'"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := SplitStatements(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitStatements(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRewriteAggAll(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT COUNT(ALL x) FROM t", "SELECT COUNT( x) FROM t"},
		{"SELECT sum (all x), MAX(ALL(x)) FROM t", "SELECT sum ( x), MAX((x)) FROM t"},
		{"SELECT 'COUNT(ALL x)' FROM t", "SELECT 'COUNT(ALL x)' FROM t"},
		{"SELECT `count`(ALL x)", "SELECT `count`(ALL x)"},
		{"SELECT count(allx) FROM t", "SELECT count(allx) FROM t"},
		{"SELECT mycount(ALL x)", "SELECT mycount(ALL x)"},
		{"SELECT x FROM t -- count(ALL x)", "SELECT x FROM t -- count(ALL x)"},
		{"SELECT x FROM t WHERE a > ALL (SELECT 1)", "SELECT x FROM t WHERE a > ALL (SELECT 1)"},
		{"SELECT AVG(ALL\tx), MIN(DISTINCT x)", "SELECT AVG(\tx), MIN(DISTINCT x)"},
	}
	for _, c := range cases {
		if got := rewriteAggAll(c.in); got != c.want {
			t.Errorf("rewriteAggAll(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
