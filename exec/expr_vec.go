package exec

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// pkind is the physical representation of an intermediate vector inside a
// compiled expression. Kernels work on these plain Go slices rather than on
// Arrow arrays: NULLs are one byte per row (cheaper to combine than bitmaps
// and branch-free to test), booleans are []bool, dates are widened to int64
// so that date and timestamp kernels are the integer kernels.
type pkind uint8

const (
	pNull pkind = iota // untyped NULL: every row is NULL
	pBool              // b
	pI64               // i: Int64, Date (days since epoch), Timestamp (µs)
	pF64               // f: Float64 and Decimal
	pStr               // off/data, Arrow String layout
	pDict              // codes into dict (a pStr vector): strings straight from a scan
)

// physOf maps a logical kind to the representation kernels use.
func physOf(k types.Kind) pkind {
	switch k {
	case types.Bool:
		return pBool
	case types.Int64, types.Date, types.Timestamp:
		return pI64
	case types.Float64, types.Decimal:
		return pF64
	case types.String:
		return pStr
	}
	return pNull
}

// evec is an intermediate column. A node owns the evec it returns and
// overwrites it on its next eval, so a parent must consume a child's result
// before evaluating that child again (the tree shape guarantees this).
//
// Only rows in the selection the node was evaluated on hold defined values.
// A constant vector (c) has one row that stands for every row.
type evec struct {
	k     pkind
	c     bool
	nulls []bool // nil: no NULLs; else nulls[row] (row 0 when c)
	b     []bool
	i     []int64
	f     []float64
	off   []int32 // pStr: n+1 absolute offsets into data
	data  []byte
	codes []int32 // pDict: index into dict per row
	dict  *evec   // pDict: the dictionary values (pStr)
	// dictID identifies the dictionary's storage so that per-entry results
	// can be reused while consecutive batches share one dictionary.
	dictID dictIdentity
	// ownI/ownF are storage owned by this vector for loads that must
	// convert; i/f may instead alias Arrow buffers, which are read-only.
	ownI     []int64
	ownF     []float64
	ownCodes []int32
}

// dictIdentity is the identity of an Arrow dictionary: the Go object plus
// the addresses and sizes of its buffers, so that a recycled object or
// buffer never matches a stale cache entry.
type dictIdentity struct {
	arr     arrow.Array
	offPtr  *int32
	dataPtr *byte
	n       int
	dataLen int
}

// str returns row i of a pStr vector without copying; the string is valid
// only as long as the vector's buffers are.
func (v *evec) str(i int) string {
	a, b := v.off[i], v.off[i+1]
	if a == b {
		return ""
	}
	return unsafe.String(&v.data[a], int(b-a))
}

// bytesAt is str as a byte slice.
func (v *evec) bytesAt(i int) []byte { return v.data[v.off[i]:v.off[i+1]] }

// isNull reports whether row i is NULL, honouring constants.
func (v *evec) isNull(i int) bool {
	if v.nulls == nil {
		return false
	}
	if v.c {
		return v.nulls[0]
	}
	return v.nulls[i]
}

// hasNulls reports whether the vector may hold NULLs.
func (v *evec) hasNulls() bool { return v.nulls != nil || v.k == pNull }

// growCap is the capacity to allocate for n elements: up to BatchSize,
// room for a full batch (batches grow to it); beyond, exactly n. A
// quarter of headroom on a full 4096-row batch of 8-byte values made every
// allocation 40 KB, past the runtime's 32 KB small-object limit, and large
// objects take the heap lock and are zeroed in full: with Eval handing its
// buffer to the result array, that was most of the cost of x*(1-y).
func growCap(n int) int {
	if n < BatchSize {
		return BatchSize
	}
	return n
}

// eGrowBools returns s resized to n, reusing its storage when possible.
// Contents are not cleared.
func eGrowBools(s []bool, n int) []bool {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]bool, n, growCap(n))
}

func eGrowI64(s []int64, n int) []int64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]int64, n, growCap(n))
}

func eGrowF64(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n, growCap(n))
}

func eGrowI32(s []int32, n int) []int32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]int32, n, growCap(n))
}

// eClearBools sets s[i] = false for every i (the compiler turns this into a
// memclr).
func eClearBools(s []bool) {
	for i := range s {
		s[i] = false
	}
}

