package parquetio_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// Write a table file, then scan it with projection and pruning, as INSERT
// and the scan operator do.
func Example() {
	ctx := context.Background()
	st, _ := storage.Open(ctx, "mem://example/db/orders")
	defer storage.DropMem("example")

	cols := []parquetio.Column{{Name: "id", T: types.Int64T}, {Name: "price", T: types.DecimalT(10, 2)}}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "price", Type: arrow.PrimitiveTypes.Float64}}, nil))
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{9.99, 20, 35.5}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()

	out, _ := st.Create(ctx, parquetio.NewFileName())
	w, _ := parquetio.NewWriter(out, "orders", cols, parquetio.WriterOptions{})
	_ = w.Write(rec)
	if err := w.Commit(); err != nil {
		panic(err)
	}

	files, _ := parquetio.DataFiles(ctx, st, "")
	for _, o := range files {
		f, _ := parquetio.OpenObject(ctx, st, o.Key, nil)
		// price >= 30: statistics keep the row group (max is 35.5).
		rgs, _ := f.PruneRowGroups(cols, []parquetio.Constraint{{Col: 1, Op: parquetio.Ge, Value: types.NewFloat(30)}})
		r, _ := f.NewReader(ctx, parquetio.ReadOptions{Columns: cols[1:], RowGroups: rgs})
		for {
			batch, err := r.Next()
			if err != nil || batch == nil {
				break
			}
			fmt.Println(batch.Column(0).(*array.Float64).Float64Values())
		}
		r.Close()
		f.Close()
	}
	// Output: [9.99 20 35.5]
}
