package api

// Lake Formation shapes (service model lakeformation 2017-03-31,
// spec/lake-formation.md §3–§6). JSON names are the wire names.

// DataLakePrincipal names a principal: an IAM role or user ARN, an account
// id, IAM_ALLOWED_PRINCIPALS, "<account>:IAMPrincipals", ...
type DataLakePrincipal struct {
	DataLakePrincipalIdentifier string `json:"DataLakePrincipalIdentifier,omitempty"`
}

// Well-known principal identifiers.
const (
	IAMAllowedPrincipals = "IAM_ALLOWED_PRINCIPALS"
)

// PrincipalPermissions is a default-permissions entry of DataLakeSettings.
type PrincipalPermissions struct {
	Principal   *DataLakePrincipal `json:"Principal,omitempty"`
	Permissions []string           `json:"Permissions,omitempty"`
}

// DataLakeSettings are an account's LF settings.
type DataLakeSettings struct {
	DataLakeAdmins                   []DataLakePrincipal    `json:"DataLakeAdmins,omitempty"`
	ReadOnlyAdmins                   []DataLakePrincipal    `json:"ReadOnlyAdmins,omitempty"`
	CreateDatabaseDefaultPermissions []PrincipalPermissions `json:"CreateDatabaseDefaultPermissions,omitempty"`
	CreateTableDefaultPermissions    []PrincipalPermissions `json:"CreateTableDefaultPermissions,omitempty"`
	Parameters                       map[string]string      `json:"Parameters,omitempty"`
	TrustedResourceOwners            []string               `json:"TrustedResourceOwners,omitempty"`
	AllowExternalDataFiltering       bool                   `json:"AllowExternalDataFiltering,omitempty"`
	AllowFullTableExternalDataAccess bool                   `json:"AllowFullTableExternalDataAccess,omitempty"`
	ExternalDataFilteringAllowList   []DataLakePrincipal    `json:"ExternalDataFilteringAllowList,omitempty"`
	AuthorizedSessionTagValueList    []string               `json:"AuthorizedSessionTagValueList,omitempty"`
}

// Resource is LF's resource union: exactly one member is set.
type Resource struct {
	Catalog          *CatalogResource          `json:"Catalog,omitempty"`
	Database         *DatabaseResource         `json:"Database,omitempty"`
	Table            *TableResource            `json:"Table,omitempty"`
	TableWithColumns *TableWithColumnsResource `json:"TableWithColumns,omitempty"`
	DataLocation     *DataLocationResource     `json:"DataLocation,omitempty"`
	DataCellsFilter  *DataCellsFilterResource  `json:"DataCellsFilter,omitempty"`
	LFTag            *LFTagKeyResource         `json:"LFTag,omitempty"`
	LFTagPolicy      *LFTagPolicyResource      `json:"LFTagPolicy,omitempty"`
	LFTagExpression  *LFTagExpressionResource  `json:"LFTagExpression,omitempty"`
}

// CatalogResource is the account's catalog ({} = default).
type CatalogResource struct {
	Id string `json:"Id,omitempty"`
}

// DatabaseResource names a database.
type DatabaseResource struct {
	CatalogId string `json:"CatalogId,omitempty"`
	Name      string `json:"Name"`
}

// TableWildcard is the empty object meaning "all tables of the database".
type TableWildcard struct{}

// TableResource names a table, or all tables of a database.
type TableResource struct {
	CatalogId     string         `json:"CatalogId,omitempty"`
	DatabaseName  string         `json:"DatabaseName"`
	Name          string         `json:"Name,omitempty"`
	TableWildcard *TableWildcard `json:"TableWildcard,omitempty"`
}

// ColumnWildcard means all columns but ExcludedColumnNames.
type ColumnWildcard struct {
	ExcludedColumnNames []string `json:"ExcludedColumnNames,omitempty"`
}

// TableWithColumnsResource is a column-restricted table (SELECT only).
type TableWithColumnsResource struct {
	CatalogId      string          `json:"CatalogId,omitempty"`
	DatabaseName   string          `json:"DatabaseName"`
	Name           string          `json:"Name"`
	ColumnNames    []string        `json:"ColumnNames,omitempty"`
	ColumnWildcard *ColumnWildcard `json:"ColumnWildcard,omitempty"`
}

// DataLocationResource is an S3 (or other store) location.
type DataLocationResource struct {
	CatalogId   string `json:"CatalogId,omitempty"`
	ResourceArn string `json:"ResourceArn"`
}

