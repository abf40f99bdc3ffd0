package parquetio

import (
	"context"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

func TestInfer(t *testing.T) {
	ctx := context.Background()
	a := []Column{{Name: "id", T: types.Int64T}, {Name: "name", T: types.StringT}}
	b := []Column{{Name: "id", T: types.Int64T}, {Name: "amount", T: types.DecimalT(12, 2)}}
	for _, tc := range []struct {
		name  string
		files map[string][]Column
		cols  []Column
		parts []Column
		nPart int
		err   lferr.Code
	}{
		{name: "flat", files: map[string][]Column{"f1.parquet": a, "f2.parquet": a}, cols: a},
		{name: "evolved schema is the union", files: map[string][]Column{"f1.parquet": a, "f2.parquet": b},
			cols: []Column{a[0], a[1], b[1]}},
		{name: "partitioned", files: map[string][]Column{"dt=2024-01-01/region=eu/f.parquet": a, "dt=2024-01-02/region=us/f.parquet": a},
			cols: a, parts: []Column{{Name: "dt", T: types.StringT}, {Name: "region", T: types.StringT}}, nPart: 2},
		{name: "int partition", files: map[string][]Column{"year=2023/f.parquet": a, "year=2024/f.parquet": a},
			cols: a, parts: []Column{{Name: "year", T: types.Int64T}}, nPart: 2},
		{name: "type conflict", files: map[string][]Column{"f1.parquet": a, "f2.parquet": {{Name: "id", T: types.StringT}}}, err: lferr.TypeError},
		{name: "partition key inside files", files: map[string][]Column{"id=1/f.parquet": a}, err: lferr.InvalidInput},
		{name: "no files", files: map[string][]Column{}, err: lferr.InvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memStore(t)
			for k, cols := range tc.files {
				writeFile(t, st, k, cols, 3, 3, WriterOptions{})
			}
			inf, err := Infer(ctx, st)
			if lferr.CodeOf(err) != tc.err {
				t.Fatalf("err %v want %q", err, tc.err)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(inf.Columns, tc.cols) || !reflect.DeepEqual(inf.PartitionKeys, tc.parts) || len(inf.Partitions) != tc.nPart {
				t.Fatalf("got %+v", inf)
			}
			if inf.Files != len(tc.files) {
				t.Fatalf("inspected %d files", inf.Files)
			}
		})
	}
}
