package parquetio

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// DefaultBatchSize is the batch size used when ReadOptions.BatchSize is 0;
// it equals exec.BatchSize (storage must not import exec).
const DefaultBatchSize = 4096

// decodeBatch is the most rows decoded at once. Decoding in larger pieces
// than the output batch amortizes arrow-go's per-batch costs (for
// dictionary columns it copies the whole dictionary into every piece) and
// conversions; output batches are zero-copy slices of it. Memory is bounded
// by decodeBytes per piece (pieces never span row groups).
const decodeBatch = 1 << 20

// firstDecode is the size of a reader's first decoded piece, which
// measures how many bytes a row takes (see estimateDecodeRows).
const firstDecode = 256

// decodeBytes caps the size of one decoded piece (wide rows).
const decodeBytes = 16 << 20

// Column names a column to read and the logical type the reader must
// produce for it.
type Column struct {
	Name string
	T    types.T
	// Dict asks for a String column to stay dictionary-encoded
	// (arrow.Dictionary{Int32 → String}) when the file allows it; the reader
	// falls back to plain arrow.String otherwise, so consumers must accept
	// both (as types documents for String).
	Dict bool
}

// ReadOptions configures a Reader.
type ReadOptions struct {
	// Columns are the columns produced, in order. A column absent from the
	// file (added to the table after the file was written) reads as all
	// NULL. An empty list produces batches with no columns, carrying only
	// row counts (for COUNT(*)).
	Columns []Column
	// RowGroups restricts reading to these row groups, in this order (the
	// survivors of pruning). nil reads all of them; an empty non-nil slice
	// reads none.
	RowGroups []int
	// BatchSize is the maximum rows per batch; 0 means DefaultBatchSize.
	// Batches never span row groups.
	BatchSize int
}

// Reader streams record batches from a File, one row group at a time.
type Reader struct {
	ctx    context.Context
	f      *File
	cols   []Column
	schema *arrow.Schema
	rgs    []int
	batch  int

	props  pqarrow.ArrowReadProperties
	leaves []int // distinct leaf indices to read, ascending
	// srcPos[i] is the position in the pqarrow record of output column i,
	// or -1 when the file lacks the column.
	srcPos []int

	fr     *pqarrow.FileReader
	crs    []*pqarrow.ColumnReader // the current row group's column readers
	src    []arrow.Array           // decoded columns, scratch
	decode int64                   // rows to decode at once (0: not yet chosen)
	rgLeft int64                   // rows left in the current row group
	nextRG int
	cur    arrow.RecordBatch
	// big is the last decoded (and converted) batch of up to decodeBatch
	// rows; Next hands it out in slices of batch rows from offset off.
	big     arrow.RecordBatch
	off     int64
	closed  bool
	err     error // sticky: set after a decoder panic
	scratch []arrow.Array
	par     *prefetcher // decode-ahead across row groups; nil: serial
}

