package exec

// Expression evaluation (files expr_*.go and func_*.go).
//
// What this half of exec owns:
//
//   - CompileExpr (expr_compile.go): plan.Expr → Evaluator. Compilation
//     resolves every operator and function once (func_doc.go is the
//     authoritative list, FuncSupported the planner's check), inserts the
//     implicit conversions MySQL applies (numbers compare numerically, a
//     string against a number as DOUBLE, against a date as a date), and
//     folds constant subtrees (a subtree that fails is left unfolded so it
//     can only fail for a live row that reaches it).
//
//   - Kernels: every node computes into an evec (expr_vec.go), a plain Go
//     column: []int64 / []float64 / []bool values, one NULL byte per row,
//     strings as Arrow offsets+bytes, and dictionary strings as codes plus
//     the dictionary. Inputs are zero-copy views of the Arrow buffers where
//     the layouts agree. Loops are typed and specialized by shape (vector op
//     vector, vector op constant, constant op vector; with and without a
//     selection vector); predicates on dictionary strings (=, <, LIKE, IN
//     against constants) run once per dictionary entry and then map codes,
//     with the per-entry result cached while batches share a dictionary.
//     The long tail of scalar functions (func_math.go, func_string.go,
//     func_date.go) runs in fnNode: a typed row loop calling one statically
//     known function per row (a direct function-value call, no interface,
//     no allocation; string results append into a reused buffer).
//
//   - Selection and laziness: only rows in Batch.Sel are computed. AND/OR,
//     CASE, IF, COALESCE/IFNULL, NULLIF and non-constant IN lists evaluate
//     their later operands on sub-selections of the rows that reach them,
//     so an error (BIGINT overflow, a failing subquery) is raised only for a
//     live row whose evaluation actually needs that operand — VISION rule 7:
//     a hidden or filtered row can never raise an error. A batch with no live
//     row evaluates nothing.
//
//   - Buffers: each node reuses its output buffers across batches; the
//     Evaluator's result is freshly allocated (or, for a bare column, the
//     input array retained), because operators may Retain a result past the
//     next Eval. The caller Releases it. Buffers are Go memory, not
//     Env.Alloc: expression results are per batch and bounded by BatchSize.
//
//   - Subqueries (expr_subquery.go): built with Build (buildSubplan) into a
//     fresh operator tree per execution, so operators need no rewind.
//     Uncorrelated ones run once, on first use by a live row; correlated ones
//     push the enclosing row on Env.Outer and cache results keyed by the
//     outer columns the subplan reads.
//
//   - EvalRow (expr_row.go): the row-at-a-time reference with the same
//     semantics, implemented independently for operators, comparisons,
//     logic, LIKE (via regexp), IN and conditionals; tests compare every
//     kernel against it on random batches (expr_diff_test.go).
//
// Known limits: DECIMAL is float64 underneath (results rounded to the
// declared scale); string comparison and LIKE use a binary collation
// (case-sensitive), not MySQL's default utf8mb4_0900_ai_ci.
