package storage

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

func TestDiscoverPartitions(t *testing.T) {
	s := types.NewString
	null := types.Value{Kind: types.String, Null: true}
	for _, tc := range []struct {
		name  string
		files []string
		keys  []string
		parts []Partition
		types []types.T
		err   lferr.Code
	}{
		{name: "unpartitioned", files: []string{"a.parquet", "b.parquet", "_SUCCESS"}},
		{name: "empty"},
		{name: "two levels", files: []string{
			"year=2024/month=1/a.parquet", "year=2024/month=1/b.parquet", "year=2023/month=12/c.parquet",
			"year=2024/month=2/_SUCCESS", "year=2024/month=2/.d.crc", "_temporary/x/y.parquet",
			"year=__HIVE_DEFAULT_PARTITION__/month=3/e.parquet",
		}, keys: []string{"year", "month"}, parts: []Partition{
			{Dir: "year=2023/month=12/", Values: []types.Value{s("2023"), s("12")}},
			{Dir: "year=2024/month=1/", Values: []types.Value{s("2024"), s("1")}},
			{Dir: "year=__HIVE_DEFAULT_PARTITION__/month=3/", Values: []types.Value{null, s("3")}},
		}, types: []types.T{types.Int64T, types.Int64T}},
		{name: "escapes and strings", files: []string{"region=eu%2Fwest/f.parquet", "region=us%3Deast/f.parquet", "region=a+b/f.parquet"},
			keys: []string{"region"}, parts: []Partition{
				{Dir: "region=a+b/", Values: []types.Value{s("a+b")}},
				{Dir: "region=eu%2Fwest/", Values: []types.Value{s("eu/west")}},
				{Dir: "region=us%3Deast/", Values: []types.Value{s("us=east")}},
			}, types: []types.T{types.StringT}},
		{name: "leading zeros stay strings", files: []string{"id=007/f", "id=8/f"}, keys: []string{"id"}, parts: []Partition{
			{Dir: "id=007/", Values: []types.Value{s("007")}}, {Dir: "id=8/", Values: []types.Value{s("8")}},
		}, types: []types.T{types.StringT}},
		{name: "all null is string", files: []string{"k=__HIVE_DEFAULT_PARTITION__/f"}, keys: []string{"k"},
			parts: []Partition{{Dir: "k=__HIVE_DEFAULT_PARTITION__/", Values: []types.Value{null}}}, types: []types.T{types.StringT}},
		{name: "mixed depth", files: []string{"a.parquet", "k=1/b.parquet"}, err: lferr.InvalidInput},
		{name: "different key order", files: []string{"a=1/b=2/f", "b=2/a=1/g"}, err: lferr.InvalidInput},
		{name: "not key=value", files: []string{"k=1/f", "junk/f"}, err: lferr.InvalidInput},
		{name: "bad escape", files: []string{"k=%zz/f"}, err: lferr.InvalidInput},
		{name: "duplicate key", files: []string{"k=1/K=2/f"}, err: lferr.InvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "part-" + strings.ReplaceAll(tc.name, " ", "-")
			m, _ := NewMem(name)
			defer DropMem(name)
			for _, f := range tc.files {
				put(t, m, f, "x")
			}
			keys, parts, err := DiscoverPartitions(context.Background(), m)
			if lferr.CodeOf(err) != tc.err {
				t.Fatalf("err %v, want code %q", err, tc.err)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(keys, tc.keys) || !reflect.DeepEqual(parts, tc.parts) {
				t.Fatalf("got %v %+v\nwant %v %+v", keys, parts, tc.keys, tc.parts)
			}
			if got := InferPartitionTypes(len(keys), parts); len(keys) > 0 && !reflect.DeepEqual(got, tc.types) {
				t.Fatalf("types %v want %v", got, tc.types)
			}
		})
	}
}

func TestPartitionTyped(t *testing.T) {
	p := Partition{Dir: "a=1/b=x/c=2024-02-29/d=__HIVE_DEFAULT_PARTITION__/", Values: []types.Value{
		types.NewString("1"), types.NewString("x"), types.NewString("2024-02-29"), {Kind: types.String, Null: true}}}
	got, err := p.Typed([]types.T{types.Int64T, types.StringT, types.DateT, types.Float64T})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Value{types.NewInt(1), types.NewString("x"), types.NewDate(19782), {Kind: types.Float64, Null: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if _, err := p.Typed([]types.T{types.Int64T, types.Int64T, types.DateT, types.Float64T}); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Fatalf("bad int: %v", err)
	}
	ts, err := ParsePartitionValue(types.NewString("2024-01-02 03:04:05.5"), types.TimestampT)
	if err != nil || ts.I != 1704164645500000 {
		t.Fatalf("timestamp %v %v", ts, err)
	}
}

func TestPartitionDirRoundTrip(t *testing.T) {
	ctx := context.Background()
	keys := []string{"region", "day", "n", "ts"}
	ts := []types.T{types.StringT, types.DateT, types.Int64T, types.TimestampT}
	rows := [][]types.Value{
		{types.NewString("eu/west=1%:?"), types.NewDate(19782), types.NewInt(-5), types.NewTimestamp(1704164645500000)},
		{types.NewString(".hidden"), types.NewDate(0), types.NewInt(0), types.NewTimestamp(0)},
		{types.NewString("_x"), {Kind: types.Date, Null: true}, types.NewInt(7), {Kind: types.Timestamp, Null: true}},
		{types.NewString("..\x01 é"), types.NewDate(1), {Kind: types.Int64, Null: true}, types.NewTimestamp(1)},
	}
	m, _ := NewMem("pdir")
	defer DropMem("pdir")
	want := map[string][]types.Value{}
	for _, r := range rows {
		dir, err := PartitionDir(keys, r)
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		put(t, m, dir+"f.parquet", "x")
		want[dir] = r
	}
	gotKeys, parts, err := DiscoverPartitions(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotKeys, keys) || len(parts) != len(rows) {
		t.Fatalf("keys %v, %d partitions", gotKeys, len(parts))
	}
	for _, p := range parts {
		vals, err := p.Typed(ts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(vals, want[p.Dir]) {
			t.Fatalf("%s: read back %v, wrote %v", p.Dir, vals, want[p.Dir])
		}
	}
	if d, _ := PartitionDir([]string{"k"}, []types.Value{types.NewString("")}); d != "k=__HIVE_DEFAULT_PARTITION__/" {
		t.Fatalf("empty string: %q", d)
	}
	if _, err := PartitionDir([]string{"k"}, nil); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Fatalf("arity: %v", err)
	}
}
