package exec

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// rkind is the physical family of an Arrow column as the operators read it.
// Dispatch on it happens once per column per batch, never per row.
type rkind uint8

const (
	rNull    rkind = iota // arrow.Null: every row NULL
	rBool                 // bit-packed booleans
	rInt64                // int64 values (Int64, Timestamp)
	rInt32                // int32 values (Date32), widened on read
	rFloat64              // float64 values
	rString               // offsets + bytes
	rDict                 // int32 indices into a string dictionary
)

// colReader is a typed, non-owning view of one Arrow array: the value
// buffers as Go slices plus the validity bitmap. It lets kernels read values
// without a per-row interface call. It is valid as long as the array is.
type colReader struct {
	kind  rkind
	n     int
	valid []byte // validity bitmap (nil: no nulls)
	voff  int    // bit offset of row 0 in valid
	i64   []int64
	i32   []int32
	f64   []float64
	bools []byte // boolean value bitmap, bit offset voff
	offs  []int32
	data  []byte
	idx   []int32 // rDict: indices; offs/data then hold the dictionary
	dnull []byte  // rDict: validity of the dictionary values (rare)
	doff  int
}

// newColReader builds a reader over arr. Dictionaries must have String
// values; index types other than int32 are widened once (a copy per batch).
func newColReader(arr arrow.Array) (colReader, error) {
	r := colReader{n: arr.Len()}
	d := arr.Data()
	r.voff = d.Offset()
	if arr.NullN() > 0 {
		r.valid = arr.NullBitmapBytes()
	}
	switch a := arr.(type) {
	case *array.Null:
		r.kind = rNull
	case *array.Boolean:
		r.kind = rBool
		r.bools = d.Buffers()[1].Bytes()
	case *array.Int64:
		r.kind, r.i64 = rInt64, a.Int64Values()
	case *array.Timestamp:
		r.kind = rInt64
		v := a.TimestampValues()
		r.i64 = unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	case *array.Date32:
		r.kind = rInt32
		v := a.Date32Values()
		r.i32 = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	case *array.Float64:
		r.kind, r.f64 = rFloat64, a.Float64Values()
	case *array.String:
		r.kind = rString
		r.offs = a.ValueOffsets()
		if b := d.Buffers()[2]; b != nil {
			r.data = b.Bytes()
		}
	case *array.Dictionary:
		sd, ok := a.Dictionary().(*array.String)
		if !ok {
			return r, lferr.AssertionFailedf("dictionary of %s values is not a sluice layout", a.Dictionary().DataType())
		}
		r.kind = rDict
		r.offs = sd.ValueOffsets()
		if b := sd.Data().Buffers()[2]; b != nil {
			r.data = b.Bytes()
		}
		if sd.NullN() > 0 {
			r.dnull = sd.NullBitmapBytes()
			r.doff = sd.Data().Offset()
		}
		switch ix := a.Indices().(type) {
		case *array.Int32:
			r.idx = ix.Int32Values()
		default:
			r.idx = make([]int32, a.Len())
			for i := range r.idx {
				r.idx[i] = int32(a.GetValueIndex(i))
			}
		}
	default:
		return r, lferr.AssertionFailedf("column of Arrow type %s is not a sluice physical layout", arr.DataType())
	}
	return r, nil
}

// isNull reports whether row i is NULL.
func (r *colReader) isNull(i int) bool {
	if r.kind == rNull {
		return true
	}
	if r.valid != nil && !bitutil.BitIsSet(r.valid, r.voff+i) {
		return true
	}
	if r.dnull != nil && !bitutil.BitIsSet(r.dnull, r.doff+int(r.idx[i])) {
		return true
	}
	return false
}

// hasNulls reports whether any row may be NULL.
func (r *colReader) hasNulls() bool { return r.kind == rNull || r.valid != nil || r.dnull != nil }

// int64At reads row i of an integer-like column (Bool as 0/1).
func (r *colReader) int64At(i int) int64 {
	switch r.kind {
	case rInt64:
		return r.i64[i]
	case rInt32:
		return int64(r.i32[i])
	case rBool:
		if bitutil.BitIsSet(r.bools, r.voff+i) {
			return 1
		}
		return 0
	case rFloat64:
		return int64(r.f64[i])
	}
	return 0
}

