package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/plan"
)

// TestArithChainFiniteCheck: DOUBLE +, -, * chains check finiteness once
// at the top, yet fail exactly when a node of the chain overflows on a live
// row, naming the innermost overflowing operation as a per-node check did.
func TestArithChainFiniteCheck(t *testing.T) {
	x := col(0, tF)
	big := lit(vF(1e300), tF)
	inner := fn("*", tF, x, big)                // overflows for x = 1e10
	chain := fn("+", tF, inner, lit(vF(1), tF)) // inner's overflow
	cancel := fn("-", tF, inner, inner)         // Inf - Inf: NaN, still an error
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	b.AppendValues([]float64{1, 2, 1e10, 3}, nil)
	xs := b.NewArray()
	b.Release()
	defer xs.Release()
	batch := func(sel []int32) *Batch { return &Batch{Cols: []arrow.Array{xs}, N: 4, Sel: sel} }
	errOf := func(e plan.Expr, bt *Batch) error {
		ev, err := CompileExpr(e, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := ev.Eval(bt)
		if a != nil {
			a.Release()
		}
		return err
	}
	innerErr := errOf(inner, batch(nil))
	if innerErr == nil {
		t.Fatal("1e10 * 1e300 did not overflow")
	}
	for _, c := range []struct {
		name string
		e    plan.Expr
		sel  []int32
		want string // "" no error
	}{
		{"inner overflow named", chain, nil, innerErr.Error()},
		{"inf minus inf", cancel, nil, innerErr.Error()},
		{"overflowing row not live", chain, []int32{0, 1, 3}, ""},
	} {
		err := errOf(c.e, batch(c.sel))
		switch {
		case c.want == "":
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		case err == nil || err.Error() != c.want:
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// Only the top node overflows (inner sums are finite): its own text.
	top := fn("*", tF, fn("+", tF, x, lit(vF(1), tF)), lit(vF(1e308), tF))
	err := errOf(top, batch(nil))
	if err == nil || !strings.Contains(err.Error(), top.String()) {
		t.Fatalf("(x+1)*1e308: error %v, want one naming %s", err, top)
	}
}
