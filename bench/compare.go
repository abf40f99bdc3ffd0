package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"
)

// Measure times fn the way run.mjs times DuckDB, so both sides of a
// comparison use one method: one untimed warm-up run, then iterations timed
// runs; rows/s is tableRows over the median wall time, and rows per CPU
// second over the median process CPU time (which includes the Go runtime's
// GC threads and anything else this process runs meanwhile). threads is
// recorded, not enforced: the caller configures its engine.
func Measure(ctx context.Context, tableRows int64, threads, iterations int, fn func(context.Context) error) (Timing, error) {
	if iterations <= 0 {
		iterations = 5
	}
	if err := fn(ctx); err != nil {
		return Timing{}, err
	}
	secs := make([]float64, 0, iterations)
	cpu := make([]float64, 0, iterations)
	for i := 0; i < iterations; i++ {
		if err := ctx.Err(); err != nil {
			return Timing{}, err
		}
		c0 := processCPU()
		t0 := time.Now()
		if err := fn(ctx); err != nil {
			return Timing{}, err
		}
		secs = append(secs, time.Since(t0).Seconds())
		cpu = append(cpu, processCPU()-c0)
	}
	sorted := append([]float64(nil), secs...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	t := Timing{
		Threads: threads, Runs: len(secs), Seconds: secs,
		Median: time.Duration(median * float64(time.Second)),
		Best:   time.Duration(sorted[0] * float64(time.Second)),
	}
	if median > 0 {
		t.RowsPerSec = float64(tableRows) / median
	}
	if c0 := processCPU(); c0 > 0 {
		t.CPUSeconds = cpu
		sortedCPU := append([]float64(nil), cpu...)
		sort.Float64s(sortedCPU)
		if m := sortedCPU[len(sortedCPU)/2]; m > 0 {
			t.RowsPerCPUSec = float64(tableRows) / m
		}
	}
	return t, nil
}

// Comparison is one query's sluice and DuckDB figures at one thread count.
type Comparison struct {
	Query   string
	Threads int
	Sluice  float64 // rows/s
	DuckDB  float64 // rows/s
}

// Slowdown is how many times longer sluice takes than DuckDB (DuckDB rows/s
// over sluice rows/s): 1.5 means sluice needs 50 % more time; below 1,
// sluice is faster. 0 when either figure is missing.
func (c Comparison) Slowdown() float64 {
	if c.Sluice <= 0 || c.DuckDB <= 0 {
		return 0
	}
	return c.DuckDB / c.Sluice
}

// WriteComparisons prints an aligned table of comparisons.
func WriteComparisons(w io.Writer, cs []Comparison) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tthreads\tsluice Mrows/s\tDuckDB Mrows/s\tsluice time / DuckDB time\t")
	for _, c := range cs {
		ratio := "-"
		if r := c.Slowdown(); r > 0 {
			ratio = fmt.Sprintf("%.2f×", r)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%s\t\n", c.Query, c.Threads, c.Sluice/1e6, c.DuckDB/1e6, ratio)
	}
	return tw.Flush()
}
