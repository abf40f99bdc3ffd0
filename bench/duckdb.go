package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/planner/types"
)

// ErrDuckDBUnavailable is wrapped by every error that means "DuckDB cannot
// be run here" (no node, no npm, the package cannot be installed), as
// opposed to a failing query. Tests skip on it with errors.Is.
var ErrDuckDBUnavailable = errors.New("DuckDB yardstick unavailable")

// The yardstick's Node project, embedded so that a built sluice binary can
// install and run it away from the source tree.
//
//go:embed duckdb/run.mjs duckdb/package.json duckdb/package-lock.json duckdb/queries.json
var duckdbFiles embed.FS

// DuckDBOptions configure the DuckDB helpers; the zero value is the default.
type DuckDBOptions struct {
	// Dir holds package.json and run.mjs (node_modules is installed there).
	// Default: $SLUICE_DUCKDB_DIR, else this source tree's bench/duckdb when
	// present, else a per-lockfile folder in the user cache directory
	// populated from the copy embedded in the binary.
	Dir string
	// Iterations per query and thread count; default 5.
	Iterations int
	// Threads are DuckDB thread counts to time; default 1 and 2.
	Threads []int
}

// Timing is one query's timing at one thread count.
type Timing struct {
	Threads    int
	Runs       int
	Seconds    []float64
	Median     time.Duration
	Best       time.Duration
	RowsPerSec float64 // table rows / median wall time
	// CPUSeconds is the process CPU time (all threads) of each run, and
	// RowsPerCPUSec table rows over its median: at one thread, an estimate
	// of uncontended speed when the machine is busy. Zero when not measured.
	CPUSeconds    []float64
	RowsPerCPUSec float64
}

// Result is one benchmark query's DuckDB figures.
type Result struct {
	Name       string
	SQL        string
	TableRows  int64
	ResultRows int64
	Timings    []Timing
}

// RowsPerSec returns the rows/s measured with the given thread count, or 0.
func (r Result) RowsPerSec(threads int) float64 {
	for _, t := range r.Timings {
		if t.Threads == threads {
			return t.RowsPerSec
		}
	}
	return 0
}

// DuckDB times queries on DuckDB over the Parquet file (or directory, or
// glob) at parquetPath, exposed as table lineitem, with the default options.
// Results are keyed by query name.
func DuckDB(ctx context.Context, parquetPath string, queries []Query) (map[string]Result, error) {
	return DuckDBWithOptions(ctx, parquetPath, queries, DuckDBOptions{})
}

// DuckDBWithOptions is DuckDB with options.
func DuckDBWithOptions(ctx context.Context, parquetPath string, queries []Query, opts DuckDBOptions) (map[string]Result, error) {
	if opts.Iterations <= 0 {
		opts.Iterations = 5
	}
	if len(opts.Threads) == 0 {
		opts.Threads = []int{1, 2}
	}
	type jsQuery struct {
		Name string `json:"name"`
		SQL  string `json:"sql"`
	}
	req := map[string]any{"mode": "bench", "parquet": parquetPath, "iterations": opts.Iterations, "threads": opts.Threads}
	qs := make([]jsQuery, len(queries))
	for i, q := range queries {
		qs[i] = jsQuery{q.Name, q.SQL}
	}
	req["queries"] = qs
	var out struct {
		Results []struct {
			Name       string  `json:"name"`
			SQL        string  `json:"sql"`
			TableRows  float64 `json:"tableRows"`
			ResultRows float64 `json:"resultRows"`
			Timings    []struct {
				Threads    int       `json:"threads"`
				Runs       int       `json:"runs"`
				Seconds    []float64 `json:"seconds"`
				Median     float64   `json:"median"`
				Best       float64   `json:"best"`
				RowsPerSec float64   `json:"rowsPerSec"`
				CPUSeconds []float64 `json:"cpuSeconds"`
				RowsPerCPU float64   `json:"rowsPerCpuSec"`
			} `json:"timings"`
		} `json:"results"`
	}
	raw, err := runNode(ctx, opts.Dir, req)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("bench: decoding DuckDB's timings: %w", err)
	}
	res := make(map[string]Result, len(out.Results))
	for _, r := range out.Results {
		x := Result{Name: r.Name, SQL: r.SQL, TableRows: int64(r.TableRows), ResultRows: int64(r.ResultRows)}
		for _, t := range r.Timings {
			x.Timings = append(x.Timings, Timing{
				Threads: t.Threads, Runs: t.Runs, Seconds: t.Seconds, RowsPerSec: t.RowsPerSec,
				CPUSeconds: t.CPUSeconds, RowsPerCPUSec: t.RowsPerCPU,
				Median: time.Duration(t.Median * float64(time.Second)),
				Best:   time.Duration(t.Best * float64(time.Second)),
			})
		}
		res[r.Name] = x
	}
	return res, nil
}

