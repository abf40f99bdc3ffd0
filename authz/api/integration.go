package api

// Shapes of LF's application-integration operations (spec/lake-formation.md §2).

// Permission types an engine declares in SupportedPermissionTypes. The
// first four are LF's; COLUMN_MASK_PERMISSION is sluice's extension.
const (
	ColumnPermission     = "COLUMN_PERMISSION"
	CellFilterPermission = "CELL_FILTER_PERMISSION"
	NestedPermission     = "NESTED_PERMISSION"
	NestedCellPermission = "NESTED_CELL_PERMISSION"
	ColumnMaskPermission = "COLUMN_MASK_PERMISSION"
)

// QuerySessionContext ties the calls of one query together.
type QuerySessionContext struct {
	QueryId              string            `json:"QueryId,omitempty"`
	QueryStartTime       *Time             `json:"QueryStartTime,omitempty"`
	ClusterId            string            `json:"ClusterId,omitempty"`
	QueryAuthorizationId string            `json:"QueryAuthorizationId,omitempty"`
	AdditionalContext    map[string]string `json:"AdditionalContext,omitempty"`
}

// AuditContext is free-form audit information.
type AuditContext struct {
	AdditionalAuditContext string   `json:"AdditionalAuditContext,omitempty"`
	RequestedColumns       []string `json:"RequestedColumns,omitempty"`
	AllColumnsRequested    *bool    `json:"AllColumnsRequested,omitempty"`
}

// GetUnfilteredTableMetadataInput is glue:GetUnfilteredTableMetadata's request.
type GetUnfilteredTableMetadataInput struct {
	CatalogId                string               `json:"CatalogId"`
	DatabaseName             string               `json:"DatabaseName"`
	Name                     string               `json:"Name"`
	Region                   string               `json:"Region,omitempty"`
	AuditContext             *AuditContext        `json:"AuditContext,omitempty"`
	SupportedPermissionTypes []string             `json:"SupportedPermissionTypes"`
	Permissions              []string             `json:"Permissions,omitempty"`
	QuerySessionContext      *QuerySessionContext `json:"QuerySessionContext,omitempty"`
}

// ColumnRowFilter is one CellFilters entry: the rows on which ColumnName is visible.
type ColumnRowFilter struct {
	ColumnName          string `json:"ColumnName,omitempty"`
	RowFilterExpression string `json:"RowFilterExpression,omitempty"`
}

// ColumnMask is sluice's extension: a CEL mask expression for a column,
// returned only to callers that declare COLUMN_MASK_PERMISSION.
type ColumnMask struct {
	ColumnName     string `json:"ColumnName"`
	MaskExpression string `json:"MaskExpression"`
	MaskName       string `json:"MaskName,omitempty"`
}

// GetUnfilteredTableMetadataOutput is its response.
type GetUnfilteredTableMetadataOutput struct {
	Table                         *Table            `json:"Table,omitempty"`
	AuthorizedColumns             []string          `json:"AuthorizedColumns,omitempty"`
	IsRegisteredWithLakeFormation bool              `json:"IsRegisteredWithLakeFormation"`
	CellFilters                   []ColumnRowFilter `json:"CellFilters,omitempty"`
	RowFilter                     string            `json:"RowFilter,omitempty"`
	QueryAuthorizationId          string            `json:"QueryAuthorizationId,omitempty"`
	Permissions                   []string          `json:"Permissions,omitempty"`
	ResourceArn                   string            `json:"ResourceArn,omitempty"`
	ColumnMasks                   []ColumnMask      `json:"ColumnMasks,omitempty"`
}

// GetUnfilteredPartitionsMetadataInput is glue:GetUnfilteredPartitionsMetadata's request.
type GetUnfilteredPartitionsMetadataInput struct {
	CatalogId                string               `json:"CatalogId"`
	DatabaseName             string               `json:"DatabaseName"`
	TableName                string               `json:"TableName"`
	Region                   string               `json:"Region,omitempty"`
	Expression               string               `json:"Expression,omitempty"`
	AuditContext             *AuditContext        `json:"AuditContext,omitempty"`
	SupportedPermissionTypes []string             `json:"SupportedPermissionTypes"`
	NextToken                string               `json:"NextToken,omitempty"`
	MaxResults               int32                `json:"MaxResults,omitempty"`
	QuerySessionContext      *QuerySessionContext `json:"QuerySessionContext,omitempty"`
}

// UnfilteredPartition is one partition with its authorized columns.
type UnfilteredPartition struct {
	Partition                     *Partition `json:"Partition,omitempty"`
	AuthorizedColumns             []string   `json:"AuthorizedColumns,omitempty"`
	IsRegisteredWithLakeFormation bool       `json:"IsRegisteredWithLakeFormation"`
}

// GetUnfilteredPartitionsMetadataOutput is its response.
type GetUnfilteredPartitionsMetadataOutput struct {
	UnfilteredPartitions []UnfilteredPartition `json:"UnfilteredPartitions"`
	NextToken            string                `json:"NextToken,omitempty"`
}

// GetTemporaryGlueTableCredentialsInput is lakeformation:GetTemporaryGlueTableCredentials's request.
type GetTemporaryGlueTableCredentialsInput struct {
	TableArn                 string               `json:"TableArn"`
	Permissions              []string             `json:"Permissions,omitempty"`
	DurationSeconds          int32                `json:"DurationSeconds,omitempty"`
	AuditContext             *AuditContext        `json:"AuditContext,omitempty"`
	SupportedPermissionTypes []string             `json:"SupportedPermissionTypes,omitempty"`
	S3Path                   string               `json:"S3Path,omitempty"`
	QuerySessionContext      *QuerySessionContext `json:"QuerySessionContext,omitempty"`
}

// GetTemporaryGlueTableCredentialsOutput is its response.
type GetTemporaryGlueTableCredentialsOutput struct {
	AccessKeyId     string   `json:"AccessKeyId,omitempty"`
	SecretAccessKey string   `json:"SecretAccessKey,omitempty"`
	SessionToken    string   `json:"SessionToken,omitempty"`
	Expiration      *Time    `json:"Expiration,omitempty"`
	VendedS3Path    []string `json:"VendedS3Path,omitempty"`
}