// NewReader starts a streaming read. The caller must Close the Reader.
func (f *File) NewReader(ctx context.Context, opts ReadOptions) (_ *Reader, err error) {
	defer recoverCorrupt(f.name, &err)
	r := &Reader{ctx: ctx, f: f, cols: append([]Column(nil), opts.Columns...), batch: opts.BatchSize}
	if r.batch <= 0 {
		r.batch = DefaultBatchSize
	}
	// Size string data buffers from the column chunk's uncompressed size
	// up front: without it the builder doubles its way up to each decoded
	// piece (a piece is up to decodeBytes), and the reallocations' copies
	// and zeroing were a third of the decode time of wide string columns.
	r.props.PreAllocBinaryData = true
	n := f.pq.NumRowGroups()
	if opts.RowGroups == nil {
		r.rgs = make([]int, n)
		for i := range r.rgs {
			r.rgs[i] = i
		}
	} else {
		seenRG := make(map[int]bool, len(opts.RowGroups))
		for _, rg := range opts.RowGroups {
			if rg < 0 || rg >= n {
				return nil, lferr.New(lferr.InvalidInput, "%s: row group %d out of range (file has %d)", f.name, rg, n)
			}
			if seenRG[rg] {
				// Reading a row group twice would duplicate its rows.
				return nil, lferr.New(lferr.InvalidInput, "%s: row group %d listed twice", f.name, rg)
			}
			seenRG[rg] = true
		}
		r.rgs = append([]int(nil), opts.RowGroups...)
	}

	fields := make([]arrow.Field, len(r.cols))
	r.srcPos = make([]int, len(r.cols))
	leafOf := make([]int, len(r.cols))
	seen := make(map[int]bool)
	for i, c := range r.cols {
		if c.T.Kind == types.Null {
			return nil, lferr.New(lferr.InvalidInput, "%s: column %q has no type", f.name, c.Name)
		}
		leaf, ok, err := f.lookup(c.Name)
		if err != nil {
			return nil, err
		}
		leafOf[i] = -1
		var srcType arrow.DataType
		if ok {
			leafOf[i] = leaf
			src := f.schema.Field(f.fieldIndexOfLeaf(leaf))
			srcType = src.Type
			if err := checkConvertible(src.Type, c.T); err != nil {
				return nil, lferr.New(lferr.TypeError, "%s: column %q is stored as %s, which cannot be read as %s", f.name, c.Name, src.Type, c.T)
			}
			if outType(c, srcType) == dictString && !f.dictEncoded(leaf, r.rgs) {
				// Only keep dictionaries the file has: asking arrow-go for
				// dictionary output of a plain-encoded column makes it build
				// one by hashing every value (5-10x slower for unique strings).
				c.Dict = false
				r.cols[i].Dict = false
			}
			if outType(c, srcType) == dictString {
				r.props.SetReadDict(leaf, true)
			}
			if !seen[leaf] {
				seen[leaf] = true
				r.leaves = append(r.leaves, leaf)
			}
		}
		fields[i] = arrow.Field{Name: c.Name, Type: outType(c, srcType), Nullable: true}
	}
	sortInts(r.leaves)
	for i := range r.cols {
		r.srcPos[i] = -1
		if leafOf[i] >= 0 {
			for j, l := range r.leaves {
				if l == leafOf[i] {
					r.srcPos[i] = j
				}
			}
		}
	}
	r.schema = arrow.NewSchema(fields, nil)
	r.scratch = make([]arrow.Array, len(r.cols))
	if len(r.leaves) > 0 {
		r.src = make([]arrow.Array, len(r.leaves))
		fr, err := pqarrow.NewFileReader(f.pq, r.props, f.mem)
		if err != nil {
			return nil, lferr.Wrap(lferr.StorageError, err, "%s: %v", f.name, err)
		}
		r.fr = fr
	}
	r.par = newPrefetcher(r)
	return r, nil
}

