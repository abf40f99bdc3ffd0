package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// uriResolver opens every location with storage.Open (tests have no
// credentials to scope).
type uriResolver struct{}

func (uriResolver) StoreFor(ctx context.Context, _ *plan.Scan, loc string) (storage.Store, error) {
	return storage.Open(ctx, loc)
}

// The test table: id (sorted, for pruning), name (dictionary-friendly),
// amount (float with NULLs), day (date32), small (int32 in the file), flag.
var scanTestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "small", Type: arrow.PrimitiveTypes.Int32},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

var scanCols = []plan.ScanColumn{
	{Name: "id", T: i64}, {Name: "name", T: str}, {Name: "amount", T: f64},
	{Name: "day", T: types.DateT}, {Name: "small", T: i64}, {Name: "flag", T: bln},
}

type scanRow struct {
	id     int64
	name   any
	amount any
	day    int64
	small  int64
	flag   bool
}

func (r scanRow) values() []types.Value {
	return []types.Value{types.NewInt(r.id), tv(str, r.name), tv(f64, r.amount), types.NewDate(r.day), types.NewInt(r.small), types.NewBool(r.flag)}
}

func genScanRows(lo, hi int) []scanRow {
	var rs []scanRow
	for i := lo; i < hi; i++ {
		r := scanRow{id: int64(i), name: []string{"alpha", "beta", "gamma"}[i%3], amount: float64(i) / 4, day: 19000 + int64(i/100), small: int64(i % 17), flag: i%5 != 0}
		if i%11 == 0 {
			r.name = nil
		}
		if i%7 == 0 {
			r.amount = nil
		}
		rs = append(rs, r)
	}
	return rs
}

// writeParquet writes rows to path with row groups of rgRows rows.
func writeParquet(t testing.TB, path string, rows []scanRow, rgRows int64) {
	t.Helper()
	mem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(mem, scanTestSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		if r.name == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(r.name.(string))
		}
		if r.amount == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Float64Builder).Append(r.amount.(float64))
		}
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(r.day))
		b.Field(4).(*array.Int32Builder).Append(int32(r.small))
		b.Field(5).(*array.BooleanBuilder).Append(r.flag)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(scanTestSchema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rgRows), parquet.WithStats(true)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// scanTable writes a two-file table (plus bookkeeping files the scan must
// skip) and returns its location and rows in file order.
func scanTable(t testing.TB) (string, []scanRow) {
	dir := t.TempDir()
	a, b := genScanRows(0, 6000), genScanRows(6000, 10000)
	writeParquet(t, filepath.Join(dir, "part-0.parquet"), a, 1000)
	writeParquet(t, filepath.Join(dir, "part-1.parquet"), b, 1000)
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, ".part-0.parquet.crc"), []byte("x"), 0o644)
	return "file://" + dir, append(a, b...)
}

