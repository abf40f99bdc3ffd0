// Package plan is the physical plan IR: the data structure the planner
// produces and exec compiles into vectorized operators. It holds no behaviour
// beyond printing (EXPLAIN) and small helpers, so both sides can be built and
// tested independently.
//
// Conventions:
//   - Every Node produces rows described by Schema(); expressions over a
//     node's input refer to input columns by position (ColRef.Idx).
//   - Binary nodes (joins) expose left columns followed by right columns, and
//     join predicates index into that concatenation.
//   - Correlated subqueries refer to columns of enclosing queries with
//     OuterRef{Depth, Idx}: Depth 1 is the row of the query that directly
//     contains the subquery, Depth 2 the one around that, and so on.
//   - Expressions are fully typed by the planner: every Func carries its
//     result type and argument types are already unified (the planner inserts
//     Cast nodes), so exec never has to guess.
package plan
