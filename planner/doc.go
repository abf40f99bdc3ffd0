// Package planner turns SQL text into sluice statements: physical plans
// (package plan) for queries, and plain descriptions for DDL and DML that
// the engine executes.
//
// It owns parsing (vitess sqlparser, plus a small hand-written parser for
// Athena's CREATE EXTERNAL TABLE and a pre-parse rewrite of AGG(ALL x)),
// name resolution, MySQL-style typing, and plan construction. Tables are
// bound ONLY through the Lake Formation application-integration contract
// (authz/api.Client: GetUnfilteredTableMetadata and
// GetUnfilteredPartitionsMetadata); the planner never reads grants, tags or
// filters. What the caller may not see does not exist here: the visible
// columns of a table are exactly its AuthorizedColumns (VISION rule 8), and
// a response that carries a row filter, cell filters or masks fails closed
// until the secure scan is implemented.
//
// Rewrite rules that move predicates (join ordering, pushdown) live in
// planner/opt; see its doc.go for the rule that keeps user expressions
// above the secure scan.
//
// Internal errors are returned, never panicked across the API: the single
// entry point Plan recovers a private bail type raised deep in recursion and
// turns any other panic into an InternalServiceException.
package planner
