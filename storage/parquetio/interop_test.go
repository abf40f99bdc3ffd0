package parquetio

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xwriter "github.com/xitongsys/parquet-go/writer"

	"github.com/sluicedb/sluice/planner/types"
)

// interopRow is written by github.com/xitongsys/parquet-go, a second,
// independent Parquet implementation with its own encoders (and legacy
// ConvertedType annotations instead of LogicalType).
type interopRow struct {
	ID     *int64   `parquet:"name=id, type=INT64, repetitiontype=OPTIONAL"`
	I32    *int32   `parquet:"name=i32, type=INT32, encoding=PLAIN, repetitiontype=OPTIONAL"`
	D      *float64 `parquet:"name=d, type=DOUBLE, repetitiontype=OPTIONAL"`
	SDict  *string  `parquet:"name=s_dict, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY, repetitiontype=OPTIONAL"`
	SPlain *string  `parquet:"name=s_plain, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN, repetitiontype=OPTIONAL"`
	Day    *int32   `parquet:"name=day, type=INT32, convertedtype=DATE, repetitiontype=OPTIONAL"`
	Ts     *int64   `parquet:"name=ts, type=INT64, convertedtype=TIMESTAMP_MILLIS, repetitiontype=OPTIONAL"`
	Dec    *int64   `parquet:"name=dec, type=INT64, convertedtype=DECIMAL, scale=2, precision=12, repetitiontype=OPTIONAL"`
	B      *bool    `parquet:"name=b, type=BOOLEAN, repetitiontype=OPTIONAL"`
	Req    int64    `parquet:"name=req, type=INT64"`
}

var interopCols = []Column{
	{Name: "id", T: types.Int64T}, {Name: "i32", T: types.Int64T}, {Name: "d", T: types.Float64T},
	{Name: "s_dict", T: types.StringT, Dict: true}, {Name: "s_plain", T: types.StringT},
	{Name: "day", T: types.DateT}, {Name: "ts", T: types.TimestampT}, {Name: "dec", T: types.DecimalT(12, 2)},
	{Name: "b", T: types.BoolT}, {Name: "req", T: types.Int64T},
}

// interopValue is the expected value of column c in row r (NULL every 4th
// row, shifted per column so NULLs are not aligned).
func interopValue(c, r int) types.Value {
	t := interopCols[c].T
	if c != 9 && (r+c)%4 == 0 {
		return types.Value{Kind: t.Kind, Null: true}
	}
	switch c {
	case 0:
		return types.NewInt(int64(r)*7 - 300)
	case 1:
		return types.NewInt(int64(-r))
	case 2:
		return types.NewFloat(float64(r)/8 - 3)
	case 3:
		return types.NewString([]string{"red", "green", "blue", ""}[r%4])
	case 4:
		return types.NewString(fmt.Sprintf("plain-%05d", r))
	case 5:
		return types.NewDate(int64(18000 + r))
	case 6:
		return types.NewTimestamp((1_600_000_000_000 + int64(r)*1001) * 1000)
	case 7:
		return types.Value{Kind: types.Decimal, F: dec128ToFloat(decimal128.FromI64(int64(r)*101-5000), 2)}
	case 8:
		return types.NewBool(r%3 == 0)
	case 9:
		return types.NewInt(int64(r))
	}
	panic("bad column")
}

func interopRowAt(r int) interopRow {
	row := interopRow{Req: int64(r)}
	v := func(c int) (types.Value, bool) { x := interopValue(c, r); return x, !x.Null }
	if x, ok := v(0); ok {
		row.ID = &x.I
	}
	if x, ok := v(1); ok {
		i := int32(x.I)
		row.I32 = &i
	}
	if x, ok := v(2); ok {
		row.D = &x.F
	}
	if x, ok := v(3); ok {
		row.SDict = &x.S
	}
	if x, ok := v(4); ok {
		row.SPlain = &x.S
	}
	if x, ok := v(5); ok {
		d := int32(x.I)
		row.Day = &d
	}
	if x, ok := v(6); ok {
		ms := x.I / 1000
		row.Ts = &ms
	}
	if _, ok := v(7); ok {
		u := int64(r)*101 - 5000
		row.Dec = &u
	}
	if x, ok := v(8); ok {
		b := x.I != 0
		row.B = &b
	}
	return row
}

