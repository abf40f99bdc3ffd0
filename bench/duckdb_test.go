package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluicedb/sluice/planner/types"
)

var update = flag.Bool("update", false, "rewrite duckdb/queries.json from Queries")

// TestQueriesJSON keeps duckdb/queries.json (run.mjs's default query list)
// equal to Queries; go test ./bench -run QueriesJSON -update rewrites it.
func TestQueriesJSON(t *testing.T) {
	type q struct {
		Name string `json:"name"`
		SQL  string `json:"sql"`
	}
	var qs []q
	for _, x := range Queries {
		qs = append(qs, q{x.Name, x.SQL})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<=" readable for people running run.mjs by hand
	enc.SetIndent("", " ")
	if err := enc.Encode(qs); err != nil {
		t.Fatal(err)
	}
	want := buf.Bytes()
	path := filepath.Join("duckdb", "queries.json")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: run go test ./bench -run QueriesJSON -update", path)
	}
}

func TestFromDuckJSON(t *testing.T) {
	tests := []struct {
		typ, cell string
		want      types.Value
	}{
		{"BIGINT", `"12345678901234567"`, types.NewInt(12345678901234567)},
		{"INTEGER", `7`, types.NewInt(7)},
		{"HUGEINT", `"170141183460469231731687303715884105727"`, types.NewFloat(1.7014118346046923e38)},
		{"DOUBLE", `1.5`, types.NewFloat(1.5)},
		{"DOUBLE", `"-Infinity"`, types.NewFloat(math.Inf(-1))},
		{"DECIMAL(18,2)", `"2.50"`, types.Value{Kind: types.Decimal, F: 2.5}},
		{"VARCHAR", `"a\"b"`, types.NewString(`a"b`)},
		{"DATE", `"1998-09-02"`, types.NewDate(10471)},
		{"TIMESTAMP", `"1970-01-01 00:00:01.5"`, types.NewTimestamp(1_500_000)},
		{"BOOLEAN", `true`, types.NewBool(true)},
		{"BIGINT", `null`, types.Value{Kind: types.Int64, Null: true}},
	}
	for _, tc := range tests {
		got, err := fromDuckJSON(tc.typ, json.RawMessage(tc.cell))
		if err != nil || got != tc.want {
			t.Errorf("%s %s: got %+v, %v; want %+v", tc.typ, tc.cell, got, err, tc.want)
		}
	}
	if _, err := fromDuckJSON("DATE", json.RawMessage(`"yesterday"`)); err == nil {
		t.Error("bad date accepted")
	}
}

func TestEqualRows(t *testing.T) {
	a := [][]types.Value{{types.NewInt(3), types.NewFloat(1.0000000001), types.NewString("x"), types.NullValue}}
	b := [][]types.Value{{types.NewFloat(3), types.Value{Kind: types.Decimal, F: 1}, types.NewString("x"), {Kind: types.String, Null: true}}}
	if err := EqualRows(a, b, 1e-9); err != nil {
		t.Errorf("equal answers differ: %v", err)
	}
	if err := EqualRows(a, b, 1e-12); err == nil {
		t.Error("tolerance ignored")
	}
	c := [][]types.Value{{types.NewInt(3), types.NewFloat(1), types.NewString("y"), types.NullValue}}
	if err := EqualRows(a, c, 1e-9); err == nil {
		t.Error("different strings compared equal")
	}
	if err := EqualRows(a, nil, 0); err == nil {
		t.Error("row count ignored")
	}
	if err := EqualRows([][]types.Value{{types.NewInt(1)}}, [][]types.Value{{types.NullValue}}, 0); err == nil {
		t.Error("NULL equal to 1")
	}
}

