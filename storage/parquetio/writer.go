package parquetio

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// NewFileName returns a fresh data-file name, "part-<UTC time>-<random>.parquet":
// unique without coordination (so concurrent INSERTs never collide), and
// sorting roughly by write time.
func NewFileName() string {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	return "part-" + time.Now().UTC().Format("20060102T150405.000000") + "-" + hex.EncodeToString(rnd[:]) + ".parquet"
}

// Compression is a Parquet page compression codec.
type Compression uint8

const (
	Snappy Compression = iota // default: fast, universally readable
	Zstd
	Uncompressed
)

// DefaultRowGroupRows is the default row-group length: large enough for
// efficient column chunks, small enough that a reader's per-row-group memory
// stays modest (one row group of the projected columns).
const DefaultRowGroupRows = 128 * 1024

// WriterOptions configures a Writer.
type WriterOptions struct {
	Compression  Compression
	RowGroupRows int64 // 0 means DefaultRowGroupRows
	Alloc        memory.Allocator
}

// Writer writes Arrow record batches in the engine layout as one Parquet
// file into a storage.Writer. The object becomes visible only on Commit;
// any failure aborts it, so a failed INSERT never leaves a partial file.
type Writer struct {
	name   string
	out    storage.Writer
	sink   *stickySink
	cols   []Column
	mem    memory.Allocator
	schema *arrow.Schema // the file schema (decimals as Decimal128)
	fw     *pqarrow.FileWriter
	rows   int64
	err    error
	done   bool
}

// FileSchema is the Arrow schema Writer stores for cols: the engine layout,
// except DECIMAL(p,s) columns, which are stored as Parquet decimals.
func FileSchema(cols []Column) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(cols))
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return nil, lferr.New(lferr.InvalidInput, "column %d has no name", i)
		}
		if seen[c.Name] {
			return nil, lferr.New(lferr.InvalidInput, "duplicate column name %q", c.Name)
		}
		seen[c.Name] = true
		var dt arrow.DataType
		switch c.T.Kind {
		case types.Null:
			return nil, lferr.New(lferr.TypeError, "column %q has no type", c.Name)
		case types.Decimal:
			if c.T.Precision < 1 || c.T.Precision > 38 || c.T.Scale > c.T.Precision {
				return nil, lferr.New(lferr.TypeError, "column %q: invalid %s", c.Name, c.T)
			}
			dt = &arrow.Decimal128Type{Precision: int32(c.T.Precision), Scale: int32(c.T.Scale)}
		default:
			dt = c.T.Arrow()
		}
		fields[i] = arrow.Field{Name: c.Name, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// NewWriter starts a Parquet file with columns cols into out; name is used
// in error messages. The Writer owns out: Commit commits it, Abort (or any
// error) aborts it.
func NewWriter(out storage.Writer, name string, cols []Column, opts WriterOptions) (*Writer, error) {
	sc, err := FileSchema(cols)
	if err != nil {
		out.Abort()
		return nil, err
	}
	return newWriter(out, name, sc, cols, opts)
}

// newWriter starts a file with Arrow schema sc. cols == nil makes a raw
// writer: Write then takes records of exactly sc and stores them as they
// are (compaction uses it to copy files losslessly, whatever their types).
func newWriter(out storage.Writer, name string, sc *arrow.Schema, cols []Column, opts WriterOptions) (*Writer, error) {
	mem := opts.Alloc
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rg := opts.RowGroupRows
	if rg <= 0 {
		rg = DefaultRowGroupRows
	}
	codec := compress.Codecs.Snappy
	switch opts.Compression {
	case Zstd:
		codec = compress.Codecs.Zstd
	case Uncompressed:
		codec = compress.Codecs.Uncompressed
	}
	popts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(rg),
		parquet.WithStats(true),
		parquet.WithDictionaryDefault(true),
		// DECIMAL(p<=18) as INT32/INT64 is what Spark and Trino write for
		// short decimals; it is smaller and its statistics are plain ints.
		parquet.WithStoreDecimalAsInteger(true),
		parquet.WithCreatedBy("sluice"),
	}
	// Dictionary-encode strings only: for numbers and times a dictionary
	// rarely saves space once values vary, and arrow-go decodes dictionary
	// int64 pages several times slower than plain ones (measured: the
	// int64 scan benchmark doubles in speed without it).
	for _, f := range sc.Fields() {
		switch f.Type.ID() {
		case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY, arrow.DICTIONARY:
		default:
			popts = append(popts, parquet.WithDictionaryFor(f.Name, false))
		}
	}
	props := parquet.NewWriterProperties(popts...)
	aopts := []pqarrow.WriterOption{pqarrow.WithAllocator(mem)}
	if cols == nil {
		// Keep the Arrow schema (zones, large types, dictionaries) so the
		// copy reads back exactly as the original did.
		aopts = append(aopts, pqarrow.WithStoreSchema())
	}
	sink := &stickySink{w: out}
	fw, err := pqarrow.NewFileWriter(sc, sink, props, pqarrow.NewArrowWriterProperties(aopts...))
	if err != nil {
		out.Abort()
		return nil, lferr.Wrap(lferr.StorageError, err, "%s: starting Parquet file: %v", name, err)
	}
	return &Writer{name: name, out: out, sink: sink, cols: cols, mem: mem, schema: sc, fw: fw}, nil
}

