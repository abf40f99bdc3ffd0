package exec

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Benchmarks report rows/s (input rows per second of wall time).
//
//	go test ./exec -run '^$' -bench . -benchtime 3x

// repeatSource emits the same prepared batches on every run (not owned).
type repeatSource struct {
	batches []*Batch
	i       int
}

func (s *repeatSource) Init(context.Context) error { s.i = 0; return nil }
func (s *repeatSource) Next() (*Batch, error) {
	if s.i >= len(s.batches) {
		return nil, nil
	}
	s.i++
	return s.batches[s.i-1], nil
}
func (s *repeatSource) Close() error { return nil }

// reportRows reports wall-clock rows/s and, because the benchmark machine
// is shared, rows per second of this process's CPU time (rows/cpu-s), which
// other load disturbs much less.
func reportRows(b *testing.B, rows int, start time.Time) {
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
	if cpu := cpuTime() - benchCPUStart; cpu > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}

var benchCPUStart time.Duration

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startTimer resets the benchmark timer and the CPU-time origin.
func startTimer(b *testing.B) time.Time {
	b.ResetTimer()
	benchCPUStart = cpuTime()
	return time.Now()
}

func drain(b *testing.B, op Operator) int {
	n := 0
	if err := Run(context.Background(), op, func(bt *Batch) error { n += bt.Len(); return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}

var (
	benchFileOnce sync.Once
	benchFileDir  string
)

const benchScanRows = 5_000_000

// benchParquet writes (once per process) a 5M-row file: x int64, price
// double, flag string (3 values), rows in 128k-row row groups.
func benchParquet(b *testing.B) string {
	benchFileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-exec-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchFileDir = dir
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "x", Type: arrow.PrimitiveTypes.Int64},
			{Name: "price", Type: arrow.PrimitiveTypes.Float64},
			{Name: "flag", Type: arrow.BinaryTypes.String},
		}, nil)
		f, err := os.Create(filepath.Join(dir, "data.parquet"))
		if err != nil {
			b.Fatal(err)
		}
		w, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(128*1024), parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
		if err != nil {
			b.Fatal(err)
		}
		mem := memory.NewGoAllocator()
		rng := rand.New(rand.NewPCG(1, 1))
		for lo := 0; lo < benchScanRows; lo += 128 * 1024 {
			n := min(128*1024, benchScanRows-lo)
			rb := array.NewRecordBuilder(mem, sc)
			for i := 0; i < n; i++ {
				rb.Field(0).(*array.Int64Builder).Append(int64(rng.IntN(1000)))
				rb.Field(1).(*array.Float64Builder).Append(float64(rng.IntN(100000)) / 100)
				rb.Field(2).(*array.StringBuilder).Append([]string{"A", "N", "R"}[rng.IntN(3)])
			}
			rec := rb.NewRecordBatch()
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
			rec.Release()
			rb.Release()
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	})
	return "file://" + benchFileDir
}

// BenchmarkScanSum: SELECT count(*), sum(x) FROM 5M-row Parquet file.
func BenchmarkScanSum(b *testing.B) {
	loc := benchParquet(b)
	scan := &plan.Scan{Table: "t", Location: loc, Columns: []plan.ScanColumn{{Name: "x", T: i64}}}
	agg := aggNode(scan, nil, []plan.AggCall{{Func: "count_star", T: i64}, {Func: "sum", Arg: cr(0, i64), T: types.DecimalT(38, 0)}})
	env := &Env{Storage: uriResolver{}}
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		rows, err := CollectPlan(context.Background(), agg, env)
		if err != nil {
			b.Fatal(err)
		}
		if rows[0][0].I != benchScanRows {
			b.Fatalf("count %v", rows[0][0])
		}
	}
	reportRows(b, benchScanRows, start)
}

// BenchmarkScanOnly reads x and price without any operator above.
func BenchmarkScanOnly(b *testing.B) {
	loc := benchParquet(b)
	scan := &plan.Scan{Table: "t", Location: loc, Columns: []plan.ScanColumn{{Name: "x", T: i64}, {Name: "price", T: f64}, {Name: "flag", T: str}}}
	env := &Env{Storage: uriResolver{}}
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		op, err := Build(scan, env)
		if err != nil {
			b.Fatal(err)
		}
		if n := drain(b, op); n != benchScanRows {
			b.Fatalf("rows %d", n)
		}
	}
	reportRows(b, benchScanRows, start)
}

// q1Batches: TPC-H Q1 shaped input, 2M rows: returnflag and linestatus as
// dictionary strings, quantity, extendedprice, discount, tax as doubles.
func q1Batches(n int) []*Batch {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(5, 5))
	var bs []*Batch
	for lo := 0; lo < n; lo += BatchSize {
		m := min(BatchSize, n-lo)
		rf, ls := make([]any, m), make([]any, m)
		q, p, d, tx, sd := make([]any, m), make([]any, m), make([]any, m), make([]any, m), make([]any, m)
		for i := 0; i < m; i++ {
			rf[i] = []string{"A", "N", "R"}[rng.IntN(3)]
			ls[i] = []string{"F", "O"}[rng.IntN(2)]
			q[i] = float64(1 + rng.IntN(50))
			p[i] = float64(rng.IntN(10000000)) / 100
			d[i] = float64(rng.IntN(11)) / 100
			tx[i] = float64(rng.IntN(9)) / 100
			sd[i] = 8036 + rng.IntN(2526) // 1992-01-02 .. 1998-12-01
		}
		bs = append(bs, &Batch{Cols: []arrow.Array{mkDict(mem, rf...), mkDict(mem, ls...), mkArr(mem, f64, q...), mkArr(mem, f64, p...), mkArr(mem, f64, d...), mkArr(mem, f64, tx...), mkArr(mem, types.DateT, sd...)}, N: m})
	}
	return bs
}

