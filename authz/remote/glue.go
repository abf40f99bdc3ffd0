package remote

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gtypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// maxPages bounds listing loops, so a server that keeps returning a
// NextToken cannot hold the engine forever.
const maxPages = 10000

func (c *Client) GetDatabases(ctx context.Context) ([]api.Database, error) {
	var out []api.Database
	in := &glue.GetDatabasesInput{}
	for page := 0; page < maxPages; page++ {
		r, err := c.glue.GetDatabases(ctx, in)
		if err != nil {
			return nil, mapErr("GetDatabases", err)
		}
		for i := range r.DatabaseList {
			out = append(out, fromDatabase(&r.DatabaseList[i]))
		}
		if aws.ToString(r.NextToken) == "" {
			return out, nil
		}
		in.NextToken = r.NextToken
	}
	return nil, lferr.New(lferr.InternalService, "GetDatabases: the endpoint returned more than %d pages", maxPages)
}

func (c *Client) GetDatabase(ctx context.Context, name string) (*api.Database, error) {
	r, err := c.glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(name)})
	if err != nil {
		return nil, mapErr("GetDatabase", err)
	}
	if r.Database == nil {
		return nil, lferr.New(lferr.InternalService, "GetDatabase returned no database for %s", name)
	}
	d := fromDatabase(r.Database)
	return &d, nil
}

func (c *Client) CreateDatabase(ctx context.Context, in api.DatabaseInput) error {
	_, err := c.glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gtypes.DatabaseInput{
		Name: aws.String(in.Name), Description: optString(in.Description), LocationUri: optString(in.LocationUri), Parameters: in.Parameters,
	}})
	return mapErr("CreateDatabase", err)
}

func (c *Client) DeleteDatabase(ctx context.Context, name string) error {
	_, err := c.glue.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String(name)})
	return mapErr("DeleteDatabase", err)
}

func (c *Client) GetTables(ctx context.Context, database string) ([]api.Table, error) {
	var out []api.Table
	in := &glue.GetTablesInput{DatabaseName: aws.String(database)}
	for page := 0; page < maxPages; page++ {
		r, err := c.glue.GetTables(ctx, in)
		if err != nil {
			return nil, mapErr("GetTables", err)
		}
		for i := range r.TableList {
			out = append(out, fromTable(&r.TableList[i]))
		}
		if aws.ToString(r.NextToken) == "" {
			return out, nil
		}
		in.NextToken = r.NextToken
	}
	return nil, lferr.New(lferr.InternalService, "GetTables: the endpoint returned more than %d pages", maxPages)
}

func (c *Client) GetTable(ctx context.Context, database, name string) (*api.Table, error) {
	r, err := c.glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(database), Name: aws.String(name)})
	if err != nil {
		return nil, mapErr("GetTable", err)
	}
	if r.Table == nil {
		return nil, lferr.New(lferr.InternalService, "GetTable returned no table for %s.%s", database, name)
	}
	t := fromTable(r.Table)
	return &t, nil
}

func (c *Client) CreateTable(ctx context.Context, database string, in api.TableInput) error {
	_, err := c.glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(database), TableInput: toTableInput(in)})
	return mapErr("CreateTable", err)
}

func (c *Client) UpdateTable(ctx context.Context, database string, in api.TableInput) error {
	_, err := c.glue.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(database), TableInput: toTableInput(in)})
	return mapErr("UpdateTable", err)
}

func (c *Client) DeleteTable(ctx context.Context, database, name string) error {
	_, err := c.glue.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(database), Name: aws.String(name)})
	return mapErr("DeleteTable", err)
}

func (c *Client) GetPartitions(ctx context.Context, database, table, expression string) ([]api.Partition, error) {
	var out []api.Partition
	in := &glue.GetPartitionsInput{DatabaseName: aws.String(database), TableName: aws.String(table), Expression: optString(expression)}
	for page := 0; page < maxPages; page++ {
		r, err := c.glue.GetPartitions(ctx, in)
		if err != nil {
			return nil, mapErr("GetPartitions", err)
		}
		for i := range r.Partitions {
			out = append(out, fromPartition(&r.Partitions[i]))
		}
		if aws.ToString(r.NextToken) == "" {
			return out, nil
		}
		in.NextToken = r.NextToken
	}
	return nil, lferr.New(lferr.InternalService, "GetPartitions: the endpoint returned more than %d pages", maxPages)
}

// BatchCreatePartition fails with the first per-partition error Glue
// reports: the contract has no partial success, and a caller that thinks
// a partition exists when it does not would write data nobody can read.
func (c *Client) BatchCreatePartition(ctx context.Context, database, table string, in []api.PartitionInput) error {
	if len(in) == 0 {
		return nil
	}
	ps := make([]gtypes.PartitionInput, len(in))
	for i, p := range in {
		ps[i] = gtypes.PartitionInput{Values: p.Values, StorageDescriptor: toSD(p.StorageDescriptor), Parameters: p.Parameters}
	}
	r, err := c.glue.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String(database), TableName: aws.String(table), PartitionInputList: ps})
	if err != nil {
		return mapErr("BatchCreatePartition", err)
	}
	for _, pe := range r.Errors {
		if pe.ErrorDetail == nil {
			return lferr.New(lferr.InternalService, "BatchCreatePartition: partition %v of %s.%s failed without detail", pe.PartitionValues, database, table)
		}
		return lferr.New(codeFromWire(aws.ToString(pe.ErrorDetail.ErrorCode)), "%s", aws.ToString(pe.ErrorDetail.ErrorMessage))
	}
	return nil
}

