// Package lf is Lake Formation's permission model for sluice's control
// plane (spec/lake-formation.md §3.1, §4, §5.3–5.4, §6.1): DataLakeSettings,
// registered locations, grants (Grant/Revoke/Batch*/ListPermissions,
// GetEffectivePermissionsForPath), data cells filters, creator records and
// default permissions, and the resolver that turns all of it into a
// principal's effective access to one table (access.TableAccess), database
// or catalog.
//
// Every exported API function takes the caller's *store.Tx, so one API call
// is one transaction (the facade in package authz opens it) and reads are
// made on one consistent snapshot. Time is passed in; nothing here reads
// the clock, the environment or a context.
//
// Entry points (all take the caller's *store.Tx):
//
//	GetSettings, PutSettings, ValidateSettings, DefaultSettings, IsAdmin, IsReadOnlyAdmin
//	RegisterResource, DeregisterResource, DescribeResource, UpdateResource,
//	ListResources, RegistrationFor, DataLocationAccess
//	GrantPermissions, RevokePermissions, BatchGrantPermissions,
//	BatchRevokePermissions, ListPermissions, GetEffectivePermissionsForPath
//	CreateDataCellsFilter, UpdateDataCellsFilter, DeleteDataCellsFilter,
//	GetDataCellsFilter, ListDataCellsFilter
//	TableAccess (→ access.TableAccess), DatabaseAccessOf, CatalogAccessOf
//	OnCreate, OnDelete (catalog.Config hooks), OnDeleteTag,
//	OnDeleteExpression (lftag.Config hooks)
//
// Callers: a Caller is the principal set making a control-plane call;
// data lake administrators may grant anything, others need the permission
// with grant option (spec §4.4); Trusted callers (the home's owner through
// the declarative setup or admin CLI) skip LF permission checks.
//
// Storage layout (buckets of the control-plane database owned here):
//
//	lf.settings      catalog                       → api.DataLakeSettings
//	lf.locations     normalized location ARN       → api.ResourceInfo
//	lf.grants        catalog,principal,resource key → grantRec
//	lf.grants.res    catalog,resource key,principal → "" (index by resource)
//	lf.filters       catalog,db,table,name          → api.DataCellsFilter
//	lf.creators      catalog,db                     → database creator
//	lf.creators.tables catalog,db,creator,table     → "" (tables by creator)
//
// Resource keys start with a one-letter kind and then the resource's
// (lower-cased) names, so that every question the resolver asks is a prefix
// scan of one principal's grants: the resolver never scans grants of other
// principals or of other tables, which keeps TableAccess independent of the
// number of grants and tables it is not about.
//
// Fail-closed choices where the spec is UNCERTAIN (VISION.md): grant option
// on column-filtered SELECT only with an include list; a principal holding
// partial SELECT (column list or data cells filter) on a table cannot be
// granted DESCRIBE/ALTER/DROP/INSERT/DELETE on it, and one holding those
// cannot be granted a partial SELECT (InvalidInputException instead of a
// silent "no effect"); resources in another catalog than the call's are
// refused; Condition is refused.
//
// VersionCache (cache.go) memoizes values computed in a read transaction
// per catalog version, one generation at a time, bounded; the facade keys
// its decision-input cache on it. TableAccessFor is TableAccess for a table
// the caller has already decoded in the same transaction.
//
// LF-tags (keys, values, assignments, inheritance) belong to authz/lftag;
// this package evaluates LF-tag policy grants against the effective tags
// lftag computes.
package lf