// floatAt reads row i as float64 (integers converted).
func (r *colReader) floatAt(i int) float64 {
	switch r.kind {
	case rFloat64:
		return r.f64[i]
	case rInt64:
		return float64(r.i64[i])
	case rInt32:
		return float64(r.i32[i])
	case rBool:
		if bitutil.BitIsSet(r.bools, r.voff+i) {
			return 1
		}
	}
	return 0
}

// bytesAt reads row i of a string column without copying.
func (r *colReader) bytesAt(i int) []byte {
	switch r.kind {
	case rString:
		return r.data[r.offs[i]:r.offs[i+1]]
	case rDict:
		j := r.idx[i]
		return r.data[r.offs[j]:r.offs[j+1]]
	}
	return nil
}

// boolAt reads row i of a boolean column.
func (r *colReader) boolAt(i int) bool {
	if r.kind == rBool {
		return bitutil.BitIsSet(r.bools, r.voff+i)
	}
	return r.int64At(i) != 0
}

// storeKind is how a mcol stores a logical type.
type storeKind uint8

const (
	sNull  storeKind = iota
	sInt             // Bool, Int64, Date, Timestamp as int64
	sFloat           // Float64, Decimal
	sString
)

func storeKindOf(t types.T) storeKind {
	switch t.Kind {
	case types.Bool, types.Int64, types.Date, types.Timestamp:
		return sInt
	case types.Float64, types.Decimal:
		return sFloat
	case types.String:
		return sString
	}
	return sNull
}

// mcol is a growable, Go-owned materialized column. Sort, hash tables, join
// build sides and aggregation keys copy rows into mcols so that they outlive
// the input batches and compare with typed loops.
type mcol struct {
	t     types.T
	sk    storeKind
	n     int
	nulls []bool // nulls[i]: row i is NULL
	// mayNull is false while no NULL was ever appended, letting gathers
	// skip the per-row NULL check (it is never reset to false).
	mayNull bool
	i64     []int64
	f64     []float64
	sdata   []byte
	soffs   []int64 // len n+1 when sk == sString
}

func newMcol(t types.T) *mcol {
	v := &mcol{t: t, sk: storeKindOf(t)}
	if v.sk == sString {
		v.soffs = []int64{0}
	}
	return v
}

func (v *mcol) reset() {
	v.n = 0
	v.nulls = v.nulls[:0]
	v.i64 = v.i64[:0]
	v.f64 = v.f64[:0]
	v.sdata = v.sdata[:0]
	if v.sk == sString {
		v.soffs = v.soffs[:1]
	}
}

// truncate drops the rows from n on.
func (v *mcol) truncate(n int) {
	if n >= v.n {
		return
	}
	v.n = n
	v.nulls = v.nulls[:n]
	switch v.sk {
	case sInt:
		v.i64 = v.i64[:n]
	case sFloat:
		v.f64 = v.f64[:n]
	case sString:
		v.sdata = v.sdata[:v.soffs[n]]
		v.soffs = v.soffs[:n+1]
	}
}

func (v *mcol) str(i int) []byte { return v.sdata[v.soffs[i]:v.soffs[i+1]] }

// appendNull appends one NULL.
func (v *mcol) appendNull() {
	v.n++
	v.nulls = append(v.nulls, true)
	v.mayNull = true
	switch v.sk {
	case sInt:
		v.i64 = append(v.i64, 0)
	case sFloat:
		v.f64 = append(v.f64, 0)
	case sString:
		v.soffs = append(v.soffs, int64(len(v.sdata)))
	}
}

