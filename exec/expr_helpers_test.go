package exec

import (
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Test helpers shared by the expression tests.

var (
	tI = types.Int64T
	tF = types.Float64T
	tS = types.StringT
	tB = types.BoolT
	tD = types.DateT
	tT = types.TimestampT
	tN = types.NullT
)

func vI(i int64) types.Value   { return types.NewInt(i) }
func vF(f float64) types.Value { return types.NewFloat(f) }
func vS(s string) types.Value  { return types.NewString(s) }
func vB(b bool) types.Value    { return types.NewBool(b) }
func vD(s string) types.Value {
	d, _, _, ok := parseDateTime(s)
	if !ok {
		panic("bad date " + s)
	}
	return types.NewDate(d)
}
func vTS(s string) types.Value {
	d, us, _, ok := parseDateTime(s)
	if !ok {
		panic("bad timestamp " + s)
	}
	return types.NewTimestamp(d*usPerDay + us)
}
func vDec(f float64) types.Value { return types.Value{Kind: types.Decimal, F: f} }

var vNull = types.NullValue

func nullOf(t types.T) types.Value { return types.Value{Kind: t.Kind, Null: true} }

func col(i int, t types.T) *plan.ColRef {
	return &plan.ColRef{Idx: i, T: t, Name: fmt.Sprintf("c%d", i)}
}
func lit(v types.Value, t types.T) *plan.Const {
	return &plan.Const{V: v, T: t}
}
func fn(name string, t types.T, args ...plan.Expr) *plan.Func {
	return &plan.Func{Name: name, Args: args, T: t}
}

// buildArray makes an Arrow array of logical type t; dict builds strings
// dictionary-encoded (Int32 indices over a String dictionary).
func buildArray(t *testing.T, mem memory.Allocator, typ types.T, vals []types.Value, dict bool) arrow.Array {
	t.Helper()
	if typ.Kind == types.String && dict {
		bld := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String})
		defer bld.Release()
		sb := bld.(*array.BinaryDictionaryBuilder)
		for _, v := range vals {
			if v.Null {
				sb.AppendNull()
				continue
			}
			if err := sb.AppendString(v.S); err != nil {
				t.Fatal(err)
			}
		}
		return sb.NewArray()
	}
	bld := array.NewBuilder(mem, typ.Arrow())
	defer bld.Release()
	for _, v := range vals {
		if v.Null {
			bld.AppendNull()
			continue
		}
		switch b := bld.(type) {
		case *array.Int64Builder:
			b.Append(v.I)
		case *array.Float64Builder:
			b.Append(v.F)
		case *array.BooleanBuilder:
			b.Append(v.I != 0)
		case *array.StringBuilder:
			b.Append(v.S)
		case *array.Date32Builder:
			b.Append(arrow.Date32(v.I))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v.I))
		case *array.NullBuilder:
			b.AppendNull()
		default:
			t.Fatalf("no builder for %T", b)
		}
	}
	return bld.NewArray()
}

// readArray converts row i of a result array back to a Value of type typ.
func readArray(t *testing.T, arr arrow.Array, i int, typ types.T) types.Value {
	t.Helper()
	v, err := exArrowValue(arr, i)
	if err != nil {
		t.Fatal(err)
	}
	if v.Null {
		return nullOf(typ)
	}
	if typ.Kind == types.Decimal {
		v.Kind = types.Decimal
	}
	return v
}

// sameValue compares values, treating NULLs of any kind as equal and
// floats with a tiny relative tolerance (kernels and the reference may
// associate differently only through roundScale's nudge).
func sameValue(a, b types.Value) bool {
	if a.Null || b.Null {
		return a.Null == b.Null
	}
	switch a.Kind {
	case types.Float64, types.Decimal:
		if b.Kind != types.Float64 && b.Kind != types.Decimal {
			return false
		}
		if a.F == b.F {
			return true
		}
		d := math.Abs(a.F - b.F)
		return d <= 1e-12*math.Max(math.Abs(a.F), math.Abs(b.F))
	case types.Bool:
		return b.Kind == types.Bool && (a.I != 0) == (b.I != 0)
	case types.String:
		return b.Kind == types.String && a.S == b.S
	}
	return a.Kind == b.Kind && a.I == b.I
}

func checkedMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
