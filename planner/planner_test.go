package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func planQuery(t *testing.T, f *fakeClient, sql string) *Query {
	t.Helper()
	st, err := newTestPlanner(f).Plan(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	q, ok := st.(*Query)
	if !ok {
		t.Fatalf("%s: got %T, want *Query", sql, st)
	}
	return q
}

// TestIntegrationCalls checks what the planner sends to the control plane:
// one GetUnfilteredTableMetadata per table and statement, the declared
// permission types, SELECT, and the QueryAuthorizationId echoed after the
// first answer.
func TestIntegrationCalls(t *testing.T) {
	f := testCatalog()
	p := &Planner{Client: f, CatalogID: "444455556666", Database: "Default", QueryID: "q-42",
		SupportedPermissionTypes: []string{api.ColumnPermission, api.CellFilterPermission}}
	if _, err := p.Plan(context.Background(), "SELECT t1.a FROM t1, t1 AS x, t2 WHERE t1.a = x.a"); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 2 {
		t.Fatalf("got %d metadata calls, want 2 (t1 once, t2 once)", len(f.calls))
	}
	for i, c := range f.calls {
		if c.CatalogId != "444455556666" || c.DatabaseName != "default" {
			t.Errorf("call %d: catalog %q database %q", i, c.CatalogId, c.DatabaseName)
		}
		if strings.Join(c.SupportedPermissionTypes, ",") != "COLUMN_PERMISSION,CELL_FILTER_PERMISSION" {
			t.Errorf("call %d: SupportedPermissionTypes %v", i, c.SupportedPermissionTypes)
		}
		if strings.Join(c.Permissions, ",") != "SELECT" {
			t.Errorf("call %d: Permissions %v", i, c.Permissions)
		}
		if c.QuerySessionContext == nil || c.QuerySessionContext.QueryId != "q-42" {
			t.Errorf("call %d: QuerySessionContext %+v", i, c.QuerySessionContext)
		}
	}
	if got := f.calls[0].QuerySessionContext.QueryAuthorizationId; got != "" {
		t.Errorf("first call carries QueryAuthorizationId %q, want none", got)
	}
	if got := f.calls[1].QuerySessionContext.QueryAuthorizationId; got != "qa-1" {
		t.Errorf("second call carries QueryAuthorizationId %q, want the echoed qa-1", got)
	}
	if p.QueryAuthorizationID != "qa-1" {
		t.Errorf("Planner.QueryAuthorizationID = %q", p.QueryAuthorizationID)
	}
}

// TestPolicyFailsClosed: anything the planner cannot enforce yet stops the
// query, and an empty AuthorizedColumns is DESCRIBE-only (rule 4).
func TestPolicyFailsClosed(t *testing.T) {
	cases := []struct {
		name   string
		answer api.GetUnfilteredTableMetadataOutput
		code   lferr.Code
	}{
		{"no columns", api.GetUnfilteredTableMetadataOutput{}, lferr.AccessDenied},
		// Enforced policies are planned as secure scans (secure_test.go);
		// what cannot be enforced fails (rule 6).
		{"row filter outside the grammar", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a"}, RowFilter: "a + 1 > 1"}, lferr.AccessDenied},
		{"cell filter on an unauthorized column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a"},
			CellFilters: []api.ColumnRowFilter{{ColumnName: "a", RowFilterExpression: "TRUE"}, {ColumnName: "b", RowFilterExpression: "a > 1"}}}, lferr.AccessDenied},
		{"cell filters missing a column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a", "b"},
			CellFilters: []api.ColumnRowFilter{{ColumnName: "a", RowFilterExpression: "TRUE"}}}, lferr.AccessDenied},
		{"mask", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a"},
			ColumnMasks: []api.ColumnMask{{ColumnName: "a", MaskExpression: "value +"}}}, lferr.AccessDenied},
		{"only unknown columns", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"zz"}}, lferr.AccessDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := testCatalog()
			a := c.answer
			f.answers["default.t1"] = &a
			_, err := newTestPlanner(f).Plan(context.Background(), "SELECT a FROM t1")
			if lferr.CodeOf(err) != c.code {
				t.Fatalf("got %v, want code %s", err, c.code)
			}
			if !strings.Contains(lferr.MessageOf(err), "t1") {
				t.Errorf("message %q does not name the table", lferr.MessageOf(err))
			}
		})
	}
	// all-TRUE cell filters and a TRUE row filter are no restriction
	f := testCatalog()
	f.answers["default.t1"] = &api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a", "b"}, RowFilter: "TRUE",
		CellFilters: []api.ColumnRowFilter{{ColumnName: "a", RowFilterExpression: "TRUE"}, {ColumnName: "b", RowFilterExpression: "true"}}}
	q := planQuery(t, f, "SELECT * FROM t1")
	if len(q.Columns) != 2 {
		t.Errorf("columns %v, want a, b", q.Columns)
	}
}

