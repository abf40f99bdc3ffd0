package parquetio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

var allTypes = []Column{
	{Name: "b", T: types.BoolT},
	{Name: "i", T: types.Int64T},
	{Name: "f", T: types.Float64T},
	{Name: "s", T: types.StringT},
	{Name: "d", T: types.DateT},
	{Name: "ts", T: types.TimestampT},
	{Name: "dec", T: types.DecimalT(10, 2)},
	{Name: "bigdec", T: types.DecimalT(30, 4)},
}

// rowValue is the generator for all-types tables: row r, column c; every
// 7th row is NULL in every column.
func rowValue(c Column, r int) types.Value {
	if r%7 == 3 {
		return types.Value{Kind: c.T.Kind, Null: true}
	}
	switch c.T.Kind {
	case types.Bool:
		return types.NewBool(r%2 == 0)
	case types.Int64:
		return types.NewInt(int64(r)*1_000_003 - 5_000_000)
	case types.Float64:
		return types.NewFloat(float64(r) * 0.25)
	case types.String:
		return types.NewString(fmt.Sprintf("str-%d-é", r%13))
	case types.Date:
		return types.NewDate(int64(r - 100))
	case types.Timestamp:
		return types.NewTimestamp(int64(r)*3_600_000_123 - 10)
	case types.Decimal:
		v := float64(r)*1.01 - 50
		if c.T.Scale == 4 {
			v = float64(r)*12345.6789 + 0.0001
		}
		return types.Value{Kind: types.Decimal, F: v}
	}
	panic("unreachable")
}

// buildBatch builds rows [start,start+n) in the engine layout.
func buildBatch(mem memory.Allocator, cols []Column, start, n int) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.T.Arrow(), Nullable: true}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r := start; r < start+n; r++ {
		for i, c := range cols {
			v := rowValue(c, r)
			fb := b.Field(i)
			if v.Null {
				fb.AppendNull()
				continue
			}
			switch x := fb.(type) {
			case *array.BooleanBuilder:
				x.Append(v.Bool())
			case *array.Int64Builder:
				x.Append(v.I)
			case *array.Float64Builder:
				x.Append(v.F)
			case *array.StringBuilder:
				x.Append(v.S)
			case *array.Date32Builder:
				x.Append(arrow.Date32(v.I))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(v.I))
			}
		}
	}
	return b.NewRecordBatch()
}

// valueAt reads row j of an engine-layout array as a Value of type t.
func valueAt(a arrow.Array, t types.T, j int) types.Value {
	if a.IsNull(j) {
		return types.Value{Kind: t.Kind, Null: true}
	}
	switch x := a.(type) {
	case *array.Boolean:
		return types.NewBool(x.Value(j))
	case *array.Int64:
		return types.NewInt(x.Value(j))
	case *array.Float64:
		if t.Kind == types.Decimal {
			return types.Value{Kind: types.Decimal, F: x.Value(j)}
		}
		return types.NewFloat(x.Value(j))
	case *array.String:
		return types.NewString(x.Value(j))
	case *array.Dictionary:
		return types.NewString(x.Dictionary().(*array.String).Value(x.GetValueIndex(j)))
	case *array.Date32:
		return types.NewDate(int64(x.Value(j)))
	case *array.Timestamp:
		return types.NewTimestamp(int64(x.Value(j)))
	}
	panic("unexpected array " + a.DataType().String())
}

