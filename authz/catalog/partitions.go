package catalog

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// partitionKey is Key(catalog, db, table, hex(v1), hex(v2), ...). Values
// are hex-encoded because, unlike names, they may contain any character,
// the separator included; hex keeps their byte order.
func partitionKey(catalogID, db, table string, values []string) string {
	var b strings.Builder
	b.WriteString(store.Prefix(catalogID, db, table))
	for i, v := range values {
		if i > 0 {
			b.WriteString(store.Sep)
		}
		b.WriteString(hex.EncodeToString([]byte(v)))
	}
	return b.String()
}

func fmtValues(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quoteShort(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// partitionedTable loads a table that can hold partitions.
func (t Txn) partitionedTable(catalogID, database, table string) (*api.Table, error) {
	tbl, err := t.GetTable(catalogID, database, table)
	if err != nil {
		return nil, err
	}
	if len(tbl.PartitionKeys) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "Table %s.%s is not partitioned.", tbl.DatabaseName, tbl.Name)
	}
	return tbl, nil
}

func checkValues(tbl *api.Table, values []string) error {
	if len(values) != len(tbl.PartitionKeys) {
		return lferr.New(lferr.InvalidInput, "Partition %s of table %s.%s has %d values; the table has %d partition keys.",
			fmtValues(values), tbl.DatabaseName, tbl.Name, len(values), len(tbl.PartitionKeys))
	}
	for i, v := range values {
		if !utf8.ValidString(v) {
			return lferr.New(lferr.InvalidInput, "Value %d of partition %s is not valid UTF-8.", i+1, fmtValues(values))
		}
		if n := utf8.RuneCountInString(v); n > maxValueLen {
			return lferr.New(lferr.InvalidInput, "Value %d of a partition of table %s.%s is %d characters long; the limit is %d.", i+1, tbl.DatabaseName, tbl.Name, n, maxValueLen)
		}
	}
	return nil
}

// PartitionLocation is the Hive-style default location of a partition:
// <table location>/k1=v1/k2=v2/.
func PartitionLocation(tbl *api.Table, values []string) string {
	loc := ""
	if tbl.StorageDescriptor != nil {
		loc = tbl.StorageDescriptor.Location
	}
	loc = strings.TrimRight(loc, "/")
	for i, k := range tbl.PartitionKeys {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		loc += "/" + EscapePathName(k.Name) + "=" + EscapePathName(v)
	}
	return loc + "/"
}

// BatchCreatePartition creates up to 100 partitions, all or none.
func (c *Catalog) BatchCreatePartition(ctx context.Context, catalogID, database, table string, in []api.PartitionInput) error {
	return c.update(ctx, func(t Txn) error { return t.BatchCreatePartition(catalogID, database, table, in) })
}

// BatchCreatePartition creates up to 100 partitions, all or none. A
// partition without a StorageDescriptor inherits the table's, with its
// Hive-style default location; one without a location gets that location.
func (t Txn) BatchCreatePartition(catalogID, database, table string, in []api.PartitionInput) error {
	if len(in) == 0 {
		return lferr.New(lferr.InvalidInput, "PartitionInputList must not be empty.")
	}
	if len(in) > maxBatchCreate {
		return lferr.New(lferr.InvalidInput, "PartitionInputList has %d entries; the limit is %d.", len(in), maxBatchCreate)
	}
	tbl, err := t.partitionedTable(catalogID, database, table)
	if err != nil {
		return err
	}
	now := t.now()
	seen := make(map[string]bool, len(in))
	for _, pi := range in {
		if err := checkValues(tbl, pi.Values); err != nil {
			return err
		}
		key := partitionKey(catalogID, tbl.DatabaseName, tbl.Name, pi.Values)
		exists, err := t.tx.Has(BucketPartitions, key)
		if err != nil {
			return err
		}
		if exists || seen[key] {
			return lferr.New(lferr.AlreadyExists, "Partition %s of table %s.%s already exists.", fmtValues(pi.Values), tbl.DatabaseName, tbl.Name)
		}
		seen[key] = true
		if err := checkParams("Parameters of partition "+fmtValues(pi.Values), pi.Parameters); err != nil {
			return err
		}
		var sd api.StorageDescriptor
		switch {
		case pi.StorageDescriptor != nil:
			sd = cloneSD(*pi.StorageDescriptor)
			if err := checkColumns(tbl.DatabaseName+"."+tbl.Name+" partition "+fmtValues(pi.Values), sd.Columns, nil, true); err != nil {
				return err
			}
			if err := checkText("Location of partition "+fmtValues(pi.Values), sd.Location, maxURILen); err != nil {
				return err
			}
		case tbl.StorageDescriptor != nil:
			sd = cloneSD(*tbl.StorageDescriptor)
			sd.Location = ""
		}
		if sd.Location == "" {
			sd.Location = PartitionLocation(tbl, pi.Values)
		}
		p := api.Partition{
			Values:            append([]string(nil), pi.Values...),
			DatabaseName:      tbl.DatabaseName,
			TableName:         tbl.Name,
			CreationTime:      now,
			StorageDescriptor: &sd,
			Parameters:        pi.Parameters,
			CatalogId:         catalogID,
		}
		if err := t.tx.Put(BucketPartitions, key, p); err != nil {
			return err
		}
	}
	return nil
}

