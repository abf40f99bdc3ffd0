package exec

import (
	"context"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
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
	files   []string
	fileIdx int
	store   storage.Store

	cur      *scanFile
	unitVals []types.Value // partition values of the current unit
	consts   []arrow.Array // per column: cached partition constant / NULL column, or nil

	sec   *secureScan
	out   []arrow.Array // arrays owned for the current batch
	batch Batch

	// statistics for tests and EXPLAIN ANALYZE-style reporting
	stats ScanStats
}

// ScanStats counts what a scan read.
type ScanStats struct {
	Files, RowGroups, RowGroupsPruned int
	Rows                              int64
}

// scanUnit is one location to list: the table location, or a partition.
type scanUnit struct {
	location string
	values   []types.Value // partition values by scan column index (nil: not a partition)
}

func newScanOp(n *plan.Scan, env *Env) (Operator, error) {
	o := &scanOp{node: n, env: env, mem: env.allocator()}
	if len(n.Columns) == 0 {
		return nil, lferr.AssertionFailedf("scan of %s.%s with no columns", n.Database, n.Table)
	}
	if n.Secure != nil {
		s, err := newSecureScan(n, env)
		if err != nil {
			return nil, err
		}
		o.sec = s
	}
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
		return nil
	}
	for _, p := range n.Partitions {
		vals, err := scanPartitionValues(n, p)
		if err != nil {
			return err
		}
		o.units = append(o.units, scanUnit{location: p.Location, values: vals})
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
			return nil, lferr.New(lferr.InvalidInput, "partition %s of %s.%s has no value for partition key %s", p.Location, n.Database, n.Table, n.Columns[i].Name)
		}
	}
	return vals, nil
}

