package exec

import (
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Row-group pruning (rule 9: statistics may skip data, never produce
// values). Every test here is conservative: it answers "may match" unless
// the statistics prove that no row of the group can satisfy the conjunct.
// Unknown shapes, missing statistics, string comparisons (MySQL compares
// strings by collation, not by the byte order the statistics use),
// decimals and columns that a policy rewrites (cell guard or mask: the user
// predicate sees the rewritten value, the statistics describe the original)
// all answer "may match".

// colRange is what the statistics of one column chunk say.
type colRange struct {
	known     bool // min/max present and usable
	isFloat   bool
	minI      int64
	maxI      int64
	minF      float64
	maxF      float64
	hasNulls  bool // nullKnown && nullCount > 0
	allNull   bool // every value is NULL
	nullKnown bool
}

func (o *scanOp) rowGroupMayMatch(rg *metadata.RowGroupMetaData, leaf []int) bool {
	if len(o.node.PruneFilters) == 0 {
		return true
	}
	ranges := make(map[int]*colRange)
	get := func(c int) *colRange {
		if r, ok := ranges[c]; ok {
			return r
		}
		r := o.columnRange(rg, leaf, c)
		ranges[c] = r
		return r
	}
	for _, f := range o.node.PruneFilters {
		if o.sec != nil && o.sec.rewrites(f) {
			continue
		}
		if !pruneMayMatch(f, get) {
			return false
		}
	}
	return true
}

// columnRange reads the statistics of scan column c in rg (nil: unknown).
func (o *scanOp) columnRange(rg *metadata.RowGroupMetaData, leaf []int, c int) *colRange {
	if c < 0 || c >= len(leaf) || leaf[c] < 0 {
		return nil
	}
	cc, err := rg.ColumnChunk(leaf[c])
	if err != nil {
		return nil
	}
	if ok, err := cc.StatsSet(); !ok || err != nil {
		return nil
	}
	st, err := cc.Statistics()
	if err != nil || st == nil {
		return nil
	}
	r := &colRange{}
	if st.HasNullCount() {
		r.nullKnown = true
		r.hasNulls = st.NullCount() > 0
		r.allNull = st.NullCount() >= rg.NumRows()
	}
	if !st.HasMinMax() {
		return r
	}
	t := o.node.Columns[c].T
	lt := st.Descr().LogicalType()
	switch s := st.(type) {
	case *metadata.Int32Statistics:
		if t.Kind == types.Decimal || pruneIsDecimal(lt) {
			return r
		}
		r.known, r.minI, r.maxI = true, int64(s.Min()), int64(s.Max())
		if pruneIsUnsigned(lt) {
			r.minI, r.maxI = int64(uint32(s.Min())), int64(uint32(s.Max()))
			if r.minI > r.maxI { // signed-order statistics of unsigned data
				r.known = false
			}
		}
	case *metadata.Int64Statistics:
		if t.Kind == types.Decimal || pruneIsDecimal(lt) || pruneIsUnsigned(lt) {
			return r
		}
		r.known, r.minI, r.maxI = true, s.Min(), s.Max()
		if ts, ok := lt.(*schema.TimestampLogicalType); ok {
			switch ts.TimeUnit() {
			case schema.TimeUnitMillis:
				r.minI, r.maxI = r.minI*1000, r.maxI*1000
			case schema.TimeUnitNanos:
				r.minI, r.maxI = scanFloorDiv(r.minI, 1000), scanFloorDiv(r.maxI, 1000)+1
			}
		}
		if t.Kind == types.Date {
			// A timestamp column read as DATE: days, widened to be safe.
			r.minI, r.maxI = scanFloorDiv(r.minI, scanUsPerDay)-1, scanFloorDiv(r.maxI, scanUsPerDay)+1
		}
	case *metadata.Float32Statistics:
		r.known, r.isFloat, r.minF, r.maxF = true, true, float64(s.Min()), float64(s.Max())
	case *metadata.Float64Statistics:
		r.known, r.isFloat, r.minF, r.maxF = true, true, s.Min(), s.Max()
	default:
		return r
	}
	if r.isFloat && (r.minF != r.minF || r.maxF != r.maxF) { // NaN bounds prove nothing
		r.known = false
	}
	if t.Kind == types.Timestamp {
		if _, ok := lt.(*schema.TimestampLogicalType); !ok {
			if _, isDate := lt.(*schema.DateLogicalType); isDate {
				r.minI, r.maxI = r.minI*scanUsPerDay, r.maxI*scanUsPerDay
			} else {
				r.known = false
			}
		}
	}
	return r
}

func pruneIsDecimal(lt schema.LogicalType) bool {
	_, ok := lt.(*schema.DecimalLogicalType)
	return ok
}

func pruneIsUnsigned(lt schema.LogicalType) bool {
	il, ok := lt.(*schema.IntLogicalType)
	return ok && !il.IsSigned()
}

// pruneMayMatch evaluates a prune conjunct against column ranges.
func pruneMayMatch(e plan.Expr, get func(int) *colRange) bool {
	switch f := e.(type) {
	case *plan.Func:
		switch f.Name {
		case "and":
			for _, a := range f.Args {
				if !pruneMayMatch(a, get) {
					return false
				}
			}
			return true
		case "or":
			for _, a := range f.Args {
				if pruneMayMatch(a, get) {
					return true
				}
			}
			return len(f.Args) == 0
		case "=", "<>", "<", "<=", ">", ">=":
			if len(f.Args) != 2 {
				return true
			}
			op := f.Name
			col, cst := pruneColConst(f.Args[0], f.Args[1])
			if col == nil {
				col, cst = pruneColConst(f.Args[1], f.Args[0])
				op = pruneFlip(op)
			}
			if col == nil {
				return true
			}
			return pruneCmp(get(col.Idx), op, cst.V)
		case "between":
			if len(f.Args) != 3 {
				return true
			}
			col, ok := f.Args[0].(*plan.ColRef)
			lo, ok1 := f.Args[1].(*plan.Const)
			hi, ok2 := f.Args[2].(*plan.Const)
			if !ok || !ok1 || !ok2 {
				return true
			}
			r := get(col.Idx)
			return pruneCmp(r, ">=", lo.V) && pruneCmp(r, "<=", hi.V)
		case "is_null":
			if c, ok := f.Args[0].(*plan.ColRef); ok && len(f.Args) == 1 {
				if r := get(c.Idx); r != nil && r.nullKnown {
					return r.hasNulls
				}
			}
			return true
		case "is_not_null":
			if c, ok := f.Args[0].(*plan.ColRef); ok && len(f.Args) == 1 {
				if r := get(c.Idx); r != nil && r.nullKnown {
					return !r.allNull
				}
			}
			return true
		}
	case *plan.InList:
		if f.Not {
			return true
		}
		col, ok := f.Arg.(*plan.ColRef)
		if !ok {
			return true
		}
		r := get(col.Idx)
		for _, it := range f.List {
			c, ok := it.(*plan.Const)
			if !ok || pruneCmp(r, "=", c.V) {
				return true
			}
		}
		return false
	}
	return true
}

func pruneColConst(a, b plan.Expr) (*plan.ColRef, *plan.Const) {
	c, ok := a.(*plan.ColRef)
	k, ok2 := b.(*plan.Const)
	if !ok || !ok2 {
		return nil, nil
	}
	return c, k
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

// pruneCmp reports whether "col op v" can be true for some row.
func pruneCmp(r *colRange, op string, v types.Value) bool {
	if r == nil {
		return true
	}
	if v.Null {
		return false // a comparison with NULL is never true
	}
	if r.nullKnown && r.allNull {
		return false // every row is NULL: the comparison is never true
	}
	if !r.known {
		return true
	}
	switch v.Kind {
	case types.Int64, types.Date, types.Timestamp, types.Bool:
		if !r.isFloat {
			x := v.I
			switch op {
			case "=":
				return r.minI <= x && x <= r.maxI
			case "<>":
				return !(r.minI == x && r.maxI == x)
			case "<":
				return r.minI < x
			case "<=":
				return r.minI <= x
			case ">":
				return r.maxI > x
			case ">=":
				return r.maxI >= x
			}
			return true
		}
		return pruneFloatCmp(r.minF, r.maxF, op, float64(v.I))
	case types.Float64, types.Decimal:
		lo, hi := r.minF, r.maxF
		if !r.isFloat {
			lo, hi = float64(r.minI), float64(r.maxI)
		}
		return pruneFloatCmp(lo, hi, op, v.F)
	}
	return true
}

func pruneFloatCmp(lo, hi float64, op string, x float64) bool {
	if x != x {
		return true
	}
	switch op {
	case "=":
		return lo <= x && x <= hi
	case "<>":
		return !(lo == x && hi == x)
	case "<":
		return lo < x
	case "<=":
		return lo <= x
	case ">":
		return hi > x
	case ">=":
		return hi >= x
	}
	return true
}
