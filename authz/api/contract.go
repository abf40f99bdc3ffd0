package api

import "context"

// Catalog is the set of Glue Data Catalog calls an engine makes, on behalf
// of one caller, for DDL and listings. Implementations: the in-process
// control plane (authz) and a remote client over aws-sdk-go-v2.
//
// Errors carry LF / Glue exception codes (package authz/lferr).
type Catalog interface {
	GetDatabases(ctx context.Context) ([]Database, error)
	GetDatabase(ctx context.Context, name string) (*Database, error)
	CreateDatabase(ctx context.Context, in DatabaseInput) error
	DeleteDatabase(ctx context.Context, name string) error

	GetTables(ctx context.Context, database string) ([]Table, error)
	GetTable(ctx context.Context, database, name string) (*Table, error)
	CreateTable(ctx context.Context, database string, in TableInput) error
	UpdateTable(ctx context.Context, database string, in TableInput) error
	DeleteTable(ctx context.Context, database, name string) error

	GetPartitions(ctx context.Context, database, table, expression string) ([]Partition, error)
	BatchCreatePartition(ctx context.Context, database, table string, in []PartitionInput) error
}

// Integration is Lake Formation's application-integration contract: the only
// way the engine learns what a caller may see (VISION: "the one boundary that
// matters").
type Integration interface {
	GetUnfilteredTableMetadata(ctx context.Context, in *GetUnfilteredTableMetadataInput) (*GetUnfilteredTableMetadataOutput, error)
	GetUnfilteredPartitionsMetadata(ctx context.Context, in *GetUnfilteredPartitionsMetadataInput) (*GetUnfilteredPartitionsMetadataOutput, error)
	GetTemporaryGlueTableCredentials(ctx context.Context, in *GetTemporaryGlueTableCredentialsInput) (*GetTemporaryGlueTableCredentialsOutput, error)
}

// Client is what an engine session holds: both contracts, bound to one caller.
type Client interface {
	Catalog
	Integration
}