// nextFile opens the next file to read, moving through units; false at the end.
func (o *scanOp) nextFile() (bool, error) {
	for {
		if o.store != nil && o.fileIdx < len(o.files) {
			key := o.files[o.fileIdx]
			o.fileIdx++
			f, err := o.openFile(key)
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
		objs, err := st.List(o.ctx, "")
		if err != nil {
			return false, lferr.Wrap(lferr.StorageError, err, "cannot list %s: %v", u.location, err)
		}
		o.store, o.files, o.fileIdx = st, o.files[:0], 0
		for _, ob := range objs {
			if scanIsDataFile(ob) {
				o.files = append(o.files, ob.Key)
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
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
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
	key string
	f   storage.File
	pf  *file.Reader
	rr  pqarrow.RecordReader
	src []int // per scan column: column index in the record, -1 missing / partition
	// countOnly > 0: no file column is read (only partition keys or missing
	// columns); this many rows remain to be produced from the metadata count.
	countOnly int64
}

func (f *scanFile) close() {
	f.countOnly = 0
	if f.rr != nil {
		f.rr.Release()
		f.rr = nil
	}
	if f.pf != nil {
		f.pf.Close()
		f.pf = nil
	}
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
}

// fileErr names the file in an error about its content.
func (o *scanOp) fileErr(key string, err error, what string) error {
	loc := strings.TrimRight(o.store.Root(), "/") + "/" + key
	return lferr.Wrap(lferr.StorageError, err, "%s %s: %v", what, loc, err)
}

// openFile opens key, resolves the columns, prunes row groups and starts a
// record reader. It returns nil when nothing in the file needs reading.
func (o *scanOp) openFile(key string) (*scanFile, error) {
	n := o.node
	fh, err := o.store.Open(o.ctx, key)
	if err != nil {
		return nil, o.fileErr(key, err, "cannot open data file")
	}
	sf := &scanFile{key: key, f: fh}
	ok := false
	defer func() {
		if !ok {
			sf.close()
		}
	}()
	pf, err := file.NewParquetReader(io.NewSectionReader(fh, 0, fh.Size()))
	if err != nil {
		return nil, o.fileErr(key, err, "corrupt or unreadable Parquet file")
	}
	sf.pf = pf
	md := pf.MetaData()
	sch := md.Schema

	// Map scan columns to top-level leaf columns by name (exact first, then
	// case-insensitively: Glue names are lower case, files may not be).
	leaf := make([]int, len(n.Columns))
	for i, c := range n.Columns {
		leaf[i] = -1
		if c.PartitionKey {
			continue
		}
		for j := 0; j < sch.NumColumns(); j++ {
			p := sch.Column(j).ColumnPath()
			if len(p) == 1 && p[0] == c.Name {
				leaf[i] = j
				break
			}
		}
		if leaf[i] < 0 {
			for j := 0; j < sch.NumColumns(); j++ {
				p := sch.Column(j).ColumnPath()
				if len(p) == 1 && strings.EqualFold(p[0], c.Name) {
					leaf[i] = j
					break
				}
			}
		}
	}

	// Row groups that may hold matching rows.
	var rgs []int
	for g := 0; g < pf.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		if rg.NumRows() == 0 {
			continue
		}
		o.stats.RowGroups++
		if !o.disablePruning && !o.rowGroupMayMatch(rg, leaf) {
			o.stats.RowGroupsPruned++
			continue
		}
		rgs = append(rgs, g)
	}
	o.stats.Files++
	// Columns actually read (deduplicated, in leaf order).
	var cols []int
	seen := map[int]bool{}
	for _, l := range leaf {
		if l >= 0 && !seen[l] {
			seen[l] = true
			cols = append(cols, l)
		}
	}
	if len(rgs) == 0 {
		return nil, nil
	}
	props := pqarrow.ArrowReadProperties{BatchSize: BatchSize}
	for i, c := range n.Columns {
		l := leaf[i]
		if l < 0 || c.T.Kind != types.String || sch.Column(l).PhysicalType() != parquet.Types.ByteArray {
			continue
		}
		dict := true
		for _, g := range rgs {
			cc, err := md.RowGroup(g).ColumnChunk(l)
			if err != nil || !cc.HasDictionaryPage() {
				dict = false
				break
			}
		}
		props.SetReadDict(l, dict)
	}
	fr, err := pqarrow.NewFileReader(pf, props, o.mem)
	if err != nil {
		return nil, o.fileErr(key, err, "unsupported Parquet schema in")
	}
	if len(cols) == 0 {
		// Only partition keys (or missing columns) are read: the row count
		// comes from the metadata, the values from the constants.
		for _, g := range rgs {
			sf.countOnly += md.RowGroup(g).NumRows()
		}
		sf.src = make([]int, len(n.Columns))
		for i := range sf.src {
			sf.src[i] = -1
		}
		ok = true
		return sf, nil
	} else {
		rr, err := fr.GetRecordReader(o.ctx, cols, rgs)
		if err != nil {
			return nil, o.fileErr(key, err, "cannot read")
		}
		sf.rr = rr
	}
	sc := sf.rr.Schema()
	sf.src = make([]int, len(n.Columns))
	for i, l := range leaf {
		sf.src[i] = -1
		if l < 0 {
			continue
		}
		name := sch.Column(l).ColumnPath()[0]
		for k, fd := range sc.Fields() {
			if fd.Name == name {
				sf.src[i] = k
				break
			}
		}
		if sf.src[i] < 0 {
			return nil, o.fileErr(key, nil, "column "+n.Columns[i].Name+" could not be read from")
		}
	}
	ok = true
	return sf, nil
}

func (o *scanOp) Next() (*Batch, error) {
	opReleaseAll(o.out)
	o.out = o.out[:0]
	for {
		if err := opCheckCtx(o.ctx); err != nil {
			return nil, err
		}
		if o.cur == nil {
			ok, err := o.nextFile()
			if err != nil {
				return nil, err
			}
			if !ok {
				return opEOF, nil
			}
		}
		if o.cur.rr == nil {
			nrows := int(min(o.cur.countOnly, BatchSize))
			if nrows == 0 {
				o.cur.close()
				o.cur = nil
				continue
			}
			o.cur.countOnly -= int64(nrows)
			o.stats.Rows += int64(nrows)
			for i, c := range o.node.Columns {
				o.out = append(o.out, o.constSlice(i, c.T, nrows))
			}
			b, err := o.finish(Batch{Cols: o.out, N: nrows})
			if err != nil || b != nil {
				return b, err
			}
			continue
		}
		if !o.cur.rr.Next() {
			err := o.cur.rr.Err()
			key := o.cur.key
			o.cur.close()
			o.cur = nil
			if err != nil && err != io.EOF {
				return nil, o.fileErr(key, err, "corrupt Parquet data in")
			}
			continue
		}
		rec := o.cur.rr.RecordBatch()
		nrows := int(rec.NumRows())
		if nrows == 0 {
			continue
		}
		o.stats.Rows += int64(nrows)
		for i, c := range o.node.Columns {
			var a arrow.Array
			var err error
			switch src := o.cur.src[i]; {
			case src >= 0:
				a, err = scanNormalize(o.mem, rec.Column(src), c.T)
				if err != nil {
					opReleaseAll(o.out)
					return nil, o.fileErr(o.cur.key, err, "column "+c.Name+" in")
				}
			default:
				a = o.constSlice(i, c.T, nrows)
			}
			o.out = append(o.out, a)
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