// TestUnauthorizedColumnDoesNotExist: rule 8, same error as a missing column.
func TestUnauthorizedColumnDoesNotExist(t *testing.T) {
	f := testCatalog()
	p := newTestPlanner(f)
	_, errHidden := p.Plan(context.Background(), "SELECT secret FROM sales.orders")
	_, errMissing := p.Plan(context.Background(), "SELECT nosuch FROM sales.orders")
	if lferr.CodeOf(errHidden) != lferr.UnknownColumn || lferr.CodeOf(errMissing) != lferr.UnknownColumn {
		t.Fatalf("hidden: %v; missing: %v", errHidden, errMissing)
	}
	if strings.Replace(errHidden.Error(), "secret", "X", 1) != strings.Replace(errMissing.Error(), "nosuch", "X", 1) {
		t.Errorf("errors differ beyond the name: %q vs %q", errHidden, errMissing)
	}
	q := planQuery(t, f, "SELECT * FROM sales.orders")
	for _, c := range q.Columns {
		if c.Name == "secret" {
			t.Fatal("SELECT * exposed an unauthorized column")
		}
	}
	ex, err := p.Plan(context.Background(), "EXPLAIN SELECT * FROM sales.orders")
	if err != nil {
		t.Fatal(err)
	}
	if s := plan.Explain(ex.(*Explain).Plan, plan.ExplainOptions{}); strings.Contains(s, "secret") {
		t.Errorf("EXPLAIN mentions the unauthorized column:\n%s", s)
	}
}

func TestPartitionListing(t *testing.T) {
	cases := []struct {
		where, expr string
	}{
		{"region = 'EU'", "region = 'EU'"},
		{"region IN ('EU', 'US') AND id > 3", "region IN ('EU', 'US')"},
		{"day BETWEEN '2024-01-01' AND '2024-01-31'", "day BETWEEN '2024-01-01' AND '2024-01-31'"},
		{"region = 'EU' OR id = 1", ""},
		{"upper(region) = 'EU'", ""},
		{"", ""},
		{"id > 1 AND region = 'EU' AND day = '2024-01-01'", "region = 'EU' AND day = '2024-01-01'"},
	}
	for _, c := range cases {
		f := testCatalog()
		sql := "SELECT id FROM sales.events"
		if c.where != "" {
			sql += " WHERE " + c.where
		}
		q := planQuery(t, f, sql)
		if len(f.partCalls) != 1 {
			t.Fatalf("%s: %d partition calls", sql, len(f.partCalls))
		}
		if got := f.partCalls[0].Expression; got != c.expr {
			t.Errorf("%s: expression %q, want %q", sql, got, c.expr)
		}
		var scan *plan.Scan
		walkNodes(q.Plan, func(n plan.Node) {
			if s, ok := n.(*plan.Scan); ok {
				scan = s
			}
		})
		if scan == nil || !scan.Partitioned || len(scan.Partitions) != 2 {
			t.Fatalf("%s: scan %+v", sql, scan)
		}
		p := scan.Partitions[1]
		if p.Location != "mem://sales/events/region=US/day=2024-01-02" || p.Values[0].S != "US" || p.Values[1].Kind != types.Date {
			t.Errorf("%s: partition %+v", sql, p)
		}
	}
}

