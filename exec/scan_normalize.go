package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
)

// normalize converts an array read from Parquet to the physical layout of
// logical type t (planner/types): narrow integers to Int64, Float32 and
// decimals to Float64, Binary/LargeString to String, Date64 and timestamps
// of any unit to Date32 / Timestamp(µs). Arrays already in layout are
// returned as is (retained); dictionary-encoded strings stay dictionaries.
// The caller owns (and releases) the result.
func scanNormalize(mem memory.Allocator, a arrow.Array, t types.T) (arrow.Array, error) {
	dt := a.DataType()
	if dt.ID() == arrow.NULL {
		return opConstArray(mem, t, types.Value{Kind: t.Kind, Null: true}, a.Len()), nil
	}
	switch t.Kind {
	case types.Bool:
		if dt.ID() == arrow.BOOL {
			return opRetain(a), nil
		}
	case types.Int64:
		switch dt.ID() {
		case arrow.INT64:
			return opRetain(a), nil
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			return scanConvInt(mem, a)
		}
	case types.Float64, types.Decimal:
		switch dt.ID() {
		case arrow.FLOAT64:
			return opRetain(a), nil
		case arrow.FLOAT32, arrow.DECIMAL128, arrow.DECIMAL256, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
			arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			return scanConvFloat(mem, a)
		}
	case types.String:
		switch dt.ID() {
		case arrow.STRING:
			return opRetain(a), nil
		case arrow.BINARY:
			return scanRelabel(a, arrow.BinaryTypes.String, nil), nil
		case arrow.LARGE_STRING, arrow.LARGE_BINARY:
			return scanConvLargeString(mem, a)
		case arrow.DICTIONARY:
			d := a.(*array.Dictionary)
			switch d.Dictionary().DataType().ID() {
			case arrow.STRING:
				return opRetain(a), nil
			case arrow.BINARY:
				vals := scanRelabel(d.Dictionary(), arrow.BinaryTypes.String, nil)
				defer vals.Release()
				nt := &arrow.DictionaryType{IndexType: d.Indices().DataType(), ValueType: arrow.BinaryTypes.String}
				return scanRelabel(a, nt, vals.Data()), nil
			}
		}
	case types.Date:
		switch dt.ID() {
		case arrow.DATE32:
			return opRetain(a), nil
		case arrow.DATE64, arrow.TIMESTAMP:
			return scanConvTemporal(mem, a, t)
		}
	case types.Timestamp:
		switch dt.ID() {
		case arrow.TIMESTAMP:
			if dt.(*arrow.TimestampType).Unit == arrow.Microsecond && dt.(*arrow.TimestampType).TimeZone == "" {
				return opRetain(a), nil
			}
			return scanConvTemporal(mem, a, t)
		case arrow.DATE32, arrow.DATE64:
			return scanConvTemporal(mem, a, t)
		}
	}
	return nil, fmt.Errorf("stored type %s cannot be read as %s", dt, t)
}

func opRetain(a arrow.Array) arrow.Array {
	a.Retain()
	return a
}

// relabel returns a with a different but layout-identical type, sharing its
// buffers.
func scanRelabel(a arrow.Array, dt arrow.DataType, dict arrow.ArrayData) arrow.Array {
	d := a.Data()
	var nd *array.Data
	if dict != nil {
		nd = array.NewDataWithDictionary(dt, d.Len(), d.Buffers(), d.NullN(), d.Offset(), dict.(*array.Data))
	} else {
		nd = array.NewData(dt, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	}
	defer nd.Release()
	return array.MakeFromData(nd)
}

func scanConvInt(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	put := func(i int, v int64) {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(v)
		}
	}
	switch x := a.(type) {
	case *array.Int8:
		for i, v := range x.Int8Values() {
			put(i, int64(v))
		}
	case *array.Int16:
		for i, v := range x.Int16Values() {
			put(i, int64(v))
		}
	case *array.Int32:
		for i, v := range x.Int32Values() {
			put(i, int64(v))
		}
	case *array.Uint8:
		for i, v := range x.Uint8Values() {
			put(i, int64(v))
		}
	case *array.Uint16:
		for i, v := range x.Uint16Values() {
			put(i, int64(v))
		}
	case *array.Uint32:
		for i, v := range x.Uint32Values() {
			put(i, int64(v))
		}
	case *array.Uint64:
		for i, v := range x.Uint64Values() {
			if v > 1<<63-1 && !a.IsNull(i) {
				return nil, fmt.Errorf("unsigned value %d does not fit in BIGINT", v)
			}
			put(i, int64(v))
		}
	default:
		return nil, fmt.Errorf("cannot convert %s to BIGINT", a.DataType())
	}
	return b.NewArray(), nil
}

