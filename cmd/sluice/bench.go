package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/bench"
	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/planner/types"
)

func runBench(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("bench", "sluice [--home DIR] bench [--rows N] [--threads 1,2] [--iterations K] [--duckdb] [--check]", g)
	rows := fs.Int64("rows", 1_000_000, "rows of the generated lineitem table (the issue's figures use 20000000)")
	threadList := fs.String("threads", "1,2", "thread counts (GOMAXPROCS) to time")
	iters := fs.Int("iterations", 3, "timed runs per query and thread count (after one warm-up)")
	duck := fs.Bool("duckdb", false, "also time DuckDB (npm @duckdb/node-api) on the same file and print ratios")
	check := fs.Bool("check", false, "cross-check sluice's answers against DuckDB's")
	dataDir := fs.String("data", "", "where the generated Parquet goes (default HOME/bench-data)")
	only := fs.String("query", "", "run only this benchmark query (Q-sum, Q1, Q1-region, Q-proj)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed sluice runs to this file (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	threads, err := parseThreads(*threadList)
	if err != nil {
		return err
	}
	queries := bench.Queries
	if *only != "" {
		queries = nil
		for _, q := range bench.Queries {
			if strings.EqualFold(q.Name, *only) {
				queries = append(queries, q)
			}
		}
		if len(queries) == 0 {
			return fmt.Errorf("unknown --query %q", *only)
		}
	}
	eng, err := openEngine(ctx, g)
	if err != nil {
		return err
	}
	defer eng.Close()
	dir := *dataDir
	if dir == "" {
		dir = filepath.Join(eng.Home(), "bench-data")
	}
	fmt.Fprintf(g.stderr, "generating %d lineitem rows under %s (reused when present)…\n", *rows, dir)
	paths, err := bench.GenerateLineitemFiles(ctx, dir, *rows, bench.DefaultSeed, 0, bench.LineitemOptions{})
	if err != nil {
		return err
	}
	sess, err := eng.NewSession(ctx, "")
	if err != nil {
		return err
	}
	loc := "file://" + filepath.ToSlash(filepath.Dir(paths[0])) + "/"
	for _, sql := range []string{
		"CREATE DATABASE IF NOT EXISTS bench",
		"DROP TABLE IF EXISTS bench.lineitem",
		"CREATE EXTERNAL TABLE bench.lineitem STORED AS PARQUET LOCATION '" + loc + "'",
		"USE bench",
	} {
		if _, err := sess.Exec(ctx, sql); err != nil {
			return err
		}
	}
	if *check {
		err := bench.CrossCheck(ctx, paths[0], queries, 1e-9, func(ctx context.Context, sql string) ([][]types.Value, error) {
			res, err := sess.Exec(ctx, sql)
			if err != nil {
				return nil, err
			}
			return res.Rows, nil
		})
		if err != nil {
			return fmt.Errorf("cross-check against DuckDB: %w", err)
		}
		fmt.Fprintf(g.stdout, "cross-check: sluice and DuckDB agree on %d queries\n", len(queries))
	}
	var duckRes map[string]bench.Result
	if *duck {
		duckRes, err = bench.DuckDBWithOptions(ctx, paths[0], queries, bench.DuckDBOptions{Iterations: *iters, Threads: threads})
		if err != nil {
			if !errors.Is(err, bench.ErrDuckDBUnavailable) {
				return err
			}
			fmt.Fprintf(g.stderr, "DuckDB not available, timing sluice alone: %v\n", err)
			duckRes = nil
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var cmp []bench.Comparison
	for _, q := range queries {
		for _, th := range threads {
			runtime.GOMAXPROCS(th)
			t, err := bench.Measure(ctx, *rows, th, *iters, func(ctx context.Context) error {
				return drain(ctx, sess, q.SQL)
			})
			if err != nil {
				return fmt.Errorf("%s: %w", q.Name, err)
			}
			c := bench.Comparison{Query: q.Name, Threads: th, Sluice: t.RowsPerSec}
			if r, ok := duckRes[q.Name]; ok {
				c.DuckDB = r.RowsPerSec(th)
			}
			cmp = append(cmp, c)
			fmt.Fprintf(g.stderr, "%-10s threads=%d  sluice %.1f M rows/s (median %v)\n", q.Name, th, t.RowsPerSec/1e6, t.Median.Round(time.Millisecond))
		}
	}
	return bench.WriteComparisons(g.stdout, cmp)
}

// drain runs sql and consumes every result batch without rendering it, so
// the figure is the engine's work, not the terminal's.
func drain(ctx context.Context, sess *engine.Session, sql string) error {
	rows, err := sess.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for {
		b, err := rows.NextBatch()
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
	}
}

func parseThreads(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("invalid --threads %q: want a comma-separated list of counts like 1,2", s)
		}
		out = append(out, n)
	}
	return out, nil
}