func walkNodes(n plan.Node, fn func(plan.Node)) {
	fn(n)
	for _, c := range n.Children() {
		walkNodes(c, fn)
	}
}

// TestTypes checks MySQL result types of expressions.
func TestTypes(t *testing.T) {
	dec := func(p, s uint8) types.T { return types.DecimalT(p, s) }
	cases := []struct {
		expr string
		want types.T
	}{
		{"1", types.Int64T},
		{"1.25", dec(3, 2)},
		{"1e2", types.Float64T},
		{"'x'", types.StringT},
		{"NULL", types.NullT},
		{"a + b", types.Int64T},
		{"a / b", dec(38, 4)},
		{"a DIV b", types.Int64T},
		{"a % b", types.Int64T},
		{"a + 0.5", dec(21, 1)},
		{"a * y", types.Float64T},
		{"v + 1", dec(22, 2)},
		{"v / 3", dec(38, 6)},
		{"-a", types.Int64T},
		{"a > 1", types.Int64T}, // MySQL prints truth values as 1/0
		{"a = 'x'", types.Int64T},
		{"COALESCE(a, 1.5)", dec(21, 1)},
		{"COALESCE(NULL, NULL)", types.Int64T},
		{"CASE WHEN a > 1 THEN 'x' ELSE 1 END", types.StringT},
		{"CASE WHEN a > 1 THEN 1 ELSE 2.5 END", dec(21, 1)},
		{"IF(a > 1, y, a)", types.Float64T},
		{"CAST(a AS DECIMAL(8,3))", dec(8, 3)},
		{"CAST(x AS SIGNED)", types.Int64T},
		{"CAST(x AS UNSIGNED)", types.Int64T},
		{"CAST(a AS CHAR)", types.StringT},
		{"CAST('2024-01-01' AS DATE)", types.DateT},
		{"CAST(a AS DOUBLE)", types.Float64T},
		{"dt + INTERVAL 1 DAY", types.DateT},
		{"CURRENT_DATE", types.DateT},
		{"DATE '2024-02-29'", types.DateT},
		{"abs(x)", types.Float64T},
		{"round(v, 1)", dec(12, 1)},
		{"length(x)", types.Int64T},
		{"TRUE", types.Int64T},
	}
	f := testCatalog()
	f.add("default", "ty", "a int", "b bigint", "x string", "y double", "v decimal(12,2)", "dt date")
	for _, c := range cases {
		q := planQuery(t, f, "SELECT "+c.expr+" FROM ty")
		if got := q.Columns[0].T; got != c.want {
			t.Errorf("%s: type %v, want %v", c.expr, got, c.want)
		}
	}
	aggs := []struct {
		expr string
		want types.T
	}{
		{"count(*)", types.Int64T},
		{"count(x)", types.Int64T},
		{"sum(a)", dec(38, 0)},
		{"sum(y)", types.Float64T},
		{"sum(v)", dec(38, 2)},
		{"avg(a)", dec(38, 4)},
		{"avg(v)", dec(38, 6)},
		{"avg(y)", types.Float64T},
		{"min(x)", types.StringT},
		{"max(dt)", types.DateT},
		{"sum(x)", types.Float64T},
	}
	for _, c := range aggs {
		q := planQuery(t, f, "SELECT "+c.expr+" FROM ty")
		if got := q.Columns[0].T; got != c.want {
			t.Errorf("%s: type %v, want %v", c.expr, got, c.want)
		}
	}
}