// DataCellsFilterResource names a data cells filter.
type DataCellsFilterResource struct {
	TableCatalogId string `json:"TableCatalogId,omitempty"`
	DatabaseName   string `json:"DatabaseName,omitempty"`
	TableName      string `json:"TableName,omitempty"`
	Name           string `json:"Name,omitempty"`
}

// LFTagKeyResource is an LF-tag key and some of its values ("*" = all).
type LFTagKeyResource struct {
	CatalogId string   `json:"CatalogId,omitempty"`
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// LFTag is a key with a list of values; in an expression the values are
// alternatives (OR) and the keys of a list are conjoined (AND).
type LFTag struct {
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// LFTagPolicyResource grants on every database or table whose tags match.
type LFTagPolicyResource struct {
	CatalogId      string  `json:"CatalogId,omitempty"`
	ResourceType   string  `json:"ResourceType"` // DATABASE | TABLE
	Expression     []LFTag `json:"Expression,omitempty"`
	ExpressionName string  `json:"ExpressionName,omitempty"`
}

// LFTagExpressionResource names a saved LF-tag expression.
type LFTagExpressionResource struct {
	CatalogId string `json:"CatalogId,omitempty"`
	Name      string `json:"Name"`
}

// LFTagPair is one tag assignment (a key with its single value on a resource).
type LFTagPair struct {
	CatalogId string   `json:"CatalogId,omitempty"`
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// Condition is LF's optional Cedar condition on a grant (not supported:
// rejected with InvalidInputException).
type Condition struct {
	Expression string `json:"Expression,omitempty"`
}

// PrincipalResourcePermissions is one ListPermissions row.
type PrincipalResourcePermissions struct {
	Principal                  *DataLakePrincipal `json:"Principal,omitempty"`
	Resource                   *Resource          `json:"Resource,omitempty"`
	Condition                  *Condition         `json:"Condition,omitempty"`
	Permissions                []string           `json:"Permissions,omitempty"`
	PermissionsWithGrantOption []string           `json:"PermissionsWithGrantOption,omitempty"`
	LastUpdated                *Time              `json:"LastUpdated,omitempty"`
	LastUpdatedBy              string             `json:"LastUpdatedBy,omitempty"`
}

// RowFilter is a data cells filter's row part: exactly one member set.
type RowFilter struct {
	FilterExpression string    `json:"FilterExpression,omitempty"`
	AllRowsWildcard  *struct{} `json:"AllRowsWildcard,omitempty"`
}

// DataCellsFilter is a named row/column/cell filter on one table.
type DataCellsFilter struct {
	TableCatalogId string          `json:"TableCatalogId"`
	DatabaseName   string          `json:"DatabaseName"`
	TableName      string          `json:"TableName"`
	Name           string          `json:"Name"`
	RowFilter      *RowFilter      `json:"RowFilter,omitempty"`
	ColumnNames    []string        `json:"ColumnNames,omitempty"`
	ColumnWildcard *ColumnWildcard `json:"ColumnWildcard,omitempty"`
	VersionId      string          `json:"VersionId,omitempty"`
}

// ResourceInfo describes a registered location.
type ResourceInfo struct {
	ResourceArn          string `json:"ResourceArn,omitempty"`
	RoleArn              string `json:"RoleArn,omitempty"`
	LastModified         *Time  `json:"LastModified,omitempty"`
	WithFederation       bool   `json:"WithFederation,omitempty"`
	HybridAccessEnabled  bool   `json:"HybridAccessEnabled,omitempty"`
	WithPrivilegedAccess bool   `json:"WithPrivilegedAccess,omitempty"`
}

// ColumnMaskPolicy is sluice's extension: a CEL mask attached to a column
// of a table, or to an LF-tag value (tag-based masking: every column whose
// effective tags carry TagKey=TagValue).
type ColumnMaskPolicy struct {
	CatalogId      string `json:"CatalogId,omitempty"`
	Name           string `json:"Name"`
	DatabaseName   string `json:"DatabaseName,omitempty"`
	TableName      string `json:"TableName,omitempty"`
	ColumnName     string `json:"ColumnName,omitempty"`
	TagKey         string `json:"TagKey,omitempty"`
	TagValue       string `json:"TagValue,omitempty"`
	MaskExpression string `json:"MaskExpression"`
	Description    string `json:"Description,omitempty"`
}
