package slt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Result is what an engine returns for one statement.
type Result struct {
	// Columns is the number of result columns; 0 when the statement has no
	// result set or the engine cannot tell (then, with rows, the width of
	// the first row is used).
	Columns int
	// Rows are the result rows; each row has Columns values.
	Rows [][]types.Value
}

// DB is the runner's view of a database: one statement in, its result out.
// Exec must honour ctx (the runner cancels it at the per-statement timeout).
// Errors that are SQL syntax errors should carry lferr.SyntaxError so they
// are reported as parse errors.
type DB interface {
	Exec(ctx context.Context, sql string) (Result, error)
}

// ExecFunc adapts a function to DB.
type ExecFunc func(ctx context.Context, sql string) (Result, error)

// Exec calls f.
func (f ExecFunc) Exec(ctx context.Context, sql string) (Result, error) { return f(ctx, sql) }

// Opener returns a fresh, empty database for one script file. The runner
// closes the io.Closer (which may be nil) when the file is done.
type Opener func(ctx context.Context) (DB, io.Closer, error)

// Options configure Run.
type Options struct {
	// Engine is the name claimed for skipif/onlyif; default "mysql".
	Engine string
	// MaxFailures is how many failure examples are kept per file; default 5,
	// negative keeps none.
	MaxFailures int
	// Verbose prints every kept failure example to Output after its file line.
	Verbose bool
	// Timeout bounds one statement; default 10s. A statement that runs out
	// of time counts as failed and the file continues.
	Timeout time.Duration
	// Output, when set, receives one line per file and the final summary line.
	Output io.Writer
	// Progress, when set, is called after every executed record (never
	// concurrently, even with Parallel > 1).
	Progress func(Progress)
	// Parallel is how many files run at once, each on its own database;
	// default 1. Output stays in file order.
	Parallel int
}

