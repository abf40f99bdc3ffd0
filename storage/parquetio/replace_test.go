package parquetio

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

var replCols = []Column{{Name: "a", T: types.Int64T}}

func replRecord(vals ...int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	return array.NewRecordBatch(sc, []arrow.Array{arr}, int64(len(vals)))
}

func replWrite(t *testing.T, st storage.Store, key string, vals ...int64) {
	t.Helper()
	out, err := st.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(out, key, replCols, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := replRecord(vals...)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// replRows reads every row a scan would see, sorted.
func replRows(t *testing.T, st storage.Store) []int64 {
	t.Helper()
	ctx := context.Background()
	files, err := DataFiles(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, f := range files {
		pf, err := OpenObject(ctx, st, f.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pf.NewReader(ctx, ReadOptions{Columns: replCols})
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if rec == nil {
				break
			}
			out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
		}
		r.Close()
		pf.Close()
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestReplaceFilesIsAtomicForReaders(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		newVal []int64
		want   []int64
	}{
		{"rewrite", []int64{10, 20}, []int64{3, 10, 20}},
		{"delete all", nil, []int64{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			replWrite(t, st, "f1.parquet", 1)
			replWrite(t, st, "f2.parquet", 2)
			replWrite(t, st, "f3.parquet", 3)
			var during []int64
			out, rows, err := ReplaceFiles(ctx, st, "", []string{"f1.parquet", "f2.parquet"}, replCols, func(w *Writer) error {
				// While the new file is being written, readers see the old state.
				during = replRows(t, st)
				if len(tc.newVal) == 0 {
					return nil
				}
				rec := replRecord(tc.newVal...)
				defer rec.Release()
				return w.Write(rec)
			}, CompactOptions{Grace: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if got := during; len(got) != 3 || got[0] != 1 || got[2] != 3 {
				t.Errorf("rows during the rewrite = %v, want the old state [1 2 3]", got)
			}
			if rows != int64(len(tc.newVal)) || (rows == 0) != (out == "") {
				t.Errorf("output %q rows %d", out, rows)
			}
			if got := replRows(t, st); !equalInts(got, tc.want) {
				t.Errorf("rows after = %v, want %v", got, tc.want)
			}
			// The replaced files are still there for slow readers (grace),
			// but no scan lists them.
			if _, err := st.Open(ctx, "f1.parquet"); err != nil {
				t.Errorf("replaced file removed before its grace period: %v", err)
			}
		})
	}
}

func TestReplaceFilesFailureLeavesTableUnchanged(t *testing.T) {
	ctx := context.Background()
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	replWrite(t, st, "f1.parquet", 1)
	replWrite(t, st, "f2.parquet", 2)
	_, _, err = ReplaceFiles(ctx, st, "", []string{"f1.parquet"}, replCols, func(w *Writer) error {
		return context.Canceled
	}, CompactOptions{})
	if err == nil {
		t.Fatal("no error from a failed write")
	}
	if got := replRows(t, st); !equalInts(got, []int64{1, 2}) {
		t.Errorf("rows after a failed rewrite = %v", got)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