// GetPartition returns one partition.
func (c *Catalog) GetPartition(ctx context.Context, catalogID, database, table string, values []string) (p *api.Partition, err error) {
	err = c.view(ctx, func(t Txn) error { p, err = t.GetPartition(catalogID, database, table, values); return err })
	return p, err
}

// GetPartition returns one partition.
func (t Txn) GetPartition(catalogID, database, table string, values []string) (*api.Partition, error) {
	tbl, err := t.partitionedTable(catalogID, database, table)
	if err != nil {
		return nil, err
	}
	if err := checkValues(tbl, values); err != nil {
		return nil, err
	}
	var p api.Partition
	ok, err := t.tx.Get(BucketPartitions, partitionKey(catalogID, tbl.DatabaseName, tbl.Name, values), &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, lferr.New(lferr.EntityNotFound, "Partition %s of table %s.%s not found.", fmtValues(values), tbl.DatabaseName, tbl.Name)
	}
	return &p, nil
}

// GetPartitions lists the partitions of a table that satisfy expression
// (all of them when it is empty), in value order.
func (c *Catalog) GetPartitions(ctx context.Context, catalogID, database, table, expression string) (ps []api.Partition, err error) {
	err = c.view(ctx, func(t Txn) error { ps, err = t.GetPartitions(catalogID, database, table, expression); return err })
	return ps, err
}

// GetPartitions lists the partitions of a table that satisfy expression.
func (t Txn) GetPartitions(catalogID, database, table, expression string) ([]api.Partition, error) {
	ps, _, err := t.ListPartitions(catalogID, database, table, expression, "", 0)
	return ps, err
}

// ListPartitions is GetPartitions by pages: at most max partitions (no
// limit when max ≤ 0) after the partition whose key is after (from a
// previous call's next; "" to start). next is "" on the last page.
//
// An unpartitioned table has no partitions: listing them returns none,
// but an expression over it is refused (it names no partition key).
func (t Txn) ListPartitions(catalogID, database, table, expression, after string, max int) (ps []api.Partition, next string, err error) {
	tbl, err := t.GetTable(catalogID, database, table)
	if err != nil {
		return nil, "", err
	}
	qname := tbl.DatabaseName + "." + tbl.Name
	pred, err := CompilePartitionExpression(qname, expression, tbl.PartitionKeys)
	if err != nil {
		return nil, "", err
	}
	prefix := store.Prefix(catalogID, tbl.DatabaseName, tbl.Name)
	if after != "" && !strings.HasPrefix(after, prefix) {
		return nil, "", lferr.New(lferr.InvalidInput, "The pagination token does not belong to table %s.", qname)
	}
	ps = []api.Partition{}
	last := ""
	err = t.tx.ScanAfter(BucketPartitions, prefix, after, func(key string, raw []byte) error {
		var p api.Partition
		if err := json.Unmarshal(raw, &p); err != nil {
			return lferr.Wrap(lferr.InternalService, err, "corrupt partition record of table %s: %v", qname, err)
		}
		if !pred.Match(p.Values) {
			return nil
		}
		// Stop at the first match beyond the page, so a token is only
		// handed out when another matching partition exists.
		if max > 0 && len(ps) == max {
			next = last
			return store.Stop
		}
		ps = append(ps, p)
		last = key
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return ps, next, nil
}

// DeletePartition deletes one partition.
func (c *Catalog) DeletePartition(ctx context.Context, catalogID, database, table string, values []string) error {
	return c.update(ctx, func(t Txn) error { return t.DeletePartition(catalogID, database, table, values) })
}

// DeletePartition deletes one partition.
func (t Txn) DeletePartition(catalogID, database, table string, values []string) error {
	return t.BatchDeletePartition(catalogID, database, table, [][]string{values})
}

// BatchDeletePartition deletes up to 25 partitions, all or none: if one is
// missing, none is deleted.
func (c *Catalog) BatchDeletePartition(ctx context.Context, catalogID, database, table string, values [][]string) error {
	return c.update(ctx, func(t Txn) error { return t.BatchDeletePartition(catalogID, database, table, values) })
}

// BatchDeletePartition deletes up to 25 partitions, all or none.
func (t Txn) BatchDeletePartition(catalogID, database, table string, values [][]string) error {
	if len(values) == 0 {
		return lferr.New(lferr.InvalidInput, "PartitionsToDelete must not be empty.")
	}
	if len(values) > maxBatchDelete {
		return lferr.New(lferr.InvalidInput, "PartitionsToDelete has %d entries; the limit is %d.", len(values), maxBatchDelete)
	}
	tbl, err := t.partitionedTable(catalogID, database, table)
	if err != nil {
		return err
	}
	for _, v := range values {
		if err := checkValues(tbl, v); err != nil {
			return err
		}
		ok, err := t.tx.Delete(BucketPartitions, partitionKey(catalogID, tbl.DatabaseName, tbl.Name, v))
		if err != nil {
			return err
		}
		if !ok {
			return lferr.New(lferr.EntityNotFound, "Partition %s of table %s.%s not found.", fmtValues(v), tbl.DatabaseName, tbl.Name)
		}
	}
	return nil
}
