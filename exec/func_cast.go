package exec

import (
	"math"
	"strconv"

	"github.com/sluicedb/sluice/planner/types"
)

// Conversions between SQL types, MySQL style. The scalar helpers here are
// shared by the vectorized cast kernels and by EvalRow; they never fail:
// like MySQL in its default (non-strict for SELECT) behaviour, a bad input
// becomes 0 or NULL, not an error.

// strToInt takes the leading integer prefix of s ('  12abc' → 12,
// '1.9' → 1, ” and 'abc' → 0), clamping to the BIGINT range.
func strToInt(s string) int64 {
	i := 0
	for i < len(s) && isSQLSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var u uint64
	over := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			over = true
			continue
		}
		u = u*10 + d
	}
	if neg {
		if over || u > 1<<63 {
			return math.MinInt64
		}
		return -int64(u)
	}
	if over || u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

func isSQLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// strToFloat takes the longest leading prefix of s that is a decimal
// number ('1.5e3x' → 1500, '.5' → 0.5, ” → 0), clamping to ±MaxFloat64.
func strToFloat(s string) float64 {
	i := 0
	for i < len(s) && isSQLSpace(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0
	}
	if math.IsInf(f, 1) {
		return math.MaxFloat64
	}
	if math.IsInf(f, -1) {
		return -math.MaxFloat64
	}
	return f
}

// floatToInt converts to BIGINT: DOUBLE rounds half to even (MySQL uses
// rint), DECIMAL rounds half away from zero; out-of-range values clamp.
func floatToInt(f float64, decimal bool) int64 {
	if f != f {
		return 0
	}
	if decimal {
		f = roundHalfAway(f)
	} else {
		f = math.RoundToEven(f)
	}
	if f >= 9.223372036854775807e18 {
		return math.MaxInt64
	}
	if f <= -9.223372036854775808e18 {
		return math.MinInt64
	}
	return int64(f)
}

// roundHalfAway rounds to an integer, halves away from zero, treating a
// value within float noise of a half as the half (DECIMAL is float64 here).
func roundHalfAway(x float64) float64 {
	t := math.Trunc(x)
	if math.Abs(x-t) >= 0.5-1e-9 {
		return t + math.Copysign(1, x)
	}
	return t
}