func writeFile(t *testing.T, st storage.Store, key string, cols []Column, rows, batch int, opts WriterOptions) {
	t.Helper()
	ctx := context.Background()
	out, err := st.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(out, key, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < rows; start += batch {
		mem := opts.Alloc
		if mem == nil {
			mem = memory.DefaultAllocator
		}
		rec := buildBatch(mem, cols, start, min(batch, rows-start))
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func memStore(t testing.TB) storage.Store {
	name := fmt.Sprintf("pq-%p", t)
	t.Cleanup(func() { storage.DropMem(name) })
	st, err := storage.NewMem(name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestWriterRoundTrip(t *testing.T) {
	for _, comp := range []Compression{Snappy, Zstd, Uncompressed} {
		t.Run(fmt.Sprint(comp), func(t *testing.T) {
			mem := checkedAlloc(t)
			ctx := context.Background()
			st := memStore(t)
			const rows = 2500
			writeFile(t, st, "x/part-0.parquet", allTypes, rows, 333, WriterOptions{Compression: comp, RowGroupRows: 1000, Alloc: mem})
			f, err := OpenObject(ctx, st, "x/part-0.parquet", mem)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.NumRowGroups() != 3 || f.NumRows() != rows {
				t.Fatalf("groups %d rows %d", f.NumRowGroups(), f.NumRows())
			}
			// Inference sees the logical types back, decimals included.
			inferred, err := f.Columns()
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range inferred {
				if c.Name != allTypes[i].Name || c.T != allTypes[i].T {
					t.Fatalf("inferred %v, want %v", c, allTypes[i])
				}
			}
			cols := append([]Column(nil), allTypes...)
			cols[3].Dict = true
			r, err := f.NewReader(ctx, ReadOptions{Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			row := 0
			for {
				b, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if b == nil {
					break
				}
				for j := 0; j < int(b.NumRows()); j++ {
					for c, col := range cols {
						got := valueAt(b.Column(c), col.T, j)
						want := rowValue(col, row)
						if col.T.Kind == types.Decimal && !want.Null {
							want.F = roundHalfAway(want.F, int(col.T.Scale))
						}
						if got != want {
							t.Fatalf("row %d col %s: got %v want %v", row, col.Name, got, want)
						}
					}
					row++
				}
			}
			if row != rows {
				t.Fatalf("read %d rows", row)
			}
		})
	}
}

func TestWriterDecimalRounding(t *testing.T) {
	for _, tc := range []struct {
		v     float64
		scale int
		want  float64
	}{
		{2.675, 2, 2.68}, {-2.675, 2, -2.68}, {1.005, 2, 1.01}, {0.125, 2, 0.13},
		{1.234, 2, 1.23}, {-0.004, 2, -0}, {12345.5, 0, 12346}, {7, 3, 7},
	} {
		if got := roundHalfAway(tc.v, tc.scale); got != tc.want {
			t.Errorf("roundHalfAway(%v,%d) = %v want %v", tc.v, tc.scale, got, tc.want)
		}
	}
}

func TestWriterErrorsAbort(t *testing.T) {
	ctx := context.Background()
	mem := checkedAlloc(t)
	st := memStore(t)
	cols := []Column{{Name: "dec", T: types.DecimalT(4, 2)}}
	out, _ := st.Create(ctx, "bad.parquet")
	w, err := NewWriter(out, "bad.parquet", cols, WriterOptions{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewFloat64Builder(mem)
	b.AppendValues([]float64{1.5, 123.45}, nil) // 123.45 needs 5 digits
	a := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "dec", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil), []arrow.Array{a}, 2)
	a.Release()
	err = w.Write(rec)
	rec.Release()
	if lferr.CodeOf(err) != lferr.ExecutionError {
		t.Fatalf("overflowing decimal: %v", err)
	}
	if err := w.Commit(); err == nil {
		t.Fatal("commit after failed write succeeded")
	}
	if objs, _ := st.List(ctx, ""); len(objs) != 0 {
		t.Fatalf("failed write left %v", objs)
	}

	// Wrong array type for a column.
	out, _ = st.Create(ctx, "bad2.parquet")
	w, _ = NewWriter(out, "bad2.parquet", []Column{{Name: "i", T: types.Int64T}}, WriterOptions{Alloc: mem})
	rec = buildBatch(mem, []Column{{Name: "i", T: types.StringT}}, 0, 3)
	err = w.Write(rec)
	rec.Release()
	if lferr.CodeOf(err) != lferr.TypeError {
		t.Fatalf("wrong type: %v", err)
	}
	w.Abort()
}

// failingWriter fails every write after limit bytes, like a full disk.
type failingWriter struct {
	n, limit  int
	committed bool
	aborted   bool
}

var errDiskFull = errors.New("no space left on device")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		return 0, errDiskFull
	}
	f.n += len(p)
	return len(p), nil
}
func (f *failingWriter) Commit() error { f.committed = true; return nil }
func (f *failingWriter) Abort() error  { f.aborted = true; return nil }

var _ io.Writer = (*failingWriter)(nil)

func TestWriterDiskFull(t *testing.T) {
	mem := checkedAlloc(t)
	fw := &failingWriter{limit: 4096}
	w, err := NewWriter(fw, "full.parquet", allTypes, WriterOptions{Alloc: mem, RowGroupRows: 500})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for start := 0; start < 5000 && werr == nil; start += 500 {
		rec := buildBatch(mem, allTypes, start, 500)
		werr = w.Write(rec)
		rec.Release()
	}
	cerr := w.Commit()
	if werr == nil && cerr == nil {
		t.Fatal("writing past a full disk succeeded")
	}
	err = werr
	if err == nil {
		err = cerr
	}
	if lferr.CodeOf(err) != lferr.StorageError || !errors.Is(err, errDiskFull) {
		t.Fatalf("disk full surfaced as %v", err)
	}
	if fw.committed || !fw.aborted {
		t.Fatalf("committed=%v aborted=%v after failure", fw.committed, fw.aborted)
	}
}

func TestNewFileName(t *testing.T) {
	a, b := NewFileName(), NewFileName()
	if a == b || storage.CheckKey(a) != nil || storage.Hidden(a) {
		t.Fatalf("names %q %q", a, b)
	}
}
