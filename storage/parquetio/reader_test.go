package parquetio

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// mixedRecord builds n rows: i32 = i, i64 = i*10, f = i/2, s = "s<i%7>",
// with every 5th row NULL in every column.
func mixedRecord(mem memory.Allocator, start, n int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for i := start; i < start+n; i++ {
		if i%5 == 0 {
			for _, f := range b.Fields() {
				f.AppendNull()
			}
			continue
		}
		b.Field(0).(*array.Int32Builder).Append(int32(i))
		b.Field(1).(*array.Int64Builder).Append(int64(i) * 10)
		b.Field(2).(*array.Float64Builder).Append(float64(i) / 2)
		b.Field(3).(*array.StringBuilder).Append("s" + string(rune('0'+i%7)))
	}
	return b.NewRecordBatch()
}

func TestReaderProjectionConversionAndBatches(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	rec := mixedRecord(mem, 0, 1000)
	data := writeRaw(t, rec.Schema(), 300, rec)
	rec.Release()

	f, err := Open(ctx, "t.parquet", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRows() != 1000 || f.NumRowGroups() != 4 {
		t.Fatalf("rows %d groups %d", f.NumRows(), f.NumRowGroups())
	}
	for _, tc := range []struct {
		name     string
		cols     []Column
		rgs      []int
		batch    int
		wantRows int
		firstRow int
	}{
		{"all", []Column{{Name: "I32", T: types.Int64T}, {Name: "s", T: types.StringT}, {Name: "f", T: types.Float64T}, {Name: "i64", T: types.Int64T}}, nil, 128, 1000, 0},
		{"one col, rg 1-2", []Column{{Name: "i64", T: types.Int64T}}, []int{1, 2}, 0, 600, 300},
		{"dict string", []Column{{Name: "s", T: types.StringT, Dict: true}, {Name: "i32", T: types.Float64T}}, []int{3}, 7, 100, 900},
		{"missing column is NULL", []Column{{Name: "nope", T: types.DateT}, {Name: "i64", T: types.Int64T}}, nil, 0, 1000, 0},
		{"no columns", []Column{}, []int{0, 3}, 64, 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.NewReader(ctx, ReadOptions{Columns: tc.cols, RowGroups: tc.rgs, BatchSize: tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			row := tc.firstRow
			total := 0
			for {
				b, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if b == nil {
					break
				}
				if tc.batch > 0 && int(b.NumRows()) > tc.batch {
					t.Fatalf("batch of %d rows > %d", b.NumRows(), tc.batch)
				}
				for c, col := range tc.cols {
					if col.Dict && b.Column(c).DataType().ID() != arrow.DICTIONARY {
						t.Fatalf("column %s: want dictionary, got %s", col.Name, b.Column(c).DataType())
					}
				}
				if !b.Schema().Equal(r.Schema()) {
					t.Fatalf("batch schema %s != reader schema %s", b.Schema(), r.Schema())
				}
				for j := 0; j < int(b.NumRows()); j++ {
					if len(tc.cols) > 0 {
						checkRow(t, tc.cols, b, j, row)
					}
					row++
				}
				total += int(b.NumRows())
			}
			if total != tc.wantRows {
				t.Fatalf("read %d rows, want %d", total, tc.wantRows)
			}
		})
	}
}

// checkRow checks row j of b against the generator's row number i. For the
// "no columns" case the row numbering restarts per group, so it is skipped.
func checkRow(t *testing.T, cols []Column, b arrow.RecordBatch, j, i int) {
	t.Helper()
	for c, col := range cols {
		a := b.Column(c)
		null := i%5 == 0 || col.Name == "nope"
		if a.IsNull(j) != null {
			t.Fatalf("row %d col %s: null=%v want %v", i, col.Name, a.IsNull(j), null)
		}
		if null {
			continue
		}
		switch col.Name {
		case "I32":
			if got := a.(*array.Int64).Value(j); got != int64(i) {
				t.Fatalf("row %d i32 = %d", i, got)
			}
		case "i32":
			if got := a.(*array.Float64).Value(j); got != float64(i) {
				t.Fatalf("row %d i32 as double = %v", i, got)
			}
		case "i64":
			if got := a.(*array.Int64).Value(j); got != int64(i)*10 {
				t.Fatalf("row %d i64 = %d", i, got)
			}
		case "f":
			if got := a.(*array.Float64).Value(j); got != float64(i)/2 {
				t.Fatalf("row %d f = %v", i, got)
			}
		case "s":
			want := "s" + string(rune('0'+i%7))
			var got string
			switch s := a.(type) {
			case *array.String:
				got = s.Value(j)
			case *array.Dictionary:
				got = s.Dictionary().(*array.String).Value(s.GetValueIndex(j))
			default:
				t.Fatalf("s has type %s", a.DataType())
			}
			if got != want {
				t.Fatalf("row %d s = %q want %q", i, got, want)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	rec := mixedRecord(mem, 0, 10)
	data := writeRaw(t, rec.Schema(), 300, rec)
	rec.Release()
	f, err := Open(ctx, "t.parquet", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		opts ReadOptions
		code lferr.Code
	}{
		{"string as int", ReadOptions{Columns: []Column{{Name: "s", T: types.Int64T}}}, lferr.TypeError},
		{"double as int", ReadOptions{Columns: []Column{{Name: "f", T: types.Int64T}}}, lferr.TypeError},
		{"row group out of range", ReadOptions{RowGroups: []int{1}}, lferr.InvalidInput},
		{"row group twice", ReadOptions{RowGroups: []int{0, 0}}, lferr.InvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.NewReader(ctx, tc.opts)
			if err == nil {
				r.Close()
				t.Fatal("expected error")
			}
			if lferr.CodeOf(err) != tc.code {
				t.Fatalf("code %q want %q (%v)", lferr.CodeOf(err), tc.code, err)
			}
		})
	}
	if _, err := Open(ctx, "junk", newBytesFile([]byte("not parquet at all")), mem); lferr.CodeOf(err) != lferr.StorageError {
		t.Fatalf("junk file: %v", err)
	}
}

func TestReaderEmptyFileAndCancel(t *testing.T) {
	mem := checkedAlloc(t)
	st := memStore(t)
	writeFile(t, st, "empty.parquet", allTypes, 0, 10, WriterOptions{Alloc: mem})
	writeFile(t, st, "full.parquet", allTypes, 5000, 1000, WriterOptions{Alloc: mem, RowGroupRows: 1000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := OpenObject(ctx, st, "empty.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.NewReader(ctx, ReadOptions{Columns: allTypes})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := r.Next(); b != nil || err != nil {
		t.Fatalf("empty file: %v %v", b, err)
	}
	r.Close()
	f.Close()

	f, err = OpenObject(ctx, st, "full.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err = f.NewReader(ctx, ReadOptions{Columns: allTypes, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := r.Next(); b == nil || err != nil {
		t.Fatalf("first batch: %v", err)
	}
	cancel()
	if b, err := r.Next(); b != nil || err != context.Canceled {
		t.Fatalf("after cancel: %v %v", b, err)
	}
}

func TestDuplicateColumnNames(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	b1 := array.NewInt64Builder(mem)
	b1.AppendValues([]int64{1, 2}, nil)
	a1 := b1.NewArray()
	b1.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{a1, a1}, 2)
	a1.Release()
	data := writeRaw(t, sc, 10, rec)
	rec.Release()
	f, err := Open(ctx, "dup", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.NewReader(ctx, ReadOptions{Columns: []Column{{Name: "X", T: types.Int64T}}}); lferr.CodeOf(err) != lferr.StorageError {
		t.Fatalf("reading an ambiguous column: %v", err)
	}
	if _, err := f.Columns(); err == nil {
		t.Fatal("inferring a schema with duplicate names succeeded")
	}
}
