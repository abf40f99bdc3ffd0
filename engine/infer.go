package engine

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// hiveNull is Hive's spelling of a NULL partition value.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// inferSchema reads the columns of an external table from its files and
// discovers Hive-style partitions (key=value/ directories).
func inferSchema(ctx context.Context, location string) (cols, keys []api.Column, parts []api.PartitionInput, err error) {
	st, err := storage.Open(ctx, location)
	if err != nil {
		return nil, nil, nil, err
	}
	objs, err := st.List(ctx, "")
	if err != nil {
		return nil, nil, nil, err
	}
	var files []string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".parquet") || !strings.Contains(pathBase(o.Key), ".") {
			files = append(files, o.Key)
		}
	}
	if len(files) == 0 {
		return nil, nil, nil, lferr.New(lferr.InvalidInput, "no Parquet files under %s to infer the table's columns from; give a column list", location)
	}
	f, err := parquetio.OpenObject(ctx, st, files[0], nil)
	if err != nil {
		return nil, nil, nil, err
	}
	fcols, err := f.Columns()
	f.Close()
	if err != nil {
		return nil, nil, nil, err
	}
	keyNames, partVals, err := discoverPartitions(files)
	if err != nil {
		return nil, nil, nil, err
	}
	isKey := map[string]bool{}
	for _, k := range keyNames {
		isKey[strings.ToLower(k)] = true
	}
	for _, c := range fcols {
		if isKey[strings.ToLower(c.Name)] {
			continue // a partition key stored in the files too: the directory wins
		}
		cols = append(cols, api.Column{Name: c.Name, Type: c.T.GlueName()})
	}
	for i, k := range keyNames {
		typ := "bigint"
		for _, vals := range partVals {
			if v := vals[i]; v != hiveNull {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					typ = "string"
					break
				}
			}
		}
		keys = append(keys, api.Column{Name: k, Type: typ})
	}
	dirs := make([]string, 0, len(partVals))
	for d := range partVals {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	base := strings.TrimSuffix(location, "/") + "/"
	for _, d := range dirs {
		parts = append(parts, api.PartitionInput{
			Values:            partVals[d],
			StorageDescriptor: &api.StorageDescriptor{Location: base + d + "/"},
		})
	}
	return cols, keys, parts, nil
}

func pathBase(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// discoverPartitions finds the key=value/ directory levels of files. Every
// file must sit at the same depth under the same keys, or the layout is
// ambiguous and refused.
func discoverPartitions(files []string) ([]string, map[string][]string, error) {
	var keys []string
	vals := map[string][]string{}
	for i, f := range files {
		segs := strings.Split(f, "/")
		segs = segs[:len(segs)-1]
		var fk, fv []string
		for _, s := range segs {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return nil, nil, lferr.New(lferr.InvalidInput, "file %s is not under key=value/ partition directories", f)
			}
			uv, err := url.PathUnescape(v)
			if err != nil {
				uv = v
			}
			fk = append(fk, k)
			fv = append(fv, uv)
		}
		if i == 0 {
			keys = fk
		} else if strings.Join(fk, "/") != strings.Join(keys, "/") {
			return nil, nil, lferr.New(lferr.InvalidInput, "inconsistent partition layout: %s has keys %v, expected %v", f, fk, keys)
		}
		if len(fk) > 0 {
			vals[strings.Join(segs, "/")] = fv
		}
	}
	return keys, vals, nil
}
