package exec

import (
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// Row-group pruning (rule 9: statistics may skip data, never produce
// values). The plan's PruneFilters are translated into parquetio
// constraints, which parquetio.CanSkip checks conservatively against each
// row group's statistics. Only shapes with an exact meaning are translated
// (column op constant, BETWEEN constants, IN constants, IS [NOT] NULL, and
// conjunctions of them); anything else (OR, <>, expressions) is dropped,
// which only means less pruning.
//
// Under a SecureScan, a conjunct that reads a column rewritten by a cell
// guard or a mask is dropped: the user predicate is evaluated on the
// rewritten value, the statistics describe the original one, so pruning on
// them could skip rows the user is entitled to see (a mask to a constant, a
// NULLed cell matching IS NULL).
//
// String constants are used too: exec compares strings byte-wise (binary
// collation, see expr_like.go), which is the order the statistics use.
func (o *scanOp) constraints() []parquetio.Constraint {
	// scan column index → file column index (partition keys have none)
	fileIdx := make([]int, len(o.node.Columns))
	k := 0
	for i, c := range o.node.Columns {
		if c.PartitionKey {
			fileIdx[i] = -1
			continue
		}
		fileIdx[i] = k
		k++
	}
	col := func(e plan.Expr) (int, bool) {
		c, ok := e.(*plan.ColRef)
		if !ok || c.Idx < 0 || c.Idx >= len(fileIdx) || fileIdx[c.Idx] < 0 {
			return 0, false
		}
		if o.sec != nil && o.sec.touched[c.Idx] {
			return 0, false
		}
		return fileIdx[c.Idx], true
	}
	var out []parquetio.Constraint
	var add func(e plan.Expr)
	add = func(e plan.Expr) {
		switch f := e.(type) {
		case *plan.Func:
			switch f.Name {
			case "and":
				for _, a := range f.Args {
					add(a)
				}
			case "=", "<", "<=", ">", ">=":
				if len(f.Args) != 2 {
					return
				}
				op := f.Name
				c, ok := col(f.Args[0])
				k, isConst := f.Args[1].(*plan.Const)
				if !ok || !isConst {
					c, ok = col(f.Args[1])
					k, isConst = f.Args[0].(*plan.Const)
					op = pruneFlip(op)
				}
				if ok && isConst {
					out = append(out, parquetio.Constraint{Col: c, Op: pruneOp(op), Value: k.V})
				}
			case "between":
				if len(f.Args) != 3 {
					return
				}
				c, ok := col(f.Args[0])
				lo, ok1 := f.Args[1].(*plan.Const)
				hi, ok2 := f.Args[2].(*plan.Const)
				if ok && ok1 && ok2 {
					out = append(out, parquetio.Constraint{Col: c, Op: parquetio.Ge, Value: lo.V},
						parquetio.Constraint{Col: c, Op: parquetio.Le, Value: hi.V})
				}
			case "is_null", "is_not_null":
				if len(f.Args) != 1 {
					return
				}
				if c, ok := col(f.Args[0]); ok {
					op := parquetio.IsNull
					if f.Name == "is_not_null" {
						op = parquetio.IsNotNull
					}
					out = append(out, parquetio.Constraint{Col: c, Op: op})
				}
			}
		case *plan.InList:
			if f.Not {
				return
			}
			c, ok := col(f.Arg)
			if !ok {
				return
			}
			con := parquetio.Constraint{Col: c, Op: parquetio.In}
			for _, it := range f.List {
				k, isConst := it.(*plan.Const)
				if !isConst {
					return
				}
				con.Values = append(con.Values, k.V)
			}
			out = append(out, con)
		}
	}
	for _, f := range o.node.PruneFilters {
		if o.sec != nil && o.sec.rewrites(f) {
			continue
		}
		add(f)
	}
	return out
}

func pruneOp(op string) parquetio.Op {
	switch op {
	case "<":
		return parquetio.Lt
	case "<=":
		return parquetio.Le
	case ">":
		return parquetio.Gt
	case ">=":
		return parquetio.Ge
	}
	return parquetio.Eq
}

func pruneFlip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}