// Rows is a query answer from DuckDB, converted to sluice values.
type Rows struct {
	Columns []string
	Types   []string // DuckDB's type names, e.g. BIGINT, DECIMAL(18,2)
	Rows    [][]types.Value
}

// DuckDBQueryJSON runs one query on DuckDB over parquetPath (as table
// lineitem) and returns its rows, so tests can cross-check sluice's answers
// against a second engine. Integers become Int64 (HUGEINT beyond int64
// becomes Float64), DOUBLE/FLOAT Float64, DECIMAL Decimal, VARCHAR String,
// DATE Date, TIMESTAMP Timestamp, BOOLEAN Bool; other types are kept as
// their JSON text in a String.
func DuckDBQueryJSON(ctx context.Context, parquetPath, sql string) (Rows, error) {
	return DuckDBQueryWithOptions(ctx, parquetPath, sql, DuckDBOptions{})
}

// DuckDBQueryWithOptions is DuckDBQueryJSON with options (only Dir is used).
func DuckDBQueryWithOptions(ctx context.Context, parquetPath, sql string, opts DuckDBOptions) (Rows, error) {
	raw, err := runNode(ctx, opts.Dir, map[string]any{"mode": "query", "parquet": parquetPath, "sql": sql})
	if err != nil {
		return Rows{}, err
	}
	var out duckAnswer
	if err := json.Unmarshal(raw, &out); err != nil {
		return Rows{}, fmt.Errorf("bench: decoding DuckDB's answer: %w", err)
	}
	return out.rows()
}

// DuckDBQueries runs several queries in one DuckDB process (loading DuckDB
// costs about a second) and returns their answers in order. A query that
// fails has its error in errs at its index; err is for DuckDB as a whole.
func DuckDBQueries(ctx context.Context, parquetPath string, sqls []string, opts DuckDBOptions) (answers []Rows, errs []error, err error) {
	raw, err := runNode(ctx, opts.Dir, map[string]any{"mode": "queries", "parquet": parquetPath, "sqls": sqls})
	if err != nil {
		return nil, nil, err
	}
	var out []duckAnswer
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, nil, fmt.Errorf("bench: decoding DuckDB's answers: %w", err)
	}
	if len(out) != len(sqls) {
		return nil, nil, fmt.Errorf("bench: DuckDB returned %d answers for %d queries", len(out), len(sqls))
	}
	answers, errs = make([]Rows, len(sqls)), make([]error, len(sqls))
	for i, a := range out {
		answers[i], errs[i] = a.rows()
	}
	return answers, errs, nil
}

type duckAnswer struct {
	Error   string              `json:"error"`
	Columns []string            `json:"columns"`
	Types   []string            `json:"types"`
	Rows    [][]json.RawMessage `json:"rows"`
}

