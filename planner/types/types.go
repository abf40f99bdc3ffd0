package types

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the family of a logical type.
type Kind uint8

const (
	Null Kind = iota // the type of an untyped NULL literal
	Bool
	Int64
	Float64
	Decimal
	String
	Date
	Timestamp
)

var kindNames = [...]string{"NULL", "BOOLEAN", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "DATE", "TIMESTAMP"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// T is a logical SQL type. Precision and Scale are meaningful for Decimal only.
type T struct {
	Kind      Kind
	Precision uint8
	Scale     uint8
}

// Convenience values for the parameterless types.
var (
	NullT      = T{Kind: Null}
	BoolT      = T{Kind: Bool}
	Int64T     = T{Kind: Int64}
	Float64T   = T{Kind: Float64}
	StringT    = T{Kind: String}
	DateT      = T{Kind: Date}
	TimestampT = T{Kind: Timestamp}
)

// DecimalT returns DECIMAL(p,s).
func DecimalT(p, s uint8) T { return T{Kind: Decimal, Precision: p, Scale: s} }

func (t T) String() string {
	if t.Kind == Decimal {
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	}
	return t.Kind.String()
}

// IsNumeric reports whether t is Int64, Float64 or Decimal.
func (t T) IsNumeric() bool { return t.Kind == Int64 || t.Kind == Float64 || t.Kind == Decimal }

// Arrow returns the Arrow data type exec uses for a column of type t.
func (t T) Arrow() arrow.DataType {
	switch t.Kind {
	case Null:
		return arrow.Null
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Float64, Decimal:
		return arrow.PrimitiveTypes.Float64
	case String:
		return arrow.BinaryTypes.String
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return arrow.FixedWidthTypes.Timestamp_us
	}
	panic(fmt.Sprintf("types: no arrow type for %v", t))
}

// GlueName returns the Glue / Hive type string for t ("bigint", "decimal(10,2)", ...).
func (t T) GlueName() string {
	switch t.Kind {
	case Bool:
		return "boolean"
	case Int64:
		return "bigint"
	case Float64:
		return "double"
	case Decimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case String:
		return "string"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp"
	}
	return "void"
}

// ParseGlue parses a Glue / Hive / SQL type name ("int", "bigint", "double",
// "decimal(10,2)", "string", "varchar(20)", "date", "timestamp", "boolean").
func ParseGlue(s string) (T, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	base, args := n, ""
	if i := strings.IndexByte(n, '('); i >= 0 && strings.HasSuffix(n, ")") {
		base, args = strings.TrimSpace(n[:i]), n[i+1:len(n)-1]
	}
	switch base {
	case "boolean", "bool":
		return BoolT, nil
	case "tinyint", "smallint", "int", "integer", "bigint", "mediumint", "signed", "unsigned":
		return Int64T, nil
	case "double", "float", "real", "double precision":
		return Float64T, nil
	case "decimal", "numeric", "dec":
		p, sc := 10, 0
		if args != "" {
			var err error
			if strings.Contains(args, ",") {
				_, err = fmt.Sscanf(strings.ReplaceAll(args, " ", ""), "%d,%d", &p, &sc)
			} else {
				_, err = fmt.Sscanf(strings.TrimSpace(args), "%d", &p)
			}
			if err != nil {
				return T{}, fmt.Errorf("invalid decimal type %q", s)
			}
		}
		if p < 1 || p > 38 || sc < 0 || sc > p {
			return T{}, fmt.Errorf("invalid decimal precision/scale in %q", s)
		}
		return DecimalT(uint8(p), uint8(sc)), nil
	case "string", "varchar", "char", "text", "character varying", "character":
		return StringT, nil
	case "date":
		return DateT, nil
	case "timestamp", "datetime":
		return TimestampT, nil
	}
	return T{}, fmt.Errorf("unsupported type %q", s)
}

// FromArrow maps an Arrow type as read from Parquet to the logical type, or
// an error for types sluice does not support.
func FromArrow(dt arrow.DataType) (T, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return BoolT, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return Int64T, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		return Float64T, nil
	case arrow.DECIMAL128, arrow.DECIMAL256:
		d := dt.(arrow.DecimalType)
		return DecimalT(uint8(d.GetPrecision()), uint8(d.GetScale())), nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return StringT, nil
	case arrow.DICTIONARY:
		return FromArrow(dt.(*arrow.DictionaryType).ValueType)
	case arrow.DATE32, arrow.DATE64:
		return DateT, nil
	case arrow.TIMESTAMP:
		return TimestampT, nil
	case arrow.NULL:
		return NullT, nil
	}
	return T{}, fmt.Errorf("unsupported column type %s", dt)
}
