package api

// Glue Data Catalog shapes (service model glue 2017-03-31). Only the fields
// sluice uses are declared; unknown fields are ignored on input.

// Database is a Glue database.
type Database struct {
	Name        string            `json:"Name"`
	Description string            `json:"Description,omitempty"`
	LocationUri string            `json:"LocationUri,omitempty"`
	Parameters  map[string]string `json:"Parameters,omitempty"`
	CreateTime  *Time             `json:"CreateTime,omitempty"`
	CatalogId   string            `json:"CatalogId,omitempty"`
}

// DatabaseInput creates or updates a database.
type DatabaseInput struct {
	Name        string            `json:"Name"`
	Description string            `json:"Description,omitempty"`
	LocationUri string            `json:"LocationUri,omitempty"`
	Parameters  map[string]string `json:"Parameters,omitempty"`
}

// Column is a Glue column; Type is a Hive type string ("bigint", "decimal(10,2)").
type Column struct {
	Name       string            `json:"Name"`
	Type       string            `json:"Type,omitempty"`
	Comment    string            `json:"Comment,omitempty"`
	Parameters map[string]string `json:"Parameters,omitempty"`
}

// SerDeInfo names the serialization library.
type SerDeInfo struct {
	Name                 string            `json:"Name,omitempty"`
	SerializationLibrary string            `json:"SerializationLibrary,omitempty"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
}

// StorageDescriptor describes where and how a table's data is stored.
type StorageDescriptor struct {
	Columns      []Column          `json:"Columns,omitempty"`
	Location     string            `json:"Location,omitempty"`
	InputFormat  string            `json:"InputFormat,omitempty"`
	OutputFormat string            `json:"OutputFormat,omitempty"`
	Compressed   bool              `json:"Compressed,omitempty"`
	SerdeInfo    *SerDeInfo        `json:"SerdeInfo,omitempty"`
	Parameters   map[string]string `json:"Parameters,omitempty"`
}

// Table types.
const (
	ExternalTable = "EXTERNAL_TABLE"
	VirtualView   = "VIRTUAL_VIEW"
)

// Table is a Glue table.
type Table struct {
	Name                          string             `json:"Name"`
	DatabaseName                  string             `json:"DatabaseName,omitempty"`
	Description                   string             `json:"Description,omitempty"`
	Owner                         string             `json:"Owner,omitempty"`
	CreateTime                    *Time              `json:"CreateTime,omitempty"`
	UpdateTime                    *Time              `json:"UpdateTime,omitempty"`
	StorageDescriptor             *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	PartitionKeys                 []Column           `json:"PartitionKeys,omitempty"`
	ViewOriginalText              string             `json:"ViewOriginalText,omitempty"`
	ViewExpandedText              string             `json:"ViewExpandedText,omitempty"`
	TableType                     string             `json:"TableType,omitempty"`
	Parameters                    map[string]string  `json:"Parameters,omitempty"`
	CreatedBy                     string             `json:"CreatedBy,omitempty"`
	IsRegisteredWithLakeFormation bool               `json:"IsRegisteredWithLakeFormation,omitempty"`
	CatalogId                     string             `json:"CatalogId,omitempty"`
	VersionId                     string             `json:"VersionId,omitempty"`
}

// TableInput creates or updates a table.
type TableInput struct {
	Name              string             `json:"Name"`
	Description       string             `json:"Description,omitempty"`
	Owner             string             `json:"Owner,omitempty"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	PartitionKeys     []Column           `json:"PartitionKeys,omitempty"`
	ViewOriginalText  string             `json:"ViewOriginalText,omitempty"`
	ViewExpandedText  string             `json:"ViewExpandedText,omitempty"`
	TableType         string             `json:"TableType,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
}

// Partition is a Glue partition of a table.
type Partition struct {
	Values            []string           `json:"Values"`
	DatabaseName      string             `json:"DatabaseName,omitempty"`
	TableName         string             `json:"TableName,omitempty"`
	CreationTime      *Time              `json:"CreationTime,omitempty"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
	CatalogId         string             `json:"CatalogId,omitempty"`
}

// PartitionInput creates a partition.
type PartitionInput struct {
	Values            []string           `json:"Values"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
}
