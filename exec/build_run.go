package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Run drives op to completion: Init, Next until the end of the stream
// (calling fn for every batch with at least one live row), then Close. The
// batch passed to fn is valid only during the call. Close always runs; its
// error is reported when nothing failed before.
func Run(ctx context.Context, op Operator, fn func(*Batch) error) (err error) {
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := op.Init(ctx); err != nil {
		return err
	}
	for {
		if err := opCheckCtx(ctx); err != nil {
			return err
		}
		b, err := op.Next()
		if err != nil {
			return err
		}
		if b == nil || b.N == 0 {
			return nil
		}
		if b.Len() == 0 {
			continue
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}

// Collect runs op and materializes its rows as Values, row at a time (for
// the CLI and tests, not for hot paths). ts gives the logical type of each
// output column (it decides between e.g. Int64 and Date, Float64 and
// Decimal); when nil, types are inferred from the Arrow layout.
func Collect(ctx context.Context, op Operator, ts []types.T) ([][]types.Value, error) {
	var rows [][]types.Value
	err := Run(ctx, op, func(b *Batch) error {
		rs := make([]colReader, len(b.Cols))
		kt := make([]types.T, len(b.Cols))
		for c, a := range b.Cols {
			r, err := newColReader(a)
			if err != nil {
				return err
			}
			rs[c] = r
			if c < len(ts) {
				kt[c] = ts[c]
			} else {
				t, err := types.FromArrow(a.DataType())
				if err != nil {
					return lferr.Wrap(lferr.InternalService, err, "cannot render column %d", c)
				}
				kt[c] = t
			}
		}
		emit := func(i int) {
			row := make([]types.Value, len(rs))
			for c := range rs {
				row[c] = opReaderValue(&rs[c], i, kt[c])
			}
			rows = append(rows, row)
		}
		if b.Sel != nil {
			for _, i := range b.Sel {
				emit(int(i))
			}
		} else {
			for i := 0; i < b.N; i++ {
				emit(i)
			}
		}
		return nil
	})
	return rows, err
}

// CollectPlan builds n, runs it and returns its rows typed by n's schema.
func CollectPlan(ctx context.Context, n plan.Node, env *Env) ([][]types.Value, error) {
	op, err := Build(n, env)
	if err != nil {
		return nil, err
	}
	return Collect(ctx, op, opColTypes(n.Schema()))
}

// opReaderValue reads row i of r as a Value of logical type t.
func opReaderValue(r *colReader, i int, t types.T) types.Value {
	if r.isNull(i) {
		return types.Value{Kind: t.Kind, Null: true}
	}
	switch t.Kind {
	case types.Null:
		return types.NullValue
	case types.Bool:
		return types.NewBool(r.boolAt(i))
	case types.Int64, types.Date, types.Timestamp:
		if r.kind == rString || r.kind == rDict {
			break
		}
		return types.Value{Kind: t.Kind, I: r.int64At(i)}
	case types.Float64, types.Decimal:
		if r.kind == rString || r.kind == rDict {
			break
		}
		return types.Value{Kind: t.Kind, F: r.floatAt(i)}
	case types.String:
		if r.kind == rString || r.kind == rDict {
			return types.NewString(string(r.bytesAt(i)))
		}
	}
	// The layout does not match the declared type: render what is there
	// rather than guess, so the mismatch is visible.
	switch r.kind {
	case rString, rDict:
		return types.NewString(string(r.bytesAt(i)))
	case rFloat64:
		return types.NewFloat(r.floatAt(i))
	case rBool:
		return types.NewBool(r.boolAt(i))
	case rInt32:
		return types.NewDate(r.int64At(i))
	}
	return types.NewInt(r.int64At(i))
}

// opArrowValue reads row i of a as a Value of logical type t.
func opArrowValue(a arrow.Array, i int, t types.T) (types.Value, error) {
	if i < 0 || i >= a.Len() {
		return types.Value{}, lferr.AssertionFailedf("row %d out of range (len %d)", i, a.Len())
	}
	r, err := newColReader(a)
	if err != nil {
		return types.Value{}, err
	}
	return opReaderValue(&r, i, t), nil
}
