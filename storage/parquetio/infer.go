package parquetio

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

// Inferred is a table layout read from the data itself, for CREATE
// EXTERNAL TABLE without a column list.
type Inferred struct {
	// Columns are the data columns: the union over the inspected files, in
	// order of first appearance (files written before a column was added
	// simply lack it, and read it as NULL).
	Columns []Column
	// PartitionKeys are the Hive partition keys with inferred types
	// (storage.InferPartitionTypes), in directory order; nil when the
	// layout is not partitioned.
	PartitionKeys []Column
	// Partitions are the discovered partition directories.
	Partitions []storage.Partition
	// Files is the number of data files whose footers were inspected.
	Files int
}

// MaxInferFiles bounds how many footers Infer reads.
const MaxInferFiles = 1000

// Infer discovers the partition layout of st and the columns of its data
// files. A column appearing with two different types, a data column named
// like a partition key, or a location without data files is an error that
// names the problem, since a wrong guess would silently misread data.
func Infer(ctx context.Context, st storage.Store) (Inferred, error) {
	var inf Inferred
	keys, parts, err := storage.DiscoverPartitions(ctx, st)
	if err != nil {
		return inf, err
	}
	if len(keys) > 0 {
		ts := storage.InferPartitionTypes(len(keys), parts)
		for i, k := range keys {
			inf.PartitionKeys = append(inf.PartitionKeys, Column{Name: k, T: ts[i]})
		}
		inf.Partitions = parts
	}
	files, err := DataFiles(ctx, st, "")
	if err != nil {
		return inf, err
	}
	if len(files) == 0 {
		return inf, lferr.New(lferr.InvalidInput, "%s holds no data files to infer a schema from", st.Root())
	}
	seen := make(map[string]int) // lower-case name → index in Columns
	for i, o := range files {
		if i == MaxInferFiles {
			break
		}
		f, err := OpenObject(ctx, st, o.Key, nil)
		if err != nil {
			return inf, err
		}
		cols, err := f.Columns()
		f.Close()
		if err != nil {
			return inf, err
		}
		inf.Files++
		for _, c := range cols {
			k := strings.ToLower(c.Name)
			if j, ok := seen[k]; ok {
				if prev := inf.Columns[j]; prev.T != c.T {
					return inf, lferr.New(lferr.TypeError, "%s: column %q is %s in %s but %s in an earlier file", st.Root(), c.Name, c.T, o.Key, prev.T)
				}
				continue
			}
			seen[k] = len(inf.Columns)
			inf.Columns = append(inf.Columns, c)
		}
	}
	for _, p := range inf.PartitionKeys {
		if _, ok := seen[strings.ToLower(p.Name)]; ok {
			return inf, lferr.New(lferr.InvalidInput, "%s: partition key %q is also a column inside the data files", st.Root(), p.Name)
		}
	}
	return inf, nil
}
