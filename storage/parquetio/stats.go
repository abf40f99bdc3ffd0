package parquetio

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// ColumnStats summarizes one column in one row group, in the logical type
// the column is read as (so Min/Max compare directly with the constants of
// predicates over that column).
//
// Statistics may only ever be used to skip data (VISION rule 9): never to
// answer COUNT/MIN/MAX, as writers differ in what they record.
type ColumnStats struct {
	NumRows int64 // rows in the row group

	HasNullCount bool
	NullCount    int64

	// HasMinMax says Min and Max bound the column's non-NULL values:
	// Min <= v, and v <= Max (or v < Max when MaxExclusive). Absent,
	// untrustworthy (known-buggy writers, NaN, INT96) or unsupported
	// statistics leave it false, and nothing is pruned on them.
	HasMinMax    bool
	Min, Max     types.Value
	MaxExclusive bool
}

// AllNull reports whether every value in the row group is NULL.
func (s ColumnStats) AllNull() bool { return s.HasNullCount && s.NullCount == s.NumRows }

// RowGroupStats returns the statistics of row group rg for cols (aligned
// with cols). A column the file lacks reads as all NULL, and its stats say
// so. Columns that cannot be read as their declared type are an error, as
// in NewReader.
func (f *File) RowGroupStats(rg int, cols []Column) (_ []ColumnStats, err error) {
	defer recoverCorrupt(f.name, &err)
	if rg < 0 || rg >= f.pq.NumRowGroups() {
		return nil, lferr.New(lferr.InvalidInput, "%s: row group %d out of range (file has %d)", f.name, rg, f.pq.NumRowGroups())
	}
	md := f.pq.MetaData().RowGroup(rg)
	n := md.NumRows()
	out := make([]ColumnStats, len(cols))
	for i, c := range cols {
		out[i].NumRows = n
		leaf, ok, err := f.lookup(c.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			out[i].HasNullCount, out[i].NullCount = true, n
			continue
		}
		if err := checkConvertible(f.schema.Field(f.fieldIndexOfLeaf(leaf)).Type, c.T); err != nil {
			return nil, lferr.New(lferr.TypeError, "%s: column %q: %v", f.name, c.Name, err)
		}
		cc, err := md.ColumnChunk(leaf)
		if err != nil {
			return nil, lferr.Wrap(lferr.StorageError, err, "%s: row group %d column %q metadata: %v", f.name, rg, c.Name, err)
		}
		st, err := cc.Statistics()
		if err != nil || st == nil {
			continue // unreadable or absent statistics: unknown, never prune
		}
		if st.HasNullCount() && f.nullCountsOK {
			out[i].HasNullCount, out[i].NullCount = true, st.NullCount()
		}
		if st.HasMinMax() {
			out[i].Min, out[i].Max, out[i].MaxExclusive, out[i].HasMinMax = minMax(st, c.T)
		}
	}
	return out, nil
}

