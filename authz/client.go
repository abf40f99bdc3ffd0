package authz

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// client is the in-process api.Client: authorize, then one store
// transaction per call.
type client struct {
	cp     *ControlPlane
	caller Caller
}

var _ api.Client = (*client)(nil)

// catalogID is the CatalogId of the caller's Glue calls: its own account,
// as in Glue when CatalogId is omitted.
func (c *client) catalogID() string {
	if c.caller.Account != "" {
		return c.caller.Account
	}
	return c.cp.account
}

func (c *client) arn(resource string) string {
	return "arn:aws:glue:" + c.cp.region + ":" + c.catalogID() + ":" + resource
}

func live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return nil
}

func (c *client) gate(ctx context.Context, action, resource string) error {
	if err := live(ctx); err != nil {
		return err
	}
	return c.cp.authorize(c.caller, action, resource)
}

// ---- api.Catalog ----

func (c *client) GetDatabases(ctx context.Context) ([]api.Database, error) {
	if err := c.gate(ctx, "glue:GetDatabases", c.arn("catalog")); err != nil {
		return nil, err
	}
	return c.cp.cat.GetDatabases(ctx, c.catalogID())
}

func (c *client) GetDatabase(ctx context.Context, name string) (*api.Database, error) {
	if err := c.gate(ctx, "glue:GetDatabase", c.arn("database/"+name)); err != nil {
		return nil, err
	}
	return c.cp.cat.GetDatabase(ctx, c.catalogID(), name)
}

func (c *client) CreateDatabase(ctx context.Context, in api.DatabaseInput) error {
	if err := c.gate(ctx, "glue:CreateDatabase", c.arn("database/"+in.Name)); err != nil {
		return err
	}
	return c.cp.cat.CreateDatabase(ctx, c.catalogID(), in)
}

func (c *client) DeleteDatabase(ctx context.Context, name string) error {
	if err := c.gate(ctx, "glue:DeleteDatabase", c.arn("database/"+name)); err != nil {
		return err
	}
	return c.cp.cat.DeleteDatabase(ctx, c.catalogID(), name)
}

func (c *client) GetTables(ctx context.Context, database string) ([]api.Table, error) {
	if err := c.gate(ctx, "glue:GetTables", c.arn("database/"+database)); err != nil {
		return nil, err
	}
	return c.cp.cat.GetTables(ctx, c.catalogID(), database)
}

func (c *client) GetTable(ctx context.Context, database, name string) (*api.Table, error) {
	if err := c.gate(ctx, "glue:GetTable", c.arn("table/"+database+"/"+name)); err != nil {
		return nil, err
	}
	return c.cp.cat.GetTable(ctx, c.catalogID(), database, name)
}

func (c *client) CreateTable(ctx context.Context, database string, in api.TableInput) error {
	if err := c.gate(ctx, "glue:CreateTable", c.arn("table/"+database+"/"+in.Name)); err != nil {
		return err
	}
	// Through In, so the table records its creator (Table.CreatedBy).
	return c.cp.db.Update(func(tx *store.Tx) error {
		return c.cp.cat.In(tx, c.caller.Principal).CreateTable(c.catalogID(), database, in)
	})
}

func (c *client) UpdateTable(ctx context.Context, database string, in api.TableInput) error {
	if err := c.gate(ctx, "glue:UpdateTable", c.arn("table/"+database+"/"+in.Name)); err != nil {
		return err
	}
	return c.cp.cat.UpdateTable(ctx, c.catalogID(), database, in)
}

func (c *client) DeleteTable(ctx context.Context, database, name string) error {
	if err := c.gate(ctx, "glue:DeleteTable", c.arn("table/"+database+"/"+name)); err != nil {
		return err
	}
	return c.cp.cat.DeleteTable(ctx, c.catalogID(), database, name)
}

func (c *client) GetPartitions(ctx context.Context, database, table, expression string) ([]api.Partition, error) {
	if err := c.gate(ctx, "glue:GetPartitions", c.arn("table/"+database+"/"+table)); err != nil {
		return nil, err
	}
	return c.cp.cat.GetPartitions(ctx, c.catalogID(), database, table, expression)
}

