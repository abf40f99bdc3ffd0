package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

func (s *Session) insert(ctx context.Context, st *planner.Insert) (*Rows, error) {
	if len(st.Table.PartitionKeys) > 0 {
		return s.insertPartitioned(ctx, st)
	}
	unlock := s.e.lockTable(tableLocation(st.Table))
	defer unlock()
	n, store, err := s.writeQuery(ctx, st.Table, st.Source)
	if err != nil {
		return nil, err
	}
	s.compactSmallFiles(ctx, store)
	return &Rows{Affected: n, Message: fmt.Sprintf("%d rows inserted", n)}, nil
}

// writeQuery runs src and writes its rows as one new Parquet file under the
// table's location. The file appears atomically when complete, so a failed
// statement leaves the table as it was.
// It returns the table's store (opened with the write's credentials) for
// the compaction that may follow.
func (s *Session) writeQuery(ctx context.Context, t *api.Table, src plan.Node) (int64, storage.Store, error) {
	cols, _, err := tableColumns(t)
	if err != nil {
		return 0, nil, err
	}
	if got := len(src.Schema()); got != len(cols) {
		return 0, nil, lferr.AssertionFailedf("insert source has %d columns, table %s has %d", got, t.Name, len(cols))
	}
	// The table's store first: a refused write moves no data.
	st, err := s.cur.store(ctx, t.DatabaseName, t.Name, tableLocation(t), []string{"INSERT"})
	if err != nil {
		return 0, nil, err
	}
	env := s.newEnv(ctx)
	op, err := exec.Build(src, env)
	if err != nil {
		return 0, nil, err
	}
	var w *parquetio.Writer
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	schema, err := batchSchema(cols)
	if err != nil {
		op.Close()
		return 0, nil, err
	}
	var rows int64
	err = exec.Run(ctx, op, func(b *exec.Batch) error {
		if b.Len() == 0 {
			return nil
		}
		if w == nil {
			name := parquetio.NewFileName()
			out, err := st.Create(ctx, name)
			if err != nil {
				return err
			}
			if w, err = parquetio.NewWriter(out, name, cols, parquetio.WriterOptions{}); err != nil {
				return err
			}
		}
		arrs, n, err := exec.Densify(env.Alloc, b, ts)
		if err != nil {
			return err
		}
		rec := array.NewRecordBatch(schema, arrs, int64(n))
		for _, a := range arrs {
			a.Release()
		}
		defer rec.Release()
		rows += int64(n)
		return w.Write(rec)
	})
	if err != nil {
		if w != nil {
			_ = w.Abort()
		}
		return 0, nil, err
	}
	if w != nil {
		if err := w.Commit(); err != nil {
			return 0, nil, err
		}
	}
	return rows, st, nil
}

func batchSchema(cols []parquetio.Column) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.T.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// rewrite implements DELETE (set == nil) and UPDATE by copy-on-write: every
// data file with at least one affected row is rewritten without (or with
// updated) those rows; untouched files stay. New files are committed before
// old ones are removed.
func (s *Session) rewrite(ctx context.Context, t *api.Table, where plan.Expr, set map[int]plan.Expr) (*Rows, error) {
	if len(t.PartitionKeys) > 0 {
		return s.rewritePartitioned(ctx, t, where, set)
	}
	cols, _, err := tableColumns(t)
	if err != nil {
		return nil, err
	}
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	schema, err := batchSchema(cols)
	if err != nil {
		return nil, err
	}
	env := s.newEnv(ctx)
	pred, setters, perms, err := compileRewrite(env, len(cols), where, set)
	if err != nil {
		return nil, err
	}
	st, err := s.cur.store(ctx, t.DatabaseName, t.Name, tableLocation(t), perms)
	if err != nil {
		return nil, err
	}
	unlock := s.e.lockTable(tableLocation(t))
	defer unlock()
	files, err := parquetio.DataFiles(ctx, st, "")
	if err != nil {
		return nil, err
	}
	// First pass: which files hold affected rows? Untouched files stay.
	var affected int64
	var replaced []string
	for _, o := range files {
		if strings.Contains(o.Key, "/") {
			continue // unpartitioned tables keep their files at the root
		}
		n, err := s.countFile(ctx, st, o.Key, cols, pred, env)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			affected += n
			replaced = append(replaced, o.Key)
		}
	}
	if len(replaced) > 0 {
		// Second pass: the kept (or updated) rows of every affected file go
		// into one new file, swapped in atomically for readers.
		_, _, err = parquetio.ReplaceFiles(ctx, st, "", replaced, cols, func(w *parquetio.Writer) error {
			for _, key := range replaced {
				if err := s.rewriteFile(ctx, st, key, w, ts, schema, pred, setters, env); err != nil {
					return err
				}
			}
			return nil
		}, parquetio.CompactOptions{Grace: parquetio.DefaultGrace})
		if err != nil {
			return nil, err
		}
	}
	verb := "deleted"
	if set != nil {
		verb = "updated"
	}
	return &Rows{Affected: affected, Message: fmt.Sprintf("%d rows %s", affected, verb)}, nil
}

// countFile counts the rows of one file that pred selects.
func (s *Session) countFile(ctx context.Context, st storage.Store, key string, cols []parquetio.Column, pred exec.Evaluator, env *exec.Env) (int64, error) {
	f, err := parquetio.OpenObject(ctx, st, key, env.Alloc)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return countMatches(ctx, f, cols, pred)
}