func (a duckAnswer) rows() (Rows, error) {
	if a.Error != "" {
		return Rows{}, fmt.Errorf("bench: DuckDB: %s", a.Error)
	}
	rows := Rows{Columns: a.Columns, Types: a.Types, Rows: make([][]types.Value, 0, len(a.Rows))}
	for i, r := range a.Rows {
		if len(r) != len(a.Types) || len(a.Columns) != len(a.Types) {
			return Rows{}, fmt.Errorf("bench: DuckDB row %d has %d values for %d columns", i, len(r), len(a.Types))
		}
		row := make([]types.Value, len(r))
		for j, cell := range r {
			v, err := fromDuckJSON(a.Types[j], cell)
			if err != nil {
				return Rows{}, fmt.Errorf("bench: DuckDB row %d column %s: %w", i, a.Columns[j], err)
			}
			row[j] = v
		}
		rows.Rows = append(rows.Rows, row)
	}
	return rows, nil
}

// fromDuckJSON converts one value of @duckdb/node-api's getRowsJson: big
// integers, decimals, dates and timestamps arrive as strings, doubles as
// numbers (or "Infinity"/"NaN" strings), NULL as null.
func fromDuckJSON(typ string, cell json.RawMessage) (types.Value, error) {
	base := typ
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = base[:i]
	}
	kind := types.String
	switch base {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		kind = types.Int64
	case "FLOAT", "DOUBLE":
		kind = types.Float64
	case "DECIMAL":
		kind = types.Decimal
	case "DATE":
		kind = types.Date
	case "TIMESTAMP":
		kind = types.Timestamp
	case "BOOLEAN":
		kind = types.Bool
	}
	if string(cell) == "null" {
		return types.Value{Kind: kind, Null: true}, nil
	}
	var s string
	if len(cell) > 0 && cell[0] == '"' {
		if err := json.Unmarshal(cell, &s); err != nil {
			return types.Value{}, err
		}
	} else {
		s = string(cell)
	}
	switch kind {
	case types.Int64:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return types.NewInt(i), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return types.Value{}, fmt.Errorf("bad %s %q", typ, s)
		}
		return types.NewFloat(f), nil
	case types.Float64, types.Decimal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return types.Value{}, fmt.Errorf("bad %s %q", typ, s)
		}
		return types.Value{Kind: kind, F: f}, nil
	case types.Date:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return types.Value{}, fmt.Errorf("bad DATE %q", s)
		}
		return types.NewDate(t.Unix() / 86400), nil
	case types.Timestamp:
		t, err := time.Parse("2006-01-02 15:04:05.999999999", s)
		if err != nil {
			return types.Value{}, fmt.Errorf("bad TIMESTAMP %q", s)
		}
		return types.NewTimestamp(t.UnixMicro()), nil
	case types.Bool:
		return types.NewBool(s == "true"), nil
	}
	return types.NewString(s), nil
}

// EqualRows compares two answers row by row, in order. Numbers compare by
// value across Int64/Float64/Decimal/Bool with relative tolerance relTol
// (sums of doubles depend on the order of addition); other values must be
// equal. The error names the first difference.
func EqualRows(got, want [][]types.Value, relTol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Errorf("row %d: %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !equalValue(got[i][j], want[i][j], relTol) {
				return fmt.Errorf("row %d column %d: got %v (%v), want %v (%v)", i, j,
					got[i][j], got[i][j].Kind, want[i][j], want[i][j].Kind)
			}
		}
	}
	return nil
}

func isNumber(k types.Kind) bool {
	return k == types.Int64 || k == types.Float64 || k == types.Decimal || k == types.Bool
}

func equalValue(a, b types.Value, relTol float64) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	switch {
	case isNumber(a.Kind) && isNumber(b.Kind):
		if a.Kind == types.Int64 && b.Kind == types.Int64 {
			return a.I == b.I
		}
		x, y := a.AsFloat(), b.AsFloat()
		if x == y {
			return true
		}
		return math.Abs(x-y) <= relTol*math.Max(math.Abs(x), math.Abs(y))
	case a.Kind == types.String && b.Kind == types.String:
		return a.S == b.S
	case a.Kind == b.Kind:
		return a.I == b.I
	}
	return false
}

