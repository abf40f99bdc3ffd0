// Package opt holds the planner's rewrite rules: splitting and recombining
// conjuncts, remapping column references, greedy join ordering of
// inner-join blocks (OrderJoins), turning EXISTS / IN conjuncts into semi
// and anti joins (Decorrelate), moving filters down to the scans
// (PushFilters) and column pruning (PruneColumns). The planner runs them
// in that order: Decorrelate, PushFilters, partition listing, PruneColumns.
//
// The security rule every rule here keeps (VISION rule 7, STYLE §3 item 4):
// optimizer rules never move a user expression below a secure scan. A user
// predicate reaches a plan.Scan only as a PruneFilter, which the scan may
// use to skip row groups or partitions by statistics and never to remove
// rows or produce values; the same predicate always stays in a Filter
// above the scan. Scans with a SecureScan get no PruneFilters at all from
// this package (pruning under a policy would have to run after the row
// filter, which statistics cannot express), and predicates are only ever
// placed above a relation, never inside it.
//
// Expressions that hold subqueries are never moved by join ordering: a
// correlated subquery's OuterRefs address the input row of the node
// holding it, so the rules leave such conjuncts where the binder put them,
// and pruning keeps that row whole. Decorrelate is the one rule that
// rewrites them, and it turns the OuterRefs into join columns of exactly
// that row; it never turns NOT IN into an anti join (NOT IN over a set
// holding NULL is never true, an anti join would say it is).
package opt
