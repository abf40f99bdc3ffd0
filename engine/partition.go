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
	// Per-batch scratch, reused: the key values of the current row and of
	// the previous one (consecutive rows usually share a partition, so the
	// directory is rendered only when the values change).
	cur := make([]types.Value, len(keyNames))
	prev := make([]types.Value, len(keyNames))
	groups := map[string][]int32{}
	err = exec.Run(ctx, op, func(b *exec.Batch) error {
		if b.Len() == 0 {
			return nil
		}
		arrs, n, err := exec.Densify(env.Alloc, b, ts)
		if err != nil {
			return err
		}
		defer releaseAll(arrs)
		for k := range groups {
			groups[k] = groups[k][:0]
		}
		var dirs []string // directories of this batch, first-seen order
		prevDir := ""
		for i := 0; i < n; i++ {
			for k := range keyNames {
				v, err := arrowValue(arrs[nData+k], i, ts[nData+k])
				if err != nil {
					return err
				}
				cur[k] = v
			}
			if prevDir == "" || !sameValues(cur, prev) {
				if prevDir, err = storage.PartitionDir(keyNames, cur); err != nil {
					return err
				}
				copy(prev, cur)
				if _, ok := writers[prevDir]; !ok {
					pw, err := newPartWriter(ctx, store, prevDir, cur, dataCols)
					if err != nil {
						return err
					}
					writers[prevDir] = pw
					order = append(order, pw)
				}
			}
			g := groups[prevDir]
			if len(g) == 0 {
				dirs = append(dirs, prevDir)
			}
			groups[prevDir] = append(g, int32(i))
		}
		for _, dir := range dirs {
			sel := groups[dir]
			part := &exec.Batch{Cols: arrs[:nData], N: n, Sel: sel}
			out, m, err := exec.Densify(env.Alloc, part, ts[:nData])
			if err != nil {
				return err
			}
			rec := array.NewRecordBatch(schema, out, int64(m))
			releaseAll(out)
			err = writers[dir].w.Write(rec)
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
		pw.vals[i] = catalogValue(v)
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
	files, err := parquetio.DataFiles(ctx, st, dir)
	if err != nil || len(files) < compactAfter {
		return
	}
	_, _ = parquetio.Compact(ctx, st, dir, parquetio.CompactOptions{MinFiles: compactAfter, Grace: parquetio.DefaultGrace})
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
