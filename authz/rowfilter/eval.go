package rowfilter

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Truth is a SQL three-valued truth value.
type Truth uint8

const (
	False Truth = iota
	True
	Unknown // SQL NULL
)

func (t Truth) String() string {
	switch t {
	case False:
		return "FALSE"
	case True:
		return "TRUE"
	}
	return "NULL"
}

func not3(t Truth) Truth {
	switch t {
	case True:
		return False
	case False:
		return True
	}
	return Unknown
}

func of(b bool) Truth {
	if b {
		return True
	}
	return False
}

// Eval is the direct, row-at-a-time evaluator of e under SQL three-valued
// logic (see the package doc). row maps Column.Key() to the cell value; a
// value with Null set is a NULL cell; a column missing from row is an error
// (fail closed: a caller that forgot a column must not see rows pass). e
// should be bound (Bind); an unbound integer literal against a Float64 value
// is compared numerically.
func Eval(e Expr, row map[string]types.Value) (Truth, error) {
	switch n := e.(type) {
	case *Bool:
		return of(n.Value), nil
	case *Not:
		t, err := Eval(n.X, row)
		return not3(t), err
	case *And:
		out := True
		for _, x := range n.Terms {
			t, err := Eval(x, row)
			if err != nil {
				return Unknown, err
			}
			if t == False {
				out = False
			} else if t == Unknown && out == True {
				out = Unknown
			}
		}
		return out, nil
	case *Or:
		out := False
		for _, x := range n.Terms {
			t, err := Eval(x, row)
			if err != nil {
				return Unknown, err
			}
			if t == True {
				out = True
			} else if t == Unknown && out == False {
				out = Unknown
			}
		}
		return out, nil
	case *IsNull:
		v, err := cell(row, n.Col)
		if err != nil {
			return Unknown, err
		}
		return of(v.Null != n.Negated), nil
	case *Compare:
		v, err := cell(row, n.Col)
		if err != nil || v.Null {
			return Unknown, err
		}
		b, err := compare(v, n.Op, n.Lit)
		return of(b), err
	case *In:
		v, err := cell(row, n.Col)
		if err != nil || v.Null {
			return Unknown, err
		}
		found := false
		for _, l := range n.List {
			eq, err := compare(v, Eq, l)
			if err != nil {
				return Unknown, err
			}
			found = found || eq
		}
		return of(found != n.Negated), nil
	case *Between:
		v, err := cell(row, n.Col)
		if err != nil || v.Null {
			return Unknown, err
		}
		ge, err := compare(v, Ge, n.Lo)
		if err != nil {
			return Unknown, err
		}
		le, err := compare(v, Le, n.Hi)
		if err != nil {
			return Unknown, err
		}
		return of((ge && le) != n.Negated), nil
	case *Like:
		v, err := cell(row, n.Col)
		if err != nil || v.Null {
			return Unknown, err
		}
		if v.Kind != types.String {
			return Unknown, lferr.New(lferr.TypeError, "LIKE on %s value of column %s", v.Kind, n.Col.Key())
		}
		return of(MatchLike(v.S, n.Pattern, n.Escape) != n.Negated), nil
	}
	return Unknown, lferr.AssertionFailedf("rowfilter: unknown node %T", e)
}

func cell(row map[string]types.Value, c Column) (types.Value, error) {
	v, ok := row[c.Key()]
	if !ok {
		return v, lferr.New(lferr.UnknownColumn, "row has no value for column %s", c.Key())
	}
	return v, nil
}

// compare applies op to two non-NULL values of compatible kinds using Go's
// own operators, so that NaN behaves as IEEE 754 says (every ordered
// comparison false, <> true), as it does in CEL.
func compare(a types.Value, op CmpOp, b types.Value) (bool, error) {
	switch {
	case a.Kind == types.String && b.Kind == types.String:
		return cmpOrdered(a.S, op, b.S), nil
	case a.Kind == types.Int64 && b.Kind == types.Int64:
		return cmpOrdered(a.I, op, b.I), nil
	case a.Kind == types.Bool && b.Kind == types.Bool:
		return cmpOrdered(a.I, op, b.I), nil
	case isNum(a.Kind) && isNum(b.Kind):
		return cmpOrdered(a.AsFloat(), op, b.AsFloat()), nil
	}
	return false, lferr.New(lferr.TypeError, "cannot compare %s value with %s constant", a.Kind, b.Kind)
}

func isNum(k types.Kind) bool { return k == types.Int64 || k == types.Float64 || k == types.Decimal }

func cmpOrdered[T int64 | float64 | string](a T, op CmpOp, b T) bool {
	switch op {
	case Eq:
		return a == b
	case Ne:
		return a != b
	case Lt:
		return a < b
	case Le:
		return a <= b
	case Gt:
		return a > b
	}
	return a >= b
}

// MatchLike reports whether s matches the SQL LIKE pattern: '%' any run of
// characters (including none), '_' exactly one character, esc (if not 0)
// makes the next '%', '_' or esc literal. Characters are Unicode code points;
// an invalid UTF-8 byte in s counts as one character, as in RE2. Matching is
// case-sensitive and covers the whole string.
func MatchLike(s, pattern string, esc rune) bool {
	// Iterative wildcard matching with single-star backtracking: O(len(s) *
	// len(pattern)) worst case, no recursion, no allocation.
	type item struct {
		r   rune
		any bool // '%'
		one bool // '_'
	}
	var buf [64]item
	items := buf[:0]
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		i += w
		switch {
		case esc != 0 && r == esc && i < len(pattern):
			r2, w2 := utf8.DecodeRuneInString(pattern[i:])
			i += w2
			items = append(items, item{r: r2})
		case r == '%':
			if len(items) > 0 && items[len(items)-1].any {
				continue
			}
			items = append(items, item{any: true})
		case r == '_':
			items = append(items, item{one: true})
		default:
			items = append(items, item{r: r})
		}
	}
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, w := utf8.DecodeRuneInString(s[si:])
		if pi < len(items) && !items[pi].any && (items[pi].one || items[pi].r == r) {
			si += w
			pi++
			continue
		}
		if pi < len(items) && items[pi].any {
			starP, starS = pi, si
			pi++
			continue
		}
		if starP >= 0 {
			_, w0 := utf8.DecodeRuneInString(s[starS:])
			starS += w0
			si = starS
			pi = starP + 1
			continue
		}
		return false
	}
	for pi < len(items) && items[pi].any {
		pi++
	}
	return pi == len(items)
}

// likeRegexp translates a LIKE pattern to an anchored RE2 expression with
// the same meaning: (?s) so that '.' also matches '\n'.
func likeRegexp(pattern string, esc rune) string {
	var b strings.Builder
	b.WriteString("^(?s)")
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			b.WriteString(regexp.QuoteMeta(lit.String()))
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		i += w
		switch {
		case esc != 0 && r == esc && i < len(pattern):
			r2, w2 := utf8.DecodeRuneInString(pattern[i:])
			i += w2
			lit.WriteRune(r2)
		case r == '%':
			flush()
			b.WriteString(".*")
		case r == '_':
			flush()
			b.WriteString(".")
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	b.WriteString("$")
	return b.String()
}