// setNullsFrom makes out.nulls the NULLs of src over n rows (sel rows
// only), or nil when src has none.
func (out *evec) setNullsFrom(src *evec, n int, sel []int32) {
	if src.nulls == nil {
		out.nulls = nil
		return
	}
	out.nulls = eGrowBools(out.nulls, n)
	if src.c {
		v := src.nulls[0]
		eForRows(n, sel, func(i int) { out.nulls[i] = v })
		return
	}
	copy(out.nulls, src.nulls[:n])
}

// eForRows is used only outside hot loops (per-batch setup).
func eForRows(n int, sel []int32, fn func(i int)) {
	if sel == nil {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	for _, i := range sel {
		fn(int(i))
	}
}

// mergeNulls sets out.nulls to a OR b over the live rows, or nil when
// neither input has NULLs. out may not alias a or b.
func (out *evec) mergeNulls(a, b *evec, n int, sel []int32) {
	switch {
	case a.nulls == nil && b.nulls == nil:
		out.nulls = nil
		return
	case b.nulls == nil:
		out.setNullsFrom(a, n, sel)
		return
	case a.nulls == nil:
		out.setNullsFrom(b, n, sel)
		return
	}
	out.nulls = eGrowBools(out.nulls, n)
	on := out.nulls
	switch {
	case a.c && b.c:
		v := a.nulls[0] || b.nulls[0]
		for i := range on {
			on[i] = v
		}
	case a.c:
		if a.nulls[0] {
			for i := range on {
				on[i] = true
			}
			return
		}
		copy(on, b.nulls[:n])
	case b.c:
		if b.nulls[0] {
			for i := range on {
				on[i] = true
			}
			return
		}
		copy(on, a.nulls[:n])
	default:
		an, bn := a.nulls[:n], b.nulls[:n]
		if sel == nil {
			for i := range on {
				on[i] = an[i] || bn[i]
			}
		} else {
			for _, i := range sel {
				on[i] = an[i] || bn[i]
			}
		}
	}
}

// ensureNulls makes out.nulls a cleared slice of length n if it is nil.
func (out *evec) ensureNulls(n int) {
	if out.nulls == nil {
		out.nulls = eGrowBools(nil, n)
	}
}

// strBuilder appends strings row by row into a vector's off/data, filling
// the offsets of skipped (dead) rows so the layout stays valid Arrow.
type strBuilder struct {
	v      *evec
	next   int  // next row whose start offset is not yet written
	tooBig bool // the batch's strings passed maxBatchStringBytes
}

// maxBatchStringBytes bounds the string bytes one node produces for one
// batch (REPEAT/LPAD can make 16 MiB per row): past it the batch fails
// instead of exhausting memory.
var maxBatchStringBytes = 256 << 20 // a variable so tests can lower it

// reset starts building n rows into v; the caller sets v.c (a constant is
// built as one row).
func (sb *strBuilder) reset(v *evec, n int) {
	v.k = pStr
	v.off = eGrowI32(v.off, n+1)
	v.data = v.data[:0]
	v.off[0] = 0
	sb.v = v
	sb.next = 0
	sb.tooBig = false
}

// skipTo makes rows [next, i) empty.
func (sb *strBuilder) skipTo(i int) {
	off := sb.v.off
	l := int32(len(sb.v.data))
	for ; sb.next < i; sb.next++ {
		off[sb.next+1] = l
	}
}

// add appends row i (rows must be added in ascending order).
func (sb *strBuilder) add(i int, s []byte) {
	sb.skipTo(i)
	if len(sb.v.data)+len(s) > maxBatchStringBytes {
		sb.tooBig = true
		s = nil
	}
	sb.v.data = append(sb.v.data, s...)
	sb.v.off[i+1] = int32(len(sb.v.data))
	sb.next = i + 1
}

func (sb *strBuilder) addString(i int, s string) {
	sb.skipTo(i)
	if len(sb.v.data)+len(s) > maxBatchStringBytes {
		sb.tooBig = true
		s = ""
	}
	sb.v.data = append(sb.v.data, s...)
	sb.v.off[i+1] = int32(len(sb.v.data))
	sb.next = i + 1
}

// finish fills the offsets of the trailing rows up to n and checks the
// 32-bit offset limit of the Arrow String layout.
func (sb *strBuilder) finish(n int) error {
	if sb.tooBig {
		return lferr.New(lferr.ExecutionError, "string results of one batch exceed %d MiB", maxBatchStringBytes>>20)
	}
	sb.skipTo(n)
	return nil
}

// loadArrow views an Arrow array as an evec, zero-copy where the layouts
// agree. want is the logical type the plan gave the column.
func loadArrow(arr arrow.Array, dst *evec, want types.T) error {
	n := arr.Len()
	dst.c = false
	dst.nulls = nil
	switch a := arr.(type) {
	case *array.Int64:
		dst.k = pI64
		dst.i = a.Int64Values()
	case *array.Float64:
		dst.k = pF64
		dst.f = a.Float64Values()
	case *array.Boolean:
		dst.k = pBool
		dst.b = eGrowBools(dst.b, n)
		for i := 0; i < n; i++ {
			dst.b[i] = a.Value(i)
		}
	case *array.String:
		dst.k = pStr
		dst.off = a.ValueOffsets()
		dst.data = nil
		if bufs := a.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
			dst.data = bufs[2].Bytes()
		}
	case *array.Date32:
		dst.k = pI64
		vals := a.Date32Values()
		dst.ownI = eGrowI64(dst.ownI, n)
		dst.i = dst.ownI
		for i, d := range vals {
			dst.i[i] = int64(d)
		}
	case *array.Timestamp:
		dst.k = pI64
		ts := a.TimestampValues()
		if len(ts) > 0 {
			dst.i = unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(ts))), len(ts))
		} else {
			dst.i = nil
		}
	case *array.Dictionary:
		return loadDict(a, dst, want)
	case *array.Null:
		dst.k = physOf(want.Kind)
		dst.nulls = eGrowBools(dst.nulls, n)
		for i := range dst.nulls {
			dst.nulls[i] = true
		}
		dst.i, dst.f, dst.off, dst.data = nil, nil, nil, nil // may alias a previous batch's Arrow buffers
		dst.zeroValues(n)
		return nil
	case *array.Int32:
		dst.k = pI64
		dst.ownI = eGrowI64(dst.ownI, n)
		dst.i = dst.ownI
		for i, x := range a.Int32Values() {
			dst.i[i] = int64(x)
		}
	case *array.Float32:
		dst.k = pF64
		dst.ownF = eGrowF64(dst.ownF, n)
		dst.f = dst.ownF
		for i, x := range a.Float32Values() {
			dst.f[i] = float64(x)
		}
	default:
		return lferr.New(lferr.ExecutionError, "expression input of Arrow type %s is not supported", arr.DataType())
	}
	if dst.k != physOf(want.Kind) && want.Kind != types.Null {
		return lferr.AssertionFailedf("column has Arrow type %s but the plan types it %s", arr.DataType(), want)
	}
	loadNulls(arr, dst)
	return nil
}

