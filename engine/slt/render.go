package slt

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// Render formats v as the reference driver would for a column declared with
// type letter typ ('I', 'R' or 'T'). The declared letter wins over the
// value's own type: that is what lets an engine returning DOUBLE or DECIMAL
// for `(a+b)/5` still match SQLite's integer answers (I truncates).
func Render(v types.Value, typ byte) string {
	if v.Null || v.Kind == types.Null {
		return "NULL"
	}
	switch typ {
	case 'I':
		return strconv.FormatInt(asInt(v), 10)
	case 'R':
		return formatReal(asFloat(v))
	default:
		return renderText(asText(v))
	}
}

// asInt converts like SQLite's sqlite3_column_int64 / ODBC's fetch as a C
// long: reals truncate toward zero, text yields its leading integer prefix.
func asInt(v types.Value) int64 {
	switch v.Kind {
	case types.Float64, types.Decimal:
		return truncFloat(v.F)
	case types.String:
		return intPrefix(v.S)
	}
	// Bool, Int64, Date, Timestamp carry their integer in I.
	return v.I
}

func truncFloat(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f) // Go's conversion truncates toward zero
}

// intPrefix parses the leading integer of s ('12abc' → 12, 'abc' → 0),
// skipping leading whitespace and saturating on overflow as SQLite does.
func intPrefix(s string) int64 {
	i := skipSpace(s, 0)
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var u uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			overflow = true
			continue
		}
		u = u*10 + d
	}
	if neg {
		if overflow || u > 1<<63 {
			return math.MinInt64
		}
		return -int64(u)
	}
	if overflow || u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
		i++
	}
	return i
}

func asFloat(v types.Value) float64 {
	switch v.Kind {
	case types.Float64, types.Decimal:
		return v.F
	case types.String:
		return floatPrefix(v.S)
	}
	return float64(v.I)
}

// floatPrefix parses the longest leading decimal number of s ('2.5x' → 2.5,
// 'abc' → 0), as SQLite's text-to-real conversion does.
func floatPrefix(s string) float64 {
	start := skipSpace(s, 0)
	i := start
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	end := i
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		k := j
		for ; k < len(s) && s[k] >= '0' && s[k] <= '9'; k++ {
		}
		if k > j {
			end = k
		}
	}
	// The prefix is well-formed, so only a range error is possible, and
	// ParseFloat then returns ±Inf or 0, which is what strtod gives too.
	f, _ := strconv.ParseFloat(s[start:end], 64)
	return f
}

// formatReal is "%.3f". Negative zero prints as 0.000, as SQLite's printf
// (which tests `value < 0`) does.
func formatReal(f float64) string {
	if f == 0 {
		f = 0
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// asText is a value's text form as SQLite's sqlite3_column_text gives it.
func asText(v types.Value) string {
	switch v.Kind {
	case types.String:
		return v.S
	case types.Int64, types.Bool:
		return strconv.FormatInt(v.I, 10)
	case types.Float64, types.Decimal:
		// SQLite's "%!.15g": 15 significant digits, and always a decimal
		// point or exponent so a real never reads as an integer.
		if math.IsInf(v.F, 0) || math.IsNaN(v.F) {
			return strconv.FormatFloat(v.F, 'g', -1, 64)
		}
		s := strconv.FormatFloat(v.F, 'g', 15, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	}
	return v.String()
}

// renderText applies the T rules: "" → "(empty)", every byte outside
// 0x20..0x7E → '@'.
func renderText(s string) string {
	if s == "" {
		return "(empty)"
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7E {
			b[i] = '@'
		}
	}
	return string(b)
}

// RenderRows renders a result per the type string and returns the values in
// row-major order. It does not check column counts.
func RenderRows(rows [][]types.Value, typs string) []string {
	out := make([]string, 0, len(rows)*len(typs))
	for _, row := range rows {
		for j, v := range row {
			t := byte('T')
			if j < len(typs) {
				t = typs[j]
			}
			out = append(out, Render(v, t))
		}
	}
	return out
}

// SortValues orders rendered values (ncols per row) per mode, in place, and
// returns them. Sorting is byte-wise, like strcmp in the reference driver.
func SortValues(vals []string, ncols int, mode SortMode) []string {
	switch mode {
	case ValueSort:
		sort.Strings(vals)
	case RowSort:
		if ncols <= 0 || len(vals)%ncols != 0 {
			return vals
		}
		nrows := len(vals) / ncols
		idx := make([]int, nrows)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			ra, rb := vals[idx[a]*ncols:idx[a]*ncols+ncols], vals[idx[b]*ncols:idx[b]*ncols+ncols]
			for k := 0; k < ncols; k++ {
				if ra[k] != rb[k] {
					return ra[k] < rb[k]
				}
			}
			return false
		})
		sorted := make([]string, 0, len(vals))
		for _, i := range idx {
			sorted = append(sorted, vals[i*ncols:i*ncols+ncols]...)
		}
		copy(vals, sorted)
	}
	return vals
}

// HashValues is the corpus' result hash: lowercase hex MD5 of every value
// followed by "\n".
func HashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HashLine is the expected-result line for a hashed result.
func HashLine(vals []string) string {
	return strconv.Itoa(len(vals)) + " values hashing to " + HashValues(vals)
}
