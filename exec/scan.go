package exec

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// scanOp reads the Parquet files of a table (or of its surviving
// partitions) one file and one bounded batch at a time: only the needed
// columns, only the row groups the prune filters cannot rule out, with
// string columns kept dictionary-encoded when the file stores them that way.
// Arrow types are normalized to sluice's physical layouts (see planner/types).
// When the plan carries a SecureScan, the policy is applied to each batch
// before it leaves the operator (see scan_secure.go).
type scanOp struct {
	node *plan.Scan
	env  *Env
	mem  memory.Allocator
	ctx  context.Context

	// DisablePruning reads every row group (tests compare results with and
	// without pruning).
	disablePruning bool

	units   []scanUnit
	unit    int
	files   []storage.ObjectInfo
	fileIdx int
	store   storage.Store

	cur      *scanFile
	unitVals []types.Value // partition values of the current unit
	consts   []arrow.Array // per column: cached partition constant / NULL column, or nil

	prune []parquetio.Constraint // PruneFilters usable on statistics, indexed by file column

	sec   *secureScan
	out   []arrow.Array // arrays owned for the current batch
	batch Batch

	// statistics for tests and EXPLAIN ANALYZE-style reporting
	stats ScanStats

	// per-query cache (scan_cache.go)
	replay     []Batch
	replayPos  int
	replayCols []arrow.Array
	recording  bool
	recorded   []Batch
	recRows    int
	cacheKey   scanCacheKey
}

// ScanStats counts what a scan read.
type ScanStats struct {
	Files, RowGroups, RowGroupsPruned int
	CachedFiles                       int // files served from the decoded-file cache
	Rows                              int64
}

// scanUnit is one location to list: the table location, or a partition.
type scanUnit struct {
	location string
	values   []types.Value // partition values by scan column index (nil: not a partition)
}

func newScanOp(n *plan.Scan, env *Env) (Operator, error) {
	o := &scanOp{node: n, env: env, mem: env.allocator()}
	if n.Secure != nil {
		// Rule 9: a protected table is never counted from file metadata. A
		// secure scan always reads the authorized columns; one that reads no
		// file column at all is a planner bug, refused rather than answered.
		if cols, _ := o.fileCols(); len(cols) == 0 {
			return nil, lferr.AssertionFailedf("secure scan of %s.%s reads no file column", n.Database, n.Table)
		}
		s, err := newSecureScan(n, env)
		if err != nil {
			return nil, err
		}
		o.sec = s
	}
	o.prune = o.constraints()
	return o, nil
}