// loadNulls converts the validity bitmap of arr into dst.nulls.
func loadNulls(arr arrow.Array, dst *evec) {
	if arr.NullN() == 0 {
		dst.nulls = nil
		return
	}
	n := arr.Len()
	dst.nulls = eGrowBools(dst.nulls, n)
	bm := arr.NullBitmapBytes()
	off := arr.Data().Offset()
	if bm == nil {
		for i := range dst.nulls {
			dst.nulls[i] = true
		}
		return
	}
	for i := 0; i < n; i++ {
		dst.nulls[i] = !bitutil.BitIsSet(bm, off+i)
	}
}

func loadDict(a *array.Dictionary, dst *evec, want types.T) error {
	if want.Kind != types.String {
		return lferr.AssertionFailedf("dictionary column typed %s; only strings may be dictionary-encoded", want)
	}
	dictArr, ok := a.Dictionary().(*array.String)
	if !ok {
		return lferr.New(lferr.ExecutionError, "dictionary with %s values is not supported", a.Dictionary().DataType())
	}
	dst.k = pDict
	switch idx := a.Indices().(type) {
	case *array.Int32:
		dst.codes = idx.Int32Values()
	case *array.Int16:
		dst.codes = eGrowI32(nil, idx.Len())
		for i, x := range idx.Int16Values() {
			dst.codes[i] = int32(x)
		}
	case *array.Int8:
		dst.codes = eGrowI32(nil, idx.Len())
		for i, x := range idx.Int8Values() {
			dst.codes[i] = int32(x)
		}
	default:
		return lferr.New(lferr.ExecutionError, "dictionary indices of type %s are not supported", idx.DataType())
	}
	if dst.dict == nil {
		dst.dict = &evec{}
	}
	if err := loadArrow(dictArr, dst.dict, types.StringT); err != nil {
		return err
	}
	// A code outside the dictionary would make kernels index out of range:
	// validate once per batch rather than trusting the file.
	nd := int32(dictArr.Len())
	loadNulls(a, dst)
	for i, c := range dst.codes {
		if (c < 0 || c >= nd) && (dst.nulls == nil || !dst.nulls[i]) {
			return lferr.New(lferr.ExecutionError, "dictionary index %d out of range [0,%d)", c, nd)
		}
	}
	id := dictIdentity{arr: dictArr, n: dictArr.Len(), dataLen: len(dst.dict.data)}
	if len(dst.dict.off) > 0 {
		id.offPtr = &dst.dict.off[0]
	}
	if len(dst.dict.data) > 0 {
		id.dataPtr = &dst.dict.data[0]
	}
	dst.dictID = id
	return nil
}