// appendRows appends rows of r: the positions in sel, or 0..r.n-1 when sel
// is nil. Values are converted to the mcol's storage kind (defensively: the
// planner already unified types).
func (v *mcol) appendRows(r *colReader, sel []int32) error {
	cnt := r.n
	if sel != nil {
		cnt = len(sel)
	}
	if r.kind == rNull || v.sk == sNull {
		for j := 0; j < cnt; j++ {
			v.appendNull()
		}
		return nil
	}
	base := v.n
	v.n += cnt
	v.nulls = opGrowBools(v.nulls, cnt)
	nl := v.nulls[base:]
	if r.hasNulls() {
		v.mayNull = true
		if sel == nil {
			for j := 0; j < cnt; j++ {
				nl[j] = r.isNull(j)
			}
		} else {
			for j, i := range sel {
				nl[j] = r.isNull(int(i))
			}
		}
	}
	switch v.sk {
	case sInt:
		v.i64 = opGrowI64(v.i64, cnt)
		dst := v.i64[base:]
		switch {
		case r.kind == rInt64 && sel == nil:
			copy(dst, r.i64[:cnt])
		case r.kind == rInt64:
			src := r.i64
			for j, i := range sel {
				dst[j] = src[i]
			}
		case r.kind == rString || r.kind == rDict:
			return lferr.AssertionFailedf("string column where %s was expected", v.t)
		default:
			if sel == nil {
				for j := 0; j < cnt; j++ {
					dst[j] = r.int64At(j)
				}
			} else {
				for j, i := range sel {
					dst[j] = r.int64At(int(i))
				}
			}
		}
	case sFloat:
		v.f64 = opGrowF64(v.f64, cnt)
		dst := v.f64[base:]
		switch {
		case r.kind == rFloat64 && sel == nil:
			copy(dst, r.f64[:cnt])
		case r.kind == rFloat64:
			src := r.f64
			for j, i := range sel {
				dst[j] = src[i]
			}
		case r.kind == rString || r.kind == rDict:
			return lferr.AssertionFailedf("string column where %s was expected", v.t)
		default:
			if sel == nil {
				for j := 0; j < cnt; j++ {
					dst[j] = r.floatAt(j)
				}
			} else {
				for j, i := range sel {
					dst[j] = r.floatAt(int(i))
				}
			}
		}
	case sString:
		if r.kind != rString && r.kind != rDict {
			return lferr.AssertionFailedf("non-string column where %s was expected", v.t)
		}
		for j := 0; j < cnt; j++ {
			i := j
			if sel != nil {
				i = int(sel[j])
			}
			if !nl[j] {
				v.sdata = append(v.sdata, r.bytesAt(i)...)
			}
			v.soffs = append(v.soffs, int64(len(v.sdata)))
		}
	}
	return nil
}

// appendFrom appends row i of another mcol of the same type.
func (v *mcol) appendFrom(o *mcol, i int) {
	v.n++
	v.nulls = append(v.nulls, o.nulls[i])
	v.mayNull = v.mayNull || o.nulls[i]
	switch v.sk {
	case sInt:
		v.i64 = append(v.i64, o.i64[i])
	case sFloat:
		v.f64 = append(v.f64, o.f64[i])
	case sString:
		v.sdata = append(v.sdata, o.str(i)...)
		v.soffs = append(v.soffs, int64(len(v.sdata)))
	}
}

// appendValue appends a types.Value, converting numerics to the mcol's type.
func (v *mcol) appendValue(x types.Value) error {
	if x.Null || v.sk == sNull {
		v.appendNull()
		return nil
	}
	v.n++
	v.nulls = append(v.nulls, false)
	switch v.sk {
	case sInt:
		switch x.Kind {
		case types.Float64, types.Decimal:
			v.i64 = append(v.i64, int64(math.Round(x.F)))
		case types.String:
			v.n--
			v.nulls = v.nulls[:v.n]
			return lferr.New(lferr.TypeError, "cannot use string %q as %s", x.S, v.t)
		default:
			v.i64 = append(v.i64, x.I)
		}
	case sFloat:
		v.f64 = append(v.f64, x.AsFloat())
	case sString:
		s := x.S
		if x.Kind != types.String {
			s = x.String()
		}
		v.sdata = append(v.sdata, s...)
		v.soffs = append(v.soffs, int64(len(v.sdata)))
	}
	return nil
}

// value returns row i as a types.Value.
func (v *mcol) value(i int) types.Value {
	if v.sk == sNull || v.nulls[i] {
		return types.Value{Kind: v.t.Kind, Null: true}
	}
	switch v.sk {
	case sInt:
		return types.Value{Kind: v.t.Kind, I: v.i64[i]}
	case sFloat:
		return types.Value{Kind: v.t.Kind, F: v.f64[i]}
	}
	return types.Value{Kind: types.String, S: string(v.str(i))}
}

