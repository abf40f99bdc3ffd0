package exec

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Built-in column masks as vectorized functions, so the planner can lower
// the built-in masks of authz/mask (redact, show_first, show_last, sha256;
// truncate_date is date_trunc) to kernels instead of the per-row CEL
// fallback. Semantics are authz/mask's exactly (tests cross-check them),
// except that a negative length, which policy creation rejects, gives
// NULL: a mask fails closed.

// maskRune is authz/mask's redactRune: digits become 'n', a few
// separators stay, everything else becomes 'x'.
func maskRune(r rune) rune {
	switch {
	case r >= '0' && r <= '9':
		return 'n'
	case r == '(' || r == ')' || r == ',' || r == '.' || r == '-' || r == '@':
		return r
	}
	return 'x'
}

// redactASCII is maskRune for the ASCII characters, as bytes.
var redactASCII = func() (t [utf8.RuneSelf]byte) {
	for i := range t {
		t[i] = byte(maskRune(rune(i)))
	}
	return t
}()

// appendRedacted appends s with characters outside [keepLo, keepHi)
// (character positions) redacted. ASCII bytes take a table lookup; only
// other characters are decoded (an invalid byte counts as one character,
// redacted to 'x', as in authz/mask).
func appendRedacted(dst []byte, s string, keepLo, keepHi int) []byte {
	i := 0
	for len(s) > 0 {
		if c := s[0]; c < utf8.RuneSelf {
			if i >= keepLo && i < keepHi {
				dst = append(dst, c)
			} else {
				dst = append(dst, redactASCII[c])
			}
			s = s[1:]
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s)
		if i >= keepLo && i < keepHi {
			dst = append(dst, s[:w]...)
		} else {
			dst = utf8.AppendRune(dst, maskRune(r))
		}
		s = s[w:]
		i++
	}
	return dst
}

func bindMaskRedact(e *plan.Func) ([]types.T, fnImpl, error) {
	return []types.T{types.StringT}, fnImpl{str: func(a *fargs, r int, dst []byte) ([]byte, fstat) {
		return appendRedacted(dst, a.s(0, r), 0, -1), fOK
	}}, nil
}

func bindMaskShow(last bool) func(e *plan.Func) ([]types.T, fnImpl, error) {
	return func(e *plan.Func) ([]types.T, fnImpl, error) {
		return []types.T{types.StringT, types.Int64T}, fnImpl{str: func(a *fargs, r int, dst []byte) ([]byte, fstat) {
			s, n := a.s(0, r), a.i(1, r)
			if n < 0 {
				return dst, fNull
			}
			if !last {
				return appendRedacted(dst, s, 0, int(min(n, int64(len(s))))), fOK
			}
			total := utf8.RuneCountInString(s)
			return appendRedacted(dst, s, total-int(min(n, int64(total))), total), fOK
		}}, nil
	}
}

func bindMaskSHA256(e *plan.Func) ([]types.T, fnImpl, error) {
	return []types.T{types.StringT}, fnImpl{str: func(a *fargs, r int, dst []byte) ([]byte, fstat) {
		sum := sha256.Sum256(unsafeBytes(a.s(0, r)))
		return hex.AppendEncode(dst, sum[:]), fOK
	}}, nil
}