func runScan(t *testing.T, n *plan.Scan, mem memory.Allocator, noPrune bool) ([][]types.Value, ScanStats) {
	t.Helper()
	op, err := Build(n, &Env{Alloc: mem, Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	so := scanOf(op)
	so.disablePruning = noPrune
	rows, err := Collect(context.Background(), op, opColTypes(n.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	return rows, so.Stats()
}

func TestScanReadsAllColumnsAndTypes(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	got, st := runScan(t, &plan.Scan{Table: "t", Location: loc, Columns: scanCols}, mem, false)
	var want [][]types.Value
	for _, r := range rows {
		want = append(want, r.values())
	}
	equalStrings(t, "full scan", rowStrings(got), rowStrings(want))
	if st.Files != 2 || st.RowGroups != 10 || st.Rows != 10000 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestScanProjectionAndMissingColumn(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cols := []plan.ScanColumn{{Name: "small", T: i64}, {Name: "added_later", T: str}, {Name: "id", T: i64}}
	got, _ := runScan(t, &plan.Scan{Table: "t", Location: loc, Columns: cols}, mem, false)
	var want []string
	for _, r := range rows {
		want = append(want, fmt.Sprintf("%d|NULL|%d", r.small, r.id))
	}
	equalStrings(t, "projection", rowStrings(got), want)
}

func TestScanDictionaryStringsStayDictionaries(t *testing.T) {
	loc, _ := scanTable(t)
	op, err := Build(&plan.Scan{Table: "t", Location: loc, Columns: scanCols[1:2]}, &Env{Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	sawDict := false
	err = Run(context.Background(), op, func(b *Batch) error {
		if _, ok := b.Cols[0].(*array.Dictionary); ok {
			sawDict = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawDict {
		t.Fatal("a dictionary-encoded string column was decoded to plain strings")
	}
}

// TestScanPruningNeverChangesResults: with pruning, fewer row groups are
// read, and after applying the predicate the rows are the same as without.
func TestScanPruningNeverChangesResults(t *testing.T) {
	loc, rows := scanTable(t)
	id, day, name, amount := cr(0, i64), cr(3, types.DateT), cr(1, str), cr(2, f64)
	cases := []struct {
		name   string
		prune  []plan.Expr
		keep   func(r scanRow) bool
		pruned bool // expect some row groups pruned
	}{
		{"id >= 7500", []plan.Expr{&plan.Func{Name: ">=", Args: []plan.Expr{id, cst(i64, 7500)}, T: bln}}, func(r scanRow) bool { return r.id >= 7500 }, true},
		{"1234 > id", []plan.Expr{&plan.Func{Name: ">", Args: []plan.Expr{cst(i64, 1234), id}, T: bln}}, func(r scanRow) bool { return r.id < 1234 }, true},
		{"id between", []plan.Expr{&plan.Func{Name: "between", Args: []plan.Expr{id, cst(i64, 2500), cst(i64, 3100)}, T: bln}}, func(r scanRow) bool { return r.id >= 2500 && r.id <= 3100 }, true},
		{"id in", []plan.Expr{&plan.InList{Arg: id, List: []plan.Expr{cst(i64, 5), cst(i64, 9999)}}}, func(r scanRow) bool { return r.id == 5 || r.id == 9999 }, true},
		{"day = and amount <", []plan.Expr{&plan.Func{Name: "and", Args: []plan.Expr{
			&plan.Func{Name: "=", Args: []plan.Expr{day, cst(types.DateT, 19042)}, T: bln},
			&plan.Func{Name: "<", Args: []plan.Expr{amount, cst(f64, 1100.0)}, T: bln}}, T: bln}},
			func(r scanRow) bool { return r.day == 19042 && r.amount != nil && r.amount.(float64) < 1100 }, true},
		{"name = beyond max", []plan.Expr{&plan.Func{Name: "=", Args: []plan.Expr{name, cst(str, "zeta")}, T: bln}}, func(r scanRow) bool { return r.name == "zeta" }, true},
		{"or is not pruned", []plan.Expr{&plan.Func{Name: "or", Args: []plan.Expr{
			&plan.Func{Name: "=", Args: []plan.Expr{id, cst(i64, 1)}, T: bln},
			&plan.Func{Name: "=", Args: []plan.Expr{id, cst(i64, 9000)}, T: bln}}, T: bln}},
			func(r scanRow) bool { return r.id == 1 || r.id == 9000 }, false},
		{"null constant", []plan.Expr{&plan.Func{Name: "=", Args: []plan.Expr{id, cst(i64, nil)}, T: bln}}, func(r scanRow) bool { return false }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := &plan.Scan{Table: "t", Location: loc, Columns: scanCols, PruneFilters: c.prune}
			got, st := runScan(t, n, memory.DefaultAllocator, false)
			all, stAll := runScan(t, n, memory.DefaultAllocator, true)
			if stAll.RowGroupsPruned != 0 || len(all) != len(rows) {
				t.Fatalf("pruning disabled still pruned: %+v", stAll)
			}
			if c.pruned != (st.RowGroupsPruned > 0) {
				t.Fatalf("pruned %d row groups, expected pruning=%v", st.RowGroupsPruned, c.pruned)
			}
			var want []string
			for _, r := range rows {
				if c.keep(r) {
					want = append(want, strings.Join(rowStrings([][]types.Value{r.values()}), ""))
				}
			}
			filter := func(vs [][]types.Value) []string {
				var out []string
				for _, v := range vs {
					if c.keep(rows[v[0].I]) {
						out = append(out, rowStrings([][]types.Value{v})[0])
					}
				}
				return out
			}
			equalStrings(t, "pruned", filter(got), want)
			equalStrings(t, "unpruned", filter(all), want)
		})
	}
}

func TestScanPartitions(t *testing.T) {
	dir := t.TempDir()
	p1, p2 := genScanRows(0, 300), genScanRows(300, 500)
	writeParquet(t, filepath.Join(dir, "region=eu", "year=2024", "f.parquet"), p1, 100)
	writeParquet(t, filepath.Join(dir, "region=us", "year=2025", "f.parquet"), p2, 100)
	writeParquet(t, filepath.Join(dir, "region=xx", "year=2025", "f.parquet"), p2, 100) // pruned partition
	parts := []plan.PartitionRef{
		{Location: "file://" + filepath.Join(dir, "region=eu", "year=2024"), Values: []types.Value{types.NewString("eu"), types.NewInt(2024)}},
		{Location: "file://" + filepath.Join(dir, "region=us", "year=2025"), Values: []types.Value{types.NewString("us"), types.NewInt(2025)}},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// Both keys read.
	n := &plan.Scan{Table: "t", Location: "file://" + dir, Partitioned: true, Partitions: parts, Columns: []plan.ScanColumn{
		{Name: "id", T: i64}, {Name: "region", T: str, PartitionKey: true}, {Name: "year", T: i64, PartitionKey: true}}}
	got, _ := runScan(t, n, mem, false)
	var want []string
	for _, r := range p1 {
		want = append(want, fmt.Sprintf("%d|eu|2024", r.id))
	}
	for _, r := range p2 {
		want = append(want, fmt.Sprintf("%d|us|2025", r.id))
	}
	equalStrings(t, "partitions", rowStrings(got), want)
	// Only the second key, located by name in the Hive path.
	n.Columns = []plan.ScanColumn{{Name: "year", T: i64, PartitionKey: true}}
	got, _ = runScan(t, n, mem, false)
	if len(got) != 500 || got[0][0].I != 2024 || got[499][0].I != 2025 {
		t.Fatalf("partition key only: %d rows, first %v last %v", len(got), got[0], got[len(got)-1])
	}
}

func TestScanCorruptAndMissingFiles(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "a.parquet"), genScanRows(0, 10), 10)
	os.WriteFile(filepath.Join(dir, "b.parquet"), []byte("this is not parquet at all, no magic"), 0o644)
	n := &plan.Scan{Table: "t", Location: "file://" + dir, Columns: scanCols}
	op, err := Build(n, &Env{Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Collect(context.Background(), op, nil)
	if lferr.CodeOf(err) != lferr.StorageError || !strings.Contains(err.Error(), "b.parquet") {
		t.Fatalf("corrupt file: got %v, want a StorageError naming b.parquet", err)
	}
	// A column stored with an incompatible type is an error naming it.
	n2 := &plan.Scan{Table: "t", Location: "file://" + dir, Columns: []plan.ScanColumn{{Name: "name", T: types.DateT}}}
	os.Remove(filepath.Join(dir, "b.parquet"))
	op, err = Build(n2, &Env{Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = Collect(context.Background(), op, nil); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("type mismatch: got %v", err)
	}
	// A missing table location reads as empty (a table with no files yet).
	op, _ = Build(&plan.Scan{Table: "t", Location: "file://" + filepath.Join(dir, "nope"), Columns: scanCols}, &Env{Storage: uriResolver{}})
	rows, err := Collect(context.Background(), op, nil)
	if err != nil || len(rows) != 0 {
		t.Fatalf("missing location: %d rows, %v", len(rows), err)
	}
}

// TestSecureScanOrder checks rule 7's order inside the scan: the row filter
// removes rows, guards NULL cells (evaluated on original values), masks see
// NULLed cells, and only OutputCols leave.
func TestSecureScanOrder(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// Row filter: flag. amount is hidden everywhere (guard false); name is
	// guarded by flag (true on every row the filter keeps); small is masked
	// to a constant. A prune filter on the guarded amount must not prune.
	guards := make([]plan.Expr, len(scanCols))
	guards[2] = cst(bln, false)
	guards[1] = cr(5, bln)
	masks := make([]plan.Expr, len(scanCols))
	masks[4] = cst(i64, -1)
	n := &plan.Scan{Table: "t", Location: loc, Columns: scanCols,
		PruneFilters: []plan.Expr{&plan.Func{Name: "is_null", Args: []plan.Expr{cr(2, f64)}, T: bln}},
		Secure:       &plan.SecureScan{RowFilter: cr(5, bln), CellGuards: guards, Masks: masks, OutputCols: []int{0, 1, 2, 4}, Policies: []string{"f"}}}
	got, st := runScan(t, n, mem, false)
	if st.RowGroupsPruned != 0 {
		t.Fatalf("a prune filter on a guarded column pruned %d row groups", st.RowGroupsPruned)
	}
	var want []string
	for _, r := range rows {
		if !r.flag {
			continue
		}
		want = append(want, fmt.Sprintf("%d|%s|NULL|-1", r.id, tv(str, r.name)))
	}
	equalStrings(t, "secure", rowStrings(got), want)
	if s := n.Schema(); len(s) != 4 || s[3].Name != "small" {
		t.Fatalf("secure schema %v", s)
	}
}

func TestSecureScanMaskSeesNulledCells(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := mkBatch(mem, []types.T{i64, bln, i64}, [][]any{{1, true, 10}, {2, false, 20}, {3, true, 30}, {4, nil, 40}}, nil)
	defer opReleaseAll(b.Cols)
	n := &plan.Scan{Table: "t", Columns: []plan.ScanColumn{{Name: "a", T: i64}, {Name: "g", T: bln}, {Name: "b", T: i64}},
		Secure: &plan.SecureScan{
			CellGuards: []plan.Expr{nil, nil, cr(1, bln)},
			// the mask of a copies b: it must see b after NULLing
			Masks:      []plan.Expr{cr(2, i64), nil, nil},
			OutputCols: []int{0, 2}}}
	s, err := newSecureScan(n, &Env{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer s.release()
	out, err := s.apply(b)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]types.Value
	for i := 0; i < out.N; i++ {
		a, _ := opArrowValue(out.Cols[0], i, i64)
		c, _ := opArrowValue(out.Cols[1], i, i64)
		rows = append(rows, []types.Value{a, c})
	}
	equalStrings(t, "mask after nulling", rowStrings(rows), []string{"10|10", "NULL|NULL", "30|30", "NULL|NULL"})
}

func TestScanNoColumnsCountsRows(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	agg := aggNode(&plan.Scan{Table: "t", Location: loc}, nil, []plan.AggCall{{Func: "count_star", T: i64}})
	got, err := CollectPlan(context.Background(), agg, &Env{Alloc: mem, Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0][0].I != int64(len(rows)) {
		t.Fatalf("count(*) = %v, want %d", got[0][0], len(rows))
	}
	// Under a policy the same scan is refused (rule 9: no metadata answers).
	_, err = Build(&plan.Scan{Table: "t", Location: loc, Columns: []plan.ScanColumn{{Name: "p", T: i64, PartitionKey: true}},
		Secure: &plan.SecureScan{OutputCols: []int{0}}}, &Env{Storage: uriResolver{}})
	if err == nil {
		t.Fatal("a secure scan reading no file column was accepted")
	}
}

// TestScanCacheReplaysWithinOneQuery: the same scan node run repeatedly
// with one Env (a correlated subquery) is read from files twice, then
// replayed with the policy applied again; another Env never sees it.
func TestScanCacheReplaysWithinOneQuery(t *testing.T) {
	loc, rows := scanTable(t)
	n := &plan.Scan{Table: "t", Location: loc, Columns: scanCols,
		Secure: &plan.SecureScan{RowFilter: cr(5, bln), CellGuards: make([]plan.Expr, len(scanCols)), Masks: make([]plan.Expr, len(scanCols)), OutputCols: []int{0, 1}}}
	var want []string
	for _, r := range rows {
		if r.flag {
			want = append(want, fmt.Sprintf("%d|%s", r.id, tv(str, r.name)))
		}
	}
	env := &Env{Storage: uriResolver{}}
	for run := 1; run <= 4; run++ {
		op, err := Build(n, env)
		if err != nil {
			t.Fatal(err)
		}
		so := scanOf(op)
		got, err := Collect(context.Background(), op, []types.T{i64, str})
		if err != nil {
			t.Fatal(err)
		}
		equalStrings(t, fmt.Sprintf("run %d", run), rowStrings(got), want)
		if replayed := so.Stats().Files == 0; replayed != (run >= 3) {
			t.Fatalf("run %d: replayed=%v", run, replayed)
		}
	}
	op, _ := Build(n, &Env{Storage: uriResolver{}})
	so := scanOf(op)
	if _, err := Collect(context.Background(), op, nil); err != nil || so.Stats().Files == 0 {
		t.Fatalf("a new Env replayed another query's scan (err %v)", err)
	}
}

// guardResolver wraps stores with a guard that refuses reads when deny is set.
type guardResolver struct{ deny *bool }

func (g guardResolver) StoreFor(ctx context.Context, _ *plan.Scan, loc string) (storage.Store, error) {
	st, err := storage.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return storage.WithGuard(st, storage.GuardFunc(func(ctx context.Context, a storage.Access) error {
		if *g.deny && a.Op == storage.OpRead {
			return lferr.New(lferr.AccessDenied, "credentials do not allow reading %s", a.URI())
		}
		return nil
	})), nil
}

// TestScanFileCache: a tiny file's decoded columns are reused by later
// scans (of other queries), a rewritten file is read afresh, and every use
// still opens the object so the store's credential check applies.
func TestScanFileCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.parquet")
	writeParquet(t, path, genScanRows(0, 50), 100)
	deny := false
	env := func() *Env { return &Env{Storage: guardResolver{&deny}} }
	n := &plan.Scan{Table: "t", Location: "file://" + dir, Columns: scanCols[:2]}
	run := func() ([][]types.Value, ScanStats, error) {
		op, err := Build(n, env())
		if err != nil {
			return nil, ScanStats{}, err
		}
		so := scanOf(op)
		rows, err := Collect(context.Background(), op, []types.T{i64, str})
		return rows, so.Stats(), err
	}
	first, st1, err := run()
	if err != nil || st1.CachedFiles != 0 || len(first) != 50 {
		t.Fatalf("first read: %d rows, %+v, %v", len(first), st1, err)
	}
	second, st2, err := run()
	if err != nil || st2.CachedFiles != 1 {
		t.Fatalf("second read not cached: %+v, %v", st2, err)
	}
	equalStrings(t, "cached", rowStrings(second), rowStrings(first))
	deny = true
	if _, _, err := run(); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Fatalf("cached file served without the store's read check: %v", err)
	}
	deny = false
	writeParquet(t, path, genScanRows(100, 170), 100)
	third, st3, err := run()
	if err != nil || st3.CachedFiles != 0 || len(third) != 70 || third[0][0].I != 100 {
		t.Fatalf("rewritten file: %d rows, %+v, %v", len(third), st3, err)
	}
}

func scanOf(op Operator) *scanOp {
	if r, ok := op.(*recoverOp); ok {
		op = r.in
	}
	return op.(*scanOp)
}

// TestSecureScanWithCompiledPolicies runs real policy expressions through
// CompileExpr: a row filter, a guard that would raise an overflow error on
// rows the row filter hides (rule 7: it must never be evaluated there), and
// a mask computed from the (possibly NULLed) value.
func TestSecureScanWithCompiledPolicies(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fn := func(name string, ty types.T, args ...plan.Expr) plan.Expr {
		return &plan.Func{Name: name, Args: args, T: ty}
	}
	id, name := cr(0, i64), cr(1, str)
	rowFilter := fn("<", bln, id, cst(i64, 300))
	// id + (MaxInt64 - 1000) overflows for id > 1000: only hidden rows.
	overflowGuard := fn(">", bln, fn("+", i64, id, cst(i64, int64(1<<63-1)-1000)), cst(i64, int64(1<<63-1)-1000+100))
	guards := make([]plan.Expr, len(scanCols))
	guards[2] = overflowGuard // amount visible for id > 100
	masks := make([]plan.Expr, len(scanCols))
	masks[1] = fn("upper", str, name)
	n := &plan.Scan{Table: "t", Location: loc, Columns: scanCols,
		Secure: &plan.SecureScan{RowFilter: rowFilter, CellGuards: guards, Masks: masks, OutputCols: []int{0, 1, 2}}}
	got, _ := runScan(t, n, mem, false)
	var want []string
	for _, r := range rows {
		if r.id >= 300 {
			continue
		}
		nm := tv(str, r.name)
		if !nm.Null {
			nm.S = strings.ToUpper(nm.S)
		}
		am := tv(f64, r.amount)
		if r.id <= 100 {
			am = tv(f64, nil)
		}
		want = append(want, fmt.Sprintf("%d|%s|%s", r.id, nm, am))
	}
	equalStrings(t, "compiled policies", rowStrings(got), want)

	// Without the row filter the same guard meets the rows it overflows on:
	// the error proves the filter above really kept it from them.
	n2 := &plan.Scan{Table: "t", Location: loc, Columns: scanCols,
		Secure: &plan.SecureScan{CellGuards: guards, OutputCols: []int{0}}}
	op, err := Build(n2, &Env{Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(context.Background(), op, nil); err == nil {
		t.Fatal("the overflowing guard raised no error without the row filter: the rule-7 check above proves nothing")
	}
}

// TestPipelineNoLeaks runs scan → filter → aggregate → sort → limit, and a
// join, through Build with compiled expressions under a checked allocator.
func TestPipelineNoLeaks(t *testing.T) {
	loc, rows := scanTable(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	scan := &plan.Scan{Table: "t", Location: loc, Columns: scanCols}
	pred := &plan.Func{Name: ">", Args: []plan.Expr{cr(2, f64), cst(f64, 100.0)}, T: bln}
	agg := aggNode(&plan.Filter{Input: scan, Pred: pred}, []plan.Expr{cr(1, str)},
		[]plan.AggCall{{Func: "count_star", T: i64}, {Func: "sum", Arg: cr(0, i64), T: types.DecimalT(38, 0)}})
	top := &plan.Limit{Input: &plan.Sort{Input: agg, Keys: []plan.SortKey{{Expr: cr(1, i64), Desc: true}}}, Count: 2}
	got, err := CollectPlan(context.Background(), top, &Env{Alloc: mem, Storage: uriResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, r := range rows {
		if r.amount != nil && r.amount.(float64) > 100 {
			counts[tv(str, r.name).String()]++
		}
	}
	if len(got) != 2 || got[0][1].I < got[1][1].I || got[0][1].I != max(counts["alpha"], counts["beta"], counts["gamma"], counts["NULL"]) {
		t.Fatalf("top groups %v (reference counts %v)", rowStrings(got), counts)
	}
	join := &plan.Join{Kind: plan.LeftJoin, Left: scan, Right: &plan.Filter{Input: scan, Pred: pred},
		LeftKeys: []plan.Expr{cr(0, i64)}, RightKeys: []plan.Expr{cr(0, i64)}}
	jr, err := CollectPlan(context.Background(), join, &Env{Alloc: mem, Storage: uriResolver{}})
	if err != nil || len(jr) != len(rows) {
		t.Fatalf("self left join: %d rows, %v", len(jr), err)
	}
}