// TestOuterRefs checks correlated subqueries address the right level.
func TestOuterRefs(t *testing.T) {
	f := testCatalog()
	q := planQuery(t, f, "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.b AND EXISTS (SELECT 1 FROM t3 WHERE t3.k = t1.c AND t3.k = t2.a))")
	var sub *plan.Subquery
	walkNodes(q.Plan, func(n plan.Node) {
		if fl, ok := n.(*plan.Filter); ok && sub == nil {
			plan.Walk(fl.Pred, func(e plan.Expr) bool {
				if s, ok := e.(*plan.Subquery); ok && sub == nil {
					sub = s
				}
				return true
			})
		}
	})
	if sub == nil || !sub.Correlated {
		t.Fatalf("outer subquery not correlated: %+v", sub)
	}
	var refs []string
	var inner *plan.Subquery
	walkNodes(sub.Plan, func(n plan.Node) {
		if fl, ok := n.(*plan.Filter); ok {
			plan.Walk(fl.Pred, func(e plan.Expr) bool {
				switch x := e.(type) {
				case *plan.OuterRef:
					refs = append(refs, fmt.Sprintf("d%d#%d", x.Depth, x.Idx))
				case *plan.Subquery:
					inner = x
				}
				return true
			})
		}
	})
	if strings.Join(refs, ",") != "d1#1" {
		t.Errorf("level-1 outer refs %v, want [d1#1] (t1.b)", refs)
	}
	if inner == nil || !inner.Correlated {
		t.Fatalf("inner subquery not correlated")
	}
	refs = nil
	walkNodes(inner.Plan, func(n plan.Node) {
		if fl, ok := n.(*plan.Filter); ok {
			plan.Walk(fl.Pred, func(e plan.Expr) bool {
				if x, ok := e.(*plan.OuterRef); ok {
					refs = append(refs, fmt.Sprintf("d%d#%d", x.Depth, x.Idx))
				}
				return true
			})
		}
	})
	if strings.Join(refs, ",") != "d2#2,d1#0" {
		t.Errorf("level-2 outer refs %v, want [d2#2 d1#0] (t1.c, t2.a)", refs)
	}
	// an uncorrelated subquery is marked so
	q = planQuery(t, f, "SELECT a FROM t1 WHERE a IN (SELECT k FROM t3)")
	walkNodes(q.Plan, func(n plan.Node) {
		if fl, ok := n.(*plan.Filter); ok {
			if s, ok := fl.Pred.(*plan.Subquery); !ok || s.Correlated {
				t.Errorf("want an uncorrelated IN subquery, got %v", fl.Pred)
			}
		}
	})
}

