package engine

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// inferSchema reads the columns of an external table from its files and
// discovers Hive-style partitions (key=value/ directories).
func inferSchema(ctx context.Context, location string) (cols, keys []api.Column, parts []api.PartitionInput, err error) {
	st, err := storage.Open(ctx, location)
	if err != nil {
		return nil, nil, nil, err
	}
	inf, err := parquetio.Infer(ctx, st)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, c := range inf.Columns {
		cols = append(cols, api.Column{Name: c.Name, Type: c.T.GlueName()})
	}
	for _, k := range inf.PartitionKeys {
		keys = append(keys, api.Column{Name: k.Name, Type: k.T.GlueName()})
	}
	base := strings.TrimSuffix(location, "/") + "/"
	for _, p := range inf.Partitions {
		vals := make([]string, len(p.Values))
		for i, v := range p.Values {
			if v.Null {
				vals[i] = storage.HiveDefaultPartition
			} else {
				vals[i] = v.S
			}
		}
		parts = append(parts, api.PartitionInput{
			Values:            vals,
			StorageDescriptor: &api.StorageDescriptor{Location: base + p.Dir},
		})
	}
	return cols, keys, parts, nil
}