// duckOrSkip skips the test when DuckDB cannot be run on this machine.
func duckOrSkip(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrDuckDBUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// reference computes the benchmark queries' answers by reading the file
// with arrow-go and aggregating in plain Go: an oracle independent of any
// SQL engine, to check DuckDB (and through it, later, sluice) on generated data.
type refGroup struct {
	sumQty, sumPrice, sumDiscPrice, sumCharge, sumDisc float64
	count                                              int64
}

func reference(t *testing.T, data []byte) (count int64, sumPrice float64, q1, q1r map[[2]string]*refGroup, proj [][]types.Value) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, recs := readAll(t, data, mem)
	q1, q1r = map[[2]string]*refGroup{}, map[[2]string]*refGroup{}
	add := func(m map[[2]string]*refGroup, k [2]string, q, p, d, tx float64) {
		g := m[k]
		if g == nil {
			g = &refGroup{}
			m[k] = g
		}
		g.sumQty += q
		g.sumPrice += p
		g.sumDiscPrice += p * (1 - d)
		g.sumCharge += p * (1 - d) * (1 + tx)
		g.sumDisc += d
		g.count++
	}
	for _, r := range recs {
		q := r.Column(colQuantity).(*array.Float64).Float64Values()
		p := r.Column(colExtendedPrice).(*array.Float64).Float64Values()
		d := r.Column(colDiscount).(*array.Float64).Float64Values()
		tx := r.Column(colTax).(*array.Float64).Float64Values()
		rf := r.Column(colReturnFlag).(*array.String)
		ls := r.Column(colLineStatus).(*array.String)
		ship := r.Column(colShipDate).(*array.Date32).Date32Values()
		region := r.Column(colRegion).(*array.String)
		comment := r.Column(colComment).(*array.String)
		email := r.Column(colCustomerEmail).(*array.String)
		instr := r.Column(colShipInstruct).(*array.String)
		for i := 0; i < int(r.NumRows()); i++ {
			count++
			sumPrice += p[i]
			if ship[i] <= 10471 { // DATE '1998-09-02'
				k := [2]string{rf.Value(i), ls.Value(i)}
				add(q1, k, q[i], p[i], d[i], tx[i])
				if reg := region.Value(i); reg == "EU" || reg == "US" {
					add(q1r, k, q[i], p[i], d[i], tx[i])
				}
			}
			if q[i] < 10 {
				proj = append(proj, []types.Value{types.NewString(comment.Value(i)), types.NewString(email.Value(i)), types.NewString(instr.Value(i))})
			}
		}
		r.Release()
	}
	return
}

func q1Rows(m map[[2]string]*refGroup) [][]types.Value {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a][0] != keys[b][0] {
			return keys[a][0] < keys[b][0]
		}
		return keys[a][1] < keys[b][1]
	})
	var rows [][]types.Value
	for _, k := range keys {
		g := m[k]
		n := float64(g.count)
		rows = append(rows, []types.Value{
			types.NewString(k[0]), types.NewString(k[1]),
			types.NewFloat(g.sumQty), types.NewFloat(g.sumPrice), types.NewFloat(g.sumDiscPrice), types.NewFloat(g.sumCharge),
			types.NewFloat(g.sumQty / n), types.NewFloat(g.sumPrice / n), types.NewFloat(g.sumDisc / n), types.NewInt(g.count),
		})
	}
	return rows
}

