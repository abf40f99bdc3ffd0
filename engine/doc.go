// Package engine is sluice's embedded API: open a lake (a home directory
// holding the control-plane database and the local warehouse), start a
// session as a principal, run SQL and read results as Arrow batches.
//
// The engine is a third-party engine in Lake Formation's sense: it reaches
// the control plane only through the contract in authz/api (Catalog for DDL
// and listings, Integration for GetUnfilteredTableMetadata and friends). It
// orchestrates the planner (SQL → plan, binding through the contract), exec
// (plan → vectorized operators) and storage (Parquet over object stores).
package engine