// zeroValues sizes the value slice of dst's kind to n (values undefined).
func (v *evec) zeroValues(n int) {
	switch v.k {
	case pBool:
		v.b = eGrowBools(v.b, n)
	case pI64:
		v.i = eGrowI64(v.i, n)
	case pF64:
		v.f = eGrowF64(v.f, n)
	case pStr:
		v.off = eGrowI32(v.off, n+1)
		for i := range v.off {
			v.off[i] = 0
		}
		v.data = v.data[:0]
	}
}

// decodeDict expands a pDict vector into out (pStr) for the live rows.
func decodeDict(v *evec, out *evec, n int, sel []int32) error {
	var sb strBuilder
	out.c = false
	sb.reset(out, n)
	d := v.dict
	codes := v.codes
	out.nulls = nil
	if v.nulls != nil || d.nulls != nil {
		out.nulls = eGrowBools(out.nulls, n)
	}
	emit := func(i int) {
		if v.nulls != nil && v.nulls[i] {
			out.nulls[i] = true
			return
		}
		c := codes[i]
		if d.nulls != nil && d.nulls[c] {
			out.nulls[i] = true
			return
		}
		if out.nulls != nil {
			out.nulls[i] = false
		}
		sb.add(i, d.bytesAt(int(c)))
	}
	if sel == nil {
		for i := 0; i < n; i++ {
			emit(i)
		}
	} else {
		for _, i := range sel {
			emit(int(i))
		}
	}
	return sb.finish(n)
}

