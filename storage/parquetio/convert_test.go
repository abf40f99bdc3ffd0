package parquetio

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// TestReadConversions writes columns in layouts other writers produce and
// checks the reader converts them to the engine layout, and that their
// statistics are converted consistently.
func TestReadConversions(t *testing.T) {
	null := func(k types.Kind) types.Value { return types.Value{Kind: k, Null: true} }
	dec := func(f float64) types.Value { return types.Value{Kind: types.Decimal, F: f} }
	i, fl, s := types.NewInt, types.NewFloat, types.NewString
	ts := types.NewTimestamp
	for _, tc := range []struct {
		name string
		dt   arrow.DataType
		json string
		t    types.T
		want []types.Value
	}{
		{"int8", arrow.PrimitiveTypes.Int8, `[-128, null, 127]`, types.Int64T, []types.Value{i(-128), null(types.Int64), i(127)}},
		{"int16", arrow.PrimitiveTypes.Int16, `[-3, 7, null]`, types.Int64T, []types.Value{i(-3), i(7), null(types.Int64)}},
		{"uint8", arrow.PrimitiveTypes.Uint8, `[255, 0, null]`, types.Int64T, []types.Value{i(255), i(0), null(types.Int64)}},
		{"uint16", arrow.PrimitiveTypes.Uint16, `[65535, 1, 2]`, types.Int64T, []types.Value{i(65535), i(1), i(2)}},
		{"uint32", arrow.PrimitiveTypes.Uint32, `[4294967295, 0, null]`, types.Int64T, []types.Value{i(4294967295), i(0), null(types.Int64)}},
		{"int32 as double", arrow.PrimitiveTypes.Int32, `[-5, null, 9]`, types.Float64T, []types.Value{fl(-5), null(types.Float64), fl(9)}},
		{"int64 as decimal", arrow.PrimitiveTypes.Int64, `[1, 2, 3]`, types.DecimalT(10, 0), []types.Value{dec(1), dec(2), dec(3)}},
		{"float32", arrow.PrimitiveTypes.Float32, `[1.5, null, -0.25]`, types.Float64T, []types.Value{fl(1.5), null(types.Float64), fl(-0.25)}},
		{"date64", arrow.FixedWidthTypes.Date64, `[86400000, null, 0]`, types.DateT, []types.Value{types.NewDate(1), null(types.Date), types.NewDate(0)}},
		{"timestamp s", &arrow.TimestampType{Unit: arrow.Second}, `[1, null, -1]`, types.TimestampT, []types.Value{ts(1_000_000), null(types.Timestamp), ts(-1_000_000)}},
		{"timestamp ms utc", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, `[1500, 2, null]`, types.TimestampT, []types.Value{ts(1_500_000), ts(2000), null(types.Timestamp)}},
		{"timestamp ns", &arrow.TimestampType{Unit: arrow.Nanosecond}, `[1999, -1, null]`, types.TimestampT, []types.Value{ts(1), ts(-1), null(types.Timestamp)}},
		{"timestamp us no zone", &arrow.TimestampType{Unit: arrow.Microsecond}, `[5, 6, 7]`, types.TimestampT, []types.Value{ts(5), ts(6), ts(7)}},
		{"binary", arrow.BinaryTypes.Binary, `["YWJj", null, ""]`, types.StringT, []types.Value{s("abc"), null(types.String), s("")}},
		{"large string", arrow.BinaryTypes.LargeString, `["x", null, "yz"]`, types.StringT, []types.Value{s("x"), null(types.String), s("yz")}},
		{"decimal(5,2)", &arrow.Decimal128Type{Precision: 5, Scale: 2}, `["123.45", null, "-0.01"]`, types.DecimalT(5, 2), []types.Value{dec(123.45), null(types.Decimal), dec(-0.01)}},
		{"decimal(30,4) fixed bytes", &arrow.Decimal128Type{Precision: 30, Scale: 4}, `["12345678901234.5678", "-1.0001", null]`, types.DecimalT(30, 4), []types.Value{dec(12345678901234.5678), dec(-1.0001), null(types.Decimal)}},
		{"decimal as double", &arrow.Decimal128Type{Precision: 9, Scale: 3}, `["1.5", "2.25", null]`, types.Float64T, []types.Value{fl(1.5), fl(2.25), null(types.Float64)}},
		{"all-null column", arrow.Null, `[null, null, null]`, types.StringT, []types.Value{null(types.String), null(types.String), null(types.String)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			ctx := context.Background()
			arr, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			sc := arrow.NewSchema([]arrow.Field{{Name: "c", Type: tc.dt, Nullable: true}}, nil)
			rec := array.NewRecordBatch(sc, []arrow.Array{arr}, int64(arr.Len()))
			arr.Release()
			data := writeRaw(t, sc, 100, rec)
			rec.Release()
			f, err := Open(ctx, tc.name, newBytesFile(data), mem)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cols := []Column{{Name: "c", T: tc.t}}
			r, err := f.NewReader(ctx, ReadOptions{Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(b.Column(0).DataType(), tc.t.Arrow()) {
				t.Fatalf("read as %s, engine layout is %s", b.Column(0).DataType(), tc.t.Arrow())
			}
			for j, want := range tc.want {
				if got := valueAt(b.Column(0), tc.t, j); got != want {
					t.Fatalf("row %d: got %v want %v", j, got, want)
				}
			}
			// Statistics, when present, bound the converted values.
			st, err := f.RowGroupStats(0, cols)
			if err != nil {
				t.Fatal(err)
			}
			if st[0].HasMinMax {
				for _, v := range tc.want {
					if satisfies(v, Constraint{Op: Lt, Value: st[0].Min}) || satisfies(v, Constraint{Op: Gt, Value: st[0].Max}) {
						t.Fatalf("%v outside stats [%v, %v]", v, st[0].Min, st[0].Max)
					}
				}
			}
		})
	}
}

func TestReadDictionaryStoredSchema(t *testing.T) {
	// A file whose stored Arrow schema says dictionary<int32, string> (what
	// pandas categoricals produce) reads as plain or dictionary strings.
	mem := checkedAlloc(t)
	ctx := context.Background()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	bld := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"b", "a", "b", ""} {
		if v == "" {
			bld.AppendNull()
		} else {
			bld.AppendString(v)
		}
	}
	arr := bld.NewArray()
	bld.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 4)
	arr.Release()
	data := writeRaw(t, sc, 100, rec)
	rec.Release()
	f, err := Open(ctx, "dict", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, dict := range []bool{false, true} {
		r, err := f.NewReader(ctx, ReadOptions{Columns: []Column{{Name: "c", T: types.StringT, Dict: dict}}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if isDict := b.Column(0).DataType().ID() == arrow.DICTIONARY; isDict != dict {
			t.Fatalf("dict=%v: got %s", dict, b.Column(0).DataType())
		}
		want := []types.Value{types.NewString("b"), types.NewString("a"), types.NewString("b"), {Kind: types.String, Null: true}}
		for j, w := range want {
			if got := valueAt(b.Column(0), types.StringT, j); got != w {
				t.Fatalf("dict=%v row %d: %v want %v", dict, j, got, w)
			}
		}
		r.Close()
	}
}

func TestReadUnsupported(t *testing.T) {
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	arr, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Uint64, strings.NewReader(`[1, 2]`))
	sc := arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 2)
	data := writeRaw(t, sc, 100, rec)
	f, err := Open(ctx, "u64", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Columns(); lferr.CodeOf(err) != lferr.Unsupported {
		t.Fatalf("inferring uint64: %v", err)
	}
	if _, err := f.NewReader(ctx, ReadOptions{Columns: []Column{{Name: "u", T: types.Int64T}}}); lferr.CodeOf(err) != lferr.TypeError {
		t.Fatalf("reading uint64 as bigint: %v", err)
	}
}

func TestReadTimestampOverflow(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	dt := &arrow.TimestampType{Unit: arrow.Millisecond}
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(`[1, 9223372036854775807]`))
	if err != nil {
		t.Fatal(err)
	}
	sc := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{arr}, 2)
	arr.Release()
	data := writeRaw(t, sc, 10, rec)
	rec.Release()
	f, err := Open(ctx, "ts", newBytesFile(data), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := f.NewReader(ctx, ReadOptions{Columns: []Column{{Name: "c", T: types.TimestampT}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); lferr.CodeOf(err) != lferr.StorageError || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("overflowing timestamp: %v", err)
	}
}
