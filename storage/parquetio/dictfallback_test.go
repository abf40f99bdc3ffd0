package parquetio

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/sluicedb/sluice/planner/types"
)

// TestDictionaryFallback: a string column whose dictionary outgrows the
// writer's dictionary page limit switches to plain pages inside one column
// chunk; reading it dictionary-encoded must still return every value.
func TestDictionaryFallback(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	st := memStore(t)
	cols := []Column{{Name: "s", T: types.StringT}}
	out, _ := st.Create(ctx, "fb.parquet")
	w, err := NewWriter(out, "fb.parquet", cols, WriterOptions{Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	const rows = 150_000
	b := array.NewStringBuilder(mem)
	for i := 0; i < rows; i++ {
		b.Append(fmt.Sprintf("value-%012d-padding", i))
	}
	arr := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []arrow.Array{arr}, rows)
	arr.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	f, err := OpenObject(ctx, st, "fb.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cc, _ := f.pq.MetaData().RowGroup(0).ColumnChunk(0)
	// The fixture must really mix dictionary and plain data pages.
	var dictPages, plainPages bool
	for _, es := range cc.EncodingStats() {
		if strings.HasPrefix(es.PageType.String(), "DATA_PAGE") {
			switch es.Encoding {
			case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
				dictPages = true
			case parquet.Encodings.Plain:
				plainPages = true
			}
		}
	}
	if !dictPages || !plainPages {
		t.Fatalf("fixture lacks dictionary (%v) or plain (%v) data pages: %v", dictPages, plainPages, cc.EncodingStats())
	}
	for _, dict := range []bool{true, false} {
		r, err := f.NewReader(ctx, ReadOptions{Columns: []Column{{Name: "s", T: types.StringT, Dict: dict}}})
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for {
			bt, err := r.Next()
			if err != nil {
				t.Fatalf("dict=%v after %d rows: %v", dict, i, err)
			}
			if bt == nil {
				break
			}
			for j := 0; j < int(bt.NumRows()); j++ {
				if got, want := valueAt(bt.Column(0), types.StringT, j).S, fmt.Sprintf("value-%012d-padding", i); got != want {
					t.Fatalf("dict=%v row %d: %q want %q", dict, i, got, want)
				}
				i++
			}
		}
		r.Close()
		if i != rows {
			t.Fatalf("dict=%v: %d rows", dict, i)
		}
	}
}