// Write appends rec, whose columns must be in the engine layout of the
// Writer's columns (by position): T.Arrow(), or dictionary-encoded strings,
// or an all-NULL arrow.Null column. DECIMAL columns arrive as float64 and
// are converted to DECIMAL(p,s), rounding half away from zero at scale s; a
// value that does not fit p digits (or NaN/±Inf) fails the write.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return lferr.New(lferr.StorageError, "%s: write after commit or abort", w.name)
	}
	if int(rec.NumCols()) != len(w.schema.Fields()) {
		return w.fail(lferr.New(lferr.InvalidInput, "%s: batch has %d columns, file has %d", w.name, rec.NumCols(), len(w.schema.Fields())))
	}
	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	if w.cols == nil {
		return w.writeRaw(rec)
	}
	cols := make([]arrow.Array, len(w.cols))
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range w.cols {
		a, err := w.toFile(rec.Column(i), c, w.schema.Field(i).Type)
		if err != nil {
			return w.fail(err)
		}
		cols[i] = a
	}
	out := array.NewRecordBatch(w.schema, cols, n)
	defer out.Release()
	if err := w.fw.WriteBuffered(out); err != nil {
		return w.fail(lferr.Wrap(lferr.StorageError, err, "%s: writing: %v", w.name, err))
	}
	if w.sink.err != nil {
		return w.fail(w.sinkErr())
	}
	w.rows += n
	return nil
}

func (w *Writer) writeRaw(rec arrow.RecordBatch) error {
	for i, f := range w.schema.Fields() {
		if !arrow.TypeEqual(rec.Column(i).DataType(), f.Type) {
			return w.fail(lferr.New(lferr.TypeError, "%s: column %q is %s, file has %s", w.name, f.Name, rec.Column(i).DataType(), f.Type))
		}
	}
	out := array.NewRecordBatch(w.schema, rec.Columns(), rec.NumRows())
	defer out.Release()
	if err := w.fw.WriteBuffered(out); err != nil {
		return w.fail(lferr.Wrap(lferr.StorageError, err, "%s: writing: %v", w.name, err))
	}
	if w.sink.err != nil {
		return w.fail(w.sinkErr())
	}
	w.rows += rec.NumRows()
	return nil
}

// NumRows is the number of rows written so far.
func (w *Writer) NumRows() int64 { return w.rows }

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// toFile converts one engine-layout column to the file layout (new ref).
func (w *Writer) toFile(a arrow.Array, c Column, dt arrow.DataType) (arrow.Array, error) {
	src := a.DataType()
	switch {
	case arrow.TypeEqual(src, dt):
		a.Retain()
		return a, nil
	case src.ID() == arrow.NULL:
		return array.MakeArrayOfNull(w.mem, dt, a.Len()), nil
	case c.T.Kind == types.String && src.ID() == arrow.DICTIONARY:
		d := a.(*array.Dictionary)
		if d.Dictionary().DataType().ID() != arrow.STRING {
			break
		}
		return decodeDict(w.mem, d)
	case c.T.Kind == types.Timestamp && src.ID() == arrow.TIMESTAMP && src.(*arrow.TimestampType).Unit == arrow.Microsecond:
		return relabel(a, dt), nil // zone label only
	case c.T.Kind == types.Decimal && src.ID() == arrow.FLOAT64:
		return w.toDecimal(a.(*array.Float64), c, dt.(*arrow.Decimal128Type))
	}
	return nil, lferr.New(lferr.TypeError, "%s: column %q (%s) got an array of type %s", w.name, c.Name, c.T, src)
}