// TestNoPanicOnBadInput feeds malformed statements; each must return a
// typed error.
func TestNoPanicOnBadInput(t *testing.T) {
	bad := []string{
		"", ";", "SELECT", "SELECT (", "SELECT 'unterminated", "CREATE EXTERNAL TABLE",
		"CREATE EXTERNAL TABLE t (", "CREATE EXTERNAL TABLE t (a decimal(", "CREATE EXTERNAL TABLE `t",
		"SELECT a FROM t1 GROUP BY count(*)", "SELECT * FROM t1 t, t1 t", "INSERT INTO t1 SELECT * FROM t2",
		"SELECT a FROM t1 ORDER BY 0", "SELECT x'zz'", "SELECT DATE '2024-13-01'",
		"SELECT CAST(1 AS DECIMAL(50,2))", "UPDATE t1 SET zz = 1", "DELETE FROM t1 WHERE count(*) > 0",
		"SELECT (1, 2)", "SELECT a FROM t1 WHERE (a, b) IN ((1, 2))", "SELECT * FROM v_missing",
		"SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
	}
	// valid but very deep: must plan or fail cleanly, never crash
	deep := []string{
		"SELECT " + strings.Repeat("-", 20000) + "1",
		"SELECT 1" + strings.Repeat(" + 1", 20000),
	}
	for _, sql := range deep {
		_, err := newTestPlanner(testCatalog()).Plan(context.Background(), sql)
		if err != nil && (lferr.CodeOf(err) == "" || lferr.CodeOf(err) == lferr.InternalService) {
			t.Errorf("%.40s...: %v", sql, err)
		}
	}
	for _, sql := range bad {
		st, err := newTestPlanner(testCatalog()).Plan(context.Background(), sql)
		if err == nil {
			t.Errorf("%.60q planned to %T, want an error", sql, st)
			continue
		}
		if lferr.CodeOf(err) == "" || lferr.CodeOf(err) == lferr.InternalService {
			t.Errorf("%q: untyped or internal error %v", sql, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error spans lines: %q", sql, err)
		}
	}
}

func TestViewRecursionBounded(t *testing.T) {
	f := testCatalog()
	f.addView("default", "loop", "SELECT * FROM loop")
	_, err := newTestPlanner(f).Plan(context.Background(), "SELECT * FROM loop")
	if lferr.CodeOf(err) != lferr.InvalidInput {
		t.Fatalf("got %v", err)
	}
}

func TestUnknownTableKeepsCause(t *testing.T) {
	_, err := newTestPlanner(testCatalog()).Plan(context.Background(), "SELECT * FROM nope")
	if lferr.CodeOf(err) != lferr.UnknownTable || !errors.Is(err, lferr.EntityNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestFoldDateAdd(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"DATE '1998-12-01' - INTERVAL 90 DAY", "1998-09-02"},
		{"DATE '2024-01-31' + INTERVAL 1 MONTH", "2024-02-29"},
		{"DATE '2023-01-31' + INTERVAL 1 MONTH", "2023-02-28"},
		{"DATE '2024-02-29' + INTERVAL 1 YEAR", "2025-02-28"},
		{"DATE '2024-03-31' - INTERVAL 1 QUARTER", "2023-12-31"},
		{"DATE '2024-01-01' + INTERVAL 2 WEEK", "2024-01-15"},
		{"TIMESTAMP '2024-01-31 10:00:00' + INTERVAL 1 MONTH", "2024-02-29 10:00:00"},
	}
	f := testCatalog()
	for _, c := range cases {
		q := planQuery(t, f, "SELECT "+c.expr)
		p, ok := q.Plan.(*plan.Project)
		if !ok {
			t.Fatalf("%s: plan %T", c.expr, q.Plan)
		}
		k, ok := p.Exprs[0].(*plan.Const)
		if !ok || k.V.String() != c.want {
			t.Errorf("%s = %v, want constant %s", c.expr, p.Exprs[0], c.want)
		}
	}
}

// TestViewColumnsAuthorized: a view stored with columns shows only its
// authorized columns, and none authorized is DESCRIBE-only.
func TestViewColumnsAuthorized(t *testing.T) {
	f := testCatalog()
	f.addView("default", "v2", "SELECT a, b, c FROM t1")
	v := f.tables["default.v2"]
	v.StorageDescriptor = &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "bigint"}, {Name: "b", Type: "bigint"}, {Name: "c", Type: "bigint"}}}
	f.answers["default.v2"] = &api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"a", "c"}}
	q := planQuery(t, f, "SELECT * FROM v2")
	if len(q.Columns) != 2 || q.Columns[0].Name != "a" || q.Columns[1].Name != "c" {
		t.Fatalf("columns %v, want a, c", q.Columns)
	}
	if _, err := newTestPlanner(f).Plan(context.Background(), "SELECT b FROM v2"); lferr.CodeOf(err) != lferr.UnknownColumn {
		t.Errorf("hidden view column: %v", err)
	}
	f.answers["default.v2"] = &api.GetUnfilteredTableMetadataOutput{}
	if _, err := newTestPlanner(f).Plan(context.Background(), "SELECT a FROM v2"); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("view without authorized columns: %v", err)
	}
}

// TestPartitionListingThroughViews: predicates on a view's partition key
// reach the scan inside it and narrow the partition listing.
func TestPartitionListingThroughViews(t *testing.T) {
	f := testCatalog()
	f.addView("sales", "ev", "SELECT id, region FROM events WHERE id > 0")
	for _, sql := range []string{
		"SELECT id FROM sales.ev WHERE region = 'US'",
		"SELECT id FROM (SELECT * FROM sales.events) AS d WHERE region = 'US'",
	} {
		f.partCalls = nil
		planQuery(t, f, sql)
		if len(f.partCalls) != 1 || f.partCalls[0].Expression != "region = 'US'" {
			t.Errorf("%s: partition calls %+v", sql, f.partCalls)
		}
	}
}
