package planner

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// FuzzPlan plans arbitrary SQL against the fake catalog: it must never
// panic, every failure must be a typed, non-internal error, and every
// plan must pass the invariant checker.
func FuzzPlan(f *testing.F) {
	seeds := []string{
		"SELECT a, b FROM t1 WHERE a > 5 ORDER BY b DESC LIMIT 3",
		"SELECT count(ALL a), sum(b) FROM t1 GROUP BY c HAVING count(*) > 1",
		"SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.x IS NULL",
		"SELECT a FROM t1 WHERE a IN (SELECT k FROM t3 WHERE t3.k = t1.b) UNION SELECT 1",
		"CREATE EXTERNAL TABLE IF NOT EXISTS db.t (a int, b decimal(10,2)) PARTITIONED BY (p string) STORED AS PARQUET LOCATION 'file:///x'",
		"INSERT INTO t1 VALUES (1, 2, 3, 4, 5)",
		"UPDATE t1 SET a = a + 1 WHERE b = 2",
		"SELECT CASE WHEN a > 1 THEN 'x' END, CAST(b AS DECIMAL(5,2)), DATE '2024-01-01' + INTERVAL 1 DAY FROM t1",
		"SELECT * FROM v1, sales.events WHERE region = 'EU'",
		"SELECT (SELECT max(a) FROM t1 x WHERE x.b = t1.b) FROM t1 ORDER BY 1",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := newTestPlanner(testCatalog()).Plan(context.Background(), sql)
		if err != nil && (lferr.CodeOf(err) == "" || lferr.CodeOf(err) == lferr.InternalService) {
			t.Fatalf("%q: %v", sql, err)
		}
		if err == nil {
			// every plan the planner hands out must be well formed
			if perr := checkStatement(st); perr != nil {
				t.Fatalf("%q: invalid plan: %v", sql, perr)
			}
		}
		for _, s := range SplitStatements(sql) {
			_ = rewriteAggAll(s)
		}
	})
}
