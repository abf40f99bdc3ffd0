package exec

import (
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Date functions. DATE is days since 1970-01-01, TIMESTAMP µs since the
// epoch (UTC). A string argument is read as a timestamp ('YYYY-MM-DD' or
// 'YYYY-MM-DD hh:mm:ss'); an unparsable one makes the result NULL.

// temporalArg picks the type a date function reads its argument as.
func temporalArg(t types.T) types.T {
	switch t.Kind {
	case types.Date, types.Timestamp:
		return t
	case types.Int64:
		return types.DateT
	}
	return types.TimestampT
}

// splitTemporal returns the day and the µs within the day of row r.
func splitTemporal(a *fargs, k, r int, ts bool) (days, us int64) {
	v := a.i(k, r)
	if !ts {
		return v, 0
	}
	days = floorDivI64(v, usPerDay)
	return days, v - days*usPerDay
}

// datePart names the fields YEAR(), MONTH(), EXTRACT(unit ...) return.
var dateParts = map[string]func(days, us int64) int64{
	"year":  func(d, _ int64) int64 { y, _, _ := civilFromDays(d); return y },
	"month": func(d, _ int64) int64 { _, m, _ := civilFromDays(d); return m },
	"day":   func(d, _ int64) int64 { _, _, dd := civilFromDays(d); return dd },
	"quarter": func(d, _ int64) int64 {
		_, m, _ := civilFromDays(d)
		return (m + 2) / 3
	},
	// DAYOFWEEK: 1 = Sunday .. 7 = Saturday; 1970-01-01 was a Thursday.
	"dayofweek": func(d, _ int64) int64 { return ((d%7+7)%7+4)%7 + 1 },
	"dayofyear": func(d, _ int64) int64 {
		y, _, _ := civilFromDays(d)
		return d - daysFromCivil(y, 1, 1) + 1
	},
	"hour":        func(_, us int64) int64 { return us / 3_600_000_000 },
	"minute":      func(_, us int64) int64 { return us / 60_000_000 % 60 },
	"second":      func(_, us int64) int64 { return us / 1_000_000 % 60 },
	"microsecond": func(_, us int64) int64 { return us % 1_000_000 },
}

// datePartName maps a function name to its field ("extract_year" → year).
func datePartName(name string) string {
	name = strings.TrimPrefix(name, "extract_")
	if name == "dayofmonth" {
		return "day"
	}
	return name
}

func bindDatePart(e *plan.Func) ([]types.T, fnImpl, error) {
	part, ok := dateParts[datePartName(e.Name)]
	if !ok {
		return nil, fnImpl{}, unknownFunc(e.Name, len(e.Args))
	}
	at := temporalArg(e.Args[0].Type())
	ts := at.Kind == types.Timestamp
	return []types.T{at}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		d, us := splitTemporal(a, 0, r, ts)
		return part(d, us), fOK
	}}, nil
}

// validDays reports whether days falls in years 0001..9999; date
// arithmetic leaving that range is NULL, as in MySQL.
func validDays(d int64) bool {
	return d >= daysFromCivil(minYear, 1, 1) && d <= daysFromCivil(maxYear, 12, 31)
}

func bindDateAddDays(e *plan.Func) ([]types.T, fnImpl, error) {
	t := temporalArg(e.T)
	ts := t.Kind == types.Timestamp
	return []types.T{t, types.Int64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		d, us := splitTemporal(a, 0, r, ts)
		n := a.i(1, r)
		if n > 1<<32 || n < -(1<<32) {
			return 0, fNull
		}
		d += n
		if !validDays(d) {
			return 0, fNull
		}
		if ts {
			return d*usPerDay + us, fOK
		}
		return d, fOK
	}}, nil
}

