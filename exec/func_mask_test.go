package exec

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/planner/types"
)

// TestMaskKernelsMatchAuthzMask cross-checks the mask kernels against the
// row-at-a-time built-ins of authz/mask on random strings (UTF-8, invalid
// bytes, digits, separators), plain and dictionary-encoded, with NULLs.
func TestMaskKernelsMatchAuthzMask(t *testing.T) {
	mem := checkedMem(t)
	r := rand.New(rand.NewSource(6))
	alpha := []string{"a", "Z", "7", "0", "(", ")", ",", ".", "-", "@", " ", "é", "日", "\xff", "_"}
	vals := make([]types.Value, 300)
	for i := range vals {
		if i%13 == 0 {
			vals[i] = nullOf(tS)
			continue
		}
		var sb strings.Builder
		for k := r.Intn(12); k > 0; k-- {
			sb.WriteString(alpha[r.Intn(len(alpha))])
		}
		vals[i] = vS(sb.String())
	}
	for _, dict := range []bool{false, true} {
		arr := buildArray(t, mem, tS, vals, dict)
		for _, n := range []int64{0, 1, 3, 50} {
			check := func(name string, args []int64, ref func(string) string) {
				e := fn(name, tS, col(0, tS))
				if args != nil {
					e = fn(name, tS, col(0, tS), lit(vI(args[0]), tI))
				}
				ev, err := CompileExpr(e, &Env{})
				if err != nil {
					t.Fatal(err)
				}
				out, err := ev.Eval(&Batch{Cols: []arrow.Array{arr}, N: len(vals)})
				if err != nil {
					t.Fatal(err)
				}
				defer out.Release()
				for i, v := range vals {
					got := readArray(t, out, i, tS)
					if v.Null {
						if !got.Null {
							t.Errorf("%s(NULL) = %v", name, got)
						}
						continue
					}
					if want := ref(v.S); got.S != want {
						t.Errorf("%s(%q) = %q, authz/mask gives %q", e, v.S, got.S, want)
					}
				}
			}
			check("mask_redact", nil, mask.Redact)
			check("mask_sha256", nil, mask.SHA256Hex)
			check("mask_show_first", []int64{n}, func(s string) string { x, _ := mask.ShowFirst(s, n); return x })
			check("mask_show_last", []int64{n}, func(s string) string { x, _ := mask.ShowLast(s, n); return x })
		}
		arr.Release()
	}
	// A negative length fails closed (NULL), where policy creation errs.
	runECase(t, ecase{name: "show_first negative", mk: call("mask_show_first", tS), args: []types.Value{vS("secret"), vI(-1)}, want: nullOf(tS)})
}
