//go:build unix

package parquetio

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// withParallelism forces the decode mode of Readers created by fn.
func withParallelism(t *testing.T, p int, fn func()) {
	t.Helper()
	saved := parallelism
	parallelism = func() int { return p }
	defer func() { parallelism = saved }()
	fn()
}

// readRows reads every row of cols (id int64, amount float64, name string)
// with the given options and returns them flattened, plus the batch sizes.
type benchRow struct {
	id     int64
	amount float64
	name   string
	null   bool
}

func readRows(t *testing.T, f *File, opts ReadOptions) ([]benchRow, []int64) {
	t.Helper()
	r, err := f.NewReader(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []benchRow
	var sizes []int64
	for {
		b, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return rows, sizes
		}
		sizes = append(sizes, b.NumRows())
		ids := b.Column(0).(*array.Int64)
		am := b.Column(1).(*array.Float64)
		var name func(int) string
		switch c := b.Column(2).(type) {
		case *array.String:
			name = c.Value
		case *array.Dictionary:
			d := c.Dictionary().(*array.String)
			name = func(i int) string { return d.Value(c.GetValueIndex(i)) }
		default:
			t.Fatalf("name column is %s", c.DataType())
		}
		for i := 0; i < int(b.NumRows()); i++ {
			rows = append(rows, benchRow{id: ids.Value(i), amount: am.Value(i), name: name(i), null: ids.IsNull(i)})
		}
	}
}

// TestParallelReadMatchesSerial: decoding row groups ahead in goroutines
// yields exactly the serial path's rows, in the same order, for all row groups, a pruned subset in a given order, and
// dictionary output; and it frees everything (checked allocator).
func TestParallelReadMatchesSerial(t *testing.T) {
	st := localStore(t)
	const rows = 70_000
	writeBenchFile(t, st, "p.parquet", rows, 8_000) // 9 row groups
	cases := []struct {
		name string
		opts ReadOptions
	}{
		{"all", ReadOptions{Columns: benchCols}},
		{"subset", ReadOptions{Columns: benchCols, RowGroups: []int{7, 1, 3, 8}, BatchSize: 1000}},
		{"dict", ReadOptions{Columns: []Column{benchCols[0], benchCols[1], {Name: "name", T: types.StringT, Dict: true}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			f, err := OpenObject(context.Background(), st, "p.parquet", mem)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var serial, par []benchRow
			var ss, ps []int64
			withParallelism(t, 1, func() { serial, ss = readRows(t, f, c.opts) })
			for _, p := range []int{2, 3, 16} {
				withParallelism(t, p, func() { par, ps = readRows(t, f, c.opts) })
				if len(par) != len(serial) {
					t.Fatalf("p=%d: %d rows, serial %d", p, len(par), len(serial))
				}
				for i := range serial {
					if par[i] != serial[i] {
						t.Fatalf("p=%d: row %d = %+v, serial %+v", p, i, par[i], serial[i])
					}
				}
				// Batch boundaries may differ (each row group in flight
				// starts from the piece size known when it was launched),
				// but never exceed BatchSize.
				limit := int64(c.opts.BatchSize)
				if limit == 0 {
					limit = DefaultBatchSize
				}
				for _, n := range append(ps, ss...) {
					if n <= 0 || n > limit {
						t.Fatalf("p=%d: batch of %d rows (limit %d)", p, n, limit)
					}
				}
			}
			if c.opts.RowGroups == nil && int64(len(serial)) != rows {
				t.Fatalf("read %d rows of %d", len(serial), rows)
			}
			if c.name == "subset" && (serial[0].id != 7*8000 || serial[8000].id != 8000) {
				t.Fatalf("row groups out of order: first ids %d, %d", serial[0].id, serial[8000].id)
			}
		})
	}
}

// TestParallelReadEarlyCloseAndCancel: closing a Reader mid-stream, or
// cancelling its context, stops the decoding goroutines and releases every
// piece they built (the checked allocator ends at zero).
func TestParallelReadEarlyCloseAndCancel(t *testing.T) {
	st := localStore(t)
	writeBenchFile(t, st, "p.parquet", 50_000, 5_000)
	mem := checkedAlloc(t)
	f, err := OpenObject(context.Background(), st, "p.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	withParallelism(t, 4, func() {
		for _, stopAfter := range []int{0, 1, 3} {
			r, err := f.NewReader(context.Background(), ReadOptions{Columns: benchCols})
			if err != nil {
				t.Fatal(err)
			}
			if r.par == nil {
				t.Fatal("reader of 10 row groups at parallelism 4 is serial")
			}
			for i := 0; i < stopAfter; i++ {
				if b, err := r.Next(); err != nil || b == nil {
					t.Fatalf("batch %d: %v, %v", i, b, err)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		r, err := f.NewReader(ctx, ReadOptions{Columns: benchCols})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		cancel()
		var b arrow.RecordBatch
		for err == nil {
			b, err = r.Next()
			if b == nil && err == nil {
				t.Fatal("cancelled read ended without an error")
			}
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled read: %v", err)
		}
		r.Close()
	})
}

// TestParallelReadCorruptData: a decoder panic in a decoding goroutine
// becomes the Reader's sticky StorageError, never a crash.
func TestParallelReadCorruptData(t *testing.T) {
	st := localStore(t)
	writeBenchFile(t, st, "p.parquet", 40_000, 4_000)
	data := readObject(t, st, "p.parquet")
	// Flip bytes in the middle of the data pages (not the footer).
	for i := len(data) / 3; i < len(data)/2; i += 97 {
		data[i] ^= 0x5a
	}
	f, err := Open(context.Background(), "bad.parquet", newBytesFile(data), nil)
	if err != nil {
		t.Fatalf("the footer is intact, yet: %v", err)
	}
	defer f.Close()
	withParallelism(t, 4, func() {
		r, err := f.NewReader(context.Background(), ReadOptions{Columns: benchCols})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for {
			b, err := r.Next()
			if err != nil {
				if _, again := r.Next(); again == nil {
					t.Fatalf("error %v is not sticky", err)
				}
				return
			}
			if b == nil {
				t.Fatal("a file with damaged pages read to the end without an error")
			}
		}
	})
}

func localStore(t *testing.T) storage.Store {
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func readObject(t *testing.T, st storage.Store, key string) []byte {
	f, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, f.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkScanParallel compares serial and decode-ahead reading of a
// 2M-row, 16-row-group file (3 columns). Besides ns/op it reports process
// CPU per row: on a shared machine wall time shows the speed-up only when
// cores are free, CPU time shows what the parallel path costs extra.
//
//	go test ./storage/parquetio -run '^$' -bench ScanParallel -benchtime 5x -count 5
func BenchmarkScanParallel(b *testing.B) {
	const rows = 2_000_000
	st, err := storage.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	writeBenchFile(b, st, "bench.parquet", rows, DefaultRowGroupRows)
	ctx := context.Background()
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("par=%d", p), func(b *testing.B) {
			saved := parallelism
			parallelism = func() int { return p }
			defer func() { parallelism = saved }()
			f, err := OpenObject(ctx, st, "bench.parquet", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			c0 := cpuSeconds()
			b.ResetTimer()
			for b.Loop() {
				if n := scanAll(b, f, benchCols); n != rows {
					b.Fatalf("scanned %d", n)
				}
			}
			b.ReportMetric((cpuSeconds()-c0)*1e9/(float64(rows)*float64(b.N)), "cpu-ns/row")
		})
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