var (
	installMu   sync.Mutex
	installDone = map[string]error{}
)

// runNode runs run.mjs with req as JSON on stdin and returns its stdout.
func runNode(ctx context.Context, dir string, req any) ([]byte, error) {
	dir, err := duckdbDir(dir)
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node is not installed (%v)", ErrDuckDBUnavailable, err)
	}
	if err := ensureInstalled(ctx, dir); err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "run.mjs"), "-")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("bench: DuckDB: %s", msg)
	}
	return stdout.Bytes(), nil
}

// ensureInstalled makes sure dir/node_modules has @duckdb/node-api, running
// `npm ci` at most once per directory and process.
func ensureInstalled(ctx context.Context, dir string) error {
	marker := filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	installMu.Lock()
	defer installMu.Unlock()
	if err, done := installDone[dir]; done {
		return err
	}
	err := npmCI(ctx, dir, marker)
	installDone[dir] = err
	return err
}

func npmCI(ctx context.Context, dir, marker string) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("%w: @duckdb/node-api is not installed in %s and npm is missing (%v)", ErrDuckDBUnavailable, dir, err)
	}
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, npm, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("npm %s: %v: %s", args[0], err, lastLines(string(out), 4))
		}
		return nil
	}
	// npm ci installs exactly the lock file. It refuses when the registry
	// served no metadata for some platform's optional binding package
	// (the lock then lacks their entries), so fall back to installing the
	// exact versions package.json pins, leaving the lock file untouched.
	ciErr := run("ci", "--no-audit", "--no-fund", "--loglevel=error")
	if ciErr != nil {
		if err := run("install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
			return fmt.Errorf("%w: installing @duckdb/node-api in %s failed: %v; then %v", ErrDuckDBUnavailable, dir, ciErr, err)
		}
	}
	if _, err := os.Stat(marker); err != nil {
		return fmt.Errorf("%w: npm did not install @duckdb/node-api in %s", ErrDuckDBUnavailable, dir)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// duckdbDir resolves where the Node project lives (see DuckDBOptions.Dir).
func duckdbDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if d := os.Getenv("SLUICE_DUCKDB_DIR"); d != "" {
		return d, nil
	}
	if _, self, _, ok := runtime.Caller(0); ok {
		d := filepath.Join(filepath.Dir(self), "duckdb")
		if _, err := os.Stat(filepath.Join(d, "run.mjs")); err == nil {
			return d, nil
		}
	}
	return extractEmbedded()
}

// extractEmbedded writes the embedded Node project to a cache folder named
// after the content's hash, so a new version never reuses an old install.
func extractEmbedded() (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(duckdbFiles, "duckdb", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := duckdbFiles.ReadFile(p)
		if err != nil {
			return err
		}
		names = append(names, p)
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "sluice", "duckdb-"+hex.EncodeToString(h.Sum(nil))[:12])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%w: %v", ErrDuckDBUnavailable, err)
	}
	for _, p := range names {
		b, _ := duckdbFiles.ReadFile(p)
		dst := filepath.Join(dir, filepath.Base(p))
		if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return "", fmt.Errorf("%w: %v", ErrDuckDBUnavailable, err)
		}
	}
	return dir, nil
}

// SortRows orders rows by their values' text, column by column, so that
// answers of queries without ORDER BY can be compared with EqualRows.
func SortRows(rows [][]types.Value) {
	sort.SliceStable(rows, func(a, b int) bool {
		ra, rb := rows[a], rows[b]
		for k := 0; k < len(ra) && k < len(rb); k++ {
			if sa, sb := ra[k].String(), rb[k].String(); sa != sb {
				return sa < sb
			}
		}
		return len(ra) < len(rb)
	})
}
