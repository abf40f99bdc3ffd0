package parquetio

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// peakAlloc tracks the high-water mark of live Arrow memory.
type peakAlloc struct {
	mu        sync.Mutex
	inner     memory.Allocator
	cur, peak int64
}

func (p *peakAlloc) add(n int) {
	p.mu.Lock()
	p.cur += int64(n)
	if p.cur > p.peak {
		p.peak = p.cur
	}
	p.mu.Unlock()
}
func (p *peakAlloc) Allocate(n int) []byte { p.add(n); return p.inner.Allocate(n) }
func (p *peakAlloc) Reallocate(n int, b []byte) []byte {
	p.add(n - len(b))
	return p.inner.Reallocate(n, b)
}
func (p *peakAlloc) Free(b []byte) { p.add(-len(b)); p.inner.Free(b) }

var benchCols = []Column{{Name: "id", T: types.Int64T}, {Name: "amount", T: types.Float64T}, {Name: "name", T: types.StringT}}

// writeBenchFile writes rows of (id int64, amount float64, name string).
func writeBenchFile(tb testing.TB, st storage.Store, key string, rows int, rgRows int64) {
	ctx := context.Background()
	out, err := st.Create(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := NewWriter(out, key, benchCols, WriterOptions{RowGroupRows: rgRows})
	if err != nil {
		tb.Fatal(err)
	}
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "amount", Type: arrow.PrimitiveTypes.Float64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	const chunk = 65536
	for start := 0; start < rows; start += chunk {
		n := min(chunk, rows-start)
		for i := start; i < start+n; i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.Float64Builder).Append(float64(i%10000) * 0.01)
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer-%06d", i%50000))
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		tb.Fatal(err)
	}
}

func scanAll(tb testing.TB, f *File, cols []Column) int64 {
	r, err := f.NewReader(context.Background(), ReadOptions{Columns: cols})
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var n int64
	for {
		b, err := r.Next()
		if err != nil {
			tb.Fatal(err)
		}
		if b == nil {
			return n
		}
		n += b.NumRows()
	}
}

// TestScanMemoryBounded: peak live Arrow memory while streaming a file is
// set by the row-group size, not the file size (4x the rows, same peak).
func TestScanMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~1M rows")
	}
	ctx := context.Background()
	st := memStore(t)
	const rg = 16 * 1024
	writeBenchFile(t, st, "small.parquet", 4*rg, rg)
	writeBenchFile(t, st, "big.parquet", 16*rg, rg)
	peak := func(key string) int64 {
		objs, _ := st.List(ctx, "")
		t.Logf("file size %d", objs[0].Size)
		pa := &peakAlloc{inner: memory.NewGoAllocator()}
		f, err := OpenObject(ctx, st, key, pa)
		if err != nil {
			t.Fatal(err)
		}
		n := scanAll(t, f, benchCols)
		f.Close()
		if want := f.NumRows(); n != want {
			t.Fatalf("%s: scanned %d rows, want %d", key, n, want)
		}
		if pa.cur != 0 {
			t.Fatalf("%s: %d bytes still allocated after scan", key, pa.cur)
		}
		return pa.peak
	}
	small, big := peak("small.parquet"), peak("big.parquet")
	t.Logf("peak live Arrow memory: 4 row groups %d B, 16 row groups %d B", small, big)
	if float64(big) > 1.25*float64(small) {
		t.Fatalf("peak memory grows with file size: %d B for 4x the rows vs %d B", big, small)
	}
}

// BenchmarkScan measures raw scan throughput of a 2M-row file (int64,
// float64, string), projecting 1 or 3 columns, plus dictionary strings.
//
//	go test ./storage/parquetio -run '^$' -bench Scan -benchtime 5x
func BenchmarkScan(b *testing.B) {
	const rows = 2_000_000
	st, err := storage.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	writeBenchFile(b, st, "bench.parquet", rows, DefaultRowGroupRows)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		cols []Column
	}{
		{"cols=1(int64)", benchCols[:1]},
		{"cols=1(string)", benchCols[2:]},
		{"cols=1(string,dict)", []Column{{Name: "name", T: types.StringT, Dict: true}}},
		{"cols=3", benchCols},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f, err := OpenObject(ctx, st, "bench.parquet", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if n := scanAll(b, f, bc.cols); n != rows {
					b.Fatalf("scanned %d", n)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkWrite measures writer throughput for 1M rows (int64, float64,
// string; batches built beforehand) into the in-memory store.
//
//	go test ./storage/parquetio -run '^$' -bench Write -benchtime 3x
func BenchmarkWrite(b *testing.B) {
	const rows, chunk = 1 << 20, 1 << 16
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "amount", Type: arrow.PrimitiveTypes.Float64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	var recs []arrow.RecordBatch
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for start := 0; start < rows; start += chunk {
		for i := start; i < start+chunk; i++ {
			bld.Field(0).(*array.Int64Builder).Append(int64(i))
			bld.Field(1).(*array.Float64Builder).Append(float64(i%10000) * 0.01)
			bld.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer-%06d", i%50000))
		}
		recs = append(recs, bld.NewRecordBatch())
	}
	bld.Release()
	ctx := context.Background()
	for _, comp := range []Compression{Snappy, Zstd} {
		b.Run([]string{"snappy", "zstd"}[comp], func(b *testing.B) {
			st := memStore(b)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out, _ := st.Create(ctx, "w.parquet")
				w, err := NewWriter(out, "w.parquet", benchCols, WriterOptions{Compression: comp})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	for _, r := range recs {
		r.Release()
	}
}

// TestScanWideRowsBounded: with 20 KB strings, decoding 64k rows at once
// would hold ~1.3 GB; the reader shrinks its decode size to stay near
// decodeBytes.
func TestScanWideRowsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 60 MB")
	}
	ctx := context.Background()
	st := memStore(t)
	cols := []Column{{Name: "blob", T: types.StringT}}
	out, _ := st.Create(ctx, "wide.parquet")
	w, err := NewWriter(out, "wide.parquet", cols, WriterOptions{Compression: Snappy})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewStringBuilder(memory.DefaultAllocator)
	const rows, width = 3000, 20 << 10
	for i := 0; i < rows; i++ {
		s := make([]byte, width)
		for j := range s {
			s[j] = byte('a' + (i+j*7)%26)
		}
		b.Append(string(s))
	}
	arr := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "blob", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []arrow.Array{arr}, rows)
	arr.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	objs, _ := st.List(ctx, "")
	t.Logf("file size %d", objs[0].Size)
	pa := &peakAlloc{inner: memory.NewGoAllocator()}
	f, err := OpenObject(ctx, st, "wide.parquet", pa)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := scanAll(t, f, cols); n != rows {
		t.Fatalf("scanned %d rows", n)
	}
	const rowGroupBytes = rows * width
	t.Logf("peak %d B for a %d B row group", pa.peak, rowGroupBytes)
	if pa.peak > 3*decodeBytes {
		t.Fatalf("peak %d B: decode size not bounded by bytes", pa.peak)
	}
}
