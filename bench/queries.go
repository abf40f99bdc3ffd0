package bench

// Query is a named benchmark query over the generated `lineitem` table.
type Query struct {
	Name string
	SQL  string
}

// The benchmark queries. Their rows/s figures are table rows scanned per
// second of wall time (all of them read every row group).
const (
	// QSum is the plain scan + aggregate floor: two columns, no filter.
	QSum = `SELECT count(*), sum(l_extendedprice) FROM lineitem`

	// Q1 is TPC-H Q1 (pricing summary report): 7 columns, a date filter
	// keeping about 98 % of rows, 4 groups, 8 aggregates over expressions.
	Q1 = `SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), ` +
		`sum(l_extendedprice*(1-l_discount)), sum(l_extendedprice*(1-l_discount)*(1+l_tax)), ` +
		`avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*) ` +
		`FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' ` +
		`GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`

	// Q1Region is Q1 restricted to two regions (60 % of rows): the
	// predicate a row filter such as "region IN ('EU','US')" would add, on a
	// dictionary-encoded column.
	Q1Region = `SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), ` +
		`sum(l_extendedprice*(1-l_discount)), sum(l_extendedprice*(1-l_discount)*(1+l_tax)), ` +
		`avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*) ` +
		`FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' AND region IN ('EU','US') ` +
		`GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`

	// QProj projects three wide string columns (comment ~27 bytes, email
	// ~30, ship instruction ~11) for the rows with l_quantity < 10 (18 % of
	// rows: quantity is uniform on 1..50), like exporting the contact
	// details of small orders. Harnesses drain the result without rendering
	// it (DuckDB keeps it in native memory and only its row count crosses
	// into JavaScript; sluice's side should drain its Arrow record reader),
	// so the figure is scan + filter + string materialization.
	QProj = `SELECT l_comment, customer_email, l_shipinstruct FROM lineitem WHERE l_quantity < 10`
)

// Queries is the benchmark suite, in report order.
var Queries = []Query{
	{Name: "Q-sum", SQL: QSum},
	{Name: "Q1", SQL: Q1},
	{Name: "Q1-region", SQL: Q1Region},
	{Name: "Q-proj", SQL: QProj},
}