// toArrow builds an Arrow array of the rows idx (all rows when idx is nil);
// an index < 0 produces a NULL (outer-join padding).
func (v *mcol) toArrow(mem memory.Allocator, idx []int32) arrow.Array {
	cnt := v.n
	if idx != nil {
		cnt = len(idx)
	}
	at := func(j int) int {
		if idx == nil {
			return j
		}
		return int(idx[j])
	}
	switch v.t.Kind {
	case types.Null:
		return array.NewNull(cnt)
	case types.Bool:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(cnt)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(v.i64[i] != 0)
			}
		}
		return b.NewArray()
	case types.Int64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		if v.noNullsAt(idx) {
			vals := make([]int64, cnt)
			if idx == nil {
				copy(vals, v.i64)
			} else {
				for j, i := range idx {
					vals[j] = v.i64[i]
				}
			}
			b.AppendValues(vals, nil)
			return b.NewArray()
		}
		b.Reserve(cnt)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(v.i64[i])
			}
		}
		return b.NewArray()
	case types.Date:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Reserve(cnt)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(arrow.Date32(v.i64[i]))
			}
		}
		return b.NewArray()
	case types.Timestamp:
		b := array.NewTimestampBuilder(mem, arrow.FixedWidthTypes.Timestamp_us.(*arrow.TimestampType))
		defer b.Release()
		b.Reserve(cnt)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(arrow.Timestamp(v.i64[i]))
			}
		}
		return b.NewArray()
	case types.Float64, types.Decimal:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		if v.noNullsAt(idx) {
			vals := make([]float64, cnt)
			if idx == nil {
				copy(vals, v.f64)
			} else {
				for j, i := range idx {
					vals[j] = v.f64[i]
				}
			}
			b.AppendValues(vals, nil)
			return b.NewArray()
		}
		b.Reserve(cnt)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(v.f64[i])
			}
		}
		return b.NewArray()
	case types.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(cnt)
		total := 0
		for j := 0; j < cnt; j++ {
			if i := at(j); i >= 0 {
				total += int(v.soffs[i+1] - v.soffs[i])
			}
		}
		b.ReserveData(total)
		for j := 0; j < cnt; j++ {
			if i := at(j); i < 0 || v.nulls[i] {
				b.AppendNull()
			} else {
				b.BinaryBuilder.Append(v.str(i))
			}
		}
		return b.NewArray()
	}
	panic(fmt.Sprintf("exec: mcol of unsupported type %v", v.t)) // unreachable: storeKindOf covers every Kind
}

// noNullsAt reports whether none of the rows idx (all rows when nil) is
// NULL or padding (< 0), so values can be copied without a validity bitmap.
func (v *mcol) noNullsAt(idx []int32) bool {
	if !v.mayNull {
		for _, i := range idx {
			if i < 0 {
				return false
			}
		}
		return true
	}
	if idx == nil {
		for _, nl := range v.nulls[:v.n] {
			if nl {
				return false
			}
		}
		return true
	}
	for _, i := range idx {
		if i < 0 || v.nulls[i] {
			return false
		}
	}
	return true
}

func opGrowBools(s []bool, n int) []bool {
	l := len(s)
	if cap(s)-l < n {
		ns := make([]bool, l, 2*cap(s)+n)
		copy(ns, s)
		s = ns
	}
	s = s[:l+n]
	clear(s[l:])
	return s
}

func opGrowI64(s []int64, n int) []int64 {
	l := len(s)
	if cap(s)-l < n {
		ns := make([]int64, l, 2*cap(s)+n)
		copy(ns, s)
		s = ns
	}
	return s[:l+n]
}

func opGrowF64(s []float64, n int) []float64 {
	l := len(s)
	if cap(s)-l < n {
		ns := make([]float64, l, 2*cap(s)+n)
		copy(ns, s)
		s = ns
	}
	return s[:l+n]
}

// opLiveRows returns the selection of b as explicit positions, using buf for
// the dense case.
func opLiveRows(b *Batch, buf []int32) []int32 {
	if b.Sel != nil {
		return b.Sel
	}
	buf = buf[:0]
	for i := 0; i < b.N; i++ {
		buf = append(buf, int32(i))
	}
	return buf
}

// opTakeArrow gathers rows idx of arr into a new dense array of the same
// physical layout (dictionaries are decoded to plain strings); typ is the
// logical type of the column.
func opTakeArrow(mem memory.Allocator, arr arrow.Array, t types.T, idx []int32) (arrow.Array, error) {
	r, err := newColReader(arr)
	if err != nil {
		return nil, err
	}
	return opTakeReader(mem, &r, t, idx)
}

