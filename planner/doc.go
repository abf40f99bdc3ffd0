// Package planner turns SQL text into sluice statements: physical plans
// (package plan) for queries, and plain descriptions for DDL and DML that
// the engine executes.
//
// It owns parsing (vitess sqlparser, plus a small hand-written parser for
// Athena's CREATE EXTERNAL TABLE, a pre-parse rewrite of AGG(ALL x), and a
// splitter for INTERSECT / EXCEPT, which vitess does not parse), name
// resolution, MySQL-style typing, and plan construction. Tables are
// bound ONLY through the Lake Formation application-integration contract
// (authz/api.Client: GetUnfilteredTableMetadata and
// GetUnfilteredPartitionsMetadata); the planner never reads grants, tags or
// filters. What the caller may not see does not exist here: the visible
// columns of a table are exactly its AuthorizedColumns (VISION rule 8), and
// a response that carries a row filter, cell filters or masks fails closed
// until the secure scan is implemented.
//
// Views are expanded inline from their ViewOriginalText and planned on
// their own (they cannot see the outer query's names); the tables they
// read are authorized with the caller's rights.
//
// Rewrite rules (join ordering, decorrelation into semi / anti joins,
// filter pushdown, column pruning) live in planner/opt; see its doc.go for the rule that
// keeps user expressions above the secure scan.
//
// File map: planner.go (entry, statement dispatch), bind.go (tables,
// views, partitions via the integration contract), scope.go (name
// resolution, outer references), expr.go / func.go / typing.go / agg.go
// (expressions and MySQL types), select.go (SELECT, UNION, ORDER BY,
// LIMIT), compound.go (INTERSECT / EXCEPT), dml.go, ddl.go (including the
// Athena DDL parser), split.go (statement splitting, AGG(ALL x)).
//
// Internal errors are returned, never panicked across the API: the single
// entry point Plan recovers a private bail type raised deep in recursion and
// turns any other panic into an InternalServiceException.
package planner
