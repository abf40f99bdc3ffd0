package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/engine"
)

// BenchmarkQueryAs measures a whole statement (plan, authorize, vend,
// scan 10k rows, aggregate) as the administrator and as a principal: the
// difference is the cost of the role session's integration calls and
// credential checks per query.
func BenchmarkQueryAs(b *testing.B) {
	l := shop(b)
	var vals []string
	for i := 0; i < 10000; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'c%d', %d, '4%03d')", i+10, i%50, i%97, i%1000))
	}
	l.exec("INSERT INTO sales.orders VALUES " + strings.Join(vals, ","))
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	for _, c := range []struct {
		name string
		s    *engine.Session
	}{{"admin", l.admin}, {"principal", l.as("analyst")}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := c.s.Exec(bg, "SELECT customer, sum(amount) FROM sales.orders GROUP BY customer")
				if err != nil || len(res.Rows) != 53 {
					b.Fatalf("%v rows, %v", len(res.Rows), err)
				}
			}
		})
	}
}