// toArrow builds the Arrow array of logical type t from v over n rows.
// Buffers are freshly allocated: the result escapes to operators that may
// Retain it beyond the next Eval, so it cannot share the node's scratch.
// Caller must Release.
func toArrow(v *evec, n int, t types.T, sel []int32) (arrow.Array, error) {
	if t.Kind == types.Null {
		return array.NewNull(n), nil
	}
	if v.k == pDict {
		if t.Kind == types.String && v.dictID.arr != nil && v.dictID.n > 0 {
			return dictToArrow(v, n)
		}
		var tmp evec
		if err := decodeDict(v, &tmp, n, sel); err != nil {
			return nil, err
		}
		v = &tmp
	}
	if v.k == pNull {
		var tmp evec
		tmp.k = physOf(t.Kind)
		tmp.c = true
		tmp.nulls = []bool{true}
		tmp.zeroValues(1)
		v = &tmp
	}
	nullBuf, nullN := buildValidity(v, n)
	var data arrow.ArrayData
	switch t.Kind {
	case types.Bool:
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		if v.c {
			if v.b[0] {
				bitutil.SetBitsTo(bits, 0, int64(n), true)
			}
		} else {
			for i, x := range v.b[:n] {
				bits[i>>3] |= byte(b2u(x)) << (i & 7)
			}
		}
		data = array.NewData(t.Arrow(), n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(bits)}, nil, nullN, 0)
	case types.Int64, types.Timestamp:
		out := takeI64(v, n)
		data = array.NewData(t.Arrow(), n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(out))}, nil, nullN, 0)
	case types.Date:
		out := make([]arrow.Date32, n)
		if v.c {
			for i := range out {
				out[i] = arrow.Date32(v.i[0])
			}
		} else {
			for i, x := range v.i[:n] {
				out[i] = arrow.Date32(x)
			}
		}
		data = array.NewData(t.Arrow(), n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(arrow.Date32Traits.CastToBytes(out))}, nil, nullN, 0)
	case types.Float64, types.Decimal:
		out := takeF64(v, n)
		data = array.NewData(t.Arrow(), n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(out))}, nil, nullN, 0)
	case types.String:
		var off []int32
		var bytes []byte
		if v.c {
			s := v.bytesAt(0)
			off = make([]int32, n+1)
			bytes = make([]byte, 0, len(s)*n)
			for i := 0; i < n; i++ {
				bytes = append(bytes, s...)
				off[i+1] = int32(len(bytes))
			}
		} else {
			base := v.off[0]
			end := v.off[n]
			off = make([]int32, n+1)
			for i := range off {
				off[i] = v.off[i] - base
			}
			bytes = append([]byte(nil), v.data[base:end]...)
		}
		data = array.NewData(t.Arrow(), n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(off)), memory.NewBufferBytes(bytes)}, nil, nullN, 0)
	default:
		return nil, lferr.AssertionFailedf("no Arrow layout for %s", t)
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// buildValidity packs v.nulls into an Arrow validity bitmap (nil when no
// row is NULL).
func buildValidity(v *evec, n int) (*memory.Buffer, int) {
	if v.nulls == nil {
		return nil, 0
	}
	if v.c {
		if !v.nulls[0] {
			return nil, 0
		}
		return memory.NewBufferBytes(make([]byte, bitutil.BytesForBits(int64(n)))), n
	}
	bits := make([]byte, bitutil.BytesForBits(int64(n)))
	nullN := 0
	for i, isNull := range v.nulls[:n] {
		nb := b2u(isNull)
		nullN += nb
		bits[i>>3] |= byte(1-nb) << (i & 7)
	}
	if nullN == 0 {
		return nil, 0
	}
	return memory.NewBufferBytes(bits), nullN
}

// takeI64 returns the n values of v as a slice the result array can own:
// the node's own buffer when it has one (the node allocates a fresh one on
// its next eval), else a copy. Arrow views and constants are copied.
func takeI64(v *evec, n int) []int64 {
	if !v.c && n > 0 && len(v.ownI) >= n && len(v.i) >= n && &v.i[0] == &v.ownI[0] {
		out := v.i[:n:n]
		v.i, v.ownI = nil, nil
		return out
	}
	out := make([]int64, n)
	if v.c {
		for i := range out {
			out[i] = v.i[0]
		}
	} else {
		copy(out, v.i[:n])
	}
	return out
}

func takeF64(v *evec, n int) []float64 {
	if !v.c && n > 0 && len(v.ownF) >= n && len(v.f) >= n && &v.f[0] == &v.ownF[0] {
		out := v.f[:n:n]
		v.f, v.ownF = nil, nil
		return out
	}
	out := make([]float64, n)
	if v.c {
		for i := range out {
			out[i] = v.f[0]
		}
	} else {
		copy(out, v.f[:n])
	}
	return out
}

// unsafeBytes views s as bytes for read-only use (hashing) without a copy.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// dictToArrow keeps a dictionary-encoded result encoded: fresh Int32
// indices over the input's dictionary (retained by the result). NULL rows
// get index 0 so every index is in range (the dictionary is not empty).
// Caller must Release.
func dictToArrow(v *evec, n int) (arrow.Array, error) {
	codes := make([]int32, n)
	copy(codes, v.codes[:n])
	var nullBuf *memory.Buffer
	nullN := 0
	if v.nulls != nil {
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for i, isNull := range v.nulls[:n] {
			if isNull {
				nullN++
				codes[i] = 0
			} else {
				bitutil.SetBit(bits, i)
			}
		}
		if nullN > 0 {
			nullBuf = memory.NewBufferBytes(bits)
		}
	}
	idx := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nullBuf, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(codes))}, nil, nullN, 0)
	defer idx.Release()
	indices := array.MakeFromData(idx)
	defer indices.Release()
	typ := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	return array.NewDictionaryArray(typ, indices, v.dictID.arr), nil
}
