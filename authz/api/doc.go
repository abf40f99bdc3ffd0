// Package api holds the shapes of the AWS Glue Data Catalog and Lake
// Formation APIs that sluice serves and consumes: plain structs whose JSON
// field names are the wire names, so the same values are persisted, served
// over restJson1 / awsJson1.1 and exchanged in process.
//
// It also declares the engine ↔ control-plane contract: Catalog (the Glue
// calls an engine makes for DDL and listing) and Integration (LF's
// application-integration calls: GetUnfilteredTableMetadata and friends).
// The engine and planner import this package and nothing else of authz.
package api