func (c *client) BatchCreatePartition(ctx context.Context, database, table string, in []api.PartitionInput) error {
	if err := c.gate(ctx, "glue:BatchCreatePartition", c.arn("table/"+database+"/"+table)); err != nil {
		return err
	}
	return c.cp.cat.BatchCreatePartition(ctx, c.catalogID(), database, table, in)
}

// ---- api.Integration ----

// queryAuthorizationID echoes the id of the query's QuerySessionContext,
// or draws a fresh one (128 random bits) for a query's first call.
func (c *client) queryAuthorizationID(q *api.QuerySessionContext) (string, error) {
	if q != nil && q.QueryAuthorizationId != "" {
		return q.QueryAuthorizationId, nil
	}
	var b [16]byte
	if c.cp.randMu != nil {
		c.cp.randMu.Lock()
		defer c.cp.randMu.Unlock()
	}
	if _, err := io.ReadFull(c.cp.rand, b[:]); err != nil {
		return "", lferr.Wrap(lferr.InternalService, err, "cannot draw a QueryAuthorizationId: %v", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func (c *client) GetUnfilteredTableMetadata(ctx context.Context, in *api.GetUnfilteredTableMetadataInput) (*api.GetUnfilteredTableMetadataOutput, error) {
	if err := ValidateTableMetadataInput(in, c.cp.region); err != nil {
		return nil, err
	}
	if err := c.gate(ctx, "glue:GetTable", TableARN(c.cp.region, in.CatalogId, in.DatabaseName, in.Name)); err != nil {
		return nil, err
	}
	var tbl *api.Table
	err := c.cp.db.View(func(tx *store.Tx) error {
		var err error
		tbl, err = c.cp.cat.In(tx, "").GetTable(in.CatalogId, in.DatabaseName, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	qaid, err := c.queryAuthorizationID(in.QuerySessionContext)
	if err != nil {
		return nil, err
	}
	return IAMOnlyTableMetadata(tbl, c.cp.region, qaid), nil
}

func (c *client) GetUnfilteredPartitionsMetadata(ctx context.Context, in *api.GetUnfilteredPartitionsMetadataInput) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	if err := ValidatePartitionsMetadataInput(in, c.cp.region); err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, invalid("NextToken is not a token this service issued.")
		}
		after = string(b)
	}
	if err := c.gate(ctx, "glue:GetPartitions", TableARN(c.cp.region, in.CatalogId, in.DatabaseName, in.TableName)); err != nil {
		return nil, err
	}
	var (
		tbl  *api.Table
		ps   []api.Partition
		next string
	)
	err := c.cp.db.View(func(tx *store.Tx) error {
		cat := c.cp.cat.In(tx, "")
		var err error
		if tbl, err = cat.GetTable(in.CatalogId, in.DatabaseName, in.TableName); err != nil {
			return err
		}
		ps, next, err = cat.ListPartitions(in.CatalogId, in.DatabaseName, in.TableName, in.Expression, after, int(in.MaxResults))
		return err
	})
	if err != nil {
		return nil, err
	}
	if next != "" {
		next = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return IAMOnlyPartitions(tbl, ps, next), nil
}

func (c *client) GetTemporaryGlueTableCredentials(ctx context.Context, in *api.GetTemporaryGlueTableCredentialsInput) (*api.GetTemporaryGlueTableCredentialsOutput, error) {
	ref, err := ValidateCredentialsInput(in, c.cp.region)
	if err != nil {
		return nil, err
	}
	if err := c.gate(ctx, "lakeformation:GetDataAccess", in.TableArn); err != nil {
		return nil, err
	}
	var tbl *api.Table
	err = c.cp.db.View(func(tx *store.Tx) error {
		var err error
		tbl, err = c.cp.cat.In(tx, "").GetTable(ref.CatalogID, ref.Database, ref.Table)
		return err
	})
	if err != nil {
		return nil, err
	}
	return nil, IAMOnlyCredentials(tbl)
}
