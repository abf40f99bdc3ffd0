package parquetio

import (
	"math"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// Op is the operator of a pruning Constraint.
type Op uint8

const (
	Eq Op = iota
	Lt
	Le
	Gt
	Ge
	IsNull
	IsNotNull
	In
)

var opNames = [...]string{"=", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL", "IN"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(?)"
}

// Constraint is one conjunct "column Op constant" usable for pruning. Col
// indexes the stats slice (the cols given to RowGroupStats). Value is the
// constant of comparisons; Values the list of In. SQL semantics: a
// comparison with NULL, or of a NULL cell, is never true.
type Constraint struct {
	Col    int
	Op     Op
	Value  types.Value
	Values []types.Value
}

// CanSkip reports whether no row of a row group with these statistics can
// satisfy all of cs (a conjunction). It is conservative: whatever it cannot
// decide (missing statistics, constants of another type, integers beyond
// 2^53 compared with floats, unknown operators, out-of-range Col) keeps the
// row group.
//
// Comparisons follow the engine's semantics: numbers compare numerically
// across BIGINT/DOUBLE/DECIMAL, strings bytewise, DATE against TIMESTAMP by
// converting the date to midnight UTC, and NaN compares false with
// everything (statistics containing NaN are discarded when read).
func CanSkip(stats []ColumnStats, cs []Constraint) bool {
	for _, c := range cs {
		if c.Col < 0 || c.Col >= len(stats) {
			continue
		}
		if skipOne(stats[c.Col], c) {
			return true
		}
	}
	return false
}

func skipOne(s ColumnStats, c Constraint) bool {
	switch c.Op {
	case IsNull:
		return s.HasNullCount && s.NullCount == 0
	case IsNotNull:
		return s.AllNull()
	case Eq, Lt, Le, Gt, Ge:
		if c.Value.Null || s.AllNull() {
			return true
		}
		return s.HasMinMax && excludes(s, c.Op, c.Value)
	case In:
		if s.AllNull() {
			return true
		}
		for _, v := range c.Values {
			if v.Null {
				continue
			}
			if !s.HasMinMax || !excludes(s, Eq, v) {
				return false
			}
		}
		return true
	}
	return false
}

// excludes reports whether no v in [Min, Max] (or [Min, Max) when
// MaxExclusive) satisfies v op k.
func excludes(s ColumnStats, op Op, k types.Value) bool {
	lo, ok1 := compare(s.Min, k)
	hi, ok2 := compare(s.Max, k)
	switch op {
	case Eq: // skip if k < Min, or k > Max (k >= Max when exclusive)
		if ok1 && lo > 0 {
			return true
		}
		return ok2 && (hi < 0 || (s.MaxExclusive && hi == 0))
	case Lt: // v < k impossible if Min >= k
		return ok1 && lo >= 0
	case Le:
		return ok1 && lo > 0
	case Gt: // v > k impossible if Max <= k (v < Max <= k when exclusive)
		return ok2 && hi <= 0
	case Ge: // v >= k impossible if Max < k (Max <= k when exclusive)
		return ok2 && (hi < 0 || (s.MaxExclusive && hi == 0))
	}
	return false
}

const maxExactInt = 1 << 53

// compare orders a statistic a against a constant b; ok is false when the
// two cannot be compared exactly.
func compare(a, b types.Value) (int, bool) {
	if a.Null || b.Null {
		return 0, false
	}
	switch {
	case a.Kind == types.String && b.Kind == types.String:
		return strings.Compare(a.S, b.S), true
	case a.Kind == types.Bool && b.Kind == types.Bool,
		a.Kind == types.Date && b.Kind == types.Date,
		a.Kind == types.Timestamp && b.Kind == types.Timestamp,
		a.Kind == types.Int64 && b.Kind == types.Int64:
		return cmpInt(a.I, b.I), true
	case a.Kind == types.Date && b.Kind == types.Timestamp:
		return cmpDateTs(a.I, b.I)
	case a.Kind == types.Timestamp && b.Kind == types.Date:
		c, ok := cmpDateTs(b.I, a.I)
		return -c, ok
	case isNum(a.Kind) && isNum(b.Kind):
		x, ok1 := asFloat(a)
		y, ok2 := asFloat(b)
		if !ok1 || !ok2 || math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func isNum(k types.Kind) bool { return k == types.Int64 || k == types.Float64 || k == types.Decimal }

func asFloat(v types.Value) (float64, bool) {
	if v.Kind == types.Int64 {
		if v.I > maxExactInt || v.I < -maxExactInt {
			return 0, false
		}
		return float64(v.I), true
	}
	return v.F, true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpDateTs compares date d (days) with timestamp t (µs), d as midnight UTC.
func cmpDateTs(d, t int64) (int, bool) {
	const usPerDay = 86_400_000_000
	if d > math.MaxInt64/usPerDay || d < math.MinInt64/usPerDay {
		return 0, false
	}
	return cmpInt(d*usPerDay, t), true
}

// PruneRowGroups returns the row groups of f that CanSkip cannot rule out,
// in file order: the RowGroups to pass to NewReader.
func (f *File) PruneRowGroups(cols []Column, cs []Constraint) ([]int, error) {
	out := make([]int, 0, f.NumRowGroups())
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		if len(cs) == 0 {
			out = append(out, rg)
			continue
		}
		st, err := f.RowGroupStats(rg, cols)
		if err != nil {
			return nil, err
		}
		if !CanSkip(st, cs) {
			out = append(out, rg)
		}
	}
	return out, nil
}
