package engine

import (
	"context"
	"errors"
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

// maxPartitionBatch is Glue's BatchCreatePartition limit per call.
const maxPartitionBatch = 100

// partWriter is the open output file of one partition directory.
type partWriter struct {
	dir  string // "k1=v1/k2=v2/", relative to the table location
	vals []string
	key  string // object key of the file, relative to the table location
	w    *parquetio.Writer
	sel  []int32 // rows of the current batch for this partition (scratch)
}

// insertPartitioned writes the source rows of an INSERT into a partitioned
// table: one new Parquet file per partition directory the rows fall into,
// holding the data columns only (the key values live in the path and the
// catalog). The files are committed first and the partitions they created
// are registered after; if registering fails, the new files are removed so
// the statement leaves no rows behind.
//
// It goes through the same store (rule 11/12 credential vending and the
// whole-table write check) as an unpartitioned INSERT: the read-write
// credentials are scoped to the table location, which covers every
// partition directory under it.
func (s *Session) insertPartitioned(ctx context.Context, st *planner.Insert) (*Rows, error) {
	t := st.Table
	cols, nData, err := tableColumns(t)
	if err != nil {
		return nil, err
	}
	if got := len(st.Source.Schema()); got != len(cols) {
		return nil, lferr.AssertionFailedf("insert source has %d columns, table %s has %d", got, t.Name, len(cols))
	}
	loc := tableLocation(t)
	if loc == "" {
		return nil, lferr.New(lferr.InvalidInput, "table %s.%s has no location to write to", t.DatabaseName, t.Name)
	}
	unlock := s.e.lockTable(loc)
	defer unlock()
	store, err := s.cur.store(ctx, t.DatabaseName, t.Name, loc, []string{"INSERT"})
	if err != nil {
		return nil, err
	}
	env := s.newEnv(ctx)
	op, err := exec.Build(st.Source, env)
	if err != nil {
		return nil, err
	}
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	dataCols := cols[:nData]
	schema, err := batchSchema(dataCols)
	if err != nil {
		op.Close()
		return nil, err
	}
	keyNames := make([]string, len(cols)-nData)
	for i := range keyNames {
		keyNames[i] = cols[nData+i].Name
	}

	writers := map[string]*partWriter{}
	var order []*partWriter // first-seen order, so catalog calls are deterministic
	abortAll := func() {
		for _, pw := range order {
			_ = pw.w.Abort()
		}
	}
	var rows int64
	// Scratch reused across rows: the key values of the current row and of
	// the previous one (consecutive rows usually share a partition, so the
	// directory is rendered and looked up only when the values change).
	cur := make([]types.Value, len(keyNames))
	prev := make([]types.Value, len(keyNames))
	var touched []*partWriter // partitions of the current batch, first-seen order
	err = exec.Run(ctx, op, func(b *exec.Batch) error {
		if b.Len() == 0 {
			return nil
		}
		arrs, n, err := exec.Densify(env.Alloc, b, ts)
		if err != nil {
			return err
		}
		defer releaseAll(arrs)
		touched = touched[:0]
		var pw *partWriter
		for i := 0; i < n; i++ {
			for k := range keyNames {
				v, err := arrowValue(arrs[nData+k], i, ts[nData+k])
				if err != nil {
					return err
				}
				cur[k] = v
			}
			if pw == nil || !sameValues(cur, prev) {
				dir, err := storage.PartitionDir(keyNames, cur)
				if err != nil {
					return err
				}
				copy(prev, cur)
				if pw = writers[dir]; pw == nil {
					if pw, err = newPartWriter(ctx, store, dir, cur, dataCols); err != nil {
						return err
					}
					writers[dir] = pw
					order = append(order, pw)
				}
			}
			if len(pw.sel) == 0 {
				touched = append(touched, pw)
			}
			pw.sel = append(pw.sel, int32(i))
		}
		for _, pw := range touched {
			part := &exec.Batch{Cols: arrs[:nData], N: n, Sel: pw.sel}
			pw.sel = pw.sel[:0] // the scratch is reused by the next batch
			out, m, err := exec.Densify(env.Alloc, part, ts[:nData])
			if err != nil {
				return err
			}
			rec := array.NewRecordBatch(schema, out, int64(m))
			releaseAll(out)
			err = pw.w.Write(rec)
			rec.Release()
			if err != nil {
				return err
			}
			rows += int64(m)
		}
		return nil
	})
	if err != nil {
		abortAll()
		return nil, err
	}
	var committed []string
	undo := func() {
		// Best effort: a file that cannot be deleted here is left to the
		// administrator; the statement still fails.
		for _, key := range committed {
			_ = store.Delete(ctx, key)
		}
	}
	for i, pw := range order {
		if err := pw.w.Commit(); err != nil {
			for _, rest := range order[i+1:] {
				_ = rest.w.Abort()
			}
			undo()
			return nil, err
		}
		committed = append(committed, pw.key)
	}
	if err := s.registerPartitions(ctx, t, loc, order); err != nil {
		undo()
		return nil, err
	}
	for _, pw := range order {
		s.compactPartition(ctx, store, pw.dir)
	}
	return &Rows{Affected: rows, Message: fmt.Sprintf("%d rows inserted", rows)}, nil
}

func newPartWriter(ctx context.Context, st storage.Store, dir string, vals []types.Value, cols []parquetio.Column) (*partWriter, error) {
	pw := &partWriter{dir: dir, vals: make([]string, len(vals))}
	for i, v := range vals {
		// A string value aliases the batch's Arrow buffer; the catalog
		// call comes after the batch is released.
		pw.vals[i] = strings.Clone(catalogValue(v))
	}
	name := parquetio.NewFileName()
	pw.key = dir + name
	out, err := st.Create(ctx, pw.key)
	if err != nil {
		return nil, err
	}
	if pw.w, err = parquetio.NewWriter(out, name, cols, parquetio.WriterOptions{}); err != nil {
		return nil, err
	}
	return pw, nil
}

// catalogValue is a partition value as the catalog stores it: the text
// the Hive directory holds before escaping, NULL (and "", which Hive
// cannot tell from NULL) as __HIVE_DEFAULT_PARTITION__.
func catalogValue(v types.Value) string {
	if v.Null || (v.Kind == types.String && v.S == "") {
		return storage.HiveDefaultPartition
	}
	return v.String()
}

// registerPartitions creates the catalog partitions of the directories
// written that the table does not have yet. BatchCreatePartition is all or
// nothing, so existing partitions are left out of the request; one that
// appeared meanwhile (another engine writing) is re-listed and retried.
func (s *Session) registerPartitions(ctx context.Context, t *api.Table, loc string, written []*partWriter) error {
	base := strings.TrimSuffix(loc, "/") + "/"
	for attempt := 0; ; attempt++ {
		existing, err := s.cur.client().GetPartitions(ctx, t.DatabaseName, t.Name, "")
		if err != nil {
			return err
		}
		have := make(map[string]bool, len(existing))
		for _, p := range existing {
			have[strings.Join(p.Values, "\x00")] = true
		}
		var in []api.PartitionInput
		for _, pw := range written {
			if have[strings.Join(pw.vals, "\x00")] {
				continue
			}
			in = append(in, api.PartitionInput{
				Values:            pw.vals,
				StorageDescriptor: partitionSD(t, base+pw.dir),
			})
		}
		for len(in) > 0 {
			n := min(len(in), maxPartitionBatch)
			err = s.cur.client().BatchCreatePartition(ctx, t.DatabaseName, t.Name, in[:n])
			if err != nil {
				break
			}
			in = in[n:]
		}
		if err == nil {
			return nil
		}
		if lferr.CodeOf(err) != lferr.AlreadyExists || attempt > 0 {
			return err
		}
	}
}

// partitionSD is the table's storage descriptor at a partition's location.
func partitionSD(t *api.Table, location string) *api.StorageDescriptor {
	sd := api.StorageDescriptor{}
	if t.StorageDescriptor != nil {
		sd = *t.StorageDescriptor
		sd.Columns = append([]api.Column(nil), t.StorageDescriptor.Columns...)
	}
	sd.Location = location
	return &sd
}

// compactPartition merges a partition directory's small files once there
// are enough of them (see compactSmallFiles); failures only leave them small.
func (s *Session) compactPartition(ctx context.Context, st storage.Store, dir string) {
	// Rooted at the partition, as scans open it: compaction manifests
	// name files relative to their directory's store.
	pst, err := storage.Sub(st, dir)
	if err != nil {
		return
	}
	s.compactSmallFiles(ctx, pst)
}

func sameValues(a, b []types.Value) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// arrowValue reads row i of a dense column of type t (as exec.Densify
// produces it) as a Value: partition keys are few and rendered once per
// change of value, so this is not on the per-row data path.
func arrowValue(a arrow.Array, i int, t types.T) (types.Value, error) {
	if a.IsNull(i) {
		return types.Value{Kind: t.Kind, Null: true}, nil
	}
	switch x := a.(type) {
	case *array.Boolean:
		return types.NewBool(x.Value(i)), nil
	case *array.Int64:
		return types.NewInt(x.Value(i)), nil
	case *array.Float64:
		return types.Value{Kind: t.Kind, F: x.Value(i)}, nil
	case *array.String:
		return types.NewString(x.Value(i)), nil
	case *array.LargeString:
		return types.NewString(x.Value(i)), nil
	case *array.Date32:
		return types.NewDate(int64(x.Value(i))), nil
	case *array.Timestamp:
		return types.NewTimestamp(int64(x.Value(i))), nil
	}
	return types.Value{}, lferr.New(lferr.Unsupported, "partition key of type %s (%s) cannot be written", t, a.DataType())
}

// partDir is one catalog partition of a table being rewritten: its
// directory relative to the table location and its typed key values.
type partDir struct {
	dir  string
	vals []types.Value
}

// tablePartitions lists the table's catalog partitions (what reads see)
// as directories under the table location. A partition stored elsewhere
// is refused: the credentials vended for the table location do not reach
// it, and skipping it would leave rows a DELETE or UPDATE should change.
func (s *Session) tablePartitions(ctx context.Context, t *api.Table, loc string, keyTypes []types.T) ([]partDir, error) {
	parts, err := s.cur.client().GetPartitions(ctx, t.DatabaseName, t.Name, "")
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(loc, "/") + "/"
	out := make([]partDir, 0, len(parts))
	seen := map[string]bool{}
	for _, p := range parts {
		if len(p.Values) != len(keyTypes) {
			return nil, lferr.New(lferr.InvalidInput, "partition %v of %s.%s has %d values for %d keys", p.Values, t.DatabaseName, t.Name, len(p.Values), len(keyTypes))
		}
		ploc := ""
		if p.StorageDescriptor != nil {
			ploc = strings.TrimSuffix(p.StorageDescriptor.Location, "/") + "/"
		}
		if !strings.HasPrefix(ploc, base) || ploc == base {
			return nil, lferr.New(lferr.Unsupported, "partition %v of %s.%s is stored at %q, outside the table location %q: DELETE/UPDATE can only rewrite partitions under the table location",
				p.Values, t.DatabaseName, t.Name, ploc, base)
		}
		dir := strings.TrimPrefix(ploc, base)
		if err := storage.CheckPrefix(dir); err != nil {
			return nil, err
		}
		if seen[dir] {
			continue
		}
		seen[dir] = true
		vals := make([]types.Value, len(keyTypes))
		for i, raw := range p.Values {
			sv := types.NewString(raw)
			if raw == storage.HiveDefaultPartition {
				sv = types.Value{Kind: types.String, Null: true}
			}
			if vals[i], err = storage.ParsePartitionValue(sv, keyTypes[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, partDir{dir: dir, vals: vals})
	}
	return out, nil
}

// rewritePartitioned is rewrite (DELETE, UPDATE) for a partitioned table:
// copy-on-write per partition directory. WHERE and SET see the data
// columns read from the files and the partition keys as constant columns
// of each partition. Changing a partition key would move rows between
// directories, which is refused.
func (s *Session) rewritePartitioned(ctx context.Context, t *api.Table, where plan.Expr, set map[int]plan.Expr) (*Rows, error) {
	cols, nData, err := tableColumns(t)
	if err != nil {
		return nil, err
	}
	for i := range set {
		if i >= nData && i < len(cols) {
			return nil, lferr.New(lferr.Unsupported, "UPDATE of partition key %s of %s.%s is not supported: it would move rows to another partition (DELETE and INSERT them instead)", cols[i].Name, t.DatabaseName, t.Name)
		}
	}
	loc := tableLocation(t)
	if loc == "" {
		return nil, lferr.New(lferr.InvalidInput, "table %s.%s has no location to write to", t.DatabaseName, t.Name)
	}
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	dataCols := cols[:nData]
	schema, err := batchSchema(dataCols)
	if err != nil {
		return nil, err
	}
	env := s.newEnv(ctx)
	pred, setters, perms, err := compileRewrite(env, len(cols), where, set)
	if err != nil {
		return nil, err
	}
	st, err := s.cur.store(ctx, t.DatabaseName, t.Name, loc, perms)
	if err != nil {
		return nil, err
	}
	unlock := s.e.lockTable(loc)
	defer unlock()
	parts, err := s.tablePartitions(ctx, t, loc, ts[nData:])
	if err != nil {
		return nil, err
	}
	pr := &partRewrite{s: s, st: st, env: env, ts: ts, nData: nData, dataCols: dataCols, schema: schema, pred: pred, setters: setters}
	var affected int64
	for _, p := range parts {
		n, err := pr.partition(ctx, p)
		if err != nil {
			return nil, err
		}
		affected += n
	}
	verb := "deleted"
	if set != nil {
		verb = "updated"
	}
	return &Rows{Affected: affected, Message: fmt.Sprintf("%d rows %s", affected, verb)}, nil
}

// partRewrite carries one DELETE/UPDATE over the partitions of a table.
type partRewrite struct {
	s        *Session
	st       storage.Store
	env      *exec.Env
	ts       []types.T // data columns then partition keys
	nData    int
	dataCols []parquetio.Column
	schema   *arrow.Schema // of the data columns, as files hold them
	pred     exec.Evaluator
	setters  []exec.Evaluator
}

// partition rewrites the files of one partition directory holding
// affected rows, and returns how many rows were affected.
func (pr *partRewrite) partition(ctx context.Context, p partDir) (int64, error) {
	// Rooted at the partition, as scans open it: the rewrite's manifest
	// names files relative to their directory's store, and a scan of the
	// partition must recognize the files it replaced.
	st, err := storage.Sub(pr.st, p.dir)
	if err != nil {
		return 0, err
	}
	files, err := parquetio.DataFiles(ctx, st, "")
	if err != nil {
		return 0, err
	}
	// First pass: which files hold an affected row? Untouched files stay.
	var replaced []string
	for _, o := range files {
		if strings.Contains(o.Key, "/") {
			continue // a deeper directory is not this partition's
		}
		_, err := pr.eachBatch(ctx, st, o.Key, p, func(b *exec.Batch) error {
			hit, err := matchMask(b, pr.pred)
			if err != nil {
				return err
			}
			for _, h := range hit {
				if h {
					return errHit
				}
			}
			return nil
		})
		switch {
		case err == errHit:
			replaced = append(replaced, o.Key)
		case err != nil:
			return 0, err
		}
	}
	if len(replaced) == 0 {
		return 0, nil
	}
	// Second pass: the kept (or updated) rows of the affected files go
	// into one new file of the directory, swapped in atomically.
	var affected int64
	update := hasSetter(pr.setters)
	_, _, err = parquetio.ReplaceFiles(ctx, st, "", replaced, pr.dataCols, func(w *parquetio.Writer) error {
		for _, key := range replaced {
			_, err := pr.eachBatch(ctx, st, key, p, func(b *exec.Batch) error {
				hit, err := matchMask(b, pr.pred)
				if err != nil {
					return err
				}
				var arrs []arrow.Array
				n := b.N
				if !update {
					sel := make([]int32, 0, b.N)
					for i := 0; i < b.N; i++ {
						if !hit[i] {
							sel = append(sel, int32(i))
						} else {
							affected++
						}
					}
					if len(sel) == 0 {
						return nil
					}
					data := &exec.Batch{Cols: b.Cols[:pr.nData], N: b.N, Sel: sel}
					if arrs, n, err = exec.Densify(pr.env.Alloc, data, pr.ts[:pr.nData]); err != nil {
						return err
					}
				} else {
					for _, h := range hit {
						if h {
							affected++
						}
					}
					all, err := updateBatch(pr.env, b, pr.ts, pr.setters, hit)
					if err != nil {
						return err
					}
					// The key columns are constants of the directory.
					releaseAll(all[pr.nData:])
					arrs = all[:pr.nData]
				}
				out := array.NewRecordBatch(pr.schema, arrs, int64(n))
				releaseAll(arrs)
				err = w.Write(out)
				out.Release()
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	}, parquetio.CompactOptions{Grace: parquetio.DefaultGrace})
	if err != nil {
		return 0, err
	}
	return affected, nil
}

// errHit stops the first pass over a file at its first affected row.
var errHit = errors.New("affected row found")

// eachBatch reads one file of partition p and calls fn with batches of the
// data columns followed by the partition keys as constant columns.
func (pr *partRewrite) eachBatch(ctx context.Context, st storage.Store, key string, p partDir, fn func(b *exec.Batch) error) (int64, error) {
	f, err := parquetio.OpenObject(ctx, st, key, pr.env.Alloc)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := f.NewReader(ctx, parquetio.ReadOptions{Columns: pr.dataCols})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var rows int64
	cols := make([]arrow.Array, len(pr.ts))
	for {
		rec, err := r.Next()
		if err != nil {
			return rows, err
		}
		if rec == nil {
			return rows, nil
		}
		n := int(rec.NumRows())
		copy(cols, rec.Columns())
		for k, v := range p.vals {
			if cols[pr.nData+k], err = constArray(pr.env, v, pr.ts[pr.nData+k], n); err != nil {
				releaseAll(cols[pr.nData : pr.nData+k])
				return rows, err
			}
		}
		err = fn(&exec.Batch{Cols: cols, N: n})
		releaseAll(cols[pr.nData:])
		rows += int64(n)
		if err != nil {
			return rows, err
		}
	}
}

// constArray is a column of n copies of v, of type t as exec lays it out.
func constArray(env *exec.Env, v types.Value, t types.T, n int) (arrow.Array, error) {
	mem := env.Alloc
	switch t.Kind {
	case types.Bool:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(v.I != 0) })
		return b.NewArray(), nil
	case types.Int64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(v.I) })
		return b.NewArray(), nil
	case types.Float64, types.Decimal:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(v.F) })
		return b.NewArray(), nil
	case types.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(v.S) })
		return b.NewArray(), nil
	case types.Date:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(arrow.Date32(v.I)) })
		return b.NewArray(), nil
	case types.Timestamp:
		b := array.NewTimestampBuilder(mem, t.Arrow().(*arrow.TimestampType))
		defer b.Release()
		fill(b, v.Null, n, func() { b.Append(arrow.Timestamp(v.I)) })
		return b.NewArray(), nil
	}
	return nil, lferr.New(lferr.Unsupported, "partition key of type %s cannot be read for DELETE/UPDATE", t)
}

// fill appends n NULLs, or n copies through one.
func fill(b array.Builder, null bool, n int, one func()) {
	b.Reserve(n)
	if null {
		b.AppendNulls(n)
		return
	}
	for i := 0; i < n; i++ {
		one()
	}
}
