// Package engine is sluice's embedded API: open a lake (a home directory
// holding the control-plane database and the local warehouse), start a
// session as a principal, run SQL and read results as Arrow batches.
//
// The engine is a third-party engine in Lake Formation's sense: it reaches
// the control plane only through the contract in authz/api (Catalog for DDL
// and listings, Integration for GetUnfilteredTableMetadata and friends). It
// orchestrates the planner (SQL → plan, binding through the contract), exec
// (plan → vectorized operators) and storage (Parquet over object stores).
// Open uses the authz facade for three things only: opening the home,
// obtaining caller-bound clients (CallerForRole, ClientFor), and
// registering the home's warehouse with Lake Formation on first open (the
// contract has no RegisterResource).
//
// Files:
//
//	engine.go     Open, Options, the lake's lifetime, warehouse registration
//	principal.go  NewSession: the administrator, or a role session assumed
//	              with the LakeFormationAuthorizedCaller tag and renewed
//	              before it expires; hints for DataLakeSettings refusals
//	session.go    Session, Query/Exec, Rows, DESCRIBE and SHOW
//	query.go      one statement's authorization: its QuerySessionContext
//	              (query id, echoed QueryAuthorizationId) stamped on every
//	              integration call, the metadata answers it received, the
//	              engine-side write rule (rule 12), the exec StorageResolver
//	vend.go       stores opened only with credentials vended for the table
//	              (rule 11), verified on every access and refreshed before
//	              expiry; unregistered locations only for unrestricted access
//	ddl.go        CREATE/DROP DATABASE, TABLE, VIEW
//	dml.go        INSERT, DELETE, UPDATE (copy-on-write), compaction
//	partition.go  the same on Hive-partitioned tables: rows split by key
//	              values into key=value/ directories, new partitions
//	              registered in the catalog, rewrites per partition
//	infer.go      schema and partition inference for external tables
//	remote.go     OpenRemote: the same engine with the contract served over
//	              the wire by authz/remote (no control plane in process;
//	              file:// credentials verified with the served home's key)
//
// The administrator's in-process session (NewSession with "") opens stores
// with the engine's own access; a principal's session never does.
package engine