// TestDuckDBAgreesWithReference runs every benchmark query on DuckDB over a
// generated file and compares with the plain-Go reference: this validates the
// generator's file (a second Parquet reader decodes it), the query texts, and
// the DuckDB → types.Value conversion the engine's cross-check test relies on.
func TestDuckDBAgreesWithReference(t *testing.T) {
	data := generate(t, 30_000, 11, LineitemOptions{RowGroupRows: 10_000})
	path := filepath.Join(t.TempDir(), "lineitem.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	count, sumPrice, q1, q1r, proj := reference(t, data)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	sqls := []string{QSum, Q1, Q1Region, QProj, "SELECT no_such_column FROM lineitem"}
	answers, errs, err := DuckDBQueries(ctx, path, sqls, DuckDBOptions{})
	duckOrSkip(t, err)
	for i, e := range errs[:4] {
		if e != nil {
			t.Fatalf("%s: %v", sqls[i], e)
		}
	}
	if errs[4] == nil || !strings.Contains(errs[4].Error(), "no_such_column") {
		t.Errorf("a bad query: err = %v, want DuckDB's error naming the column", errs[4])
	}
	if err := EqualRows(answers[0].Rows, [][]types.Value{{types.NewInt(count), types.NewFloat(sumPrice)}}, 1e-9); err != nil {
		t.Errorf("Q-sum: %v", err)
	}
	for i, want := range [][][]types.Value{q1Rows(q1), q1Rows(q1r)} {
		if len(want) != 4 {
			t.Errorf("%s: reference has %d groups, want 4 (A/F, N/F, N/O, R/F)", sqls[1+i], len(want))
		}
		if err := EqualRows(answers[1+i].Rows, want, 1e-9); err != nil {
			t.Errorf("%s: %v\ngot  %v\nwant %v", sqls[1+i], err, answers[1+i].Rows, want)
		}
	}
	got := answers[3].Rows
	SortRows(got)
	SortRows(proj)
	if err := EqualRows(got, proj, 0); err != nil {
		t.Errorf("Q-proj: %v", err)
	}
	// The single-query form converts the same way.
	one, err := DuckDBQueryJSON(ctx, path, Q1)
	if err != nil {
		t.Fatal(err)
	}
	// DuckDB sums doubles in a thread-dependent order: equal up to rounding.
	if err := EqualRows(one.Rows, answers[1].Rows, 1e-12); err != nil || one.Columns[0] != "l_returnflag" || one.Types[9] != "BIGINT" {
		t.Errorf("DuckDBQueryJSON: %v, columns %v, types %v", err, one.Columns, one.Types)
	}
}

func TestDuckDBTimings(t *testing.T) {
	data := generate(t, 20_000, 1, LineitemOptions{})
	path := filepath.Join(t.TempDir(), "lineitem.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := DuckDBWithOptions(ctx, path, Queries, DuckDBOptions{Iterations: 2, Threads: []int{1, 2}})
	duckOrSkip(t, err)
	wantRows := map[string]int64{"Q-sum": 1, "Q1": 4, "Q1-region": 4}
	for _, q := range Queries {
		r, ok := res[q.Name]
		if !ok {
			t.Errorf("no result for %s", q.Name)
			continue
		}
		if r.TableRows != 20_000 || len(r.Timings) != 2 || r.RowsPerSec(1) <= 0 || r.RowsPerSec(2) <= 0 || r.RowsPerSec(3) != 0 {
			t.Errorf("%s: %+v", q.Name, r)
		}
		if w, ok := wantRows[q.Name]; ok && r.ResultRows != w {
			t.Errorf("%s: %d result rows, want %d", q.Name, r.ResultRows, w)
		}
		if r.Timings[0].Runs != 2 || r.Timings[0].Median <= 0 || r.Timings[0].Best > r.Timings[0].Median ||
			len(r.Timings[0].CPUSeconds) != 2 || r.Timings[0].RowsPerCPUSec <= 0 {
			t.Errorf("%s timing %+v", q.Name, r.Timings[0])
		}
	}
}

func TestDuckDBUnavailable(t *testing.T) {
	// A directory without the package and with no npm on PATH must give
	// ErrDuckDBUnavailable, not a hang or a panic.
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	_, err := DuckDBQueryWithOptions(context.Background(), "x.parquet", "SELECT 1", DuckDBOptions{Dir: dir})
	if !errors.Is(err, ErrDuckDBUnavailable) {
		t.Errorf("err = %v, want ErrDuckDBUnavailable", err)
	}
}

// TestCrossCheck drives CrossCheck with the plain-Go reference standing in
// for the engine, then with a deliberately wrong engine.
func TestCrossCheck(t *testing.T) {
	data := generate(t, 5_000, 2, LineitemOptions{})
	path := filepath.Join(t.TempDir(), "lineitem.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	count, sumPrice, q1, q1r, proj := reference(t, data)
	answers := map[string][][]types.Value{
		QSum:     {{types.NewInt(count), types.NewFloat(sumPrice)}},
		Q1:       q1Rows(q1),
		Q1Region: q1Rows(q1r),
		QProj:    proj,
	}
	ctx := context.Background()
	err := CrossCheck(ctx, path, Queries, 1e-9, func(_ context.Context, sql string) ([][]types.Value, error) {
		return answers[sql], nil
	})
	duckOrSkip(t, err)
	wrong := func(_ context.Context, sql string) ([][]types.Value, error) {
		if sql == Q1 {
			rows := q1Rows(q1)
			rows[0][9] = types.NewInt(rows[0][9].I + 1) // one row miscounted
			return rows, nil
		}
		if sql == QProj {
			return nil, errors.New("engine failure")
		}
		return answers[sql], nil
	}
	err = CrossCheck(ctx, path, Queries, 1e-9, wrong)
	if err == nil || !strings.Contains(err.Error(), "Q1: answer differs") || !strings.Contains(err.Error(), "Q-proj: engine failure") ||
		strings.Contains(err.Error(), "Q-sum") || strings.Contains(err.Error(), "Q1-region") {
		t.Errorf("err = %v", err)
	}
}

// TestExtractEmbedded: a binary away from the source tree gets the Node
// project from its embedded copy, in a cache folder named by content.
func TestExtractEmbedded(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir, err := extractEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run.mjs", "package.json", "package-lock.json", "queries.json"} {
		want, err := os.ReadFile(filepath.Join("duckdb", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: extracted copy differs from the source (%v)", name, err)
		}
	}
	again, err := extractEmbedded()
	if err != nil || again != dir {
		t.Errorf("second extraction: %s, %v; want %s", again, err, dir)
	}
}