var pow10tab = func() [19]float64 {
	var p [19]float64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// roundScale rounds f to s decimal digits, halves away from zero (DECIMAL
// semantics on float64 storage). Scales beyond float64 precision are left.
func roundScale(f float64, s int) float64 {
	if s < 0 || s >= len(pow10tab) || f != f || math.IsInf(f, 0) {
		return f
	}
	p := pow10tab[s]
	x := f * p
	if math.Abs(x) >= 1<<52 {
		return f
	}
	// Nudge by a relative epsilon so that decimal halves stored as binary
	// just below .5 (2.675 → 2.67499999...) round as DECIMAL would.
	x += math.Copysign(math.Abs(x)*1e-13, x)
	return math.Round(x) / p
}

// civil date arithmetic (Howard Hinnant's algorithms): days since
// 1970-01-01 ↔ proleptic Gregorian year, month, day.

func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

const usPerDay = 86_400_000_000

// floorDivI64 divides rounding toward negative infinity (timestamps before
// 1970 belong to the earlier day).
func floorDivI64(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Valid DATE range, as MySQL: 1000-01-01 .. 9999-12-31 is "supported", but
// MySQL accepts years 0..9999; sluice accepts 0001..9999.
const (
	minYear = 1
	maxYear = 9999
)

// parseDateTime parses 'YYYY-MM-DD[( |T)hh:mm:ss[.ffffff]]' (month, day and
// time fields may have one digit; surrounding spaces are ignored). ok is
// false for anything else or an impossible date, which casts make NULL.
func parseDateTime(s string) (days, us int64, hasTime, ok bool) {
	i := 0
	for i < len(s) && isSQLSpace(s[i]) {
		i++
	}
	j := len(s)
	for j > i && isSQLSpace(s[j-1]) {
		j--
	}
	s = s[i:j]
	p := 0
	num := func(maxDigits int) (int64, bool) {
		start := p
		var v int64
		for p < len(s) && p-start < maxDigits && s[p] >= '0' && s[p] <= '9' {
			v = v*10 + int64(s[p]-'0')
			p++
		}
		return v, p > start
	}
	sep := func(c byte) bool {
		if p < len(s) && s[p] == c {
			p++
			return true
		}
		return false
	}
	y, ok1 := num(4)
	if !ok1 || p != 4 || !sep('-') {
		return 0, 0, false, false
	}
	m, ok2 := num(2)
	if !ok2 || !sep('-') {
		return 0, 0, false, false
	}
	d, ok3 := num(2)
	if !ok3 || y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, 0, false, false
	}
	days = daysFromCivil(y, m, d)
	if p == len(s) {
		return days, 0, false, true
	}
	if s[p] != ' ' && s[p] != 'T' {
		return 0, 0, false, false
	}
	p++
	hh, okh := num(2)
	if !okh || !sep(':') {
		return 0, 0, false, false
	}
	mi, okm := num(2)
	if !okm || !sep(':') {
		return 0, 0, false, false
	}
	ss, oks := num(2)
	if !oks || hh > 23 || mi > 59 || ss > 59 {
		return 0, 0, false, false
	}
	var frac int64
	if sep('.') {
		start := p
		f, okf := num(6)
		if !okf {
			return 0, 0, false, false
		}
		for k := p - start; k < 6; k++ {
			f *= 10
		}
		frac = f
		for p < len(s) && s[p] >= '0' && s[p] <= '9' { // more than 6 digits: truncate
			p++
		}
	}
	if p != len(s) {
		return 0, 0, false, false
	}
	return days, ((hh*60+mi)*60+ss)*1_000_000 + frac, true, true
}

// intToDays reads an integer as YYYYMMDD (MySQL: CAST(20200131 AS DATE)).
func intToDays(v int64) (int64, bool) {
	if v < 10000101 || v > 99991231 {
		return 0, false
	}
	y, m, d := v/10000, v/100%100, v%100
	if m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func daysToInt(days int64) int64 {
	y, m, d := civilFromDays(days)
	return y*10000 + m*100 + d
}

func tsToInt(us int64) int64 {
	days := floorDivI64(us, usPerDay)
	rem := (us - days*usPerDay) / 1_000_000
	return daysToInt(days)*1_000_000 + rem/3600*10000 + rem/60%60*100 + rem%60
}

func appendPad2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func appendDate(dst []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y >= 0 && y < 10000 {
		dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	} else {
		dst = strconv.AppendInt(dst, y, 10)
	}
	dst = append(dst, '-')
	dst = appendPad2(dst, m)
	dst = append(dst, '-')
	return appendPad2(dst, d)
}

func appendTimestamp(dst []byte, us int64) []byte {
	days := floorDivI64(us, usPerDay)
	rem := us - days*usPerDay
	dst = appendDate(dst, days)
	secs := rem / 1_000_000
	dst = append(dst, ' ')
	dst = appendPad2(dst, secs/3600)
	dst = append(dst, ':')
	dst = appendPad2(dst, secs/60%60)
	dst = append(dst, ':')
	dst = appendPad2(dst, secs%60)
	if frac := rem % 1_000_000; frac != 0 {
		dst = append(dst, '.')
		var buf [6]byte
		for k := 5; k >= 0; k-- {
			buf[k] = byte('0' + frac%10)
			frac /= 10
		}
		n := 6
		for n > 0 && buf[n-1] == '0' {
			n--
		}
		dst = append(dst, buf[:n]...)
	}
	return dst
}

// appendFloat renders a DOUBLE the way MySQL does: shortest round-trip
// digits, plain notation for moderate exponents, otherwise 1.5e20 / 1e-7
// (no '+', no leading zeros in the exponent).
func appendFloat(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	k := start
	for dst[k] != 'e' {
		k++
	}
	exp := 0
	neg := dst[k+1] == '-'
	for _, c := range dst[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	if exp >= -5 && exp < 15 {
		return strconv.AppendFloat(dst[:start], f, 'f', -1, 64)
	}
	// Rewrite "e+20" → "e20", "e-07" → "e-7".
	dst = dst[:k+1]
	if neg {
		dst = append(dst, '-')
	}
	return strconv.AppendInt(dst, int64(max(exp, -exp)), 10)
}

// appendDecimal renders a DECIMAL with exactly scale fraction digits.
func appendDecimal(dst []byte, f float64, scale int) []byte {
	f = roundScale(f, scale)
	if f == 0 {
		f = 0 // no "-0.00"
	}
	return strconv.AppendFloat(dst, f, 'f', scale, 64)
}

// appendValueString renders v as CAST(v AS CHAR) does.
func appendValueString(dst []byte, v types.Value, from types.T) []byte {
	switch from.Kind {
	case types.Bool:
		if v.I != 0 {
			return append(dst, '1')
		}
		return append(dst, '0')
	case types.Int64:
		return strconv.AppendInt(dst, v.I, 10)
	case types.Float64:
		return appendFloat(dst, v.F)
	case types.Decimal:
		return appendDecimal(dst, v.F, int(from.Scale))
	case types.String:
		return append(dst, v.S...)
	case types.Date:
		return appendDate(dst, v.I)
	case types.Timestamp:
		return appendTimestamp(dst, v.I)
	}
	return dst
}

// castValue converts a Value to logical type to, reading it as the type
// its Kind names (a DECIMAL renders with the target's scale).
func castValue(v types.Value, to types.T) (types.Value, error) {
	from := types.T{Kind: v.Kind}
	if v.Kind == types.Decimal && to.Kind == types.Decimal {
		from.Scale = to.Scale
	}
	return castValueT(v, from, to)
}

// castValueT converts v, of logical type from, to type to: the
// row-at-a-time twin of the cast kernels.
func castValueT(v types.Value, from, to types.T) (types.Value, error) {
	if v.Null || v.Kind == types.Null || from.Kind == types.Null {
		return types.Value{Kind: to.Kind, Null: true}, nil
	}
	if from.Kind != v.Kind {
		from = types.T{Kind: v.Kind}
	}
	null := types.Value{Kind: to.Kind, Null: true}
	switch to.Kind {
	case types.Null:
		return null, nil
	case types.Bool:
		switch v.Kind {
		case types.Bool, types.Int64, types.Date, types.Timestamp:
			return types.NewBool(v.I != 0), nil
		case types.Float64, types.Decimal:
			return types.NewBool(v.F != 0), nil
		case types.String:
			return types.NewBool(strToFloat(v.S) != 0), nil
		}
	case types.Int64:
		switch v.Kind {
		case types.Bool, types.Int64:
			return types.NewInt(v.I), nil
		case types.Float64:
			return types.NewInt(floatToInt(v.F, false)), nil
		case types.Decimal:
			return types.NewInt(floatToInt(v.F, true)), nil
		case types.String:
			return types.NewInt(strToInt(v.S)), nil
		case types.Date:
			return types.NewInt(daysToInt(v.I)), nil
		case types.Timestamp:
			return types.NewInt(tsToInt(v.I)), nil
		}
	case types.Float64, types.Decimal:
		var f float64
		switch v.Kind {
		case types.Bool, types.Int64:
			f = float64(v.I)
		case types.Float64, types.Decimal:
			f = v.F
		case types.String:
			f = strToFloat(v.S)
		case types.Date:
			f = float64(daysToInt(v.I))
		case types.Timestamp:
			f = float64(tsToInt(v.I))
		}
		if to.Kind == types.Decimal {
			return types.Value{Kind: types.Decimal, F: roundScale(f, int(to.Scale))}, nil
		}
		return types.NewFloat(f), nil
	case types.String:
		if v.Kind == types.String {
			return v, nil
		}
		if v.Kind == types.Decimal && from.Kind == types.Decimal && from.Scale == 0 && from.Precision == 0 {
			return types.NewString(string(appendFloat(nil, v.F))), nil
		}
		return types.NewString(string(appendValueString(nil, v, from))), nil
	case types.Date:
		switch v.Kind {
		case types.Date:
			return v, nil
		case types.Timestamp:
			return types.NewDate(floorDivI64(v.I, usPerDay)), nil
		case types.String:
			d, _, _, ok := parseDateTime(v.S)
			if !ok {
				return null, nil
			}
			return types.NewDate(d), nil
		case types.Int64:
			d, ok := intToDays(v.I)
			if !ok {
				return null, nil
			}
			return types.NewDate(d), nil
		}
		return null, nil
	case types.Timestamp:
		switch v.Kind {
		case types.Timestamp:
			return v, nil
		case types.Date:
			return types.NewTimestamp(v.I * usPerDay), nil
		case types.String:
			d, us, _, ok := parseDateTime(v.S)
			if !ok {
				return null, nil
			}
			return types.NewTimestamp(d*usPerDay + us), nil
		case types.Int64:
			d, ok := intToDays(v.I)
			if !ok {
				return null, nil
			}
			return types.NewTimestamp(d * usPerDay), nil
		}
		return null, nil
	}
	return null, nil
}