func (o Options) withDefaults() Options {
	if o.Engine == "" {
		o.Engine = "mysql"
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	return o
}

// Progress reports the state of the current file.
type Progress struct {
	File           string
	Record, Total  int // records handled so far / records in the file
	Passed, Failed int
}

func (p Progress) String() string {
	return fmt.Sprintf("%s: record %d/%d, %d passed, %d failed", p.File, p.Record, p.Total, p.Passed, p.Failed)
}

// FailureKind classifies a failed record.
type FailureKind uint8

const (
	// WrongResult: the query ran but its answer differs (values, count,
	// column count, hash or label), or `statement error` succeeded.
	WrongResult FailureKind = iota + 1
	// UnexpectedError: the engine returned an error that is not a syntax error.
	UnexpectedError
	// ParseError: the engine could not parse the statement (lferr.SyntaxError).
	ParseError
	// Timeout: the statement did not finish within Options.Timeout.
	Timeout
	// EnginePanic: Exec panicked; the runner recovered and went on.
	EnginePanic
	// BadScript: the script itself is malformed from this record on.
	BadScript
)

func (k FailureKind) String() string {
	switch k {
	case WrongResult:
		return "wrong result"
	case UnexpectedError:
		return "unexpected error"
	case ParseError:
		return "parse error"
	case Timeout:
		return "timeout"
	case EnginePanic:
		return "engine panic"
	case BadScript:
		return "bad script"
	}
	return fmt.Sprintf("FailureKind(%d)", k)
}

// Failure is one failed record, kept for debugging.
type Failure struct {
	File     string
	Line     int
	Kind     FailureKind
	SQL      string
	Expected []string // expected values (or hash line); nil for statements
	Got      []string // rendered (and sorted) values, or the hash line
	Err      error    // the engine's error, if any
	Detail   string   // why it failed, in words
}

func (f Failure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s: %s\n", f.File, f.Line, f.Kind, f.Detail)
	b.WriteString(indent(f.SQL, "    sql> "))
	if f.Err != nil {
		fmt.Fprintf(&b, "    error: %v\n", f.Err)
	}
	if f.Expected != nil || f.Got != nil {
		b.WriteString("    expected:\n")
		b.WriteString(indent(clip(f.Expected), "      "))
		b.WriteString("    got:\n")
		b.WriteString(indent(clip(f.Got), "      "))
	}
	return b.String()
}

func clip(lines []string) string {
	const max = 20
	if len(lines) > max {
		return strings.Join(lines[:max], "\n") + fmt.Sprintf("\n... (%d more)", len(lines)-max)
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

// FileResult is the score of one script file.
type FileResult struct {
	File        string
	Passed      int
	Failed      int // includes ParseErrors, Timeouts and a BadScript failure
	ParseErrors int // records the engine failed to parse (lferr.SyntaxError)
	Timeouts    int
	// ByKind counts failures per kind (a BadScript counts here too).
	ByKind   map[FailureKind]int
	Skipped  int // records excluded by skipif/onlyif or after a halt
	Halted   bool
	Duration time.Duration
	Failures []Failure // the first Options.MaxFailures failures
	// Err is why the file could not be run in full: unreadable, malformed
	// from some record on (a *ScriptError), or no database.
	Err error
}

func (r *FileResult) count(k FailureKind) {
	if r.ByKind == nil {
		r.ByKind = map[FailureKind]int{}
	}
	r.ByKind[k]++
}

// Line is the per-file report line:
// "file: N passed, M failed (P parse errors) in Xs".
func (r FileResult) Line() string {
	return fmt.Sprintf("%s: %d passed, %d failed (%d parse errors) in %.2fs",
		r.File, r.Passed, r.Failed, r.ParseErrors, r.Duration.Seconds())
}

// Summary is the score of a run.
type Summary struct {
	Files       []FileResult
	Passed      int
	Failed      int
	ParseErrors int
	Skipped     int
	Duration    time.Duration
}

// Line is the closing line CI reads: "N passed, M failed".
func (s Summary) Line() string { return fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed) }

// Run scores every file, each against a fresh database from open. A path
// that is a directory stands for every *.test file under it, in lexical
// order. Run keeps going after failures and bad files; the error is non-nil
// when ctx was cancelled (the summary then covers what ran), or when some
// file could not be read, parsed in full or given a database (those are
// also in the FileResults and counted as one failure each).
func Run(ctx context.Context, open Opener, files []string, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	start := time.Now()
	var sum Summary
	files, err := ExpandPaths(files)
	if err != nil {
		return sum, err
	}
	if opts.Progress != nil && opts.Parallel > 1 {
		var mu sync.Mutex
		progress := opts.Progress
		opts.Progress = func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			progress(p)
		}
	}
	// Files run on opts.Parallel workers; results are reported in file
	// order, each as soon as it and all files before it are done.
	results := make([]FileResult, len(files))
	done := make([]chan struct{}, len(files))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < opts.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runPath(ctx, open, files[i], opts)
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var errs []error
	for i := range files {
		select {
		case <-done[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		fr := results[i]
		sum.Files = append(sum.Files, fr)
		sum.Passed += fr.Passed
		sum.Failed += fr.Failed
		sum.ParseErrors += fr.ParseErrors
		sum.Skipped += fr.Skipped
		if fr.Err != nil {
			errs = append(errs, fr.Err)
		}
		if opts.Output != nil {
			fmt.Fprintln(opts.Output, fr.Line())
			if fr.Err != nil {
				fmt.Fprintf(opts.Output, "  error: %v\n", fr.Err)
			}
			if opts.Verbose {
				for _, f := range fr.Failures {
					fmt.Fprint(opts.Output, indent(strings.TrimSuffix(f.String(), "\n"), "  "))
				}
			}
		}
	}
	wg.Wait()
	sum.Duration = time.Since(start)
	if opts.Output != nil {
		fmt.Fprintln(opts.Output, sum.Line())
	}
	return sum, errors.Join(errs...)
}

// ExpandPaths replaces each directory in paths by the *.test files under
// it, sorted; other paths are kept as given (a missing file is reported
// when it is run).
func ExpandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(q, ".test") {
				found = append(found, q)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func runPath(ctx context.Context, open Opener, file string, opts Options) FileResult {
	start := time.Now()
	fail := func(err error) FileResult {
		return FileResult{File: file, Failed: 1, Err: err, Duration: time.Since(start), ByKind: map[FailureKind]int{BadScript: 1},
			Failures: keep(nil, Failure{File: file, Kind: BadScript, Err: err, Detail: "file not run"}, opts.MaxFailures)}
	}
	f, err := os.Open(file)
	if err != nil {
		return fail(err)
	}
	recs, perr := Parse(f, file)
	f.Close()
	if perr != nil && len(recs) == 0 {
		return fail(perr)
	}
	db, closer, err := open(ctx)
	if err != nil {
		return fail(fmt.Errorf("%s: opening a database: %w", file, err))
	}
	fr := RunRecords(ctx, db, file, recs, opts)
	if closer != nil {
		if err := closer.Close(); err != nil && fr.Err == nil {
			fr.Err = fmt.Errorf("%s: closing the database: %w", file, err)
		}
	}
	if perr != nil {
		addBadScript(&fr, perr, opts.MaxFailures)
	}
	fr.Duration = time.Since(start)
	return fr
}

func addBadScript(fr *FileResult, err error, max int) {
	line := 0
	var se *ScriptError
	if errors.As(err, &se) {
		line = se.Line
	}
	fr.Failed++
	fr.count(BadScript)
	fr.Failures = keep(fr.Failures, Failure{File: fr.File, Line: line, Kind: BadScript, Err: err,
		Detail: "the rest of the file was not run"}, max)
	if fr.Err == nil {
		fr.Err = err
	}
}

// RunScript parses and scores one script read from r against db.
func RunScript(ctx context.Context, db DB, name string, r io.Reader, opts Options) FileResult {
	opts = opts.withDefaults()
	start := time.Now()
	recs, perr := Parse(r, name)
	fr := RunRecords(ctx, db, name, recs, opts)
	if perr != nil {
		addBadScript(&fr, perr, opts.MaxFailures)
	}
	fr.Duration = time.Since(start)
	return fr
}

func keep(fs []Failure, f Failure, max int) []Failure {
	if max < 0 || len(fs) >= max {
		return fs
	}
	return append(fs, f)
}

// RunRecords scores parsed records, in order, against db.
func RunRecords(ctx context.Context, db DB, file string, recs []Record, opts Options) FileResult {
	opts = opts.withDefaults()
	start := time.Now()
	fr := FileResult{File: file}
	r := fileRun{db: db, opts: opts, threshold: 8, labels: map[string]string{}}
	for i := range recs {
		rec := &recs[i]
		if err := ctx.Err(); err != nil {
			fr.Err = err
			break
		}
		if rec.Skipped(opts.Engine) {
			if rec.Kind == Statement || rec.Kind == Query {
				fr.Skipped++
			}
			continue
		}
		switch rec.Kind {
		case HashThreshold:
			r.threshold = rec.Threshold
			continue
		case Halt:
			fr.Halted = true
			for j := i + 1; j < len(recs); j++ {
				if recs[j].Kind == Statement || recs[j].Kind == Query {
					fr.Skipped++
				}
			}
		}
		if fr.Halted {
			break
		}
		f, ok := r.record(ctx, rec)
		if err := ctx.Err(); err != nil {
			// Cancelled mid-record: neither a pass nor the engine's fault.
			fr.Err = err
			break
		}
		if ok {
			fr.Passed++
		} else {
			f.File, f.Line, f.SQL = file, rec.Line, rec.SQL
			fr.Failed++
			fr.count(f.Kind)
			switch f.Kind {
			case ParseError:
				fr.ParseErrors++
			case Timeout:
				fr.Timeouts++
			}
			fr.Failures = keep(fr.Failures, f, opts.MaxFailures)
		}
		if opts.Progress != nil {
			opts.Progress(Progress{File: file, Record: i + 1, Total: len(recs), Passed: fr.Passed, Failed: fr.Failed})
		}
	}
	fr.Duration = time.Since(start)
	return fr
}

type fileRun struct {
	db        DB
	opts      Options
	threshold int
	labels    map[string]string // label → result hash of its first passing query
}

type execOut struct {
	res      Result
	err      error
	panicked any
}

// exec runs one statement with the per-statement timeout. The call runs in
// its own goroutine so that an engine ignoring ctx cannot hang the file; if
// it never returns, that goroutine is abandoned (the engine is then in an
// unknown state, which later records will reveal).
func (r *fileRun) exec(ctx context.Context, sql string) (execOut, FailureKind) {
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	ch := make(chan execOut, 1)
	go func() {
		var out execOut
		defer func() {
			if p := recover(); p != nil {
				out.panicked = p
			}
			ch <- out
		}()
		out.res, out.err = r.db.Exec(cctx, sql)
	}()
	select {
	case out := <-ch:
		switch {
		case out.panicked != nil:
			out.err = fmt.Errorf("panic: %v", out.panicked)
			return out, EnginePanic
		case out.err != nil && cctx.Err() != nil && ctx.Err() == nil && errors.Is(out.err, context.DeadlineExceeded):
			return out, Timeout
		case out.err != nil && lferr.CodeOf(out.err) == lferr.SyntaxError:
			return out, ParseError
		case out.err != nil:
			return out, UnexpectedError
		}
		return out, 0
	case <-cctx.Done():
		return execOut{err: fmt.Errorf("no answer within %v", r.opts.Timeout)}, Timeout
	}
}

// record executes one statement or query and reports whether it passed.
func (r *fileRun) record(ctx context.Context, rec *Record) (Failure, bool) {
	out, kind := r.exec(ctx, rec.SQL)
	if rec.Kind == Statement {
		if rec.ExpectError {
			switch kind {
			case 0:
				return Failure{Kind: WrongResult, Detail: "statement succeeded, expected an error"}, false
			case Timeout, EnginePanic:
				// A hang or a crash is not the error the script expects.
				return Failure{Kind: kind, Err: out.err, Detail: "expected an error"}, false
			}
			return Failure{}, true
		}
		if kind != 0 {
			return Failure{Kind: kind, Err: out.err, Detail: "statement failed"}, false
		}
		return Failure{}, true
	}
	if kind != 0 {
		return Failure{Kind: kind, Err: out.err, Expected: rec.Expected, Detail: "query failed"}, false
	}
	return r.check(rec, out.res)
}

// check compares a query result with the record's expectation.
func (r *fileRun) check(rec *Record, res Result) (Failure, bool) {
	ncols := len(rec.Types)
	width := res.Columns
	if width == 0 && len(res.Rows) > 0 {
		width = len(res.Rows[0])
	}
	wrong := func(detail string, got []string) (Failure, bool) {
		return Failure{Kind: WrongResult, Expected: rec.Expected, Got: got, Detail: detail}, false
	}
	if width != 0 && width != ncols {
		return wrong(fmt.Sprintf("%d result columns, the type string %q declares %d", width, rec.Types, ncols), nil)
	}
	for i, row := range res.Rows {
		if len(row) != ncols {
			return wrong(fmt.Sprintf("row %d has %d values, the type string %q declares %d", i+1, len(row), rec.Types, ncols), nil)
		}
	}
	vals := SortValues(RenderRows(res.Rows, rec.Types), ncols, rec.Sort)
	var got []string
	if r.threshold > 0 && len(vals) > r.threshold {
		got = []string{HashLine(vals)}
	} else {
		got = vals
	}
	if !equalLines(got, rec.Expected) {
		detail := "values differ"
		if len(got) != len(rec.Expected) {
			detail = fmt.Sprintf("%d result lines, expected %d", len(got), len(rec.Expected))
		}
		return wrong(detail, got)
	}
	if rec.Label != "" {
		h := HashValues(vals)
		if prev, ok := r.labels[rec.Label]; ok && prev != h {
			return wrong(fmt.Sprintf("label %s: result hash %s differs from the earlier query's %s", rec.Label, h, prev), got)
		} else if !ok {
			// Recorded only from a passing query, so one wrong variant does
			// not also fail its correct twins.
			r.labels[rec.Label] = h
		}
	}
	return Failure{}, true
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
