package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func generate(t testing.TB, rows, seed int64, opts LineitemOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteLineitem(&buf, rows, seed, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll decodes a generated file into records (caller releases).
func readAll(t testing.TB, data []byte, mem memory.Allocator) (*file.Reader, []arrow.RecordBatch) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, mem)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	var recs []arrow.RecordBatch
	for rr.Next() {
		r := rr.RecordBatch()
		r.Retain()
		recs = append(recs, r)
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return pf, recs
}

func TestWriteLineitemDeterministic(t *testing.T) {
	opts := LineitemOptions{RowGroupRows: 3000, BatchRows: 1000}
	a := generate(t, 10_000, 7, opts)
	b := generate(t, 10_000, 7, opts)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed gave different bytes")
	}
	if c := generate(t, 10_000, 8, opts); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same bytes")
	}
	// The batch size is an implementation detail: it must not change the data.
	if d := generate(t, 10_000, 7, LineitemOptions{RowGroupRows: 3000, BatchRows: 777}); !bytes.Equal(a, d) {
		t.Fatal("the batch size changed the file")
	}
}

// TestLineitemValues reads a generated file back and checks row counts, the
// layout (row groups, compression, dictionary encoding) and every column's
// domain and cross-column rules from the TPC-H specification.
func TestLineitemValues(t *testing.T) {
	const rows = 20_000
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	data := generate(t, rows, 3, LineitemOptions{RowGroupRows: 6000, BatchRows: 2500, Allocator: mem})
	pf, recs := readAll(t, data, mem)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	md := pf.MetaData()
	if md.NumRows != rows || md.NumRowGroups() != 4 {
		t.Fatalf("%d rows in %d row groups, want %d in 4", md.NumRows, md.NumRowGroups(), rows)
	}
	if v := md.KeyValueMetadata().FindValue(generatorKey); v == nil || *v != generatorID(rows, 3) {
		t.Errorf("generator metadata %v", v)
	}
	dict := map[string]bool{}
	for _, f := range LineitemSchema.Fields() {
		dict[f.Name] = true
	}
	for _, c := range plainColumns {
		dict[c] = false
	}
	rg := md.RowGroup(0)
	for i := 0; i < rg.NumColumns(); i++ {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		name := cc.PathInSchema().String()
		if cc.Compression() != compress.Codecs.Snappy {
			t.Errorf("%s compressed with %v", name, cc.Compression())
		}
		if got := cc.HasDictionaryPage(); got != dict[name] {
			t.Errorf("%s: dictionary page %v, want %v", name, got, dict[name])
		}
	}

	parts := int64(max(rows/30, 1000))
	supps := max(parts/20, 4)
	var n int64
	lastOrder, lastLine := int64(0), int64(0)
	orderDate := map[int64][2]int32{} // per order: the order-date interval its lines allow
	in := func(set []string, s string) bool {
		for _, x := range set {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, r := range recs {
		for i, f := range r.Schema().Fields() {
			w := LineitemSchema.Field(i)
			if f.Name != w.Name || !arrow.TypeEqual(f.Type, w.Type) || f.Nullable {
				t.Fatalf("column %d read back as %v, want %v NOT NULL", i, f, w)
			}
		}
		ok := r.Column(colOrderKey).(*array.Int64).Int64Values()
		pk := r.Column(colPartKey).(*array.Int64).Int64Values()
		sk := r.Column(colSuppKey).(*array.Int64).Int64Values()
		ln := r.Column(colLineNumber).(*array.Int64).Int64Values()
		q := r.Column(colQuantity).(*array.Float64).Float64Values()
		price := r.Column(colExtendedPrice).(*array.Float64).Float64Values()
		disc := r.Column(colDiscount).(*array.Float64).Float64Values()
		tax := r.Column(colTax).(*array.Float64).Float64Values()
		rf := r.Column(colReturnFlag).(*array.String)
		ls := r.Column(colLineStatus).(*array.String)
		ship := r.Column(colShipDate).(*array.Date32).Date32Values()
		commit := r.Column(colCommitDate).(*array.Date32).Date32Values()
		rcpt := r.Column(colReceiptDate).(*array.Date32).Date32Values()
		instr := r.Column(colShipInstruct).(*array.String)
		mode := r.Column(colShipMode).(*array.String)
		comment := r.Column(colComment).(*array.String)
		region := r.Column(colRegion).(*array.String)
		email := r.Column(colCustomerEmail).(*array.String)
		for i := 0; i < int(r.NumRows()); i++ {
			n++
			if r.Column(0).NullN() != 0 {
				t.Fatal("nulls in a NOT NULL column")
			}
			// Order keys ascend, sparse (only k%32 in 1..8), lines number 1..7 within an order.
			if ok[i] < lastOrder || (ok[i]-1)%32 >= 8 {
				t.Fatalf("row %d: order key %d after %d", n, ok[i], lastOrder)
			}
			if ok[i] == lastOrder && ln[i] != lastLine+1 || ok[i] != lastOrder && ln[i] != 1 || ln[i] > 7 {
				t.Fatalf("row %d: order %d line %d after line %d", n, ok[i], ln[i], lastLine)
			}
			lastOrder, lastLine = ok[i], ln[i]
			if pk[i] < 1 || pk[i] > parts || sk[i] < 1 || sk[i] > supps {
				t.Fatalf("row %d: partkey %d suppkey %d", n, pk[i], sk[i])
			}
			if q[i] < 1 || q[i] > 50 || q[i] != float64(int(q[i])) {
				t.Fatalf("row %d: quantity %v", n, q[i])
			}
			if want := q[i] * float64(retailCents(pk[i])) / 100; abs(price[i]-want) > 1e-6 {
				t.Fatalf("row %d: extendedprice %v, want %v", n, price[i], want)
			}
			if disc[i] < 0 || disc[i] > 0.10+1e-12 || tax[i] < 0 || tax[i] > 0.08+1e-12 {
				t.Fatalf("row %d: discount %v tax %v", n, disc[i], tax[i])
			}
			if ship[i] < startDate+1 || rcpt[i]-ship[i] < 1 || rcpt[i]-ship[i] > 30 || ship[i] > endDate+1 {
				t.Fatalf("row %d: shipdate %d receiptdate %d", n, ship[i], rcpt[i])
			}
			// ship and commit derive from the same order date: ship-121 ≤ od ≤ ship-1, commit-90 ≤ od ≤ commit-30.
			lo, hi := max(int32(ship[i])-121, int32(commit[i])-90), min(int32(ship[i])-1, int32(commit[i])-30)
			if lo > hi {
				t.Fatalf("row %d: shipdate %d and commitdate %d have no common order date", n, ship[i], commit[i])
			}
			// All lines of an order share its order date.
			if prev, seen := orderDate[ok[i]]; seen {
				lo, hi = max(lo, prev[0]), min(hi, prev[1])
				if lo > hi {
					t.Fatalf("row %d: lines of order %d have no common order date", n, ok[i])
				}
			}
			orderDate[ok[i]] = [2]int32{lo, hi}
			wantRF := "N"
			if rcpt[i] <= currentDate {
				wantRF = "RA"
			}
			if f := rf.Value(i); len(f) != 1 || !strings.Contains(wantRF, f) {
				t.Fatalf("row %d: returnflag %q with receiptdate %d", n, f, rcpt[i])
			}
			wantLS := "F"
			if ship[i] > currentDate {
				wantLS = "O"
			}
			if ls.Value(i) != wantLS {
				t.Fatalf("row %d: linestatus %q with shipdate %d", n, ls.Value(i), ship[i])
			}
			if !in(shipInstructs, instr.Value(i)) || !in(shipModes, mode.Value(i)) || !in(regions, region.Value(i)) {
				t.Fatalf("row %d: %q %q %q", n, instr.Value(i), mode.Value(i), region.Value(i))
			}
			if c := comment.Value(i); len(c) < 10 || len(c) > 43 {
				t.Fatalf("row %d: comment %q", n, c)
			}
			if e := email.Value(i); strings.Count(e, "@") != 1 || !strings.Contains(e, ".") {
				t.Fatalf("row %d: email %q", n, e)
			}
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestWriteLineitemEmptyAndErrors(t *testing.T) {
	data := generate(t, 0, 1, LineitemOptions{})
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if pf.NumRows() != 0 {
		t.Errorf("empty file has %d rows", pf.NumRows())
	}
	if err := WriteLineitem(&bytes.Buffer{}, -1, 1, LineitemOptions{}); err == nil {
		t.Error("negative row count accepted")
	}
	if err := WriteLineitem(failingWriter{}, 1000, 1, LineitemOptions{}); err == nil {
		t.Error("a failing writer did not fail the write")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestGenerateLineitemFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	paths, err := GenerateLineitemFiles(ctx, dir, 25_000, 5, 10_000, LineitemOptions{RowGroupRows: 4096})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{10_000, 10_000, 5_000}
	if len(paths) != len(want) {
		t.Fatalf("paths %v", paths)
	}
	var mtimes []time.Time
	for i, p := range paths {
		if p != filepath.Join(dir, "lineitem", "part-"+string(rune('0'+i))+".parquet") {
			t.Errorf("path %s", p)
		}
		r, err := file.OpenParquetFile(p, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.NumRows() != want[i] {
			t.Errorf("%s: %d rows, want %d", p, r.NumRows(), want[i])
		}
		r.Close()
		st, _ := os.Stat(p)
		mtimes = append(mtimes, st.ModTime())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "lineitem", "*.tmp*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// The same request reuses the files; a different seed rewrites them.
	time.Sleep(10 * time.Millisecond)
	if _, err := GenerateLineitemFiles(ctx, dir, 25_000, 5, 10_000, LineitemOptions{RowGroupRows: 4096}); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(paths[1])
	if !st.ModTime().Equal(mtimes[1]) {
		t.Error("an up-to-date file was regenerated")
	}
	if _, err := GenerateLineitemFiles(ctx, dir, 25_000, 6, 10_000, LineitemOptions{RowGroupRows: 4096}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(paths[1]); st.ModTime().Equal(mtimes[1]) {
		t.Error("a file with another seed was reused")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := GenerateLineitemFiles(cctx, t.TempDir(), 100_000, 5, 0, LineitemOptions{}); err == nil {
		t.Error("cancelled generation succeeded")
	}
}

// peakAllocator records the most Arrow/Parquet memory held at once.
type peakAllocator struct {
	memory.Allocator
	mu         sync.Mutex
	cur, peak  int64
	sizeOfBufs map[*byte]int
}

func newPeak() *peakAllocator {
	return &peakAllocator{Allocator: memory.NewGoAllocator(), sizeOfBufs: map[*byte]int{}}
}

func (p *peakAllocator) track(b []byte, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur += int64(delta)
	if p.cur > p.peak {
		p.peak = p.cur
	}
}

func (p *peakAllocator) Allocate(n int) []byte {
	b := p.Allocator.Allocate(n)
	p.track(b, len(b))
	return b
}

func (p *peakAllocator) Reallocate(n int, b []byte) []byte {
	old := len(b)
	nb := p.Allocator.Reallocate(n, b)
	p.track(nb, len(nb)-old)
	return nb
}

func (p *peakAllocator) Free(b []byte) {
	p.track(b, -len(b))
	p.Allocator.Free(b)
}

// TestWriteLineitemBoundedMemory: the memory the writer holds depends on the
// row group and batch sizes, not on the number of rows written.
func TestWriteLineitemBoundedMemory(t *testing.T) {
	peakFor := func(rows int64) int64 {
		p := newPeak()
		if err := WriteLineitem(writerOnly{io_discard{}}, rows, 1, LineitemOptions{RowGroupRows: 8192, BatchRows: 2048, Allocator: p}); err != nil {
			t.Fatal(err)
		}
		return p.peak
	}
	small, large := peakFor(20_000), peakFor(160_000)
	t.Logf("peak Arrow/Parquet memory: %d KiB for 20k rows, %d KiB for 160k rows", small>>10, large>>10)
	if large > small*3/2 {
		t.Errorf("peak memory grows with the row count: %d → %d bytes", small, large)
	}
}

type io_discard struct{}

func (io_discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkWriteLineitem(b *testing.B) {
	const rows = 200_000
	b.SetBytes(0)
	for i := 0; i < b.N; i++ {
		if err := WriteLineitem(io_discard{}, rows, 1, LineitemOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*int64(b.N))/b.Elapsed().Seconds(), "rows/s")
}