func (o *scanOp) Init(ctx context.Context) error {
	o.ctx = ctx
	if ctx == nil {
		o.ctx = o.env.context()
	}
	n := o.node
	if !n.Partitioned {
		o.units = []scanUnit{{location: n.Location}}
	} else {
		for _, p := range n.Partitions {
			vals, err := scanPartitionValues(n, p)
			if err != nil {
				return err
			}
			o.units = append(o.units, scanUnit{location: p.Location, values: vals})
		}
	}
	o.replay, o.recording, o.cacheKey = cacheRun(o.env, n)
	if o.replay != nil {
		// Replaying what this query already read: still resolve every
		// store, so the engine's credential checks run as on a real read.
		for _, u := range o.units {
			if o.env.Storage == nil {
				return lferr.New(lferr.StorageError, "no storage resolver to read %s", u.location)
			}
			if _, err := o.env.Storage.StoreFor(o.ctx, n, u.location); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanPartitionValues maps a partition's key values to the scan's partition-key
// columns. Values are in the table's partition-key order. When the scan
// reads every partition key, the k-th partition-key column takes Values[k];
// when it reads only some, each is located by name in the partition's Hive
// path (".../key=value/...") to find its position.
func scanPartitionValues(n *plan.Scan, p plan.PartitionRef) ([]types.Value, error) {
	var pk []int
	for i, c := range n.Columns {
		if c.PartitionKey {
			pk = append(pk, i)
		}
	}
	vals := make([]types.Value, len(n.Columns))
	if len(pk) == len(p.Values) {
		for k, i := range pk {
			vals[i] = p.Values[k]
		}
		return vals, nil
	}
	// Positions of key=value segments in the location, in order.
	var keys []string
	for _, seg := range strings.Split(strings.TrimRight(p.Location, "/"), "/") {
		if k, _, ok := strings.Cut(seg, "="); ok {
			keys = append(keys, strings.ToLower(k))
		}
	}
	if len(keys) > len(p.Values) {
		keys = keys[len(keys)-len(p.Values):]
	}
	for _, i := range pk {
		name := strings.ToLower(n.Columns[i].Name)
		found := false
		for k, key := range keys {
			if key == name && k < len(p.Values) {
				vals[i] = p.Values[k]
				found = true
				break
			}
		}
		if !found {
			if n.Secure != nil { // the key may be hidden (rule 8)
				return nil, lferr.New(lferr.InvalidInput, "a partition of %s.%s lacks a partition key value", n.Database, n.Table)
			}
			return nil, lferr.New(lferr.InvalidInput, "partition %s of %s.%s has no value for partition key %s", p.Location, n.Database, n.Table, n.Columns[i].Name)
		}
	}
	return vals, nil
}

// nextFile opens the next file to read, moving through units; false at the end.
func (o *scanOp) nextFile() (bool, error) {
	for {
		if o.store != nil && o.fileIdx < len(o.files) {
			info := o.files[o.fileIdx]
			o.fileIdx++
			f, err := o.openFile(info)
			if err != nil {
				return false, err
			}
			if f == nil { // every row group pruned, or empty file
				continue
			}
			o.cur = f
			return true, nil
		}
		if o.unit >= len(o.units) {
			return false, nil
		}
		u := o.units[o.unit]
		o.unit++
		if o.env == nil || o.env.Storage == nil {
			return false, lferr.New(lferr.StorageError, "no storage resolver to read %s", u.location)
		}
		st, err := o.env.Storage.StoreFor(o.ctx, o.node, u.location)
		if err != nil {
			return false, err
		}
		// DataFiles, not List: it honours compaction manifests, so a scan
		// racing a compaction sees every row exactly once.
		objs, err := parquetio.DataFiles(o.ctx, st, "")
		if err != nil {
			if o.node.Secure != nil {
				return false, o.fileErr("", err, "cannot list the data files")
			}
			if lferr.CodeOf(err) != "" {
				return false, err
			}
			return false, lferr.Wrap(lferr.StorageError, err, "cannot list %s: %v", u.location, err)
		}
		o.store, o.files, o.fileIdx = st, o.files[:0], 0
		for _, ob := range objs {
			if scanIsDataFile(ob) {
				o.files = append(o.files, ob)
			}
		}
		o.releaseConsts()
		o.unitVals = u.values
		o.buildConsts(u)
	}
}

// scanIsDataFile skips hidden and bookkeeping objects (_SUCCESS, .crc, _tmp/...),
// like Hive and Spark do, and empty objects.
func scanIsDataFile(ob storage.ObjectInfo) bool {
	if ob.Size == 0 {
		return false
	}
	for _, seg := range strings.Split(ob.Key, "/") {
		if storage.Hidden(seg) {
			return false
		}
	}
	return true
}

func (o *scanOp) releaseConsts() {
	for i, a := range o.consts {
		if a != nil {
			a.Release()
			o.consts[i] = nil
		}
	}
}

// buildConsts prepares BatchSize-long constant arrays for the partition-key
// columns of unit u; batches take slices of them.
func (o *scanOp) buildConsts(u scanUnit) {
	if o.consts == nil {
		o.consts = make([]arrow.Array, len(o.node.Columns))
	}
	if u.values == nil {
		return
	}
	for i, c := range o.node.Columns {
		if !c.PartitionKey {
			continue
		}
		o.consts[i] = opConstArray(o.mem, c.T, u.values[i], BatchSize)
	}
}

// opConstArray is an array of n copies of v (converted to t; an unconvertible
// value becomes NULL rather than a wrong value).
func opConstArray(mem memory.Allocator, t types.T, v types.Value, n int) arrow.Array {
	m := newMcol(t)
	one := newMcol(t)
	if err := one.appendValue(v); err != nil {
		one = newMcol(t)
		one.appendNull()
	}
	for i := 0; i < n; i++ {
		m.appendFrom(one, 0)
	}
	return m.toArrow(mem, nil)
}

// scanFile is one open Parquet file being read.
type scanFile struct {
	key  string
	info storage.ObjectInfo
	pf   *parquetio.File
	rd   *parquetio.Reader
	// tiny: one row group of at most one batch; its columns go to the
	// decoded-file cache after reading (scan_cache.go).
	tiny bool
	rows int64 // rows in the file
	// cached: the file's columns from the cache, emitted as one batch.
	cached []arrow.Array
	done   bool
}

func (f *scanFile) close() {
	if f.rd != nil {
		f.rd.Close()
		f.rd = nil
	}
	if f.pf != nil {
		f.pf.Close()
		f.pf = nil
	}
}

// fileCols are the columns read from files (partition keys come from the
// partition's values), with pos mapping them back to scan columns.
func (o *scanOp) fileCols() ([]parquetio.Column, []int) {
	var cols []parquetio.Column
	var pos []int
	for i, c := range o.node.Columns {
		if c.PartitionKey {
			continue
		}
		cols = append(cols, parquetio.Column{Name: c.Name, T: c.T, Dict: c.T.Kind == types.String})
		pos = append(pos, i)
	}
	return cols, pos
}

// openFile opens key, prunes row groups with statistics and starts a
// streaming reader. It returns nil when no row group needs reading.
func (o *scanOp) openFile(info storage.ObjectInfo) (*scanFile, error) {
	key := info.Key
	cols, _ := o.fileCols()
	if cached := o.cachedFile(info, cols); cached != nil {
		// Still open the object: the store checks the credentials on every
		// open (rule 11), whatever is cached.
		fh, err := o.store.Open(o.ctx, key)
		if err != nil {
			return nil, o.fileErr(key, err, "cannot open data file")
		}
		fh.Close()
		o.stats.Files++
		o.stats.CachedFiles++
		return &scanFile{key: key, cached: cached}, nil
	}
	pf, err := parquetio.OpenObject(o.ctx, o.store, key, o.mem)
	if err != nil {
		return nil, o.fileErr(key, err, "cannot read data file")
	}
	sf := &scanFile{key: key, pf: pf, info: info}
	ok := false
	defer func() {
		if !ok {
			sf.close()
		}
	}()
	o.stats.Files++
	rgs := make([]int, 0, pf.NumRowGroups())
	for g := 0; g < pf.NumRowGroups(); g++ {
		if pf.RowGroupNumRows(g) == 0 {
			continue
		}
		o.stats.RowGroups++
		if !o.disablePruning && len(o.prune) > 0 {
			st, err := pf.RowGroupStats(g, cols)
			if err != nil {
				return nil, o.fileErr(key, err, "cannot read statistics of")
			}
			if parquetio.CanSkip(st, o.prune) {
				o.stats.RowGroupsPruned++
				continue
			}
		}
		rgs = append(rgs, g)
	}
	if len(rgs) == 0 {
		return nil, nil
	}
	sf.tiny = len(cols) > 0 && pf.NumRowGroups() == 1 && pf.NumRows() <= BatchSize
	sf.rows = pf.NumRows()
	rd, err := pf.NewReader(o.ctx, parquetio.ReadOptions{Columns: cols, RowGroups: rgs, BatchSize: BatchSize})
	if err != nil {
		return nil, o.fileErr(key, err, "cannot read")
	}
	sf.rd = rd
	ok = true
	return sf, nil
}

func (o *scanOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	o.out = o.out[:0]
	for {
		// A batch the policy filtered out entirely loops back here: drop
		// its arrays before building the next one.
		opReleaseAll(o.out)
		o.out = o.out[:0]
		if err := opCheckCtx(o.ctx); err != nil {
			return nil, err
		}
		if o.replay != nil {
			if o.replayPos >= len(o.replay) {
				return opEOF, nil
			}
			rb := o.replay[o.replayPos]
			o.replayPos++
			o.stats.Rows += int64(rb.N)
			o.replayCols = append(o.replayCols[:0], rb.Cols...)
			b, err := o.finish(Batch{Cols: o.replayCols, N: rb.N})
			if err != nil || b != nil {
				return b, err
			}
			continue
		}
		if o.cur == nil {
			ok, err := o.nextFile()
			if err != nil {
				return nil, err
			}
			if !ok {
				if o.recording {
					o.recording = false
					cacheStore(o.cacheKey, o.recorded)
					o.recorded = nil
				}
				return opEOF, nil
			}
		}
		if o.cur.cached != nil {
			if o.cur.done {
				o.cur.close()
				o.cur = nil
				continue
			}
			o.cur.done = true
			nrows := o.cur.cached[0].Len()
			o.stats.Rows += int64(nrows)
			k := 0
			for i, c := range o.node.Columns {
				if c.PartitionKey {
					o.out = append(o.out, o.constSlice(i, c.T, nrows))
					continue
				}
				a := o.cur.cached[k]
				k++
				a.Retain()
				o.out = append(o.out, a)
			}
			if o.recording {
				o.recordBatch(&Batch{Cols: o.out, N: nrows})
			}
			b, err := o.finish(Batch{Cols: o.out, N: nrows})
			if err != nil || b != nil {
				return b, err
			}
			continue
		}
		rec, err := o.cur.rd.Next()
		if err != nil {
			key := o.cur.key
			o.cur.close()
			o.cur = nil
			return nil, o.fileErr(key, err, "corrupt Parquet data in")
		}
		if rec == nil {
			o.cur.close()
			o.cur = nil
			continue
		}
		nrows := int(rec.NumRows())
		if nrows == 0 {
			continue
		}
		if o.cur.tiny {
			o.cur.tiny = false
			// Cache only a batch that holds the whole file: the reader may
			// hand out a small file in several pieces, and caching the
			// first piece alone would make later scans lose rows.
			if int64(nrows) == o.cur.rows {
				o.storeFile(o.cur.info, rec)
			}
		}
		o.stats.Rows += int64(nrows)
		k := 0
		for i, c := range o.node.Columns {
			if c.PartitionKey {
				o.out = append(o.out, o.constSlice(i, c.T, nrows))
				continue
			}
			a := rec.Column(k)
			k++
			a.Retain()
			o.out = append(o.out, a)
		}
		if o.recording {
			o.recordBatch(&Batch{Cols: o.out, N: nrows})
		}
		b, err := o.finish(Batch{Cols: o.out, N: nrows})
		if err != nil || b != nil {
			return b, err
		}
	}
}

// finish applies the security policy, if any, to a batch of scan columns;
// nil means no row survived.
func (o *scanOp) finish(b Batch) (*Batch, error) {
	if o.sec != nil {
		res, err := o.sec.apply(&b)
		if err != nil || res == nil {
			return nil, err
		}
		o.batch = *res
		return &o.batch, nil
	}
	o.batch = b
	return &o.batch, nil
}

// constSlice returns n rows of the constant (partition value or NULL) for
// scan column i.
func (o *scanOp) constSlice(i int, t types.T, n int) arrow.Array {
	a := o.consts[i]
	if a == nil || a.Len() < n {
		if a != nil {
			a.Release()
		}
		v := types.Value{Kind: t.Kind, Null: true}
		if o.unitVals != nil && o.node.Columns[i].PartitionKey {
			v = o.unitVals[i]
		}
		a = opConstArray(o.mem, t, v, max(n, BatchSize))
		o.consts[i] = a
	}
	return array.NewSlice(a, 0, int64(n))
}

func (o *scanOp) Close() error {
	opReleaseAll(o.out)
	o.out = o.out[:0]
	if o.cur != nil {
		o.cur.close()
		o.cur = nil
	}
	o.releaseConsts()
	o.units = nil
	if o.sec != nil {
		o.sec.release()
	}
	return nil
}

// Stats reports what the scan read so far.
func (o *scanOp) Stats() ScanStats { return o.stats }

// fileErr names the file in an error about its content. Typed errors from
// parquetio already name it and keep their code.
func (o *scanOp) fileErr(key string, err error, what string) error {
	if o.node.Secure != nil {
		// Under a policy a data file's path can name hidden partition
		// keys and their values (rule 8): say which table, not where.
		code := lferr.CodeOf(err)
		if code == "" {
			code = lferr.StorageError
		}
		return lferr.New(code, "%s: a data file of %s.%s", what, o.node.Database, o.node.Table)
	}
	if lferr.CodeOf(err) != "" {
		return err
	}
	loc := strings.TrimRight(o.store.Root(), "/") + "/" + key
	return lferr.Wrap(lferr.StorageError, err, "%s %s: %v", what, loc, err)
}
