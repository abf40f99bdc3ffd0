package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// Evaluator computes a compiled expression over a batch. The result has
// length b.N; only the live rows (b.Sel) hold defined values. Evaluating
// must not fail because of values in dead rows (rule 7: a hidden row can
// never raise an error).
//
// Implemented by CompileExpr (expr_*.go).
type Evaluator interface {
	Eval(b *Batch) (arrow.Array, error)
}

// OuterRow is the current row of an enclosing query, seen by correlated
// subqueries through plan.OuterRef.
type OuterRow []types.Value

// Env is what compiling and running a plan needs from its surroundings.
type Env struct {
	Ctx   context.Context
	Alloc memory.Allocator
	// Outer is the stack of enclosing rows: Outer[len(Outer)-d] is the row
	// an OuterRef of Depth d reads. Managed by subquery evaluation.
	Outer []OuterRow
	// Storage resolves the object store a scan reads (the engine supplies
	// it, with the credentials it obtained for that table).
	Storage StorageResolver
}

// Signatures implemented in this package (kept here so the halves of exec
// agree on them):
//
//	func CompileExpr(e plan.Expr, env *Env) (Evaluator, error)   // expr_*.go
//	func Build(n plan.Node, env *Env) (Operator, error)           // build.go

// StorageResolver gives a scan the store for a table or partition location.
// The engine implements it with stores opened with the credentials vended
// for that table, so exec never chooses credentials itself.
type StorageResolver interface {
	StoreFor(ctx context.Context, scan *plan.Scan, location string) (storage.Store, error)
}