func BenchmarkHashAggQ1(b *testing.B) {
	const n = 2_000_000
	src := &repeatSource{batches: q1Batches(n)}
	aggs := []plan.AggCall{
		{Func: "sum", Arg: cr(2, f64), T: f64},
		{Func: "sum", Arg: cr(3, f64), T: f64},
		{Func: "avg", Arg: cr(2, f64), T: f64},
		{Func: "avg", Arg: cr(3, f64), T: f64},
		{Func: "avg", Arg: cr(4, f64), T: f64},
		{Func: "count_star", T: i64},
	}
	node := aggNode(nil, []plan.Expr{cr(0, str), cr(1, str)}, aggs)
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		op, err := newAggOp(src, node, &Env{})
		if err != nil {
			b.Fatal(err)
		}
		if g := drain(b, op); g != 6 {
			b.Fatalf("%d groups", g)
		}
	}
	reportRows(b, n, start)
}

func intBatches(n int, gen func(i int) int64, extra bool) []*Batch {
	mem := memory.NewGoAllocator()
	var bs []*Batch
	for lo := 0; lo < n; lo += BatchSize {
		m := min(BatchSize, n-lo)
		bk := array.NewInt64Builder(mem)
		bv := array.NewInt64Builder(mem)
		for i := 0; i < m; i++ {
			bk.Append(gen(lo + i))
			bv.Append(int64(lo + i))
		}
		cols := []arrow.Array{bk.NewArray(), bv.NewArray()}
		bk.Release()
		bv.Release()
		bs = append(bs, &Batch{Cols: cols, N: m})
	}
	return bs
}

// BenchmarkHashJoin: 1M probe rows (left) × 100k build rows (right, unique
// keys); half the probe keys match.
func BenchmarkHashJoin(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	left := intBatches(1_000_000, func(int) int64 { return int64(rng.IntN(200_000)) }, false)
	right := intBatches(100_000, func(i int) int64 { return int64(i) }, false)
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		op := &joinOp{kind: plan.InnerJoin, left: &repeatSource{batches: left}, right: &repeatSource{batches: right},
			mem: memory.DefaultAllocator, leftT: []types.T{i64, i64}, rightT: []types.T{i64, i64},
			lkeys: []Evaluator{colRefEval{idx: 0}}, rkeys: []Evaluator{colRefEval{idx: 0}}, hashed: true,
			ht: newHashTable([]types.T{i64})}
		n := drain(b, op)
		if n < 400_000 || n > 600_000 {
			b.Fatalf("%d rows", n)
		}
	}
	reportRows(b, 1_100_000, start)
}

func BenchmarkSortInt64(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n = 1_000_000
	in := intBatches(n, func(int) int64 { return rng.Int64() }, false)
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		op, err := newSortOp(&repeatSource{batches: in}, []types.T{i64, i64}, []plan.SortKey{{Expr: cr(0, i64)}}, -1, &Env{})
		if err != nil {
			b.Fatal(err)
		}
		if got := drain(b, op); got != n {
			b.Fatalf("%d rows", got)
		}
	}
	reportRows(b, n, start)
}

func BenchmarkTopN(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 3))
	const n = 1_000_000
	in := intBatches(n, func(int) int64 { return rng.Int64() }, false)
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		op, err := newSortOp(&repeatSource{batches: in}, []types.T{i64, i64}, []plan.SortKey{{Expr: cr(0, i64), Desc: true}}, 100, &Env{})
		if err != nil {
			b.Fatal(err)
		}
		if got := drain(b, op); got != 100 {
			b.Fatalf("%d rows", got)
		}
	}
	reportRows(b, n, start)
}

// BenchmarkQ1Full is TPC-H Q1 over generated batches: the shipdate filter,
// the arithmetic aggregate arguments (compiled by CompileExpr) and the
// grouping, as the planner would emit them.
func BenchmarkQ1Full(b *testing.B) {
	const n = 2_000_000
	src := &repeatSource{batches: q1Batches(n)}
	qty, price, disc, tax := cr(2, f64), cr(3, f64), cr(4, f64), cr(5, f64)
	one := cst(f64, 1.0)
	fn := func(name string, args ...plan.Expr) plan.Expr { return &plan.Func{Name: name, Args: args, T: f64} }
	discPrice := fn("*", price, fn("-", one, disc))
	aggs := []plan.AggCall{
		{Func: "sum", Arg: qty, T: f64},
		{Func: "sum", Arg: price, T: f64},
		{Func: "sum", Arg: discPrice, T: f64},
		{Func: "sum", Arg: fn("*", discPrice, fn("+", one, tax)), T: f64},
		{Func: "avg", Arg: qty, T: f64},
		{Func: "avg", Arg: price, T: f64},
		{Func: "avg", Arg: disc, T: f64},
		{Func: "count_star", T: i64},
	}
	pred := &plan.Func{Name: "<=", Args: []plan.Expr{cr(6, types.DateT), cst(types.DateT, 10471)}, T: bln} // 1998-09-02
	node := aggNode(nil, []plan.Expr{cr(0, str), cr(1, str)}, aggs)
	start := startTimer(b)
	for i := 0; i < b.N; i++ {
		env := &Env{}
		f, err := newFilterOp(src, pred, env)
		if err != nil {
			b.Fatal(err)
		}
		op, err := newAggOp(f, node, env)
		if err != nil {
			b.Fatal(err)
		}
		if g := drain(b, op); g != 6 {
			b.Fatalf("%d groups", g)
		}
	}
	reportRows(b, n, start)
}