// Schema is the schema of the produced batches: one field per requested
// column, typed in the engine layout (outType).
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next returns the next batch, or (nil, nil) at the end. The batch is owned
// by the Reader and valid until the next call to Next or Close; a consumer
// that keeps it (or its arrays) must Retain. Arrays may be slices of larger
// arrays (non-zero Offset): use the typed accessors, which account for it.
func (r *Reader) Next() (_ arrow.RecordBatch, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			// The decoder's state is unknown after a panic: fail for good.
			r.cur, r.crs = nil, nil
			r.err = lferr.New(lferr.StorageError, "%s: corrupt or unreadable Parquet data (%v)", r.f.name, p)
			err = r.err
		}
	}()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.closed {
		return nil, nil
	}
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	if r.par != nil {
		return r.nextParallel()
	}
	if r.big != nil && r.off < r.big.NumRows() {
		return r.slice(), nil
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		if r.fr == nil {
			// No file columns: emit row counts only.
			if r.rgLeft == 0 {
				if r.nextRG >= len(r.rgs) {
					return nil, nil
				}
				r.rgLeft = r.f.RowGroupNumRows(r.rgs[r.nextRG])
				r.nextRG++
				continue
			}
			n := min(r.rgLeft, int64(r.batch))
			r.rgLeft -= n
			rec, err := r.assemble(nil, r.scratch, n)
			if err != nil {
				return nil, err
			}
			r.cur = rec
			return rec, nil
		}
		if r.crs == nil {
			if r.nextRG >= len(r.rgs) {
				return nil, nil
			}
			rg := r.rgs[r.nextRG]
			r.nextRG++
			if r.f.RowGroupNumRows(rg) == 0 {
				continue
			}
			crs, _, err := r.fr.GetFieldReaders(r.ctx, r.leaves, []int{rg})
			if err != nil {
				return nil, r.readErr(rg, err)
			}
			if len(crs) != len(r.leaves) {
				for _, c := range crs {
					c.Release()
				}
				return nil, lferr.AssertionFailedf("%s: %d column readers for %d columns", r.f.name, len(crs), len(r.leaves))
			}
			r.crs, r.rgLeft = crs, r.f.RowGroupNumRows(rg)
			if r.decode == 0 {
				r.decode = r.estimateDecodeRows(rg)
			}
		}
		if r.rgLeft <= 0 {
			r.releaseColumnReaders()
			continue
		}
		n := min(r.rgLeft, r.decode)
		if err := r.decodePiece(n); err != nil {
			return nil, r.readErr(r.rgs[r.nextRG-1], err)
		}
		r.rgLeft -= n
		return r.slice(), nil
	}
}

// decodePiece decodes the next n rows of every projected column of the
// current row group into r.big, and adapts the decode size to the bytes a
// row actually took.
func (r *Reader) decodePiece(n int64) error {
	big, bytes, err := r.decodeRows(r.crs, r.src, r.scratch, n)
	if err != nil {
		return err
	}
	if r.big != nil {
		r.big.Release()
	}
	r.big, r.off = big, 0
	r.decode = nextDecode(r.decode, bytes, n, decodeBytes)
	return nil
}

// nextDecode is the decode size after a piece of n rows took bytes, for
// pieces of about limit bytes.
func nextDecode(cur, bytes, n, limit int64) int64 {
	if n <= 0 {
		return cur
	}
	if perRow := bytes / n; perRow > 0 {
		return min(max(limit/perRow, 1), decodeBatch)
	}
	return cur
}

// decodeRows decodes the next n rows of the column readers crs (in
// r.leaves order) and assembles them into an output batch; src and
// scratch are the caller's scratch slices (len(r.leaves), len(r.cols)).
// It reads only the Reader's immutable fields, so the parallel path runs it
// on several row groups at once. bytes is the decoded size.
func (r *Reader) decodeRows(crs []*pqarrow.ColumnReader, src, scratch []arrow.Array, n int64) (_ arrow.RecordBatch, bytes int64, err error) {
	for i := range src {
		src[i] = nil
	}
	defer func() {
		for i, a := range src {
			if a != nil {
				a.Release()
				src[i] = nil
			}
		}
	}()
	for i, cr := range crs {
		ch, err := cr.NextBatch(n)
		if err != nil {
			return nil, 0, err
		}
		var a arrow.Array
		switch len(ch.Chunks()) {
		case 1:
			a = ch.Chunk(0)
			a.Retain()
		default:
			a, err = array.Concatenate(ch.Chunks(), r.f.mem)
		}
		ch.Release()
		if err != nil {
			return nil, 0, err
		}
		if int64(a.Len()) != n {
			a.Release()
			return nil, 0, fmt.Errorf("column %d yielded %d of %d rows", r.leaves[i], a.Len(), n)
		}
		src[i] = a
		bytes += dataBytes(a.Data())
	}
	rec, err := r.assemble(src, scratch, n)
	if err != nil {
		return nil, 0, err
	}
	return rec, bytes, nil
}