func writeInterop(t *testing.T, rows, perGroup int, codec xparquet.CompressionCodec) []byte {
	var buf bytes.Buffer
	pw, err := xwriter.NewParquetWriterFromWriter(&buf, new(interopRow), 1)
	if err != nil {
		t.Fatal(err)
	}
	pw.CompressionType = codec
	pw.PageSize = 1024 // several pages per chunk
	for r := 0; r < rows; r++ {
		if err := pw.Write(interopRowAt(r)); err != nil {
			t.Fatal(err)
		}
		if (r+1)%perGroup == 0 {
			if err := pw.Flush(true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pw.WriteStop(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInteropXitongsys(t *testing.T) {
	for _, codec := range []xparquet.CompressionCodec{xparquet.CompressionCodec_SNAPPY, xparquet.CompressionCodec_GZIP, xparquet.CompressionCodec_UNCOMPRESSED} {
		t.Run(codec.String(), func(t *testing.T) {
			mem := checkedAlloc(t)
			ctx := context.Background()
			const rows, perGroup = 1000, 300
			data := writeInterop(t, rows, perGroup, codec)
			f, err := Open(ctx, "xitongsys.parquet", newBytesFile(data), mem)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.NumRowGroups() != 4 || f.NumRows() != rows {
				t.Fatalf("groups %d rows %d", f.NumRowGroups(), f.NumRows())
			}
			// The fixture really has both encodings.
			rg0 := f.pq.MetaData().RowGroup(0)
			for leaf, wantDict := range map[int]bool{3: true, 4: false} {
				cc, _ := rg0.ColumnChunk(leaf)
				if cc.HasDictionaryPage() != wantDict {
					t.Fatalf("column %d: dictionary page %v, fixture expects %v", leaf, cc.HasDictionaryPage(), wantDict)
				}
			}
			inferred, err := f.Columns()
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range inferred {
				if c.Name != interopCols[i].Name || c.T != interopCols[i].T {
					t.Errorf("inferred %s %s, want %s %s", c.Name, c.T, interopCols[i].Name, interopCols[i].T)
				}
			}
			r, err := f.NewReader(ctx, ReadOptions{Columns: interopCols, BatchSize: 128})
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
					for c, col := range interopCols {
						if got, want := valueAt(b.Column(c), col.T, j), interopValue(c, row); got != want {
							t.Fatalf("row %d %s: got %v want %v", row, col.Name, got, want)
						}
					}
					row++
				}
			}
			if row != rows {
				t.Fatalf("read %d rows", row)
			}
			// Whatever statistics this writer left must bound the data.
			for rg := 0; rg < f.NumRowGroups(); rg++ {
				stats, err := f.RowGroupStats(rg, interopCols)
				if err != nil {
					t.Fatal(err)
				}
				for c, s := range stats {
					if s.HasNullCount {
						t.Fatalf("%s: null counts from parquet-go trusted (they are wrong for dictionary columns)", interopCols[c].Name)
					}
					if testing.Verbose() && rg == 0 {
						t.Logf("%s: minmax=%v [%v, %v) nulls=%v/%d", interopCols[c].Name, s.HasMinMax, s.Min, s.Max, s.HasNullCount, s.NullCount)
					}
					for k := rg * perGroup; k < min(rows, (rg+1)*perGroup); k++ {
						v := interopValue(c, k)
						if v.Null || !s.HasMinMax {
							continue
						}
						if satisfies(v, Constraint{Op: Lt, Value: s.Min}) || satisfies(v, Constraint{Op: Gt, Value: s.Max}) {
							t.Fatalf("rg %d %s: %v outside [%v,%v]", rg, interopCols[c].Name, v, s.Min, s.Max)
						}
					}
				}
			}
		})
	}
}
