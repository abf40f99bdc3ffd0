// Specialized kernel loops: one per operator × shape (vector/vector,
// vector/constant, constant/vector) × selection mode (dense, selection
// vector). They were written out by a one-off generator that is not kept;
// when changing an operator, edit every shape of it together.

package exec

// arithAddI64 computes out = x Add y over the live rows and reports
// whether any of them (NULL rows included) overflowed.
func arithAddI64(x, y []int64, shape int, out []int64, n int, sel []int32) bool {
	var ov int64
	var cx, cy int64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				r := x[i] + y[i]
				out[i] = r
				ov |= (x[i] ^ r) & (y[i] ^ r)
			}
		} else {
			for _, i := range sel {
				r := x[i] + y[i]
				out[i] = r
				ov |= (x[i] ^ r) & (y[i] ^ r)
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				r := x[i] + cy
				out[i] = r
				ov |= (x[i] ^ r) & (cy ^ r)
			}
		} else {
			for _, i := range sel {
				r := x[i] + cy
				out[i] = r
				ov |= (x[i] ^ r) & (cy ^ r)
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				r := cx + y[i]
				out[i] = r
				ov |= (cx ^ r) & (y[i] ^ r)
			}
		} else {
			for _, i := range sel {
				r := cx + y[i]
				out[i] = r
				ov |= (cx ^ r) & (y[i] ^ r)
			}
		}
	}
	return ov < 0
}

// arithSubI64 computes out = x Sub y over the live rows and reports
// whether any of them (NULL rows included) overflowed.
func arithSubI64(x, y []int64, shape int, out []int64, n int, sel []int32) bool {
	var ov int64
	var cx, cy int64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				r := x[i] - y[i]
				out[i] = r
				ov |= (x[i] ^ y[i]) & (x[i] ^ r)
			}
		} else {
			for _, i := range sel {
				r := x[i] - y[i]
				out[i] = r
				ov |= (x[i] ^ y[i]) & (x[i] ^ r)
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				r := x[i] - cy
				out[i] = r
				ov |= (x[i] ^ cy) & (x[i] ^ r)
			}
		} else {
			for _, i := range sel {
				r := x[i] - cy
				out[i] = r
				ov |= (x[i] ^ cy) & (x[i] ^ r)
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				r := cx - y[i]
				out[i] = r
				ov |= (cx ^ y[i]) & (cx ^ r)
			}
		} else {
			for _, i := range sel {
				r := cx - y[i]
				out[i] = r
				ov |= (cx ^ y[i]) & (cx ^ r)
			}
		}
	}
	return ov < 0
}

// arithMulI64 computes out = x Mul y over the live rows and reports
// whether any of them (NULL rows included) overflowed.
func arithMulI64(x, y []int64, shape int, out []int64, n int, sel []int32) bool {
	var ov int64
	var cx, cy int64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				a, b := x[i], y[i]
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		} else {
			for _, i := range sel {
				a, b := x[i], y[i]
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				a, b := x[i], cy
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		} else {
			for _, i := range sel {
				a, b := x[i], cy
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				a, b := cx, y[i]
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		} else {
			for _, i := range sel {
				a, b := cx, y[i]
				r := a * b
				out[i] = r
				if uint64(a+1<<31)|uint64(b+1<<31) > 1<<32-1 && mulOverflows(a, b, r) {
					ov = -1
				}
			}
		}
	}
	return ov < 0
}

func arithAddF64(x, y []float64, shape int, out []float64, n int, sel []int32) {
	var cx, cy float64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] + y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] + y[i]
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] + cy
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] + cy
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = cx + y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = cx + y[i]
			}
		}
	}
}

func arithSubF64(x, y []float64, shape int, out []float64, n int, sel []int32) {
	var cx, cy float64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] - y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] - y[i]
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] - cy
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] - cy
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = cx - y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = cx - y[i]
			}
		}
	}
}

func arithMulF64(x, y []float64, shape int, out []float64, n int, sel []int32) {
	var cx, cy float64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] * y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] * y[i]
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] * cy
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] * cy
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = cx * y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = cx * y[i]
			}
		}
	}
}

// arithDivF64 divides; a zero divisor makes the row NULL (MySQL).
func arithDivF64(x, y []float64, shape int, out []float64, nulls []bool, n int, sel []int32) {
	var cx, cy float64
	if shape == 2 {
		cx = x[0]
	} else if shape == 1 {
		cy = y[0]
	}
	_, _ = cx, cy
	switch shape {
	case 0:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				d := y[i]
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = x[i] / d
				}
			}
		} else {
			for _, i := range sel {
				d := y[i]
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = x[i] / d
				}
			}
		}
	case 1:
		if sel == nil {
			x, out := x[:n], out[:n]
			for i := 0; i < n; i++ {
				d := cy
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = x[i] / d
				}
			}
		} else {
			for _, i := range sel {
				d := cy
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = x[i] / d
				}
			}
		}
	case 2:
		if sel == nil {
			y, out := y[:n], out[:n]
			for i := 0; i < n; i++ {
				d := y[i]
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = cx / d
				}
			}
		} else {
			for _, i := range sel {
				d := y[i]
				if d == 0 {
					nulls[i] = true
					out[i] = 0
				} else {
					out[i] = cx / d
				}
			}
		}
	}
}

// cmpOrdered compares two int64 or float64 vectors (shape 0) or a vector
// with a constant (shape 1) into out.
func cmpOrdered[T int64 | float64](op cmpOp, x, y []T, shape int, out []bool, n int, sel []int32) {
	if shape == 1 {
		c := y[0]
		switch op {
		case cmpEq:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] == c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] == c
				}
			}
		case cmpNe:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] != c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] != c
				}
			}
		case cmpLt:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] < c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] < c
				}
			}
		case cmpLe:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] <= c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] <= c
				}
			}
		case cmpGt:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] > c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] > c
				}
			}
		case cmpGe:
			if sel == nil {
				x, out := x[:n], out[:n]
				for i := 0; i < n; i++ {
					out[i] = x[i] >= c
				}
			} else {
				for _, i := range sel {
					out[i] = x[i] >= c
				}
			}
		}
		return
	}
	switch op {
	case cmpEq:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] == y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] == y[i]
			}
		}
	case cmpNe:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] != y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] != y[i]
			}
		}
	case cmpLt:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] < y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] < y[i]
			}
		}
	case cmpLe:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] <= y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] <= y[i]
			}
		}
	case cmpGt:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] > y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] > y[i]
			}
		}
	case cmpGe:
		if sel == nil {
			x, y, out := x[:n], y[:n], out[:n]
			for i := 0; i < n; i++ {
				out[i] = x[i] >= y[i]
			}
		} else {
			for _, i := range sel {
				out[i] = x[i] >= y[i]
			}
		}
	}
}