// dataBytes is the size of an array's buffers, dictionary and children
// included.
func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += dataBytes(d.Dictionary())
	}
	return n
}

func (r *Reader) releaseColumnReaders() {
	for _, c := range r.crs {
		c.Release()
	}
	r.crs = nil
}

// estimateDecodeRows picks the first decode size, reduced for
// wide rows so that one decoded piece of the projected columns stays near
// decodeBytes as estimated from the column chunks' uncompressed sizes, and
// at most firstDecode rows, since the estimate is blind to dictionary
// encoding (26 distinct 20 KB strings are a tiny chunk and a huge batch).
// Later pieces use the measured size (decodePiece). Batches are then
// smaller than BatchSize too: BatchSize is a maximum.
func (r *Reader) estimateDecodeRows(rg int) int64 {
	md := r.f.pq.MetaData().RowGroup(rg)
	rows := md.NumRows()
	var bytes int64
	for _, l := range r.leaves {
		if cc, err := md.ColumnChunk(l); err == nil {
			bytes += cc.TotalUncompressedSize()
		}
	}
	n := int64(firstDecode)
	if rows > 0 && bytes > 0 {
		if perRow := bytes / rows; perRow > 0 {
			n = min(n, decodeBytes/perRow)
		}
	}
	return min(max(n, 1), decodeBatch)
}

// slice hands out the next batch-sized piece of r.big.
func (r *Reader) slice() arrow.RecordBatch {
	n := r.big.NumRows()
	end := min(r.off+int64(r.batch), n)
	if r.off == 0 && end == n {
		r.big.Retain()
		r.cur = r.big
	} else {
		r.cur = r.big.NewSlice(r.off, end)
	}
	r.off = end
	return r.cur
}

func (r *Reader) readErr(rg int, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var le *lferr.Error
	if errors.As(err, &le) {
		return err
	}
	return lferr.Wrap(lferr.StorageError, err, "%s: reading row group %d: %v", r.f.name, rg, err)
}

// assemble builds the output batch from the decoded file columns (in
// r.leaves order; nil when no file columns are read), converting each
// column to the engine layout; out is scratch of len(r.cols).
func (r *Reader) assemble(src, out []arrow.Array, n int64) (arrow.RecordBatch, error) {
	for i := range out {
		out[i] = nil
	}
	release := func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}
	for i, c := range r.cols {
		want := r.schema.Field(i).Type
		if r.srcPos[i] < 0 {
			out[i] = array.MakeArrayOfNull(r.f.mem, want, int(n))
			continue
		}
		a, err := convert(r.f.mem, src[r.srcPos[i]], c.T, want)
		if err != nil {
			release()
			return nil, lferr.Wrap(lferr.StorageError, err, "%s: column %q: %v", r.f.name, c.Name, err)
		}
		out[i] = a
	}
	rec := array.NewRecordBatch(r.schema, out, n)
	release() // the record holds its own references
	return rec, nil
}

// Close releases the reader; it is idempotent.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.stopPrefetch()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.big != nil {
		r.big.Release()
		r.big = nil
	}
	r.releaseColumnReaders()
	return nil
}

// fieldIndexOfLeaf maps a leaf column index to its top-level field index;
// for the flat schemas the reader accepts they are the same position among
// leaf fields, but nested fields before it shift the numbering.
func (f *File) fieldIndexOfLeaf(leaf int) int {
	for i, fld := range f.schema.Fields() {
		if l, ok := f.leaf[fld.Name]; ok && l == leaf {
			return i
		}
	}
	return 0
}

func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// dictEncoded reports whether the column chunks of leaf are dictionary
// encoded in every row group of rgs.
func (f *File) dictEncoded(leaf int, rgs []int) bool {
	md := f.pq.MetaData()
	for _, rg := range rgs {
		cc, err := md.RowGroup(rg).ColumnChunk(leaf)
		if err != nil || !cc.HasDictionaryPage() {
			return false
		}
	}
	return true
}
