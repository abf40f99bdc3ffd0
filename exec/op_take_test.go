package exec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/planner/types"
)

// TestTakeStrings: the direct string gather equals the general path (an
// mcol round trip) for plain and dictionary columns, with and without
// NULLs, sliced arrays, empty and repeated selections, and frees all it
// allocates.
func TestTakeStrings(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	words := []string{"", "a", "MAIL", "deliver in person", "ünïcödé", "x@example.com"}
	build := func(mem memory.Allocator, n int, dict, nulls bool) arrow.Array {
		if dict {
			b := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
			defer b.Release()
			for i := 0; i < n; i++ {
				if nulls && r.Intn(4) == 0 {
					b.AppendNull()
				} else if err := b.AppendString(words[r.Intn(len(words))]); err != nil {
					t.Fatal(err)
				}
			}
			return b.NewArray()
		}
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			if nulls && r.Intn(4) == 0 {
				b.AppendNull()
			} else {
				b.Append(words[r.Intn(len(words))] + fmt.Sprint(i))
			}
		}
		return b.NewArray()
	}
	for _, dict := range []bool{false, true} {
		for _, nulls := range []bool{false, true} {
			for _, sliced := range []bool{false, true} {
				name := fmt.Sprintf("dict=%v/nulls=%v/sliced=%v", dict, nulls, sliced)
				t.Run(name, func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					arr := build(mem, 300, dict, nulls)
					if sliced {
						s := array.NewSlice(arr, 17, 250)
						arr.Release()
						arr = s
					}
					defer arr.Release()
					sels := [][]int32{{}, {0}, {int32(arr.Len() - 1), 0, 5, 5}}
					var all []int32
					for i := 0; i < arr.Len(); i += 1 + r.Intn(3) {
						all = append(all, int32(i))
					}
					sels = append(sels, all)
					for _, sel := range sels {
						rd, err := newColReader(arr)
						if err != nil {
							t.Fatal(err)
						}
						got := opTakeStrings(mem, &rd, sel)
						if got == nil {
							t.Fatal("opTakeStrings declined a small column")
						}
						ref := newMcol(types.StringT)
						if err := ref.appendRows(&rd, sel); err != nil {
							t.Fatal(err)
						}
						want := ref.toArrow(mem, nil)
						if !array.Equal(got, want) {
							t.Errorf("sel %v:\n got %v\nwant %v", sel, got, want)
						}
						if got.NullN() != want.NullN() {
							t.Errorf("sel %v: %d NULLs, want %d", sel, got.NullN(), want.NullN())
						}
						got.Release()
						want.Release()
					}
				})
			}
		}
	}
}
