package exec

import (
	"math"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Numeric scalar functions. Each bind* chooses argument types and the
// per-row implementation from the planner's result type e.T.

func isExactArg(t types.T) bool { return isIntLike(t) }

func bindAbs(e *plan.Func) ([]types.T, fnImpl, error) {
	if physOf(e.T.Kind) == pI64 {
		return []types.T{types.Int64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
			x := a.i(0, r)
			if x == math.MinInt64 {
				return 0, fRangeI64
			}
			if x < 0 {
				return -x, fOK
			}
			return x, fOK
		}}, nil
	}
	return []types.T{e.T}, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
		return math.Abs(a.f(0, r)), fOK
	}}, nil
}

func bindSign(e *plan.Func) ([]types.T, fnImpl, error) {
	return []types.T{types.Float64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
		x := a.f(0, r)
		switch {
		case x > 0:
			return 1, fOK
		case x < 0:
			return -1, fOK
		}
		return 0, fOK
	}}, nil
}

// roundDigits rounds x to d decimal digits (d may be negative): DOUBLE
// halves to even (MySQL uses rint), DECIMAL halves away from zero.
func roundDigits(x float64, d int64, halfEven bool) float64 {
	if d > 30 || x != x || math.IsInf(x, 0) {
		return x
	}
	if d < -30 {
		return 0
	}
	rnd := roundHalfAway
	if halfEven {
		rnd = math.RoundToEven
	}
	if d >= 0 {
		p := math.Pow10(int(d))
		y := x * p
		if math.IsInf(y, 0) || math.Abs(y) >= 1<<53 {
			return x
		}
		if !halfEven {
			// Same decimal-half nudge as roundScale.
			y += math.Copysign(math.Abs(y)*1e-13, y)
		}
		return rnd(y) / p
	}
	p := math.Pow10(int(-d))
	return rnd(x/p) * p
}

// roundInt rounds an integer to d digits (d < 0 affects it), halves away
// from zero; it reports overflow.
func roundInt(x, d int64) (int64, fstat) {
	if d >= 0 {
		return x, fOK
	}
	if d < -18 {
		return 0, fOK
	}
	p := int64(1)
	for k := int64(0); k < -d; k++ {
		p *= 10
	}
	q, rem := x/p, x%p
	if rem < 0 {
		rem = -rem
	}
	r := q * p
	if rem*2 >= p {
		if x < 0 {
			if r < math.MinInt64+p {
				return 0, fRangeI64
			}
			r -= p
		} else {
			if r > math.MaxInt64-p {
				return 0, fRangeI64
			}
			r += p
		}
	}
	return r, fOK
}

// fitsInt converts an integral float to BIGINT, reporting overflow.
func fitsInt(f float64) (int64, fstat) {
	if f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 || f != f {
		return 0, fRangeI64
	}
	return int64(f), fOK
}

func bindRound(e *plan.Func) ([]types.T, fnImpl, error) {
	at := e.Args[0].Type()
	nargs := len(e.Args)
	digits := func(a *fargs, r int) int64 {
		if nargs == 2 {
			return a.i(1, r)
		}
		return 0
	}
	ts := []types.T{types.Float64T, types.Int64T}[:nargs]
	if physOf(e.T.Kind) == pI64 {
		if isExactArg(at) {
			ts[0] = types.Int64T
			return ts, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
				return roundInt(a.i(0, r), digits(a, r))
			}}, nil
		}
		ts[0] = at
		halfEven := at.Kind == types.Float64
		return ts, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
			return fitsInt(roundDigits(a.f(0, r), digits(a, r), halfEven))
		}}, nil
	}
	halfEven := at.Kind == types.Float64 && e.T.Kind == types.Float64
	scale := -1
	if e.T.Kind == types.Decimal {
		scale = int(e.T.Scale)
	}
	return ts, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
		v := roundDigits(a.f(0, r), digits(a, r), halfEven)
		if scale >= 0 {
			v = roundScale(v, scale)
		}
		return v, fOK
	}}, nil
}