func scanConvFloat(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	put := func(i int, v float64) {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(v)
		}
	}
	switch x := a.(type) {
	case *array.Float32:
		for i, v := range x.Float32Values() {
			put(i, float64(v))
		}
	case *array.Decimal128:
		sc := x.DataType().(*arrow.Decimal128Type).Scale
		for i := 0; i < n; i++ {
			put(i, x.Value(i).ToFloat64(sc))
		}
	case *array.Decimal256:
		sc := x.DataType().(*arrow.Decimal256Type).Scale
		for i := 0; i < n; i++ {
			put(i, x.Value(i).ToFloat64(sc))
		}
	case *array.Int64:
		for i, v := range x.Int64Values() {
			put(i, float64(v))
		}
	default:
		ia, err := scanConvInt(mem, a)
		if err != nil {
			return nil, fmt.Errorf("cannot convert %s to DOUBLE", a.DataType())
		}
		defer ia.Release()
		for i, v := range ia.(*array.Int64).Int64Values() {
			put(i, float64(v))
		}
	}
	return b.NewArray(), nil
}

func scanConvLargeString(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	switch x := a.(type) {
	case *array.LargeString:
		for i := 0; i < n; i++ {
			if x.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(x.Value(i))
			}
		}
	case *array.LargeBinary:
		for i := 0; i < n; i++ {
			if x.IsNull(i) {
				b.AppendNull()
			} else {
				b.BinaryBuilder.Append(x.Value(i))
			}
		}
	default:
		return nil, fmt.Errorf("cannot convert %s to VARCHAR", a.DataType())
	}
	if b.DataLen() > 1<<31-1 {
		return nil, fmt.Errorf("string data of one batch exceeds 2 GiB")
	}
	return b.NewArray(), nil
}

const scanUsPerDay = 86_400_000_000

func scanFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// scanConvTemporal converts dates and timestamps to Date32 days or
// Timestamp µs (UTC, time zone dropped: instants are stored in UTC).
func scanConvTemporal(mem memory.Allocator, a arrow.Array, t types.T) (arrow.Array, error) {
	n := a.Len()
	us := make([]int64, n) // µs since epoch
	switch x := a.(type) {
	case *array.Date32:
		for i, v := range x.Date32Values() {
			us[i] = int64(v) * scanUsPerDay
		}
	case *array.Date64:
		for i, v := range x.Date64Values() {
			us[i] = int64(v) * 1000
		}
	case *array.Timestamp:
		var mul, div int64 = 1, 1
		switch x.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			mul = 1_000_000
		case arrow.Millisecond:
			mul = 1000
		case arrow.Nanosecond:
			div = 1000
		}
		for i, v := range x.TimestampValues() {
			us[i] = scanFloorDiv(int64(v)*mul, div)
		}
	default:
		return nil, fmt.Errorf("cannot convert %s to %s", a.DataType(), t)
	}
	m := newMcol(t)
	for i := 0; i < n; i++ {
		if a.IsNull(i) {
			m.appendNull()
			continue
		}
		v := us[i]
		if t.Kind == types.Date {
			v = scanFloorDiv(v, scanUsPerDay)
		}
		m.n++
		m.nulls = append(m.nulls, false)
		m.i64 = append(m.i64, v)
	}
	return m.toArrow(mem, nil), nil
}