// addMonths adds n months, clamping the day to the new month's length
// (2020-01-31 + 1 month = 2020-02-29), as MySQL's DATE_ADD.
func addMonths(days, n int64) (int64, bool) {
	if n > 1<<20 || n < -(1<<20) {
		return 0, false
	}
	y, m, d := civilFromDays(days)
	total := y*12 + (m - 1) + n
	ny, nm := floorDivI64(total, 12), total-floorDivI64(total, 12)*12+1
	if ny < minYear || ny > maxYear {
		return 0, false
	}
	if dm := daysInMonth(ny, nm); d > dm {
		d = dm
	}
	return daysFromCivil(ny, nm, d), true
}

func bindDateAddMonths(e *plan.Func) ([]types.T, fnImpl, error) {
	t := temporalArg(e.T)
	ts := t.Kind == types.Timestamp
	return []types.T{t, types.Int64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		d, us := splitTemporal(a, 0, r, ts)
		nd, ok := addMonths(d, a.i(1, r))
		if !ok {
			return 0, fNull
		}
		if ts {
			return nd*usPerDay + us, fOK
		}
		return nd, fOK
	}}, nil
}

// bindDateTrunc: date_trunc('year'|'quarter'|'month'|'day'|'hour'|
// 'minute'|'second', d) with a constant unit, keeping d's type. Used by the
// built-in "truncate date" masks.
func bindDateTrunc(e *plan.Func) ([]types.T, fnImpl, error) {
	// The unit must be constant; the planner may hand it over wrapped in a
	// cast.
	uv, ok := constValueOf(e.Args[0])
	if !ok || uv.Null || uv.Kind != types.String {
		return nil, fnImpl{}, lferr.New(lferr.InvalidInput, "date_trunc: the unit must be a constant string")
	}
	unit := strings.ToLower(uv.S)
	t := temporalArg(e.T)
	ts := t.Kind == types.Timestamp
	var trunc func(d, us int64) (int64, int64)
	switch unit {
	case "year":
		trunc = func(d, _ int64) (int64, int64) { y, _, _ := civilFromDays(d); return daysFromCivil(y, 1, 1), 0 }
	case "quarter":
		trunc = func(d, _ int64) (int64, int64) {
			y, m, _ := civilFromDays(d)
			return daysFromCivil(y, (m-1)/3*3+1, 1), 0
		}
	case "month":
		trunc = func(d, _ int64) (int64, int64) { y, m, _ := civilFromDays(d); return daysFromCivil(y, m, 1), 0 }
	case "day":
		trunc = func(d, _ int64) (int64, int64) { return d, 0 }
	case "hour":
		trunc = func(d, us int64) (int64, int64) { return d, us / 3_600_000_000 * 3_600_000_000 }
	case "minute":
		trunc = func(d, us int64) (int64, int64) { return d, us / 60_000_000 * 60_000_000 }
	case "second":
		trunc = func(d, us int64) (int64, int64) { return d, us / 1_000_000 * 1_000_000 }
	default:
		return nil, fnImpl{}, lferr.New(lferr.InvalidInput, "date_trunc: unknown unit %q", uv.S)
	}
	return []types.T{types.StringT, t}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		d, us := splitTemporal(a, 1, r, ts)
		d, us = trunc(d, us)
		if ts {
			return d*usPerDay + us, fOK
		}
		return d, fOK
	}}, nil
}

func bindDateDiff(e *plan.Func) ([]types.T, fnImpl, error) {
	return []types.T{types.DateT, types.DateT}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		return a.i(0, r) - a.i(1, r), fOK
	}}, nil
}

// constValueOf returns the value of a literal, possibly under casts.
func constValueOf(e plan.Expr) (types.Value, bool) {
	switch e := e.(type) {
	case *plan.Const:
		v, err := castValue(e.V, e.T)
		return v, err == nil
	case *plan.Cast:
		v, ok := constValueOf(e.Arg)
		if !ok {
			return v, false
		}
		v, err := castValueT(v, e.Arg.Type(), e.T)
		return v, err == nil
	}
	return types.Value{}, false
}
