// Command benchgen generates the benchmark lineitem table and, optionally,
// times the benchmark queries on DuckDB over it:
//
//	go run ./bench/cmd/benchgen -rows 20000000 -dir /tmp/lake -duckdb
//
// It is a thin wrapper for reproducing the yardstick figures by hand;
// `sluice bench` is the product's way to compare sluice with DuckDB.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/sluicedb/sluice/bench"
)

func main() {
	rows := flag.Int64("rows", 1_000_000, "rows to generate")
	dir := flag.String("dir", "bench/out", "output directory (the file goes to DIR/lineitem/part-0.parquet)")
	seed := flag.Int64("seed", bench.DefaultSeed, "generator seed")
	duck := flag.Bool("duckdb", false, "time the benchmark queries on DuckDB after generating")
	iters := flag.Int("iterations", 5, "DuckDB runs per query and thread count")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	paths, err := bench.GenerateLineitemFiles(ctx, *dir, *rows, *seed, 0, bench.LineitemOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: %d rows ready in %v\n", paths[0], *rows, time.Since(start).Round(time.Millisecond))
	if !*duck {
		return
	}
	res, err := bench.DuckDBWithOptions(ctx, paths[0], bench.Queries, bench.DuckDBOptions{Iterations: *iters})
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	for _, q := range bench.Queries {
		r := res[q.Name]
		fmt.Fprintf(os.Stderr, "%-10s 1 thread %7.1f M rows/s   2 threads %7.1f M rows/s\n", q.Name, r.RowsPerSec(1)/1e6, r.RowsPerSec(2)/1e6)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}
