package exec

import (
	"math"
	"strings"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// funcSpec documents one operator or function exec implements for
// plan.Func. Semantics are MySQL 8's unless Doc says otherwise. Types:
// the planner types the call (Func.T); exec converts arguments to what the
// function reads (numbers numerically, strings by MySQL's prefix rules)
// and computes in the representation of Func.T.
type funcSpec struct {
	Name     string
	Min, Max int // argument count; Max -1: variadic
	Doc      string
	// bind chooses argument types and the row implementation for the
	// scalar functions run by fnNode; nil for operators with their own
	// vectorized nodes.
	bind func(e *plan.Func) ([]types.T, fnImpl, error)
}

// funcTable is the authoritative list of plan.Func names exec accepts.
var funcTable = []funcSpec{
	// Arithmetic. BIGINT overflow in + - * DIV and unary minus is an error
	// ("BIGINT value is out of range in '...'"); an infinite DOUBLE result
	// is an error too. DECIMAL is float64 underneath: results are rounded
	// to the scale of Func.T.
	{Name: "+", Min: 2, Max: 2, Doc: "addition"},
	{Name: "-", Min: 2, Max: 2, Doc: "subtraction"},
	{Name: "*", Min: 2, Max: 2, Doc: "multiplication"},
	{Name: "/", Min: 2, Max: 2, Doc: "division, never integer (DOUBLE or DECIMAL as typed); x/0 is NULL"},
	{Name: "div", Min: 2, Max: 2, Doc: "integer division truncating toward zero; x DIV 0 is NULL; non-integer operands are divided then truncated"},
	{Name: "%", Min: 2, Max: 2, Doc: "remainder with the sign of the dividend; x % 0 is NULL"},
	{Name: "mod", Min: 2, Max: 2, Doc: "MOD(x, y), same as %"},
	{Name: "neg", Min: 1, Max: 1, Doc: "unary minus; -(-9223372036854775808) is an error"},
	// Comparison: three-valued (NULL if an operand is NULL, except <=>).
	// Numbers compare numerically (BIGINT vs DOUBLE as DOUBLE), a string
	// against a number as DOUBLE (the string's numeric prefix), a string
	// against a DATE/TIMESTAMP as that type, strings byte-wise (binary
	// collation: case-sensitive, trailing spaces significant).
	{Name: "=", Min: 2, Max: 2, Doc: "equal"},
	{Name: "<>", Min: 2, Max: 2, Doc: "not equal"},
	{Name: "!=", Min: 2, Max: 2, Doc: "not equal"},
	{Name: "<", Min: 2, Max: 2, Doc: "less than"},
	{Name: "<=", Min: 2, Max: 2, Doc: "less or equal"},
	{Name: ">", Min: 2, Max: 2, Doc: "greater than"},
	{Name: ">=", Min: 2, Max: 2, Doc: "greater or equal"},
	{Name: "<=>", Min: 2, Max: 2, Doc: "NULL-safe equal: NULL <=> NULL is true, never NULL"},
	{Name: "between", Min: 3, Max: 3, Doc: "x BETWEEN lo AND hi = x >= lo AND x <= hi"},
	{Name: "not_between", Min: 3, Max: 3, Doc: "x < lo OR x > hi"},
	{Name: "like", Min: 2, Max: 3, Doc: "pattern match: % any sequence, _ one character, Args[2] escape (default \\); binary, case-sensitive"},
	{Name: "not_like", Min: 2, Max: 3, Doc: "NOT LIKE"},
	// Logic: operands are truth values (numbers: non-zero is true). AND
	// evaluates its right operand only where the left is not false, OR only
	// where the left is not true.
	{Name: "and", Min: 2, Max: -1, Doc: "three-valued AND (false wins over NULL)"},
	{Name: "or", Min: 2, Max: -1, Doc: "three-valued OR (true wins over NULL)"},
	{Name: "not", Min: 1, Max: 1, Doc: "three-valued NOT"},
	{Name: "xor", Min: 2, Max: 2, Doc: "NULL if either is NULL, else a != b"},
	{Name: "is_null", Min: 1, Max: 1, Doc: "x IS NULL (never NULL)"},
	{Name: "isnull", Min: 1, Max: 1, Doc: "ISNULL(x), same as x IS NULL"},
	{Name: "is_not_null", Min: 1, Max: 1, Doc: "x IS NOT NULL"},
	{Name: "is_true", Min: 1, Max: 1, Doc: "x IS TRUE: false for NULL"},
	{Name: "is_not_true", Min: 1, Max: 1, Doc: "x IS NOT TRUE: true for NULL"},
	{Name: "is_false", Min: 1, Max: 1, Doc: "x IS FALSE: false for NULL"},
	{Name: "is_not_false", Min: 1, Max: 1, Doc: "x IS NOT FALSE: true for NULL"},
	// Conditionals: lazy, each argument evaluated only on rows reaching it.
	{Name: "coalesce", Min: 1, Max: -1, Doc: "first non-NULL argument"},
	{Name: "ifnull", Min: 2, Max: 2, Doc: "IFNULL(a, b) = COALESCE(a, b)"},
	{Name: "nullif", Min: 2, Max: 2, Doc: "NULL if a = b, else a"},
	{Name: "if", Min: 3, Max: 3, Doc: "IF(c, a, b): a where c is true, else b (NULL c selects b)"},
	{Name: "greatest", Min: 2, Max: -1, Doc: "largest argument in Func.T; NULL if any argument is NULL"},
	{Name: "least", Min: 2, Max: -1, Doc: "smallest argument in Func.T; NULL if any argument is NULL"},
	// Numeric functions.
	{Name: "abs", Min: 1, Max: 1, Doc: "absolute value; ABS(-9223372036854775808) is an error", bind: bindAbs},
	{Name: "sign", Min: 1, Max: 1, Doc: "-1, 0 or 1", bind: bindSign},
	{Name: "round", Min: 1, Max: 2, Doc: "ROUND(x[, d]); d may be negative; DECIMAL/BIGINT halves away from zero, DOUBLE halves to even (MySQL uses rint)", bind: bindRound},
	{Name: "truncate", Min: 2, Max: 2, Doc: "TRUNCATE(x, d): drop digits beyond d toward zero", bind: bindTruncate},
	{Name: "floor", Min: 1, Max: 1, Doc: "largest integer not above x (BIGINT or DOUBLE as typed; BIGINT overflow is an error)", bind: bindFloorCeil(false)},
	{Name: "ceil", Min: 1, Max: 1, Doc: "smallest integer not below x", bind: bindFloorCeil(true)},
	{Name: "ceiling", Min: 1, Max: 1, Doc: "CEIL", bind: bindFloorCeil(true)},
	{Name: "sqrt", Min: 1, Max: 1, Doc: "square root; negative x gives NULL", bind: unaryFloat(math.Sqrt, func(x float64) bool { return x < 0 })},
	{Name: "power", Min: 2, Max: 2, Doc: "x to the power y; undefined (negative base, fractional exponent) gives NULL, overflow is an error", bind: bindPower},
	{Name: "pow", Min: 2, Max: 2, Doc: "POWER", bind: bindPower},
	{Name: "exp", Min: 1, Max: 1, Doc: "e^x; overflow is an error", bind: unaryFloat(math.Exp, nil)},
	{Name: "ln", Min: 1, Max: 1, Doc: "natural logarithm; x <= 0 gives NULL", bind: unaryFloat(math.Log, nonPositive)},
	{Name: "log", Min: 1, Max: 2, Doc: "LOG(x) = LN(x); LOG(b, x) = LN(x)/LN(b); NULL outside the domain", bind: bindLog},
	{Name: "log10", Min: 1, Max: 1, Doc: "base-10 logarithm; x <= 0 gives NULL", bind: unaryFloat(math.Log10, nonPositive)},
	{Name: "log2", Min: 1, Max: 1, Doc: "base-2 logarithm; x <= 0 gives NULL", bind: unaryFloat(math.Log2, nonPositive)},
	// String functions (UTF-8; positions count characters).
	{Name: "length", Min: 1, Max: 1, Doc: "length in bytes", bind: bindLength},
	{Name: "octet_length", Min: 1, Max: 1, Doc: "LENGTH", bind: bindLength},
	{Name: "char_length", Min: 1, Max: 1, Doc: "length in characters", bind: bindCharLength},
	{Name: "character_length", Min: 1, Max: 1, Doc: "CHAR_LENGTH", bind: bindCharLength},
	{Name: "ascii", Min: 1, Max: 1, Doc: "code of the first byte, 0 for ''", bind: bindASCII},
	{Name: "lower", Min: 1, Max: 1, Doc: "lower case (Unicode simple case mapping)", bind: strImpl1(appendLower)},
	{Name: "lcase", Min: 1, Max: 1, Doc: "LOWER", bind: strImpl1(appendLower)},
	{Name: "upper", Min: 1, Max: 1, Doc: "upper case", bind: strImpl1(appendUpper)},
	{Name: "ucase", Min: 1, Max: 1, Doc: "UPPER", bind: strImpl1(appendUpper)},
	{Name: "reverse", Min: 1, Max: 1, Doc: "characters in reverse order", bind: strImpl1(appendReverse)},
	{Name: "substring", Min: 2, Max: 3, Doc: "SUBSTRING(s, pos[, len]): 1-based; negative pos counts from the end; pos 0 or len <= 0 gives ''", bind: bindSubstring},
	{Name: "substr", Min: 2, Max: 3, Doc: "SUBSTRING", bind: bindSubstring},
	{Name: "mid", Min: 3, Max: 3, Doc: "SUBSTRING", bind: bindSubstring},
	{Name: "left", Min: 2, Max: 2, Doc: "first n characters ('' for n <= 0)", bind: bindLeftRight(false)},
	{Name: "right", Min: 2, Max: 2, Doc: "last n characters", bind: bindLeftRight(true)},
	{Name: "trim", Min: 1, Max: 2, Doc: "TRIM(s) strips spaces both sides; TRIM(s, r) strips every leading and trailing r", bind: bindTrim(true, true)},
	{Name: "ltrim", Min: 1, Max: 1, Doc: "strip leading spaces", bind: bindTrim(true, false)},
	{Name: "rtrim", Min: 1, Max: 1, Doc: "strip trailing spaces", bind: bindTrim(false, true)},
	{Name: "replace", Min: 3, Max: 3, Doc: "REPLACE(s, from, to): every occurrence, case-sensitive; from '' leaves s", bind: bindReplace},
	{Name: "concat", Min: 1, Max: -1, Doc: "concatenation; NULL if any argument is NULL", bind: bindConcat},
	{Name: "||", Min: 2, Max: 2, Doc: "concatenation (the planner emits it only for PIPES_AS_CONCAT); as CONCAT", bind: bindConcat},
	{Name: "concat_ws", Min: 2, Max: -1, Doc: "CONCAT_WS(sep, ...): NULL only if sep is NULL; NULL arguments are skipped", bind: bindConcatWS},
	{Name: "lpad", Min: 3, Max: 3, Doc: "LPAD(s, n, pad): pad on the left to n characters, or truncate to n; NULL for n < 0, for an empty pad that is needed, or a result over 16 MiB", bind: bindPad(true)},
	{Name: "rpad", Min: 3, Max: 3, Doc: "RPAD: as LPAD, padding on the right", bind: bindPad(false)},
	{Name: "repeat", Min: 2, Max: 2, Doc: "REPEAT(s, n): '' for n <= 0; NULL past 16 MiB", bind: bindRepeat},
	{Name: "instr", Min: 2, Max: 2, Doc: "INSTR(s, sub): 1-based character position of sub, 0 if absent", bind: bindInstr},
	{Name: "locate", Min: 2, Max: 3, Doc: "LOCATE(sub, s[, pos]): position of sub at or after pos, 0 if absent", bind: bindLocate},
	{Name: "position", Min: 2, Max: 2, Doc: "POSITION(sub IN s) = LOCATE(sub, s)", bind: bindLocate},
	// Date functions (DATE days, TIMESTAMP µs, UTC). String arguments are
	// parsed as 'YYYY-MM-DD[ hh:mm:ss[.ffffff]]'; bad ones give NULL.
	{Name: "year", Min: 1, Max: 1, Doc: "year", bind: bindDatePart},
	{Name: "month", Min: 1, Max: 1, Doc: "month 1-12", bind: bindDatePart},
	{Name: "day", Min: 1, Max: 1, Doc: "day of month", bind: bindDatePart},
	{Name: "dayofmonth", Min: 1, Max: 1, Doc: "DAY", bind: bindDatePart},
	{Name: "quarter", Min: 1, Max: 1, Doc: "quarter 1-4", bind: bindDatePart},
	{Name: "dayofweek", Min: 1, Max: 1, Doc: "1 = Sunday .. 7 = Saturday", bind: bindDatePart},
	{Name: "dayofyear", Min: 1, Max: 1, Doc: "1-366", bind: bindDatePart},
	{Name: "hour", Min: 1, Max: 1, Doc: "hour (0 for a DATE)", bind: bindDatePart},
	{Name: "minute", Min: 1, Max: 1, Doc: "minute", bind: bindDatePart},
	{Name: "second", Min: 1, Max: 1, Doc: "second", bind: bindDatePart},
	{Name: "extract_year", Min: 1, Max: 1, Doc: "EXTRACT(YEAR FROM d)", bind: bindDatePart},
	{Name: "extract_quarter", Min: 1, Max: 1, Doc: "EXTRACT(QUARTER FROM d)", bind: bindDatePart},
	{Name: "extract_month", Min: 1, Max: 1, Doc: "EXTRACT(MONTH FROM d)", bind: bindDatePart},
	{Name: "extract_day", Min: 1, Max: 1, Doc: "EXTRACT(DAY FROM d)", bind: bindDatePart},
	{Name: "extract_hour", Min: 1, Max: 1, Doc: "EXTRACT(HOUR FROM d)", bind: bindDatePart},
	{Name: "extract_minute", Min: 1, Max: 1, Doc: "EXTRACT(MINUTE FROM d)", bind: bindDatePart},
	{Name: "extract_second", Min: 1, Max: 1, Doc: "EXTRACT(SECOND FROM d)", bind: bindDatePart},
	{Name: "extract_microsecond", Min: 1, Max: 1, Doc: "EXTRACT(MICROSECOND FROM d)", bind: bindDatePart},
	{Name: "date_add_days", Min: 2, Max: 2, Doc: "DATE_ADD(d, INTERVAL n DAY) (DATE_SUB: the planner negates n); NULL outside years 1-9999", bind: bindDateAddDays},
	{Name: "date_add_months", Min: 2, Max: 2, Doc: "DATE_ADD(d, INTERVAL n MONTH); INTERVAL n YEAR is 12n months; the day clamps to the month's end", bind: bindDateAddMonths},
	{Name: "date_trunc", Min: 2, Max: 2, Doc: "date_trunc(unit, d): unit a constant 'year', 'quarter', 'month', 'day', 'hour', 'minute' or 'second'", bind: bindDateTrunc},
	{Name: "datediff", Min: 2, Max: 2, Doc: "DATEDIFF(a, b): days from b to a", bind: bindDateDiff},
	// Built-in column masks (authz/mask semantics; truncate_date is
	// date_trunc, null/default/constant are constants).
	{Name: "mask_redact", Min: 1, Max: 1, Doc: "redact mask: digits → 'n', ( ) , . - @ kept, any other character → 'x'", bind: bindMaskRedact},
	{Name: "mask_show_first", Min: 2, Max: 2, Doc: "show_first mask: the first n characters kept, the rest redacted; NULL for n < 0", bind: bindMaskShow(false)},
	{Name: "mask_show_last", Min: 2, Max: 2, Doc: "show_last mask: the last n characters kept, the rest redacted; NULL for n < 0", bind: bindMaskShow(true)},
	{Name: "mask_sha256", Min: 1, Max: 1, Doc: "sha256 mask: lowercase hex SHA-256 of the string's bytes", bind: bindMaskSHA256},
}

var funcByName = func() map[string]*funcSpec {
	m := make(map[string]*funcSpec, len(funcTable))
	for i := range funcTable {
		m[funcTable[i].Name] = &funcTable[i]
	}
	return m
}()

// FuncSupported reports whether exec implements plan.Func name (lower
// case) with nargs arguments. The planner must emit only such calls.
func FuncSupported(name string, nargs int) bool {
	s, ok := funcByName[strings.ToLower(name)]
	if !ok {
		return false
	}
	return nargs >= s.Min && (s.Max < 0 || nargs <= s.Max)
}

// FuncDoc returns the documented semantics of a function, for EXPLAIN and
// the planner's error messages ("" if unknown).
func FuncDoc(name string) string {
	if s, ok := funcByName[strings.ToLower(name)]; ok {
		return s.Doc
	}
	return ""
}
