package exec

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
)

// Benchmarks over 1M rows in BatchSize batches; each reports ns/row.
// Run: go test ./exec -run '^$' -bench 'Expr' -benchtime 20x

const benchRows = 1 << 20

func benchBatches(b *testing.B, mk func(n int, r *rand.Rand) []arrow.Array, sel bool) []*Batch {
	b.Helper()
	r := rand.New(rand.NewSource(1))
	var out []*Batch
	for done := 0; done < benchRows; done += BatchSize {
		n := min(BatchSize, benchRows-done)
		bt := &Batch{Cols: mk(n, r), N: n}
		if sel {
			for i := 0; i < n; i++ {
				if r.Intn(2) == 0 {
					bt.Sel = append(bt.Sel, int32(i))
				}
			}
		}
		out = append(out, bt)
	}
	return out
}

func runBench(b *testing.B, e plan.Expr, batches []*Batch) {
	b.Helper()
	ev, err := CompileExpr(e, &Env{})
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuNanos()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for _, bt := range batches {
			arr, err := ev.Eval(bt)
			if err != nil {
				b.Fatal(err)
			}
			arr.Release()
		}
	}
	b.StopTimer()
	rows := float64(b.N) * benchRows
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
	// The build machine is shared: CPU time of this process per row is the
	// figure that does not depend on other load (it includes GC work).
	b.ReportMetric(float64(cpuNanos()-cpu0)/rows, "cpu-ns/row")
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func floatCols(n int, r *rand.Rand) []arrow.Array {
	bx := array.NewFloat64Builder(memory.DefaultAllocator)
	by := array.NewFloat64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		bx.Append(r.Float64() * 100)
		by.Append(r.Float64())
	}
	return []arrow.Array{bx.NewArray(), by.NewArray()}
}

func BenchmarkExprMulSub(b *testing.B) {
	// x * (1 - y), the TPC-H discount shape.
	e := fn("*", tF, col(0, tF), fn("-", tF, lit(vF(1), tF), col(1, tF)))
	for _, sel := range []bool{false, true} {
		b.Run(fmt.Sprintf("sel=%v", sel), func(b *testing.B) { runBench(b, e, benchBatches(b, floatCols, sel)) })
	}
}

func BenchmarkExprIntAdd(b *testing.B) {
	e := fn("+", tI, col(0, tI), fn("*", tI, col(0, tI), lit(vI(3), tI)))
	mk := func(n int, r *rand.Rand) []arrow.Array {
		bl := array.NewInt64Builder(memory.DefaultAllocator)
		for i := 0; i < n; i++ {
			bl.Append(r.Int63n(1 << 40))
		}
		return []arrow.Array{bl.NewArray()}
	}
	runBench(b, e, benchBatches(b, mk, false))
}

var benchWords = func() []string {
	r := rand.New(rand.NewSource(2))
	w := make([]string, 100)
	for i := range w {
		w[i] = fmt.Sprintf("customer#%06d-%s", r.Intn(1000000), []string{"BUILDING", "AUTOMOBILE", "MACHINERY", "HOUSEHOLD", "FURNITURE"}[i%5])
	}
	return w
}()

func stringCols(dict bool) func(n int, r *rand.Rand) []arrow.Array {
	return func(n int, r *rand.Rand) []arrow.Array {
		if dict {
			bl := array.NewDictionaryBuilder(memory.DefaultAllocator, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
			for i := 0; i < n; i++ {
				_ = bl.AppendString(benchWords[r.Intn(len(benchWords))])
			}
			return []arrow.Array{bl.NewArray()}
		}
		bl := array.NewStringBuilder(memory.DefaultAllocator)
		for i := 0; i < n; i++ {
			bl.Append(benchWords[r.Intn(len(benchWords))])
		}
		return []arrow.Array{bl.NewArray()}
	}
}

func BenchmarkExprStrEqConst(b *testing.B) {
	e := fn("=", tB, col(0, tS), lit(vS(benchWords[7]), tS))
	for _, dict := range []bool{false, true} {
		b.Run(fmt.Sprintf("dict=%v", dict), func(b *testing.B) { runBench(b, e, benchBatches(b, stringCols(dict), false)) })
	}
}

func BenchmarkExprLike(b *testing.B) {
	for _, pat := range []string{"%MACHINE%", "customer#1%-H_USEHOLD"} {
		e := fn("like", tB, col(0, tS), lit(vS(pat), tS))
		for _, dict := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/dict=%v", pat, dict), func(b *testing.B) { runBench(b, e, benchBatches(b, stringCols(dict), false)) })
		}
	}
}

func BenchmarkExprCase(b *testing.B) {
	x := col(0, tF)
	e := &plan.Case{Whens: []plan.When{
		{Cond: fn("<", tB, x, lit(vF(30), tF)), Then: fn("*", tF, x, lit(vF(2), tF))},
		{Cond: fn("<", tB, x, lit(vF(60), tF)), Then: fn("+", tF, x, lit(vF(1), tF))},
	}, Else: lit(vF(0), tF), T: tF}
	runBench(b, e, benchBatches(b, floatCols, false))
}

func BenchmarkExprInList(b *testing.B) {
	e := &plan.InList{Arg: col(0, tS), List: []plan.Expr{lit(vS(benchWords[1]), tS), lit(vS(benchWords[2]), tS), lit(vS(benchWords[3]), tS)}}
	for _, dict := range []bool{false, true} {
		b.Run(fmt.Sprintf("dict=%v", dict), func(b *testing.B) { runBench(b, e, benchBatches(b, stringCols(dict), false)) })
	}
}

// BenchmarkExprStringFunc measures the long-tail path (fnNode: a typed row
// loop with one direct call per row).
func BenchmarkExprStringFunc(b *testing.B) {
	for _, e := range []plan.Expr{
		fn("upper", tS, col(0, tS)),
		fn("substring", tS, col(0, tS), lit(vI(3), tI), lit(vI(6), tI)),
		fn("concat", tS, col(0, tS), lit(vS("/"), tS), col(0, tS)),
	} {
		b.Run(e.(*plan.Func).Name, func(b *testing.B) { runBench(b, e, benchBatches(b, stringCols(false), false)) })
	}
}

// BenchmarkExprFilter compares a filter predicate through Eval (Boolean
// array) and through Select (selection vector directly).
func BenchmarkExprFilter(b *testing.B) {
	e := fn("<", tB, col(0, tF), lit(vF(50), tF))
	batches := benchBatches(b, floatCols, false)
	b.Run("eval", func(b *testing.B) { runBench(b, e, batches) })
	b.Run("select", func(b *testing.B) {
		ev, err := CompileExpr(e, &Env{})
		if err != nil {
			b.Fatal(err)
		}
		sel := make([]int32, 0, BatchSize)
		cpu0 := cpuNanos()
		b.ResetTimer()
		for it := 0; it < b.N; it++ {
			for _, bt := range batches {
				if sel, err = ev.(Selector).Select(bt, sel); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		rows := float64(b.N) * benchRows
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
		b.ReportMetric(float64(cpuNanos()-cpu0)/rows, "cpu-ns/row")
	})
}