func opTakeReader(mem memory.Allocator, r *colReader, t types.T, idx []int32) (arrow.Array, error) {
	cnt := len(idx)
	switch {
	case r.kind == rNull || t.Kind == types.Null:
		if t.Kind == types.Null {
			return array.NewNull(cnt), nil
		}
		v := newMcol(t)
		for range cnt {
			v.appendNull()
		}
		return v.toArrow(mem, nil), nil
	case t.Kind == types.Int64 && r.kind == rInt64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		src := r.i64
		if !r.hasNulls() {
			vals := make([]int64, cnt)
			for j, i := range idx {
				vals[j] = src[i]
			}
			b.AppendValues(vals, nil)
		} else {
			b.Reserve(cnt)
			for _, i := range idx {
				if r.isNull(int(i)) {
					b.UnsafeAppendBoolToBitmap(false)
				} else {
					b.UnsafeAppend(src[i])
				}
			}
		}
		return b.NewArray(), nil
	case (t.Kind == types.Float64 || t.Kind == types.Decimal) && r.kind == rFloat64:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		src := r.f64
		if !r.hasNulls() {
			vals := make([]float64, cnt)
			for j, i := range idx {
				vals[j] = src[i]
			}
			b.AppendValues(vals, nil)
		} else {
			b.Reserve(cnt)
			for _, i := range idx {
				if r.isNull(int(i)) {
					b.UnsafeAppendBoolToBitmap(false)
				} else {
					b.UnsafeAppend(src[i])
				}
			}
		}
		return b.NewArray(), nil
	}
	if t.Kind == types.String && (r.kind == rString || r.kind == rDict) {
		if a := opTakeStrings(mem, r, idx); a != nil {
			return a, nil
		}
	}
	// General path through a temporary mcol: still typed loops, one copy.
	v := newMcol(t)
	if err := v.appendRows(r, idx); err != nil {
		return nil, err
	}
	return v.toArrow(mem, nil), nil
}

// opTakeStrings gathers rows idx of a plain or dictionary string column
// into a String array: one pass sizes the data, one copies it straight
// into the result's buffers. Going through an mcol copied every string
// twice and grew builders on the way (a fifth of Q-proj's CPU time). nil
// when the result would exceed the 2 GiB of int32 offsets (the caller
// then takes the general path, which reports it).
func opTakeStrings(mem memory.Allocator, r *colReader, idx []int32) arrow.Array {
	cnt := len(idx)
	offs, data := r.offs, r.data
	var total int64
	switch {
	case r.hasNulls():
		// A NULL row's dictionary index may be arbitrary: never read it.
		for _, i := range idx {
			if r.isNull(int(i)) {
				continue
			}
			k := i
			if r.kind == rDict {
				k = r.idx[i]
			}
			total += int64(offs[k+1] - offs[k])
		}
	case r.kind == rDict:
		for _, i := range idx {
			c := r.idx[i]
			total += int64(offs[c+1] - offs[c])
		}
	default:
		for _, i := range idx {
			total += int64(offs[i+1] - offs[i])
		}
	}
	if total > math.MaxInt32 {
		return nil
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize(4 * (cnt + 1))
	db := memory.NewResizableBuffer(mem)
	db.Resize(int(total))
	o := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	d := db.Bytes()
	var pos int32
	var nb *memory.Buffer
	nulls := 0
	switch {
	case r.hasNulls():
		nb = memory.NewResizableBuffer(mem)
		nb.Resize(int(bitutil.BytesForBits(int64(cnt))))
		valid := nb.Bytes()
		clear(valid)
		for j, i := range idx {
			o[j] = pos
			if r.isNull(int(i)) {
				nulls++
				continue
			}
			bitutil.SetBit(valid, j)
			k := i
			if r.kind == rDict {
				k = r.idx[i]
			}
			pos += int32(copy(d[pos:], data[offs[k]:offs[k+1]]))
		}
	case r.kind == rDict:
		for j, i := range idx {
			o[j] = pos
			c := r.idx[i]
			pos += int32(copy(d[pos:], data[offs[c]:offs[c+1]]))
		}
	default:
		for j, i := range idx {
			o[j] = pos
			pos += int32(copy(d[pos:], data[offs[i]:offs[i+1]]))
		}
	}
	o[cnt] = pos
	if nulls == 0 && nb != nil {
		nb.Release()
		nb = nil
	}
	ad := array.NewData(arrow.BinaryTypes.String, cnt, []*memory.Buffer{nb, ob, db}, nil, nulls, 0)
	for _, b := range []*memory.Buffer{nb, ob, db} {
		if b != nil {
			b.Release()
		}
	}
	defer ad.Release()
	return array.NewStringData(ad)
}

// opReleaseAll releases every non-nil array.
func opReleaseAll(as []arrow.Array) {
	for i, a := range as {
		if a != nil {
			a.Release()
			as[i] = nil
		}
	}
}
