package exec

import (
	"context"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// The operator half of exec (build*.go, op_*.go, scan*.go, hash*.go,
// sort*.go) owns:
//
//   - Build, Run, Collect: plan → operators, driving them, rows as Values;
//   - scanOp (scan.go): Parquet through storage/parquetio, statistics
//     pruning (scan_prune.go), the SecureScan policy (scan_secure.go), and
//     two caches of already-read data (scan_cache.go);
//   - filter, project, values, limit, union all (op_simple.go);
//   - hash aggregation, distinct, hash and nested-loop joins on a shared
//     open-addressing hash table (hash_*.go);
//   - sort and top-N (sort.go);
//   - colReader / mcol (op_col.go): typed views of Arrow arrays and
//     Go-owned growable columns, the representation the materializing
//     operators compare and hash with typed loops.
//
// Build turns a physical plan into a tree of operators. It compiles every
// expression up front, so type errors surface before any data is read.
// Nothing is opened until Init.
//
// The returned root converts a panic raised anywhere in the tree (a bug, or
// a malformed batch) into an internal error for this query instead of
// taking the process down.
func Build(n plan.Node, env *Env) (Operator, error) {
	if env == nil {
		env = &Env{}
	}
	b := &builder{env: env, types: map[plan.Node][]types.T{}}
	op, err := b.node(n)
	if err != nil {
		return nil, err
	}
	return &recoverOp{in: op}, nil
}

// builder carries what one Build shares: the Env and the column types of
// the nodes seen, memoized because plan.Join.Schema rebuilds its whole
// subtree's schema on every call (quadratic on select5's deep join trees).
type builder struct {
	env   *Env
	types map[plan.Node][]types.T
}

// typesOf returns the output column types of n.
func (b *builder) typesOf(n plan.Node) []types.T {
	if t, ok := b.types[n]; ok {
		return t
	}
	var t []types.T
	switch n := n.(type) {
	case *plan.Join:
		l := b.typesOf(n.Left)
		if n.Kind == plan.SemiJoin || n.Kind == plan.AntiJoin {
			t = l
		} else {
			t = append(append([]types.T(nil), l...), b.typesOf(n.Right)...)
		}
	case *plan.Filter:
		t = b.typesOf(n.Input)
	case *plan.Sort:
		t = b.typesOf(n.Input)
	case *plan.Limit:
		t = b.typesOf(n.Input)
	case *plan.Distinct:
		t = b.typesOf(n.Input)
	case *plan.Union:
		if len(n.Inputs) > 0 {
			t = b.typesOf(n.Inputs[0])
		}
	default:
		t = opColTypes(n.Schema())
	}
	b.types[n] = t
	return t
}

func (b *builder) node(n plan.Node) (Operator, error) {
	env := b.env
	if n == nil {
		return nil, lferr.AssertionFailedf("exec.Build: nil plan node")
	}
	switch n := n.(type) {
	case *plan.Scan:
		return newScanOp(n, env)
	case *plan.Values:
		return newValuesOp(n, env)
	case *plan.Filter:
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return newFilterOp(in, n.Pred, env)
	case *plan.Project:
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return newProjectOp(in, n.Exprs, n.Cols, env)
	case *plan.Aggregate:
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return newAggOp(in, n, env)
	case *plan.Join:
		return newJoinOp(n, b)
	case *plan.Sort:
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return newSortOp(in, b.typesOf(n.Input), n.Keys, -1, env)
	case *plan.Limit:
		if s, ok := n.Input.(*plan.Sort); ok && n.Count >= 0 {
			in, err := b.node(s.Input)
			if err != nil {
				return nil, err
			}
			top, err := newSortOp(in, b.typesOf(s.Input), s.Keys, n.Offset+n.Count, env)
			if err != nil {
				return nil, err
			}
			return &limitOp{in: top, offset: n.Offset, count: n.Count}, nil
		}
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return &limitOp{in: in, offset: n.Offset, count: n.Count}, nil
	case *plan.Distinct:
		in, err := b.node(n.Input)
		if err != nil {
			return nil, err
		}
		return newDistinctOp(in, b.typesOf(n.Input), env)
	case *plan.Union:
		if len(n.Inputs) == 0 {
			return nil, lferr.AssertionFailedf("union with no inputs")
		}
		ins := make([]Operator, 0, len(n.Inputs))
		for _, c := range n.Inputs {
			op, err := b.node(c)
			if err != nil {
				for _, o := range ins {
					o.Close()
				}
				return nil, err
			}
			ins = append(ins, op)
		}
		var op Operator = &unionAllOp{ins: ins}
		if !n.All {
			return newDistinctOp(op, b.typesOf(n), env)
		}
		return op, nil
	}
	return nil, lferr.New(lferr.Unsupported, "exec cannot run plan node %T", n)
}

// allocator is the allocator operators use for the arrays they create.
func (env *Env) allocator() memory.Allocator {
	if env == nil || env.Alloc == nil {
		return memory.DefaultAllocator
	}
	return env.Alloc
}

func (env *Env) context() context.Context {
	if env == nil || env.Ctx == nil {
		return context.Background()
	}
	return env.Ctx
}

// compile compiles e. Column references are handled here without going
// through the expression compiler: they are by far the most common operator
// argument, and returning the input column itself (retained) costs nothing.
//
// Ownership: the array an Evaluator returns belongs to the caller, which
// releases it.
func opCompile(e plan.Expr, env *Env) (Evaluator, error) {
	if c, ok := e.(*plan.ColRef); ok {
		return colRefEval{idx: c.Idx, name: c.Name}, nil
	}
	return CompileExpr(e, env)
}

func opCompileAll(es []plan.Expr, env *Env) ([]Evaluator, error) {
	out := make([]Evaluator, len(es))
	for i, e := range es {
		ev, err := opCompile(e, env)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// colRefEval returns column idx of the batch, retained for the caller.
type colRefEval struct {
	idx  int
	name string
}

func (c colRefEval) Eval(b *Batch) (arrow.Array, error) {
	if c.idx < 0 || c.idx >= len(b.Cols) {
		return nil, lferr.AssertionFailedf("column reference %s (#%d) out of range: batch has %d columns", c.name, c.idx, len(b.Cols))
	}
	a := b.Cols[c.idx]
	a.Retain()
	return a, nil
}

// opColTypes extracts the types of a schema.
func opColTypes(cols []plan.Column) []types.T {
	ts := make([]types.T, len(cols))
	for i, c := range cols {
		ts[i] = c.T
	}
	return ts
}

// opEOF is what an operator returns at the end of its stream.
var opEOF *Batch

// opCheckCtx returns the context's error, if it is done; operators call it once
// per batch so a cancelled query stops promptly.
func opCheckCtx(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	select {
	case <-ctx.Done():
		return lferr.Wrap(lferr.OperationTimeout, ctx.Err(), "query cancelled: %v", ctx.Err())
	default:
		return nil
	}
}

// recoverOp is the root of every built tree: it turns panics into errors.
type recoverOp struct{ in Operator }

func recovered(r any) error {
	return lferr.AssertionFailedf("operator panicked: %v\n%s", r, debug.Stack())
}

func (o *recoverOp) Init(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered(r)
		}
	}()
	return o.in.Init(ctx)
}

func (o *recoverOp) Next() (b *Batch, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, recovered(r)
		}
	}()
	return o.in.Next()
}

func (o *recoverOp) Close() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered(r)
		}
	}()
	return o.in.Close()
}
