package parquetio

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
)

// dictString is the dictionary layout exec accepts for String columns.
var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// outType is the Arrow type the reader produces for c, given the column's
// type in the file (nil when the file lacks it). Dictionary encoding is
// honoured only where pqarrow can produce it (byte-array columns).
func outType(c Column, src arrow.DataType) arrow.DataType {
	if c.T.Kind == types.String && c.Dict && src != nil {
		switch src.ID() {
		case arrow.STRING, arrow.BINARY:
			return dictString
		case arrow.DICTIONARY:
			if arrow.IsBinaryLike(src.(*arrow.DictionaryType).ValueType.ID()) {
				return dictString
			}
		}
	}
	return c.T.Arrow()
}

// checkConvertible reports whether a column stored as src can be read as t
// without changing its meaning. Widening (int32 → bigint, float → double,
// int → double) is allowed; narrowing or reinterpretation is not.
func checkConvertible(src arrow.DataType, t types.T) error {
	id := src.ID()
	if id == arrow.NULL {
		return nil // an all-NULL column of unknown type reads as NULLs
	}
	if id == arrow.DICTIONARY {
		return checkConvertible(src.(*arrow.DictionaryType).ValueType, t)
	}
	ok := false
	switch t.Kind {
	case types.Bool:
		ok = id == arrow.BOOL
	case types.Int64:
		ok = isInt(id)
	case types.Float64, types.Decimal:
		ok = isInt(id) || id == arrow.FLOAT32 || id == arrow.FLOAT64 || id == arrow.DECIMAL128 || id == arrow.DECIMAL256
	case types.String:
		ok = id == arrow.STRING || id == arrow.BINARY || id == arrow.LARGE_STRING || id == arrow.LARGE_BINARY
	case types.Date:
		ok = id == arrow.DATE32 || id == arrow.DATE64
	case types.Timestamp:
		ok = id == arrow.TIMESTAMP
	}
	if !ok {
		return fmt.Errorf("cannot read %s as %s", src, t)
	}
	return nil
}

func isInt(id arrow.Type) bool {
	switch id {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return true
	}
	return false
}