// --- conversions (SDK ↔ api), field by field ---

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func optTime(t *time.Time) *api.Time {
	if t == nil {
		return nil
	}
	return api.NewTime(*t)
}

func fromDatabase(d *gtypes.Database) api.Database {
	return api.Database{Name: aws.ToString(d.Name), Description: aws.ToString(d.Description), LocationUri: aws.ToString(d.LocationUri),
		Parameters: d.Parameters, CreateTime: optTime(d.CreateTime), CatalogId: aws.ToString(d.CatalogId)}
}

func fromColumns(cs []gtypes.Column) []api.Column {
	if cs == nil {
		return nil
	}
	out := make([]api.Column, len(cs))
	for i, c := range cs {
		out[i] = api.Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type), Comment: aws.ToString(c.Comment), Parameters: c.Parameters}
	}
	return out
}

func toColumns(cs []api.Column) []gtypes.Column {
	if cs == nil {
		return nil
	}
	out := make([]gtypes.Column, len(cs))
	for i, c := range cs {
		out[i] = gtypes.Column{Name: aws.String(c.Name), Type: optString(c.Type), Comment: optString(c.Comment), Parameters: c.Parameters}
	}
	return out
}

func fromSD(sd *gtypes.StorageDescriptor) *api.StorageDescriptor {
	if sd == nil {
		return nil
	}
	out := &api.StorageDescriptor{Columns: fromColumns(sd.Columns), Location: aws.ToString(sd.Location), InputFormat: aws.ToString(sd.InputFormat),
		OutputFormat: aws.ToString(sd.OutputFormat), Compressed: sd.Compressed, Parameters: sd.Parameters}
	if s := sd.SerdeInfo; s != nil {
		out.SerdeInfo = &api.SerDeInfo{Name: aws.ToString(s.Name), SerializationLibrary: aws.ToString(s.SerializationLibrary), Parameters: s.Parameters}
	}
	return out
}

func toSD(sd *api.StorageDescriptor) *gtypes.StorageDescriptor {
	if sd == nil {
		return nil
	}
	out := &gtypes.StorageDescriptor{Columns: toColumns(sd.Columns), Location: optString(sd.Location), InputFormat: optString(sd.InputFormat),
		OutputFormat: optString(sd.OutputFormat), Compressed: sd.Compressed, Parameters: sd.Parameters}
	if s := sd.SerdeInfo; s != nil {
		out.SerdeInfo = &gtypes.SerDeInfo{Name: optString(s.Name), SerializationLibrary: optString(s.SerializationLibrary), Parameters: s.Parameters}
	}
	return out
}

func fromTable(t *gtypes.Table) api.Table {
	return api.Table{
		Name: aws.ToString(t.Name), DatabaseName: aws.ToString(t.DatabaseName), Description: aws.ToString(t.Description),
		Owner: aws.ToString(t.Owner), CreateTime: optTime(t.CreateTime), UpdateTime: optTime(t.UpdateTime),
		StorageDescriptor: fromSD(t.StorageDescriptor), PartitionKeys: fromColumns(t.PartitionKeys),
		ViewOriginalText: aws.ToString(t.ViewOriginalText), ViewExpandedText: aws.ToString(t.ViewExpandedText),
		TableType: aws.ToString(t.TableType), Parameters: t.Parameters, CreatedBy: aws.ToString(t.CreatedBy),
		IsRegisteredWithLakeFormation: t.IsRegisteredWithLakeFormation, CatalogId: aws.ToString(t.CatalogId), VersionId: aws.ToString(t.VersionId),
	}
}

func toTableInput(t api.TableInput) *gtypes.TableInput {
	return &gtypes.TableInput{
		Name: aws.String(t.Name), Description: optString(t.Description), Owner: optString(t.Owner),
		StorageDescriptor: toSD(t.StorageDescriptor), PartitionKeys: toColumns(t.PartitionKeys),
		ViewOriginalText: optString(t.ViewOriginalText), ViewExpandedText: optString(t.ViewExpandedText),
		TableType: optString(t.TableType), Parameters: t.Parameters,
	}
}

func fromPartition(p *gtypes.Partition) api.Partition {
	return api.Partition{Values: p.Values, DatabaseName: aws.ToString(p.DatabaseName), TableName: aws.ToString(p.TableName),
		CreationTime: optTime(p.CreationTime), StorageDescriptor: fromSD(p.StorageDescriptor), Parameters: p.Parameters, CatalogId: aws.ToString(p.CatalogId)}
}
