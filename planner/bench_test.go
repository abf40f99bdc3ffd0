package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner/plan"
)

// wideJoin builds a select5-style query: n ten-row tables joined by commas
// with a chain of equality predicates and one filter per table.
func wideJoin(n int) (*fakeClient, string) {
	f := newFake()
	var from, where []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("t%d", i)
		f.add("default", name, fmt.Sprintf("a%d int", i), fmt.Sprintf("b%d int", i), fmt.Sprintf("x%d string", i))
		from = append(from, name)
		if i > 1 {
			where = append(where, fmt.Sprintf("a%d = b%d", i-1, i))
		}
		where = append(where, fmt.Sprintf("x%d IN ('table%d-1', 'table%d-5')", i, i, i))
	}
	// reverse the join predicates so FROM order is not the join order
	for i, j := 0, len(where)-1; i < j; i, j = i+1, j-1 {
		where[i], where[j] = where[j], where[i]
	}
	return f, "SELECT x1, x" + fmt.Sprint(n) + " FROM " + strings.Join(from, ", ") + " WHERE " + strings.Join(where, " AND ")
}

func TestWideJoinUsesHashJoins(t *testing.T) {
	f, sql := wideJoin(64)
	q := planQuery(t, f, sql)
	joins, cross := 0, 0
	walkNodes(q.Plan, func(n plan.Node) {
		if j, ok := n.(*plan.Join); ok {
			joins++
			if len(j.LeftKeys) == 0 {
				cross++
			}
		}
	})
	if joins != 63 || cross != 0 {
		t.Fatalf("%d joins, %d without keys; want 63 hash joins", joins, cross)
	}
}

func BenchmarkPlan64WayJoin(b *testing.B) {
	f, sql := wideJoin(64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.calls = f.calls[:0]
		if _, err := newTestPlanner(f).Plan(context.Background(), sql); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanSimple(b *testing.B) {
	f := testCatalog()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.calls = f.calls[:0]
		if _, err := newTestPlanner(f).Plan(context.Background(), "SELECT a, count(*) FROM t1 WHERE b > 3 GROUP BY a ORDER BY 2 DESC LIMIT 10"); err != nil {
			b.Fatal(err)
		}
	}
}