// minMax converts typed Parquet statistics to Values of kind t.Kind, using
// the same conversions as the reader applies to the values themselves (all
// monotonic), so the bounds hold for what the engine sees.
func minMax(st metadata.TypedStatistics, t types.T) (lo, hi types.Value, hiExcl, ok bool) {
	lt := st.Descr().LogicalType()
	switch s := st.(type) {
	case *metadata.BooleanStatistics:
		if t.Kind != types.Bool {
			return
		}
		return types.NewBool(s.Min()), types.NewBool(s.Max()), false, true
	case *metadata.Int32Statistics:
		mn, mx := int64(s.Min()), int64(s.Max())
		switch l := lt.(type) {
		case schema.IntLogicalType:
			if !l.IsSigned() {
				mn, mx = int64(uint32(s.Min())), int64(uint32(s.Max()))
			}
		case schema.DateLogicalType:
			if t.Kind != types.Date {
				return
			}
			return types.NewDate(mn), types.NewDate(mx), false, true
		case schema.DecimalLogicalType:
			return decBounds(decimal128.FromI64(mn), decimal128.FromI64(mx), l.Scale(), t)
		}
		return intBounds(mn, mx, t)
	case *metadata.Int64Statistics:
		mn, mx := s.Min(), s.Max()
		switch l := lt.(type) {
		case schema.IntLogicalType:
			if !l.IsSigned() {
				return // uint64: not a sluice type
			}
		case schema.TimestampLogicalType:
			if t.Kind != types.Timestamp {
				return
			}
			switch l.TimeUnit() {
			case schema.TimeUnitMillis:
				if mn < math.MinInt64/1000 || mx > math.MaxInt64/1000 {
					return
				}
				mn, mx = mn*1000, mx*1000
			case schema.TimeUnitNanos:
				mn, mx = floorDiv(mn, 1000), floorDiv(mx, 1000)
			case schema.TimeUnitMicros:
			default:
				return
			}
			return types.NewTimestamp(mn), types.NewTimestamp(mx), false, true
		case schema.DecimalLogicalType:
			return decBounds(decimal128.FromI64(mn), decimal128.FromI64(mx), l.Scale(), t)
		}
		return intBounds(mn, mx, t)
	case *metadata.Float32Statistics:
		return floatBounds(float64(s.Min()), float64(s.Max()), t)
	case *metadata.Float64Statistics:
		return floatBounds(s.Min(), s.Max(), t)
	case *metadata.ByteArrayStatistics:
		if l, isDec := lt.(schema.DecimalLogicalType); isDec {
			mn, ok1 := bigEndianDec(s.Min())
			mx, ok2 := bigEndianDec(s.Max())
			if !ok1 || !ok2 {
				return
			}
			return decBounds(mn, mx, l.Scale(), t)
		}
		if t.Kind != types.String {
			return
		}
		// Writers may truncate byte-array statistics to a prefix. A prefix
		// of the true minimum is still a lower bound; a prefix of the true
		// maximum is not an upper bound, but its successor (last byte
		// incremented) is a strict one whether or not it was truncated.
		up, has := prefixSuccessor(s.Max())
		if !has {
			return
		}
		return types.NewString(string(s.Min())), types.NewString(up), true, true
	case *metadata.FixedLenByteArrayStatistics:
		l, isDec := lt.(schema.DecimalLogicalType)
		if !isDec {
			return
		}
		mn, ok1 := bigEndianDec(s.Min())
		mx, ok2 := bigEndianDec(s.Max())
		if !ok1 || !ok2 {
			return
		}
		return decBounds(mn, mx, l.Scale(), t)
	}
	return
}

func intBounds(mn, mx int64, t types.T) (lo, hi types.Value, hiExcl, ok bool) {
	switch t.Kind {
	case types.Int64:
		return types.NewInt(mn), types.NewInt(mx), false, true
	case types.Float64, types.Decimal:
		return types.Value{Kind: t.Kind, F: float64(mn)}, types.Value{Kind: t.Kind, F: float64(mx)}, false, true
	}
	return
}

func floatBounds(mn, mx float64, t types.T) (lo, hi types.Value, hiExcl, ok bool) {
	if t.Kind != types.Float64 && t.Kind != types.Decimal {
		return
	}
	if math.IsNaN(mn) || math.IsNaN(mx) {
		return
	}
	// Writers disagree on the sign of zero in statistics; widen so that
	// both -0 and +0 are inside the bounds.
	if mn == 0 {
		mn = math.Copysign(0, -1)
	}
	if mx == 0 {
		mx = 0
	}
	return types.Value{Kind: t.Kind, F: mn}, types.Value{Kind: t.Kind, F: mx}, false, true
}

func decBounds(mn, mx decimal128.Num, scale int32, t types.T) (lo, hi types.Value, hiExcl, ok bool) {
	if t.Kind != types.Float64 && t.Kind != types.Decimal {
		return
	}
	return types.Value{Kind: t.Kind, F: dec128ToFloat(mn, scale)}, types.Value{Kind: t.Kind, F: dec128ToFloat(mx, scale)}, false, true
}

// bigEndianDec decodes a big-endian two's-complement integer of 1..16 bytes.
func bigEndianDec(b []byte) (decimal128.Num, bool) {
	if len(b) == 0 || len(b) > 16 {
		return decimal128.Num{}, false
	}
	var hi, lo uint64
	fill := uint64(0)
	if b[0]&0x80 != 0 {
		fill = math.MaxUint64
	}
	hi, lo = fill, fill
	for _, c := range b {
		hi = hi<<8 | lo>>56
		lo = lo<<8 | uint64(c)
	}
	return decimal128.New(int64(hi), lo), true
}

// prefixSuccessor returns the smallest string greater than every string
// having prefix p: p with trailing 0xff bytes dropped and the last byte
// incremented. There is none when p is all 0xff (or empty).
func prefixSuccessor(p []byte) (string, bool) {
	b := []byte(string(p))
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}