// convert returns a (new reference to an) array of type want holding a's
// values. Identical layouts are shared, not copied. Loops are typed, one per
// source layout; no per-row interface calls or allocations.
func convert(mem memory.Allocator, a arrow.Array, t types.T, want arrow.DataType) (arrow.Array, error) {
	src := a.DataType()
	if arrow.TypeEqual(src, want) {
		a.Retain()
		return a, nil
	}
	n := a.Len()
	if src.ID() == arrow.NULL {
		return array.MakeArrayOfNull(mem, want, n), nil
	}
	switch want.ID() {
	case arrow.INT64:
		switch v := a.(type) {
		case *array.Int8:
			return widen[int64](mem, a, v.Int8Values(), arrow.PrimitiveTypes.Int64), nil
		case *array.Int16:
			return widen[int64](mem, a, v.Int16Values(), arrow.PrimitiveTypes.Int64), nil
		case *array.Int32:
			return widen[int64](mem, a, v.Int32Values(), arrow.PrimitiveTypes.Int64), nil
		case *array.Uint8:
			return widen[int64](mem, a, v.Uint8Values(), arrow.PrimitiveTypes.Int64), nil
		case *array.Uint16:
			return widen[int64](mem, a, v.Uint16Values(), arrow.PrimitiveTypes.Int64), nil
		case *array.Uint32:
			return widen[int64](mem, a, v.Uint32Values(), arrow.PrimitiveTypes.Int64), nil
		}
	case arrow.FLOAT64:
		switch v := a.(type) {
		case *array.Float32:
			return widen[float64](mem, a, v.Float32Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Int8:
			return widen[float64](mem, a, v.Int8Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Int16:
			return widen[float64](mem, a, v.Int16Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Int32:
			return widen[float64](mem, a, v.Int32Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Int64:
			return widen[float64](mem, a, v.Int64Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Uint8:
			return widen[float64](mem, a, v.Uint8Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Uint16:
			return widen[float64](mem, a, v.Uint16Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Uint32:
			return widen[float64](mem, a, v.Uint32Values(), arrow.PrimitiveTypes.Float64), nil
		case *array.Decimal128:
			scale := v.DataType().(*arrow.Decimal128Type).Scale
			vals := v.Values()
			buf, dst := newValues[float64](mem, len(vals))
			for i, x := range vals {
				dst[i] = dec128ToFloat(x, scale)
			}
			return finish(mem, a, arrow.PrimitiveTypes.Float64, buf), nil
		case *array.Decimal256:
			scale := v.DataType().(*arrow.Decimal256Type).Scale
			vals := v.Values()
			buf, dst := newValues[float64](mem, len(vals))
			for i, x := range vals {
				dst[i] = x.ToFloat64(scale)
			}
			return finish(mem, a, arrow.PrimitiveTypes.Float64, buf), nil
		}
	case arrow.DATE32:
		if v, ok := a.(*array.Date64); ok {
			vals := v.Date64Values()
			buf, dst := newValues[arrow.Date32](mem, len(vals))
			for i, x := range vals {
				dst[i] = arrow.Date32(floorDiv(int64(x), 86_400_000))
			}
			return finish(mem, a, arrow.FixedWidthTypes.Date32, buf), nil
		}
	case arrow.TIMESTAMP:
		if v, ok := a.(*array.Timestamp); ok {
			vals := v.TimestampValues()
			unit := src.(*arrow.TimestampType).Unit
			switch unit {
			case arrow.Microsecond:
				return relabel(a, want), nil // only the zone label differs
			case arrow.Second:
				return scaleTimestamps(mem, a, vals, want, 1_000_000, 1)
			case arrow.Millisecond:
				return scaleTimestamps(mem, a, vals, want, 1_000, 1)
			case arrow.Nanosecond:
				return scaleTimestamps(mem, a, vals, want, 1, 1_000)
			}
		}
	case arrow.STRING:
		switch v := a.(type) {
		case *array.Binary:
			return relabel(a, want), nil
		case *array.LargeString:
			return shrinkOffsets(mem, a, v.ValueOffsets(), v.ValueBytes())
		case *array.LargeBinary:
			return shrinkOffsets(mem, a, v.ValueOffsets(), v.ValueBytes())
		case *array.Dictionary:
			return decodeDict(mem, v)
		}
	case arrow.DICTIONARY:
		if v, ok := a.(*array.Dictionary); ok && arrow.IsBinaryLike(v.Dictionary().DataType().ID()) {
			return relabelDict(mem, v)
		}
	}
	return nil, fmt.Errorf("no conversion from %s to %s", src, want)
}

// dec128ToFloat converts a decimal to the nearest float64. For values
// below 2^53 it divides the exact integer by the exact power of ten, which
// IEEE division rounds correctly (so 4798 at scale 2 is exactly the double
// nearest 47.98, as the literal 47.98 is); arrow's ToFloat64 multiplies by
// an inexact 10^-s and can be off by an ulp.
func dec128ToFloat(n decimal128.Num, scale int32) float64 {
	hi, lo := n.HighBits(), n.LowBits()
	if scale >= 0 && scale <= 22 && ((hi == 0 && lo < 1<<53) || (hi == -1 && lo >= -(1<<53)&(1<<64-1))) {
		return float64(int64(lo)) / pow10[scale]
	}
	return n.ToFloat64(scale)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// validity returns a's validity bitmap re-based to offset 0 (shared when a
// has offset 0), or nil when a has no nulls. Caller must Release.
func validity(mem memory.Allocator, a arrow.Array) *memory.Buffer {
	if a.NullN() == 0 {
		return nil
	}
	d := a.Data()
	b := d.Buffers()[0]
	if b == nil {
		return nil
	}
	if d.Offset() == 0 {
		b.Retain()
		return b
	}
	out := memory.NewResizableBuffer(mem)
	out.Resize(int(bitutil.BytesForBits(int64(d.Len()))))
	bitutil.CopyBitmap(b.Bytes(), d.Offset(), d.Len(), out.Bytes(), 0)
	return out
}

type fixed interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~float32 | ~float64
}

// widen converts a fixed-width array element-wise with a Go numeric
// conversion (exact for every widening used here).
func widen[D, S fixed](mem memory.Allocator, a arrow.Array, src []S, dt arrow.DataType) arrow.Array {
	buf, dst := newValues[D](mem, len(src))
	if len(src) > 0 {
		_ = dst[len(src)-1]
		for i, x := range src {
			dst[i] = D(x)
		}
	}
	return finish(mem, a, dt, buf)
}

// scaleTimestamps converts timestamps to µs: v*mul for coarser units, or
// floor(v/div) for nanoseconds (floor, not truncation, so that instants
// before 1970 stay ordered and match their statistics).
func scaleTimestamps(mem memory.Allocator, a arrow.Array, src []arrow.Timestamp, dt arrow.DataType, mul, div int64) (arrow.Array, error) {
	buf, dst := newValues[arrow.Timestamp](mem, len(src))
	if div == 1 {
		lo, hi := arrow.Timestamp(math.MinInt64/mul), arrow.Timestamp(math.MaxInt64/mul)
		bad := false
		for i, x := range src {
			bad = bad || x < lo || x > hi
			dst[i] = arrow.Timestamp(int64(x) * mul)
		}
		if bad {
			// Only an error if the overflowing value is not a NULL slot.
			for i, x := range src {
				if (x < lo || x > hi) && a.IsValid(i) {
					buf.Release()
					return nil, fmt.Errorf("timestamp %d out of range", int64(x))
				}
			}
		}
	} else {
		for i, x := range src {
			dst[i] = arrow.Timestamp(floorDiv(int64(x), div))
		}
	}
	return finish(mem, a, dt, buf), nil
}

// newValues allocates a value buffer for n elements of D (caller passes
// it on to finish, which takes ownership).
func newValues[D fixed](mem memory.Allocator, n int) (*memory.Buffer, []D) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(sizeOf[D]()))
	return buf, arrow.GetData[D](buf.Bytes())[:n]
}

func sizeOf[D fixed]() uintptr {
	var z D
	return unsafe.Sizeof(z)
}

func finish(mem memory.Allocator, a arrow.Array, dt arrow.DataType, vals *memory.Buffer) arrow.Array {
	valid := validity(mem, a)
	nulls := a.NullN()
	d := array.NewData(dt, a.Len(), []*memory.Buffer{valid, vals}, nil, nulls, 0)
	out := array.MakeFromData(d)
	d.Release()
	if valid != nil {
		valid.Release()
	}
	vals.Release()
	return out
}

// relabel shares a's buffers under another type of identical layout.
func relabel(a arrow.Array, dt arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(dt, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	out := array.MakeFromData(nd)
	nd.Release()
	return out
}

func relabelDict(mem memory.Allocator, v *array.Dictionary) (arrow.Array, error) {
	idxT := v.DataType().(*arrow.DictionaryType).IndexType
	if idxT.ID() != arrow.INT32 {
		return nil, fmt.Errorf("dictionary index type %s not supported", idxT)
	}
	dict := v.Dictionary()
	var sdict arrow.Array
	switch dict.DataType().ID() {
	case arrow.STRING:
		dict.Retain()
		sdict = dict
	case arrow.BINARY:
		sdict = relabel(dict, arrow.BinaryTypes.String)
	default:
		return nil, fmt.Errorf("dictionary of %s not supported", dict.DataType())
	}
	defer sdict.Release()
	idx := v.Indices()
	out := array.NewDictionaryArray(dictString, idx, sdict)
	return out, nil
}

// shrinkOffsets converts a large (int64-offset) string or binary array to
// arrow.String, failing if the batch holds 2 GiB or more of text.
func shrinkOffsets(mem memory.Allocator, a arrow.Array, offs []int64, data []byte) (arrow.Array, error) {
	n := a.Len()
	if n == 0 {
		return array.MakeArrayOfNull(mem, arrow.BinaryTypes.String, 0), nil
	}
	lo, hi := offs[0], offs[n]
	if hi-lo > math.MaxInt32 {
		return nil, fmt.Errorf("string batch of %d bytes exceeds 2 GiB", hi-lo)
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize((n + 1) * 4)
	o := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	for i := 0; i <= n; i++ {
		o[i] = int32(offs[i] - lo)
	}
	db := memory.NewResizableBuffer(mem)
	db.Resize(int(hi - lo))
	copy(db.Bytes(), data[lo:hi])
	valid := validity(mem, a)
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, ob, db}, nil, a.NullN(), 0)
	out := array.MakeFromData(d)
	d.Release()
	ob.Release()
	db.Release()
	if valid != nil {
		valid.Release()
	}
	return out, nil
}

// decodeDict materializes a dictionary-encoded string column as plain
// arrow.String (for a file written with a dictionary Arrow type when the
// caller did not ask for dictionaries).
func decodeDict(mem memory.Allocator, v *array.Dictionary) (arrow.Array, error) {
	dict := v.Dictionary()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(v.Len())
	switch d := dict.(type) {
	case *array.String:
		for i := 0; i < v.Len(); i++ {
			if v.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(d.Value(v.GetValueIndex(i)))
		}
	case *array.Binary:
		for i := 0; i < v.Len(); i++ {
			if v.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.BinaryBuilder.Append(d.Value(v.GetValueIndex(i)))
		}
	default:
		return nil, fmt.Errorf("dictionary of %s not supported", dict.DataType())
	}
	return b.NewArray(), nil
}
