// Package catalog is sluice's Glue-compatible Data Catalog: databases,
// tables and partitions, persisted in the control-plane database
// (authz/store) and shaped as the Glue API shapes of authz/api.
//
// It owns Glue's catalog semantics: several catalogs keyed by account id
// (CatalogId), name validation and lower-casing, AlreadyExists /
// EntityNotFound / InvalidInput errors with Glue-style messages, table
// versions (VersionId) and timestamps, default locations, cascading deletes,
// column type validation (planner/types.ParseGlue) and the Glue
// partition-predicate subset of GetPartitions.
//
// Every operation exists at two levels. Methods of Catalog run one API call
// as one store transaction, so nothing is ever half-applied. Methods of Txn
// run inside a transaction the caller already holds, so other control-plane
// subsystems (LF grants, LF-tags, data cells filters) can combine catalog
// changes with their own records atomically, and read the catalog from the
// same snapshot their decisions are made on. OnDelete hooks let those
// subsystems drop records that refer to a deleted database or table in the
// same transaction.
//
// It deliberately deviates from Glue where Glue accepts partial success:
// BatchCreatePartition and BatchDeletePartition are all-or-nothing and fail
// with the error of the first bad entry. Database and table names "." and
// ".." are refused, because names become path segments of default locations.
//
// It does no authorization: callers (package authz) decide who may call.
// It must not import planner (other than planner/types), exec or engine.
package catalog
