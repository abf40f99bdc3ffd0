package slt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// answer is what the fake returns for one SQL text.
type answer struct {
	res   Result
	err   error
	hang  bool // block until ctx is done (and ignore it when deaf)
	deaf  bool // with hang: never return at all, ignoring ctx
	panic bool
}

// fakeDB answers canned results keyed by exact SQL text and records what ran.
type fakeDB struct {
	mu      sync.Mutex
	answers map[string]answer
	ran     []string
	release chan struct{} // closed by the test to free deaf calls
}

func (f *fakeDB) Exec(ctx context.Context, sql string) (Result, error) {
	f.mu.Lock()
	f.ran = append(f.ran, sql)
	a, ok := f.answers[sql]
	f.mu.Unlock()
	if !ok {
		return Result{}, fmt.Errorf("fake: no answer for %q", sql)
	}
	switch {
	case a.panic:
		panic("fake engine bug")
	case a.hang && a.deaf:
		<-f.release
		return Result{}, nil
	case a.hang:
		<-ctx.Done()
		return Result{}, ctx.Err()
	}
	return a.res, a.err
}

func ints(cols int, vals ...int64) Result {
	r := Result{Columns: cols}
	for i := 0; i+cols <= len(vals); i += cols {
		row := make([]types.Value, cols)
		for j := range row {
			row[j] = types.NewInt(vals[i+j])
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

func ok() answer { return answer{} }

func run(t *testing.T, script string, answers map[string]answer, opts Options) (FileResult, *fakeDB) {
	t.Helper()
	db := &fakeDB{answers: answers, release: make(chan struct{})}
	t.Cleanup(func() { close(db.release) })
	return RunScript(context.Background(), db, "t.test", strings.NewReader(script), opts), db
}

func TestRunRecords(t *testing.T) {
	syntax := lferr.New(lferr.SyntaxError, "syntax error at position 7")
	tests := []struct {
		name    string
		script  string
		answers map[string]answer
		opts    Options
		passed  int
		failed  int
		parse   int
		skipped int
		kinds   []FailureKind
	}{
		{
			name:    "statement ok and error",
			script:  "statement ok\nCREATE\n\nstatement error\nBAD\n\nstatement error\nGOOD\n\nstatement ok\nFAILS\n",
			answers: map[string]answer{"CREATE": ok(), "BAD": {err: errors.New("boom")}, "GOOD": ok(), "FAILS": {err: errors.New("boom")}},
			passed:  2, failed: 2, kinds: []FailureKind{WrongResult, UnexpectedError},
		},
		{
			name:    "syntax errors are parse errors, and satisfy statement error",
			script:  "statement ok\nS1\n\nquery I\nS2\n----\n1\n\nstatement error\nS3\n",
			answers: map[string]answer{"S1": {err: syntax}, "S2": {err: fmt.Errorf("wrapped: %w", syntax)}, "S3": {err: syntax}},
			passed:  1, failed: 2, parse: 2, kinds: []FailureKind{ParseError, ParseError},
		},
		{
			name:    "values compared line by line up to the threshold",
			script:  "query II nosort\nQ\n----\n1\n2\n3\n4\n\nquery II nosort\nQ\n----\n1\n2\n4\n3\n",
			answers: map[string]answer{"Q": {res: ints(2, 1, 2, 3, 4)}},
			passed:  1, failed: 1, kinds: []FailureKind{WrongResult},
		},
		{
			name: "default threshold 8 hashes 9 values",
			script: "query I nosort\nQ\n----\n9 values hashing to " + HashValues(strings.Fields("1 2 3 4 5 6 7 8 9")) +
				"\n\nquery I nosort\nQ\n----\n1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			answers: map[string]answer{"Q": {res: ints(1, 1, 2, 3, 4, 5, 6, 7, 8, 9)}},
			passed:  1, failed: 1, kinds: []FailureKind{WrongResult},
		},
		{
			name: "hash-threshold 0 never hashes; a later threshold applies from there",
			script: "hash-threshold 0\n\nquery I nosort\nQ\n----\n1\n2\n3\n4\n5\n6\n7\n8\n9\n\n" +
				"hash-threshold 2\n\nquery I valuesort\nQ\n----\n9 values hashing to " + HashValues(strings.Fields("1 2 3 4 5 6 7 8 9")) + "\n",
			answers: map[string]answer{"Q": {res: ints(1, 1, 2, 3, 4, 5, 6, 7, 8, 9)}},
			passed:  2,
		},
		{
			name:    "rowsort sorts rendered rows before comparing",
			script:  "query IT rowsort\nQ\n----\n10\nb\n9\na\n",
			answers: map[string]answer{"Q": {res: Result{Columns: 2, Rows: [][]types.Value{{types.NewInt(9), types.NewString("a")}, {types.NewInt(10), types.NewString("b")}}}}},
			passed:  1,
		},
		{
			name:    "valuesort",
			script:  "query II valuesort\nQ\n----\n1\n2\n3\n4\n",
			answers: map[string]answer{"Q": {res: ints(2, 4, 1, 3, 2)}},
			passed:  1,
		},
		{
			name:    "declared letter decides rendering",
			script:  "query IRT nosort\nQ\n----\n2\n2.500\n(empty)\n",
			answers: map[string]answer{"Q": {res: Result{Columns: 3, Rows: [][]types.Value{{types.NewFloat(2.5), types.NewFloat(2.5), types.NewString("")}}}}},
			passed:  1,
		},
		{
			name:    "column count must match the type string, even with no rows",
			script:  "query II\nQ1\n----\n1\n2\n\nquery I\nQ2\n\nquery I\nQ3\n",
			answers: map[string]answer{"Q1": {res: ints(1, 1, 2)}, "Q2": {res: Result{Columns: 2}}, "Q3": {res: Result{}}},
			passed:  1, failed: 2, kinds: []FailureKind{WrongResult, WrongResult},
		},
		{
			name:    "empty expected result",
			script:  "query I\nQ\n\nquery I\nQ\n----\n\nquery I\nR\n",
			answers: map[string]answer{"Q": {res: Result{Columns: 1}}, "R": {res: ints(1, 5)}},
			passed:  2, failed: 1, kinds: []FailureKind{WrongResult},
		},
		{
			name:   "conditions and engine name",
			script: "skipif mysql\nstatement ok\nX\n\nonlyif mysql\nstatement ok\nY\n\nonlyif sqlite\nstatement ok\nX\n\nskipif postgresql\nstatement ok\nY\n",
			// X is unknown to the fake: running it would fail.
			answers: map[string]answer{"Y": ok()},
			passed:  2, skipped: 2,
		},
		{
			name:    "another engine name",
			script:  "skipif mysql\nstatement ok\nY\n\nonlyif mysql\nstatement ok\nX\n",
			answers: map[string]answer{"Y": ok()},
			opts:    Options{Engine: "SQLite"},
			passed:  1, skipped: 1,
		},
		{
			name:    "halt stops the file unless skipped",
			script:  "statement ok\nY\n\nonlyif mssql\nhalt\n\nstatement ok\nY\n\nhalt\n\nstatement ok\nY\n\nquery I\nQ\n",
			answers: map[string]answer{"Y": ok()},
			passed:  2, skipped: 2,
		},
		{
			name: "labels must agree",
			script: "query I nosort label-1\nA\n----\n1\n\nskipif mysql\nquery I nosort label-1\nX\n----\n1\n\n" +
				"query I nosort label-1\nB\n----\n2\n\nquery I nosort label-1\nC\n----\n1\n",
			answers: map[string]answer{"A": {res: ints(1, 1)}, "B": {res: ints(1, 2)}, "C": {res: ints(1, 1)}},
			passed:  2, failed: 1, skipped: 1, kinds: []FailureKind{WrongResult},
		},
		{
			name:    "a wrong first variant does not fail its correct twin",
			script:  "query I nosort label-2\nA\n----\n1\n\nquery I nosort label-2\nB\n----\n1\n",
			answers: map[string]answer{"A": {res: ints(1, 7)}, "B": {res: ints(1, 1)}},
			passed:  1, failed: 1, kinds: []FailureKind{WrongResult},
		},
		{
			name:    "a timeout fails the record and the file continues",
			script:  "statement ok\nHANG\n\nstatement ok\nY\n\nstatement error\nHANG\n",
			answers: map[string]answer{"HANG": {hang: true}, "Y": ok()},
			opts:    Options{Timeout: 20 * time.Millisecond},
			passed:  1, failed: 2, kinds: []FailureKind{Timeout, Timeout},
		},
		{
			name:    "an engine that ignores ctx still times out",
			script:  "query I\nDEAF\n\nstatement ok\nY\n",
			answers: map[string]answer{"DEAF": {hang: true, deaf: true}, "Y": ok()},
			opts:    Options{Timeout: 20 * time.Millisecond},
			passed:  1, failed: 1, kinds: []FailureKind{Timeout},
		},
		{
			name:    "an engine panic is recovered and counted",
			script:  "statement ok\nP\n\nstatement ok\nY\n",
			answers: map[string]answer{"P": {panic: true}, "Y": ok()},
			passed:  1, failed: 1, kinds: []FailureKind{EnginePanic},
		},
		{
			name:    "a malformed script fails once and keeps the records before it",
			script:  "statement ok\nY\n\nbogus record\nY\n\nstatement ok\nY\n",
			answers: map[string]answer{"Y": ok()},
			passed:  1, failed: 1, kinds: []FailureKind{BadScript},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fr, _ := run(t, tc.script, tc.answers, tc.opts)
			if fr.Passed != tc.passed || fr.Failed != tc.failed || fr.ParseErrors != tc.parse || fr.Skipped != tc.skipped {
				t.Errorf("passed %d failed %d parse %d skipped %d, want %d %d %d %d\n%v",
					fr.Passed, fr.Failed, fr.ParseErrors, fr.Skipped, tc.passed, tc.failed, tc.parse, tc.skipped, fr.Failures)
			}
			var kinds []FailureKind
			byKind := map[FailureKind]int{}
			for _, f := range fr.Failures {
				kinds = append(kinds, f.Kind)
				byKind[f.Kind]++
			}
			if len(byKind) > 0 && fmt.Sprint(byKind) != fmt.Sprint(fr.ByKind) || len(byKind) == 0 && len(fr.ByKind) != 0 {
				t.Errorf("ByKind %v, want %v", fr.ByKind, byKind)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tc.kinds) {
				t.Errorf("failure kinds %v, want %v", kinds, tc.kinds)
			}
		})
	}
}

func TestFailureExamples(t *testing.T) {
	script := "query I nosort\nQ\n----\n1\n\nquery I nosort\nQ\n----\n2\n\nquery I nosort\nQ\n----\n3\n"
	answers := map[string]answer{"Q": {res: ints(1, 5)}}
	fr, _ := run(t, script, answers, Options{MaxFailures: 2})
	if fr.Failed != 3 || len(fr.Failures) != 2 {
		t.Fatalf("failed %d with %d examples, want 3 with 2", fr.Failed, len(fr.Failures))
	}
	f := fr.Failures[1]
	if f.Line != 6 || f.SQL != "Q" || f.Expected[0] != "2" || f.Got[0] != "5" || f.File != "t.test" {
		t.Errorf("example: %+v", f)
	}
	s := f.String()
	for _, want := range []string{"t.test:6: wrong result", "sql> Q", "expected:\n      2", "got:\n      5"} {
		if !strings.Contains(s, want) {
			t.Errorf("example text lacks %q:\n%s", want, s)
		}
	}
	if fr, _ := run(t, script, answers, Options{MaxFailures: -1}); len(fr.Failures) != 0 {
		t.Errorf("MaxFailures -1 kept %d examples", len(fr.Failures))
	}
}

// TestRunOutput checks the report lines CI and people read, a fresh database
// per file, the progress callback and that closers are called.
func TestRunOutput(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.test")
	b := filepath.Join(dir, "b.test")
	if err := os.WriteFile(a, []byte("statement ok\nCREATE\n\nquery I\nQ\n----\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("statement ok\nCREATE\n\nquery I\nQ\n----\n2\n\nstatement ok\nBAD SQL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var opened, closed int
	open := func(ctx context.Context) (DB, io.Closer, error) {
		opened++
		created := false
		db := ExecFunc(func(ctx context.Context, sql string) (Result, error) {
			switch sql {
			case "CREATE":
				if created {
					return Result{}, errors.New("table exists: database not fresh")
				}
				created = true
				return Result{}, nil
			case "Q":
				return ints(1, 1), nil
			}
			return Result{}, lferr.New(lferr.SyntaxError, "cannot parse %q", sql)
		})
		return db, closerFunc(func() error { closed++; return nil }), nil
	}
	var out bytes.Buffer
	var progress []Progress
	sum, err := Run(context.Background(), open, []string{a, b}, Options{Output: &out, Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if opened != 2 || closed != 2 {
		t.Errorf("opened %d, closed %d databases, want 2 and 2", opened, closed)
	}
	if sum.Passed != 3 || sum.Failed != 2 || sum.ParseErrors != 1 {
		t.Errorf("summary %+v", sum)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	re := []*regexp.Regexp{
		regexp.MustCompile(`^` + regexp.QuoteMeta(a) + `: 2 passed, 0 failed \(0 parse errors\) in \d+\.\d\ds$`),
		regexp.MustCompile(`^` + regexp.QuoteMeta(b) + `: 1 passed, 2 failed \(1 parse errors\) in \d+\.\d\ds$`),
		regexp.MustCompile(`^3 passed, 2 failed$`),
	}
	if len(lines) != len(re) {
		t.Fatalf("output:\n%s", out.String())
	}
	for i := range re {
		if !re[i].MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %v", i, lines[i], re[i])
		}
	}
	if len(progress) != 5 || progress[4] != (Progress{File: b, Record: 3, Total: 3, Passed: 1, Failed: 2}) {
		t.Errorf("progress %+v", progress)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func TestRunMissingFileAndCancel(t *testing.T) {
	open := func(ctx context.Context) (DB, io.Closer, error) {
		return ExecFunc(func(ctx context.Context, sql string) (Result, error) { return Result{}, nil }), nil, nil
	}
	sum, err := Run(context.Background(), open, []string{filepath.Join(t.TempDir(), "missing.test")}, Options{})
	if err == nil || sum.Failed != 1 || sum.Files[0].Err == nil {
		t.Errorf("missing file: err %v, summary %+v", err, sum)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, open, []string{"../../testdata/slt/select1.test"}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: err %v", err)
	}
	failing := func(ctx context.Context) (DB, io.Closer, error) { return nil, nil, errors.New("no disk") }
	if sum, err := Run(context.Background(), failing, []string{"../../testdata/slt/select1.test"}, Options{}); err == nil || sum.Failed != 1 {
		t.Errorf("opener failure: err %v, summary %+v", err, sum)
	}
}

// TestReplayCorpusFiles answers each query with its own expected values as
// strings, which exercises the whole pipeline on real files: every un-hashed
// query must pass (its strings render back to themselves under any letter),
// and every hashed one must fail, since the replay cannot produce the hashed
// values.
func TestReplayCorpusFiles(t *testing.T) {
	for _, name := range []string{"select1.test", "select2.test"} {
		path := filepath.Join("../../testdata/slt", name)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Parse(f, path)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Queries are keyed by SQL; identical SQL must expect identical values.
		bySQL := map[string]*Record{}
		threshold := 8
		wantPass, wantFail := 0, 0
		for i := range recs {
			r := &recs[i]
			if r.Kind == HashThreshold {
				threshold = r.Threshold
			}
			if r.Skipped("mysql") || (r.Kind != Query && r.Kind != Statement) {
				continue
			}
			if _, _, hashed := r.ExpectedHash(); r.Kind == Query && hashed && threshold > 0 {
				wantFail++
			} else {
				wantPass++
			}
			if r.Kind == Query {
				bySQL[r.SQL] = r
			}
		}
		db := ExecFunc(func(ctx context.Context, sql string) (Result, error) {
			r, ok := bySQL[sql]
			if !ok {
				return Result{}, nil // a statement
			}
			res := Result{Columns: len(r.Types)}
			if _, _, hashed := r.ExpectedHash(); hashed {
				return res, nil
			}
			for i := 0; i+len(r.Types) <= len(r.Expected); i += len(r.Types) {
				row := make([]types.Value, len(r.Types))
				for j := range row {
					s := r.Expected[i+j]
					switch s {
					case "NULL":
						row[j] = types.NullValue
					case "(empty)":
						row[j] = types.NewString("")
					default:
						row[j] = types.NewString(s)
					}
				}
				res.Rows = append(res.Rows, row)
			}
			return res, nil
		})
		fr := RunRecords(context.Background(), db, path, recs, Options{MaxFailures: 3})
		if fr.Passed != wantPass || fr.Failed != wantFail {
			t.Errorf("%s: passed %d failed %d, want %d and %d; %v", name, fr.Passed, fr.Failed, wantPass, wantFail, fr.Failures)
		}
		t.Logf("%s: %d passed, %d failed (hashed)", name, fr.Passed, fr.Failed)
		for _, f := range fr.Failures {
			if _, _, hashed := parseHashLine(strings.Join(f.Expected, "")); !hashed || f.Kind != WrongResult {
				t.Errorf("unexpected failure: %v", f)
			}
		}
	}
}

// TestRunParallelAndDirectories: a directory expands to its *.test files in
// order, files run concurrently on separate databases, and the report keeps
// file order and equals the sequential one apart from timings.
func TestRunParallelAndDirectories(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := 0; i < 6; i++ {
		name := filepath.Join(dir, fmt.Sprintf("f%d.test", i))
		want = append(want, name)
		// Each file creates its table once: a shared database would fail.
		script := fmt.Sprintf("statement ok\nCREATE\n\nquery I\nSELECT %d\n----\n%d\n", i, i%4)
		if err := os.WriteFile(name, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a script"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ExpandPaths([]string{dir})
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ExpandPaths = %v, %v; want %v", got, err, want)
	}
	open := func(ctx context.Context) (DB, io.Closer, error) {
		created := false
		return ExecFunc(func(ctx context.Context, sql string) (Result, error) {
			if sql == "CREATE" {
				if created {
					return Result{}, errors.New("not a fresh database")
				}
				created = true
				return Result{}, nil
			}
			var n int64
			fmt.Sscanf(sql, "SELECT %d", &n)
			time.Sleep(time.Duration(6-n) * time.Millisecond) // later files finish first
			return ints(1, n), nil
		}), nil, nil
	}
	timing := regexp.MustCompile(` in \d+\.\d\ds$`)
	report := func(parallel int) (Summary, []string) {
		var out bytes.Buffer
		var calls int
		sum, err := Run(context.Background(), open, []string{dir}, Options{Output: &out, Parallel: parallel, Progress: func(Progress) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 12 {
			t.Errorf("parallel %d: %d progress calls, want 12", parallel, calls)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		for i := range lines {
			lines[i] = timing.ReplaceAllString(lines[i], "")
		}
		return sum, lines
	}
	seqSum, seq := report(1)
	parSum, par := report(3)
	if fmt.Sprint(seq) != fmt.Sprint(par) {
		t.Errorf("parallel report differs:\n%s\nvs\n%s", strings.Join(seq, "\n"), strings.Join(par, "\n"))
	}
	// Files 4 and 5 expect i%4 = 0 and 1, not 4 and 5.
	if seqSum.Passed != 10 || seqSum.Failed != 2 || parSum.Passed != 10 || parSum.Failed != 2 || seq[len(seq)-1] != "10 passed, 2 failed" {
		t.Errorf("summaries %+v / %+v, last line %q", seqSum, parSum, seq[len(seq)-1])
	}
	if s := (Progress{File: "a.test", Record: 3, Total: 9, Passed: 2, Failed: 1}).String(); s != "a.test: record 3/9, 2 passed, 1 failed" {
		t.Errorf("Progress.String() = %q", s)
	}
}
