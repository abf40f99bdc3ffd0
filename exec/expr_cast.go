package exec

import (
	"strconv"

	"github.com/sluicedb/sluice/planner/types"
)

// castNode converts its argument's vector to another logical type.
type castNode struct {
	arg      enode
	from, to types.T
	out      evec
	tmp      evec // dictionary decode scratch
}

// newCast converts arg from one type to another; conversions that cannot
// change a value (same type, DECIMAL widening its scale, DECIMAL read as
// DOUBLE) compile to nothing. Narrowing into DECIMAL rounds, as EvalRow's
// castValueT does.
func newCast(arg enode, from, to types.T) enode {
	if from.Kind == to.Kind && (to.Kind != types.Decimal || from.Scale <= to.Scale) {
		return arg
	}
	if from.Kind == types.Decimal && to.Kind == types.Float64 {
		return arg
	}
	return &castNode{arg: arg, from: from, to: to}
}

func (n *castNode) eval(c *ectx, sel []int32) (*evec, error) {
	v, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	return castVec(v, n.from, n.to, &n.out, &n.tmp, c, sel)
}

// castVec converts v (of logical type from) into out.
func castVec(v *evec, from, to types.T, out, tmp *evec, c *ectx, sel []int32) (*evec, error) {
	if v.k == pDict {
		if err := decodeDict(v, tmp, c.n, sel); err != nil {
			return nil, err
		}
		v = tmp
	}
	if v.k == pNull || from.Kind == types.Null {
		setConstVec(out, types.Value{Null: true}, to)
		return out, nil
	}
	if from.Kind == to.Kind && to.Kind != types.Decimal {
		return v, nil
	}
	if v.c {
		cv, err := castValueT(vecValue(v, 0, from), from, to)
		if err != nil {
			return nil, err
		}
		if cv.Kind == types.Decimal && from.Kind == types.Decimal {
			cv.F = roundScale(cv.F, int(to.Scale))
		}
		setConstVec(out, cv, to)
		return out, nil
	}
	rows := sel
	if rows == nil {
		rows = c.allRows()
	}
	n := c.n
	out.c = false
	out.k = physOf(to.Kind)
	out.setNullsFrom(v, n, sel)
	isNull := func(i int32) bool { return v.nulls != nil && v.nulls[i] }
	scale := int(to.Scale)
	switch to.Kind {
	case types.Bool:
		out.b = eGrowBools(out.b, n)
		switch v.k {
		case pI64:
			for _, i := range rows {
				out.b[i] = v.i[i] != 0
			}
		case pF64:
			for _, i := range rows {
				out.b[i] = v.f[i] != 0
			}
		case pStr:
			for _, i := range rows {
				out.b[i] = strToFloat(v.str(int(i))) != 0
			}
		case pBool:
			copy(out.b, v.b[:n])
		}
	case types.Int64:
		out.i = eGrowI64(out.ownI, n)
		out.ownI = out.i
		switch {
		case from.Kind == types.Bool:
			for _, i := range rows {
				out.i[i] = eB2I(v.b[i])
			}
		case from.Kind == types.Float64 || from.Kind == types.Decimal:
			dec := from.Kind == types.Decimal
			for _, i := range rows {
				out.i[i] = floatToInt(v.f[i], dec)
			}
		case from.Kind == types.String:
			for _, i := range rows {
				out.i[i] = strToInt(v.str(int(i)))
			}
		case from.Kind == types.Date:
			for _, i := range rows {
				out.i[i] = daysToInt(v.i[i])
			}
		case from.Kind == types.Timestamp:
			for _, i := range rows {
				out.i[i] = tsToInt(v.i[i])
			}
		default:
			copy(out.i, v.i[:n])
		}
	case types.Float64, types.Decimal:
		out.f = eGrowF64(out.ownF, n)
		out.ownF = out.f
		switch from.Kind {
		case types.Bool:
			for _, i := range rows {
				out.f[i] = float64(eB2I(v.b[i]))
			}
		case types.Int64:
			for _, i := range rows {
				out.f[i] = float64(v.i[i])
			}
		case types.Float64, types.Decimal:
			copy(out.f, v.f[:n])
		case types.String:
			for _, i := range rows {
				out.f[i] = strToFloat(v.str(int(i)))
			}
		case types.Date:
			for _, i := range rows {
				out.f[i] = float64(daysToInt(v.i[i]))
			}
		case types.Timestamp:
			for _, i := range rows {
				out.f[i] = float64(tsToInt(v.i[i]))
			}
		}
		if to.Kind == types.Decimal {
			for _, i := range rows {
				out.f[i] = roundScale(out.f[i], scale)
			}
		}
	case types.String:
		var sb strBuilder
		sb.reset(out, n)
		var buf []byte
		for _, i := range rows {
			if isNull(i) {
				continue
			}
			buf = buf[:0]
			switch from.Kind {
			case types.Bool:
				if v.b[i] {
					buf = append(buf, '1')
				} else {
					buf = append(buf, '0')
				}
			case types.Int64:
				buf = strconv.AppendInt(buf, v.i[i], 10)
			case types.Float64:
				buf = appendFloat(buf, v.f[i])
			case types.Decimal:
				buf = appendDecimal(buf, v.f[i], int(from.Scale))
			case types.Date:
				buf = appendDate(buf, v.i[i])
			case types.Timestamp:
				buf = appendTimestamp(buf, v.i[i])
			}
			sb.add(int(i), buf)
		}
		if err := sb.finish(n); err != nil {
			return nil, err
		}
	case types.Date, types.Timestamp:
		out.i = eGrowI64(out.ownI, n)
		out.ownI = out.i
		out.ensureNulls(n)
		toTS := to.Kind == types.Timestamp
		for _, i := range rows {
			if isNull(i) {
				continue
			}
			var d, us int64
			ok := true
			switch from.Kind {
			case types.String:
				d, us, _, ok = parseDateTime(v.str(int(i)))
			case types.Int64:
				d, ok = intToDays(v.i[i])
			case types.Date:
				d = v.i[i]
			case types.Timestamp:
				d = floorDivI64(v.i[i], usPerDay)
				us = v.i[i] - d*usPerDay
			default:
				ok = false
			}
			if !ok {
				out.nulls[i] = true
				continue
			}
			out.nulls[i] = false
			if toTS {
				out.i[i] = d*usPerDay + us
			} else {
				out.i[i] = d
			}
		}
	default:
		setConstVec(out, types.Value{Null: true}, to)
	}
	return out, nil
}

func eB2I(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
