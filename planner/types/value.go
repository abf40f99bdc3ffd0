package types

import (
	"math"
	"strconv"
	"time"
)

// Value is one SQL datum, used row-at-a-time: literals, subquery results,
// result rendering, and reference evaluators in tests. Hot loops never use it.
//
// Exactly one payload field is meaningful, chosen by Kind: I for Bool (0/1),
// Int64, Date (days since epoch) and Timestamp (µs since epoch); F for
// Float64 and Decimal; S for String. A NULL of any type has Null set.
type Value struct {
	Kind Kind
	Null bool
	I    int64
	F    float64
	S    string
}

// NullValue is the untyped NULL.
var NullValue = Value{Kind: Null, Null: true}

func NewBool(b bool) Value {
	if b {
		return Value{Kind: Bool, I: 1}
	}
	return Value{Kind: Bool}
}
func NewInt(i int64) Value        { return Value{Kind: Int64, I: i} }
func NewFloat(f float64) Value    { return Value{Kind: Float64, F: f} }
func NewString(s string) Value    { return Value{Kind: String, S: s} }
func NewDate(days int64) Value    { return Value{Kind: Date, I: days} }
func NewTimestamp(us int64) Value { return Value{Kind: Timestamp, I: us} }

// Bool returns the truth of a Bool value.
func (v Value) Bool() bool { return v.I != 0 }

// AsFloat converts a numeric value to float64.
func (v Value) AsFloat() float64 {
	switch v.Kind {
	case Float64, Decimal:
		return v.F
	case Int64, Bool:
		return float64(v.I)
	case String:
		f, _ := strconv.ParseFloat(v.S, 64)
		return f
	}
	return math.NaN()
}

// String renders the value the way sluice prints results: NULL as "NULL",
// floats in shortest form, dates as YYYY-MM-DD, timestamps as
// "YYYY-MM-DD HH:MM:SS[.ffffff]".
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	switch v.Kind {
	case Bool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	case Int64:
		return strconv.FormatInt(v.I, 10)
	case Float64, Decimal:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case String:
		return v.S
	case Date:
		return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
	case Timestamp:
		t := time.UnixMicro(v.I).UTC()
		if v.I%1_000_000 == 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04:05.999999")
	}
	return "?"
}
