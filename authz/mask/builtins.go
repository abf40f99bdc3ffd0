package mask

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// redactRune is the Iceberg "mask-alphanum" rule for one code point.
func redactRune(r rune) rune {
	switch {
	case r >= '0' && r <= '9':
		return 'n'
	case r == '(' || r == ')' || r == ',' || r == '.' || r == '-' || r == '@':
		return r
	}
	return 'x'
}

// Redact replaces digits by 'n', keeps ( ) , . - @, and replaces every
// other character by 'x'. An invalid UTF-8 byte counts as one character.
// The output has as many characters as the input.
func Redact(s string) string { return redactFrom(s, 0, -1) }

// redactFrom keeps the characters with index in [keepLo, keepHi) and
// redacts the others (keepHi < 0: nothing kept past keepLo=0).
func redactFrom(s string, keepLo, keepHi int) string {
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for len(s) > 0 {
		r, w := utf8.DecodeRuneInString(s)
		if i >= keepLo && i < keepHi {
			b.WriteString(s[:w])
		} else {
			b.WriteRune(redactRune(r))
		}
		s = s[w:]
		i++
	}
	return b.String()
}

// ShowFirst keeps the first n characters of s and redacts the rest.
func ShowFirst(s string, n int64) (string, error) {
	if n < 0 {
		return "", lferr.New(lferr.InvalidInput, "show_first: negative length %d", n)
	}
	return redactFrom(s, 0, int(min(n, int64(len(s))))), nil
}

// ShowLast keeps the last n characters of s and redacts the rest.
func ShowLast(s string, n int64) (string, error) {
	if n < 0 {
		return "", lferr.New(lferr.InvalidInput, "show_last: negative length %d", n)
	}
	total := utf8.RuneCountInString(s)
	lo := total - int(min(n, int64(total)))
	return redactFrom(s, lo, total), nil
}

// SHA256Hex is the lower-case hex SHA-256 digest of s's bytes.
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TruncateTime returns the first instant (UTC) of t's year or month.
func TruncateTime(t time.Time, unit string) (time.Time, error) {
	t = t.UTC()
	switch unit {
	case "year":
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, lferr.New(lferr.InvalidInput, "truncate_date: unit must be \"year\" or \"month\", not %q", unit)
}

// Default is the constant default value of type t (Iceberg's
// "replace-with-default" values; DATE/TIMESTAMP use the Unix epoch).
func Default(t types.T) types.Value {
	switch t.Kind {
	case types.Bool:
		return types.NewBool(false)
	case types.Int64:
		return types.NewInt(0)
	case types.Float64, types.Decimal:
		return types.Value{Kind: t.Kind}
	case types.String:
		return types.NewString("")
	case types.Date:
		return types.NewDate(0)
	case types.Timestamp:
		return types.NewTimestamp(0)
	}
	return types.NullValue
}

func dateToTime(days int64) time.Time { return time.Unix(days*86400, 0).UTC() }

func timeToDate(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// ApplyBuiltin applies a built-in mask to one value of type t: the
// reference semantics the vectorized kernels must match. NULL maps to NULL.
func ApplyBuiltin(b Builtin, t types.T, v types.Value) (types.Value, error) {
	if v.Null {
		return types.Value{Kind: t.Kind, Null: true}, nil
	}
	str := func(f func(string) (string, error)) (types.Value, error) {
		if v.Kind != types.String {
			return types.Value{}, lferr.New(lferr.TypeError, "mask %s needs a string value, got %s", b.Kind, v.Kind)
		}
		s, err := f(v.S)
		return types.NewString(s), err
	}
	intArg := func() int64 {
		if len(b.Args) == 1 && b.Args[0].Kind == types.Int64 {
			return b.Args[0].I
		}
		return -1
	}
	switch b.Kind {
	case KindNull:
		return types.Value{Kind: t.Kind, Null: true}, nil
	case KindDefault:
		return Default(t), nil
	case KindConstant:
		if len(b.Args) != 1 {
			return types.Value{}, lferr.AssertionFailedf("mask: constant without value")
		}
		return b.Args[0], nil
	case KindRedact:
		return str(func(s string) (string, error) { return Redact(s), nil })
	case KindSHA256:
		return str(func(s string) (string, error) { return SHA256Hex(s), nil })
	case KindShowFirst:
		return str(func(s string) (string, error) { return ShowFirst(s, intArg()) })
	case KindShowLast:
		return str(func(s string) (string, error) { return ShowLast(s, intArg()) })
	case KindTruncateDate:
		unit := ""
		if len(b.Args) == 1 {
			unit = b.Args[0].S
		}
		switch v.Kind {
		case types.Date:
			tt, err := TruncateTime(dateToTime(v.I), unit)
			return types.NewDate(timeToDate(tt)), err
		case types.Timestamp:
			tt, err := TruncateTime(time.UnixMicro(v.I), unit)
			return types.NewTimestamp(tt.UnixMicro()), err
		}
		return types.Value{}, lferr.New(lferr.TypeError, "truncate_date needs a DATE or TIMESTAMP value, got %s", v.Kind)
	}
	return types.Value{}, lferr.AssertionFailedf("mask: unknown builtin %d", b.Kind)
}