// rewriteFile copies one file's rows into w: without the matching rows for
// DELETE, with the SET expressions applied to them for UPDATE.
func (s *Session) rewriteFile(ctx context.Context, st storage.Store, key string, w *parquetio.Writer, ts []types.T,
	schema *arrow.Schema, pred exec.Evaluator, setters []exec.Evaluator, env *exec.Env) error {
	cols := make([]parquetio.Column, len(ts))
	for i, f := range schema.Fields() {
		cols[i] = parquetio.Column{Name: f.Name, T: ts[i]}
	}
	f, err := parquetio.OpenObject(ctx, st, key, env.Alloc)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := f.NewReader(ctx, parquetio.ReadOptions{Columns: cols})
	if err != nil {
		return err
	}
	defer r.Close()
	update := hasSetter(setters)
	for {
		rec, err := r.Next()
		if err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		b := &exec.Batch{Cols: rec.Columns(), N: int(rec.NumRows())}
		hit, err := matchMask(b, pred)
		if err != nil {
			return err
		}
		var arrs []arrow.Array
		n := b.N
		if !update {
			// DELETE: keep the rows that do not match.
			sel := make([]int32, 0, b.N)
			for i := 0; i < b.N; i++ {
				if !hit[i] {
					sel = append(sel, int32(i))
				}
			}
			if len(sel) == 0 {
				continue
			}
			b.Sel = sel
			if arrs, n, err = exec.Densify(env.Alloc, b, ts); err != nil {
				return err
			}
		} else if arrs, err = updateBatch(env, b, ts, setters, hit); err != nil {
			return err
		}
		out := array.NewRecordBatch(schema, arrs, int64(n))
		releaseAll(arrs)
		err = w.Write(out)
		out.Release()
		if err != nil {
			return err
		}
	}
}

func hasSetter(setters []exec.Evaluator) bool {
	for _, s := range setters {
		if s != nil {
			return true
		}
	}
	return false
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

func countMatches(ctx context.Context, f *parquetio.File, cols []parquetio.Column, pred exec.Evaluator) (int64, error) {
	if pred == nil {
		return f.NumRows(), nil
	}
	r, err := f.NewReader(ctx, parquetio.ReadOptions{Columns: cols})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var n int64
	for {
		rec, err := r.Next()
		if err != nil {
			return 0, err
		}
		if rec == nil {
			return n, nil
		}
		hit, err := matchMask(&exec.Batch{Cols: rec.Columns(), N: int(rec.NumRows())}, pred)
		if err != nil {
			return 0, err
		}
		for _, h := range hit {
			if h {
				n++
			}
		}
	}
}

// matchMask evaluates pred (nil: all rows) to a per-row "is true" mask.
func matchMask(b *exec.Batch, pred exec.Evaluator) ([]bool, error) {
	hit := make([]bool, b.N)
	if pred == nil {
		for i := range hit {
			hit[i] = true
		}
		return hit, nil
	}
	arr, err := pred.Eval(b)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	bools, ok := arr.(*array.Boolean)
	if !ok {
		if arr.DataType().ID() == arrow.NULL {
			return hit, nil
		}
		return nil, lferr.AssertionFailedf("WHERE evaluated to %s, not boolean", arr.DataType())
	}
	for i := 0; i < b.N; i++ {
		hit[i] = bools.IsValid(i) && bools.Value(i)
	}
	return hit, nil
}

// updateBatch returns the batch's columns with the SET expressions applied
// on the matching rows.
func updateBatch(env *exec.Env, b *exec.Batch, ts []types.T, setters []exec.Evaluator, hit []bool) ([]arrow.Array, error) {
	base, _, err := exec.Densify(env.Alloc, b, ts)
	if err != nil {
		return nil, err
	}
	out := make([]arrow.Array, len(ts))
	for c, setter := range setters {
		if setter == nil {
			out[c] = base[c]
			base[c] = nil
			continue
		}
		nv, err := setter.Eval(b)
		if err != nil {
			releaseAll(base)
			releaseAll(out)
			return nil, err
		}
		merged, err := exec.Merge(env.Alloc, ts[c], hit, nv, base[c])
		nv.Release()
		if err != nil {
			releaseAll(base)
			releaseAll(out)
			return nil, err
		}
		out[c] = merged
	}
	releaseAll(base)
	return out, nil
}

// compactAfter is how many small files a table may accumulate before an
// INSERT compacts them: many small INSERTs must not make reads slow.
const compactAfter = 16

// compactSmallFiles merges the table's small files once there are enough of
// them. It runs after the INSERT committed; a failure only means the files
// stay small, so it is not reported to the statement.
func (s *Session) compactSmallFiles(ctx context.Context, st storage.Store) {
	files, err := parquetio.DataFiles(ctx, st, "")
	if err != nil || len(files) < compactAfter {
		return
	}
	_, _ = parquetio.Compact(ctx, st, "", parquetio.CompactOptions{MinFiles: compactAfter, Grace: parquetio.DefaultGrace})
}

// compileRewrite compiles a DELETE/UPDATE's WHERE (nil: every row) and SET
// expressions (indexed by table column) and returns the LF permissions the
// rewrite needs: DELETE, and for UPDATE, which rewrites rows, INSERT too.
func compileRewrite(env *exec.Env, ncols int, where plan.Expr, set map[int]plan.Expr) (pred exec.Evaluator, setters []exec.Evaluator, perms []string, err error) {
	if where != nil {
		if pred, err = exec.CompileExpr(where, env); err != nil {
			return nil, nil, nil, err
		}
	}
	setters = make([]exec.Evaluator, ncols)
	for i, e := range set {
		if i < 0 || i >= ncols {
			return nil, nil, nil, lferr.AssertionFailedf("update column %d out of range", i)
		}
		if setters[i], err = exec.CompileExpr(e, env); err != nil {
			return nil, nil, nil, err
		}
	}
	perms = []string{"DELETE"}
	if set != nil {
		perms = []string{"INSERT", "DELETE"}
	}
	return pred, setters, perms, nil
}