func bindTruncate(e *plan.Func) ([]types.T, fnImpl, error) {
	if physOf(e.T.Kind) == pI64 && isExactArg(e.Args[0].Type()) {
		return []types.T{types.Int64T, types.Int64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
			x, d := a.i(0, r), a.i(1, r)
			if d >= 0 {
				return x, fOK
			}
			if d < -18 {
				return 0, fOK
			}
			p := int64(1)
			for k := int64(0); k < -d; k++ {
				p *= 10
			}
			return x / p * p, fOK
		}}, nil
	}
	toInt := physOf(e.T.Kind) == pI64
	return []types.T{types.Float64T, types.Int64T}, fnImpl{
		f64: func(a *fargs, r int) (float64, fstat) { return truncDigits(a.f(0, r), a.i(1, r)), fOK },
		i64: func(a *fargs, r int) (int64, fstat) {
			if !toInt {
				return 0, fNull
			}
			return fitsInt(truncDigits(a.f(0, r), a.i(1, r)))
		},
	}, nil
}

func truncDigits(x float64, d int64) float64 {
	if d > 30 {
		return x
	}
	if d < -30 {
		return 0
	}
	if d >= 0 {
		p := math.Pow10(int(d))
		y := x * p
		if math.IsInf(y, 0) {
			return x
		}
		return math.Trunc(y) / p
	}
	p := math.Pow10(int(-d))
	return math.Trunc(x/p) * p
}

func bindFloorCeil(ceil bool) func(e *plan.Func) ([]types.T, fnImpl, error) {
	op := math.Floor
	if ceil {
		op = math.Ceil
	}
	return func(e *plan.Func) ([]types.T, fnImpl, error) {
		at := e.Args[0].Type()
		if physOf(e.T.Kind) == pI64 {
			if isExactArg(at) {
				return []types.T{types.Int64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) { return a.i(0, r), fOK }}, nil
			}
			return []types.T{types.Float64T}, fnImpl{i64: func(a *fargs, r int) (int64, fstat) {
				return fitsInt(op(a.f(0, r)))
			}}, nil
		}
		return []types.T{types.Float64T}, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
			return op(a.f(0, r)), fOK
		}}, nil
	}
}

// unaryFloat wraps a float function; NaN (domain error) becomes NULL and
// an infinite result from finite input is a DOUBLE range error.
func unaryFloat(fn func(float64) float64, nullIf func(float64) bool) func(e *plan.Func) ([]types.T, fnImpl, error) {
	return func(e *plan.Func) ([]types.T, fnImpl, error) {
		return []types.T{types.Float64T}, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
			x := a.f(0, r)
			if nullIf != nil && nullIf(x) {
				return 0, fNull
			}
			y := fn(x)
			if y != y {
				return 0, fNull
			}
			if math.IsInf(y, 0) {
				return 0, fRangeF64
			}
			return y, fOK
		}}, nil
	}
}

func nonPositive(x float64) bool { return x <= 0 }

func bindPower(e *plan.Func) ([]types.T, fnImpl, error) {
	return []types.T{types.Float64T, types.Float64T}, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
		y := math.Pow(a.f(0, r), a.f(1, r))
		if y != y {
			return 0, fNull
		}
		if math.IsInf(y, 0) {
			return 0, fRangeF64
		}
		return y, fOK
	}}, nil
}

func bindLog(e *plan.Func) ([]types.T, fnImpl, error) {
	if len(e.Args) == 1 {
		return unaryFloat(math.Log, nonPositive)(e)
	}
	// LOG(b, x) = ln(x)/ln(b); NULL for x <= 0 or b <= 0 or b = 1.
	return []types.T{types.Float64T, types.Float64T}, fnImpl{f64: func(a *fargs, r int) (float64, fstat) {
		b, x := a.f(0, r), a.f(1, r)
		if b <= 0 || b == 1 || x <= 0 {
			return 0, fNull
		}
		return math.Log(x) / math.Log(b), fOK
	}}, nil
}