func (w *Writer) toDecimal(a *array.Float64, c Column, dt *arrow.Decimal128Type) (arrow.Array, error) {
	vals := a.Float64Values()
	buf := memory.NewResizableBuffer(w.mem)
	buf.Resize(len(vals) * arrow.Decimal128SizeBytes)
	dst := arrow.Decimal128Traits.CastFromBytes(buf.Bytes())
	noNulls := a.NullN() == 0
	for i, v := range vals {
		if !noNulls && a.IsNull(i) {
			dst[i] = decimal128.Num{}
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			buf.Release()
			return nil, lferr.New(lferr.ExecutionError, "%s: column %q: %v cannot be stored as %s", w.name, c.Name, v, c.T)
		}
		// Round half away from zero at the target scale first, so that
		// 2.675 (stored as 2.67499999...) becomes 2.68 as SQL users expect
		// from a decimal literal, not 2.67.
		r := roundHalfAway(v, int(dt.Scale))
		n, err := decimal128.FromFloat64(r, dt.Precision, dt.Scale)
		if err != nil || !n.FitsInPrecision(dt.Precision) {
			buf.Release()
			return nil, lferr.New(lferr.ExecutionError, "%s: column %q: %v does not fit %s", w.name, c.Name, v, c.T)
		}
		dst[i] = n
	}
	return finish(w.mem, a, dt, buf), nil
}

// roundHalfAway rounds v to s decimal places, half away from zero, using the
// shortest decimal representation of v (what the user typed or saw).
func roundHalfAway(v float64, s int) float64 {
	if s > 15 {
		return v
	}
	p := math.Pow10(s)
	x := v * p
	r := math.Round(x)
	// x may be 267.49999999999997 for 2.675; nudge by the representation
	// error of the product before rounding.
	if math.Abs(x-r) != 0.5 {
		if d := math.Abs(x - math.Trunc(x)); math.Abs(d-0.5) < 1e-13*math.Max(1, math.Abs(x)) {
			r = math.Trunc(x) + math.Copysign(1, x)
		}
	}
	return r / p
}

// Commit finishes the Parquet footer and commits the object. On failure
// the object is aborted and never becomes visible.
func (w *Writer) Commit() error {
	if w.done {
		return lferr.New(lferr.StorageError, "%s: commit after commit or abort", w.name)
	}
	w.done = true
	if w.err != nil {
		w.fw.Close()
		w.out.Abort()
		return w.err
	}
	if err := w.fw.Close(); err != nil {
		w.out.Abort()
		return lferr.Wrap(lferr.StorageError, err, "%s: finishing Parquet file: %v", w.name, err)
	}
	if w.sink.err != nil {
		w.out.Abort()
		return w.sinkErr()
	}
	if err := w.out.Commit(); err != nil {
		return err
	}
	return nil
}

// Abort discards the file. Abort after Commit is a no-op.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.fw.Close()
	return w.out.Abort()
}

func (w *Writer) sinkErr() error {
	if lferr.CodeOf(w.sink.err) != "" {
		return w.sink.err
	}
	return lferr.Wrap(lferr.StorageError, w.sink.err, "%s: writing: %v", w.name, w.sink.err)
}

// stickySink records the first write error of the object and discards
// everything after it while reporting success, so that pqarrow always runs
// its normal path (which releases its buffers; its error paths do not) and
// the error is reported by Writer.Write/Commit, which then abort the object.
type stickySink struct {
	w   storage.Writer
	err error
}

func (s *stickySink) Write(p []byte) (int, error) {
	if s.err != nil {
		return len(p), nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.err = err
	}
	return len(p), nil
}

func (w *Writer) String() string { return fmt.Sprintf("parquet writer %s", w.name) }
