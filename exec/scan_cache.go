package exec

import (
	"runtime"
	"sync"
	"weak"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// Per-query scan cache.
//
// A correlated subquery runs its plan once per distinct outer row, and each
// run scans its tables again: reopening small Parquet files, parsing their
// footers and decoding the same pages dominated select1-style queries. The
// cache keeps the decoded rows of a small scan for the rest of the query:
//
//   - Scope: one (Env, plan.Scan node) pair, held through weak pointers, so
//     it never outlives the query (an Env is created per query) and a
//     recycled address can never match an old entry. Different queries,
//     principals or plans never share an entry.
//   - Only what this query already read is cached, before the security
//     policy: the policy (row filter, guards, masks) is applied again on
//     every replay, and the store is still resolved through the Env on
//     every run, so credential checks happen as without the cache.
//   - The first run of a key only counts; the second records (copying into
//     Go memory, which needs no Release); later runs replay. A scan larger
//     than scanCacheMaxRows is never cached.
const (
	scanCacheMaxRows   = 1 << 16
	scanCacheTotalRows = 1 << 21
)

type scanCacheKey struct {
	env  weak.Pointer[Env]
	scan weak.Pointer[plan.Scan]
}

type scanCacheEntry struct {
	runs    int
	batches []Batch // complete: every batch of the scan, before the policy
	ready   bool
}

var scanCache = struct {
	sync.Mutex
	m    map[scanCacheKey]*scanCacheEntry
	rows int
}{m: map[scanCacheKey]*scanCacheEntry{}}

var goAlloc = memory.NewGoAllocator()

// cacheRun registers a run of (env, n) and says what this run should do:
// replay (batches non-nil), record (true) or nothing.
func cacheRun(env *Env, n *plan.Scan) (replay []Batch, record bool, key scanCacheKey) {
	if env == nil {
		return nil, false, key
	}
	key = scanCacheKey{env: weak.Make(env), scan: weak.Make(n)}
	scanCache.Lock()
	defer scanCache.Unlock()
	e := scanCache.m[key]
	if e == nil {
		e = &scanCacheEntry{}
		scanCache.m[key] = e
		// Drop the entry when the query's Env is collected.
		runtime.AddCleanup(env, func(k scanCacheKey) {
			scanCache.Lock()
			if e := scanCache.m[k]; e != nil {
				scanCache.rows -= entryRows(e)
				delete(scanCache.m, k)
			}
			scanCache.Unlock()
		}, key)
	}
	e.runs++
	switch {
	case e.ready:
		return e.batches, false, key
	case e.runs >= 2 && scanCache.rows < scanCacheTotalRows:
		return nil, true, key
	}
	return nil, false, key
}

func entryRows(e *scanCacheEntry) int {
	r := 0
	for _, b := range e.batches {
		r += b.N
	}
	return r
}

// cacheStore installs a complete recording.
func cacheStore(key scanCacheKey, batches []Batch) {
	scanCache.Lock()
	defer scanCache.Unlock()
	e := scanCache.m[key]
	if e == nil || e.ready {
		return
	}
	rows := 0
	for _, b := range batches {
		rows += b.N
	}
	if scanCache.rows+rows > scanCacheTotalRows {
		return
	}
	e.batches, e.ready = batches, true
	scanCache.rows += rows
}

// recordBatch copies a dense batch of scan columns into Go memory; false
// when the recording grew too large and was abandoned.
func (o *scanOp) recordBatch(b *Batch) bool {
	o.recRows += b.N
	if o.recRows > scanCacheMaxRows {
		o.recording = false
		o.recorded = nil
		return false
	}
	idx := make([]int32, b.N)
	for i := range idx {
		idx[i] = int32(i)
	}
	cols := make([]arrow.Array, len(b.Cols))
	for c, a := range b.Cols {
		cp, err := opTakeArrow(goAlloc, a, o.node.Columns[c].T, idx)
		if err != nil {
			o.recording = false
			o.recorded = nil
			return false
		}
		cols[c] = cp
	}
	o.recorded = append(o.recorded, Batch{Cols: cols, N: b.N})
	return true
}

// Decoded-file cache.
//
// Scanning a tiny Parquet file costs far more in fixed work (footer parse,
// column reader setup) than in data; queries over many small tables
// (sqllogictest's select5, dimension tables) pay it on every scan. Files
// with one row group of at most one batch keep their decoded columns here,
// in Go memory, keyed by the object's identity (store root, key, size,
// modification time: objects are written atomically under new names, so a
// rewritten object has a new identity) and by column name and type.
//
// The cache holds raw file contents, never policy output, and a scan that
// uses it still lists the files with its own credentials and opens each
// object (the store's credential check); it only skips decoding.
const fileCacheMaxCells = 1 << 22

type fileColKey struct {
	root, key string
	size, mod int64
	col       string
	t         types.T
}

var fileCache = struct {
	sync.Mutex
	m     map[fileColKey]arrow.Array
	cells int
}{m: map[fileColKey]arrow.Array{}}

func fileKey(root string, info storage.ObjectInfo, c parquetio.Column) fileColKey {
	return fileColKey{root: root, key: info.Key, size: info.Size, mod: info.ModTime.UnixNano(), col: c.Name, t: c.T}
}

// cachedFile returns the cached columns of a file, or nil unless all are
// cached.
func (o *scanOp) cachedFile(info storage.ObjectInfo, cols []parquetio.Column) []arrow.Array {
	if len(cols) == 0 || info.ModTime.IsZero() {
		return nil
	}
	root := o.store.Root()
	out := make([]arrow.Array, len(cols))
	fileCache.Lock()
	defer fileCache.Unlock()
	for i, c := range cols {
		a, ok := fileCache.m[fileKey(root, info, c)]
		if !ok || (i > 0 && a.Len() != out[0].Len()) {
			return nil
		}
		out[i] = a
	}
	return out
}

// storeFile caches the columns of a tiny file read in one batch.
func (o *scanOp) storeFile(info storage.ObjectInfo, rec arrow.RecordBatch) {
	if info.ModTime.IsZero() {
		return
	}
	cols, _ := o.fileCols()
	n := int(rec.NumRows())
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	copies := make([]arrow.Array, len(cols))
	for i, c := range cols {
		cp, err := opTakeArrow(goAlloc, rec.Column(i), c.T, idx)
		if err != nil {
			return
		}
		copies[i] = cp
	}
	root := o.store.Root()
	fileCache.Lock()
	defer fileCache.Unlock()
	if fileCache.cells+n*len(cols) > fileCacheMaxCells {
		// Simple and bounded: start over rather than track recency.
		fileCache.m = map[fileColKey]arrow.Array{}
		fileCache.cells = 0
	}
	for i, c := range cols {
		fileCache.m[fileKey(root, info, c)] = copies[i]
	}
	fileCache.cells += n * len(cols)
}
