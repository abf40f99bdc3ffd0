package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// CrossCheck runs each query on DuckDB over parquetPath and through run (the
// engine under test, reading the same data as table lineitem), and reports
// every query whose answers differ. Rows are compared in order when the SQL
// has an ORDER BY, as multisets otherwise; numbers with relative tolerance
// relTol (1e-9 suits double sums over millions of rows). An error wrapping
// ErrDuckDBUnavailable means DuckDB could not be run at all.
func CrossCheck(ctx context.Context, parquetPath string, queries []Query, relTol float64,
	run func(ctx context.Context, sql string) ([][]types.Value, error)) error {
	sqls := make([]string, len(queries))
	for i, q := range queries {
		sqls[i] = q.SQL
	}
	answers, qerrs, err := DuckDBQueries(ctx, parquetPath, sqls, DuckDBOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for i, q := range queries {
		want := answers[i]
		if qerrs[i] != nil {
			errs = append(errs, fmt.Errorf("%s: %w", q.Name, qerrs[i]))
			continue
		}
		got, err := run(ctx, q.SQL)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", q.Name, err))
			continue
		}
		if !strings.Contains(strings.ToUpper(q.SQL), "ORDER BY") {
			got = append([][]types.Value(nil), got...)
			SortRows(got)
			SortRows(want.Rows)
		}
		if err := EqualRows(got, want.Rows, relTol); err != nil {
			errs = append(errs, fmt.Errorf("%s: answer differs from DuckDB's: %w", q.Name, err))
		}
	}
	return errors.Join(errs...)
}
