package api

// Request and response shapes of the LF-tag APIs (service model
// lakeformation 2017-03-31, spec/lake-formation.md §5.1). JSON names are the
// wire names. MaxResults is 0 when absent; the server applies its default.

// CreateLFTagInput is lakeformation:CreateLFTag's request.
type CreateLFTagInput struct {
	CatalogId string   `json:"CatalogId,omitempty"`
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// UpdateLFTagInput is lakeformation:UpdateLFTag's request.
type UpdateLFTagInput struct {
	CatalogId         string   `json:"CatalogId,omitempty"`
	TagKey            string   `json:"TagKey"`
	TagValuesToDelete []string `json:"TagValuesToDelete,omitempty"`
	TagValuesToAdd    []string `json:"TagValuesToAdd,omitempty"`
}

// DeleteLFTagInput is lakeformation:DeleteLFTag's request.
type DeleteLFTagInput struct {
	CatalogId string `json:"CatalogId,omitempty"`
	TagKey    string `json:"TagKey"`
}

// GetLFTagInput is lakeformation:GetLFTag's request.
type GetLFTagInput struct {
	CatalogId string `json:"CatalogId,omitempty"`
	TagKey    string `json:"TagKey"`
}

// GetLFTagOutput is lakeformation:GetLFTag's response.
type GetLFTagOutput struct {
	CatalogId string   `json:"CatalogId,omitempty"`
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// Resource share types of ListLFTags.
const (
	ResourceShareForeign = "FOREIGN"
	ResourceShareAll     = "ALL"
)

// ListLFTagsInput is lakeformation:ListLFTags's request.
type ListLFTagsInput struct {
	CatalogId         string `json:"CatalogId,omitempty"`
	ResourceShareType string `json:"ResourceShareType,omitempty"`
	MaxResults        int32  `json:"MaxResults,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
}

// ListLFTagsOutput is lakeformation:ListLFTags's response.
type ListLFTagsOutput struct {
	LFTags    []LFTagPair `json:"LFTags,omitempty"`
	NextToken string      `json:"NextToken,omitempty"`
}

// AddLFTagsToResourceInput is lakeformation:AddLFTagsToResource's request
// (RemoveLFTagsFromResource takes the same shape).
type AddLFTagsToResourceInput struct {
	CatalogId string      `json:"CatalogId,omitempty"`
	Resource  *Resource   `json:"Resource"`
	LFTags    []LFTagPair `json:"LFTags"`
}

// RemoveLFTagsFromResourceInput is lakeformation:RemoveLFTagsFromResource's request.
type RemoveLFTagsFromResourceInput = AddLFTagsToResourceInput

// ErrorDetail is the code and message of one failed entry of a batch.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// LFTagError is one tag of an Add/RemoveLFTags call that was not applied.
type LFTagError struct {
	LFTag *LFTagPair   `json:"LFTag,omitempty"`
	Error *ErrorDetail `json:"Error,omitempty"`
}

// AddLFTagsToResourceOutput is lakeformation:AddLFTagsToResource's response
// (RemoveLFTagsFromResource answers the same shape).
type AddLFTagsToResourceOutput struct {
	Failures []LFTagError `json:"Failures,omitempty"`
}

// RemoveLFTagsFromResourceOutput is lakeformation:RemoveLFTagsFromResource's response.
type RemoveLFTagsFromResourceOutput = AddLFTagsToResourceOutput

// GetResourceLFTagsInput is lakeformation:GetResourceLFTags's request.
type GetResourceLFTagsInput struct {
	CatalogId          string    `json:"CatalogId,omitempty"`
	Resource           *Resource `json:"Resource"`
	ShowAssignedLFTags bool      `json:"ShowAssignedLFTags,omitempty"`
}

// ColumnLFTag is the tags of one column.
type ColumnLFTag struct {
	Name   string      `json:"Name,omitempty"`
	LFTags []LFTagPair `json:"LFTags,omitempty"`
}

// GetResourceLFTagsOutput is lakeformation:GetResourceLFTags's response.
type GetResourceLFTagsOutput struct {
	LFTagOnDatabase []LFTagPair   `json:"LFTagOnDatabase,omitempty"`
	LFTagsOnTable   []LFTagPair   `json:"LFTagsOnTable,omitempty"`
	LFTagsOnColumns []ColumnLFTag `json:"LFTagsOnColumns,omitempty"`
}

// SearchTablesByLFTagsInput is lakeformation:SearchTablesByLFTags's request
// (SearchDatabasesByLFTags takes the same shape).
type SearchTablesByLFTagsInput struct {
	CatalogId  string  `json:"CatalogId,omitempty"`
	Expression []LFTag `json:"Expression"`
	MaxResults int32   `json:"MaxResults,omitempty"`
	NextToken  string  `json:"NextToken,omitempty"`
}

// SearchDatabasesByLFTagsInput is lakeformation:SearchDatabasesByLFTags's request.
type SearchDatabasesByLFTagsInput = SearchTablesByLFTagsInput

// TaggedTable is one table found by SearchTablesByLFTags, with its tags.
type TaggedTable struct {
	Table           *TableResource `json:"Table,omitempty"`
	LFTagOnDatabase []LFTagPair    `json:"LFTagOnDatabase,omitempty"`
	LFTagsOnTable   []LFTagPair    `json:"LFTagsOnTable,omitempty"`
	LFTagsOnColumns []ColumnLFTag  `json:"LFTagsOnColumns,omitempty"`
}

// SearchTablesByLFTagsOutput is lakeformation:SearchTablesByLFTags's response.
type SearchTablesByLFTagsOutput struct {
	NextToken string        `json:"NextToken,omitempty"`
	TableList []TaggedTable `json:"TableList,omitempty"`
}

// TaggedDatabase is one database found by SearchDatabasesByLFTags.
type TaggedDatabase struct {
	Database *DatabaseResource `json:"Database,omitempty"`
	LFTags   []LFTagPair       `json:"LFTags,omitempty"`
}

// SearchDatabasesByLFTagsOutput is lakeformation:SearchDatabasesByLFTags's response.
type SearchDatabasesByLFTagsOutput struct {
	NextToken    string           `json:"NextToken,omitempty"`
	DatabaseList []TaggedDatabase `json:"DatabaseList,omitempty"`
}

// LFTagExpression is a saved LF-tag expression. It is also the request of
// CreateLFTagExpression and UpdateLFTagExpression and the response of
// GetLFTagExpression.
type LFTagExpression struct {
	Name        string  `json:"Name"`
	Description string  `json:"Description,omitempty"`
	CatalogId   string  `json:"CatalogId,omitempty"`
	Expression  []LFTag `json:"Expression"`
}

// CreateLFTagExpressionInput is lakeformation:CreateLFTagExpression's request.
type CreateLFTagExpressionInput = LFTagExpression

// UpdateLFTagExpressionInput is lakeformation:UpdateLFTagExpression's request.
type UpdateLFTagExpressionInput = LFTagExpression

// GetLFTagExpressionOutput is lakeformation:GetLFTagExpression's response.
type GetLFTagExpressionOutput = LFTagExpression

// DeleteLFTagExpressionInput is lakeformation:DeleteLFTagExpression's request
// (GetLFTagExpression takes the same shape).
type DeleteLFTagExpressionInput struct {
	CatalogId string `json:"CatalogId,omitempty"`
	Name      string `json:"Name"`
}

// GetLFTagExpressionInput is lakeformation:GetLFTagExpression's request.
type GetLFTagExpressionInput = DeleteLFTagExpressionInput

// ListLFTagExpressionsInput is lakeformation:ListLFTagExpressions's request.
type ListLFTagExpressionsInput struct {
	CatalogId  string `json:"CatalogId,omitempty"`
	MaxResults int32  `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// ListLFTagExpressionsOutput is lakeformation:ListLFTagExpressions's response.
type ListLFTagExpressionsOutput struct {
	LFTagExpressions []LFTagExpression `json:"LFTagExpressions,omitempty"`
	NextToken        string            `json:"NextToken,omitempty"`
}
