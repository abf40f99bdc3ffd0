package parquetio

import (
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/planner/types"
)

func TestCanSkip(t *testing.T) {
	ints := ColumnStats{NumRows: 10, HasNullCount: true, NullCount: 2, HasMinMax: true, Min: types.NewInt(10), Max: types.NewInt(20)}
	noNulls := ints
	noNulls.NullCount = 0
	allNull := ColumnStats{NumRows: 10, HasNullCount: true, NullCount: 10}
	unknown := ColumnStats{NumRows: 10}
	strs := ColumnStats{NumRows: 5, HasMinMax: true, Min: types.NewString("apple"), Max: types.NewString("mangp"), MaxExclusive: true}
	dbl := ColumnStats{NumRows: 5, HasMinMax: true, Min: types.NewFloat(-1.5), Max: types.NewFloat(2.5)}
	dates := ColumnStats{NumRows: 5, HasMinMax: true, Min: types.NewDate(100), Max: types.NewDate(200)}
	i := types.NewInt
	for _, tc := range []struct {
		name string
		s    ColumnStats
		c    Constraint
		skip bool
	}{
		{"eq below", ints, Constraint{Op: Eq, Value: i(9)}, true},
		{"eq min", ints, Constraint{Op: Eq, Value: i(10)}, false},
		{"eq max", ints, Constraint{Op: Eq, Value: i(20)}, false},
		{"eq above", ints, Constraint{Op: Eq, Value: i(21)}, true},
		{"lt min", ints, Constraint{Op: Lt, Value: i(10)}, true},
		{"lt min+1", ints, Constraint{Op: Lt, Value: i(11)}, false},
		{"le min", ints, Constraint{Op: Le, Value: i(10)}, false},
		{"le below", ints, Constraint{Op: Le, Value: i(9)}, true},
		{"gt max", ints, Constraint{Op: Gt, Value: i(20)}, true},
		{"gt max-1", ints, Constraint{Op: Gt, Value: i(19)}, false},
		{"ge max", ints, Constraint{Op: Ge, Value: i(20)}, false},
		{"ge above", ints, Constraint{Op: Ge, Value: i(21)}, true},
		{"int col vs double const", ints, Constraint{Op: Gt, Value: types.NewFloat(20.5)}, true},
		{"int col vs double const inside", ints, Constraint{Op: Gt, Value: types.NewFloat(19.5)}, false},
		{"int col vs decimal const", ints, Constraint{Op: Lt, Value: types.Value{Kind: types.Decimal, F: 9.99}}, true},
		{"huge int vs double: undecidable", ColumnStats{NumRows: 1, HasMinMax: true, Min: i(1 << 60), Max: i(1<<60 + 5)}, Constraint{Op: Lt, Value: types.NewFloat(1)}, false},
		{"string const vs int col: undecidable", ints, Constraint{Op: Eq, Value: types.NewString("x")}, false},
		{"null const", ints, Constraint{Op: Eq, Value: types.Value{Kind: types.Int64, Null: true}}, true},
		{"is null with nulls", ints, Constraint{Op: IsNull}, false},
		{"is null without nulls", noNulls, Constraint{Op: IsNull}, true},
		{"is not null all null", allNull, Constraint{Op: IsNotNull}, true},
		{"is not null some", ints, Constraint{Op: IsNotNull}, false},
		{"eq on all-null", allNull, Constraint{Op: Eq, Value: i(1)}, true},
		{"is null on unknown", unknown, Constraint{Op: IsNull}, false},
		{"eq on unknown", unknown, Constraint{Op: Eq, Value: i(1)}, false},
		{"in all outside", ints, Constraint{Op: In, Values: []types.Value{i(1), i(30), {Kind: types.Int64, Null: true}}}, true},
		{"in one inside", ints, Constraint{Op: In, Values: []types.Value{i(1), i(15)}}, false},
		{"in unknown", unknown, Constraint{Op: In, Values: []types.Value{i(1)}}, false},
		{"string exclusive max: eq at bound", strs, Constraint{Op: Eq, Value: types.NewString("mangp")}, true},
		{"string exclusive max: prefix of truncated max", strs, Constraint{Op: Eq, Value: types.NewString("mango-long-tail")}, false},
		{"string ge bound", strs, Constraint{Op: Ge, Value: types.NewString("mangp")}, true},
		{"string gt below bound", strs, Constraint{Op: Gt, Value: types.NewString("mango")}, false},
		{"string lt min", strs, Constraint{Op: Lt, Value: types.NewString("apple")}, true},
		{"double eq outside", dbl, Constraint{Op: Eq, Value: types.NewFloat(3)}, true},
		{"double vs NaN const", dbl, Constraint{Op: Eq, Value: types.NewFloat(math.NaN())}, false},
		{"double vs int const", dbl, Constraint{Op: Ge, Value: i(3)}, true},
		{"date vs timestamp", dates, Constraint{Op: Gt, Value: types.NewTimestamp(200*86_400_000_000 + 1)}, true},
		{"date vs timestamp inside", dates, Constraint{Op: Ge, Value: types.NewTimestamp(200 * 86_400_000_000)}, false},
		{"date vs date", dates, Constraint{Op: Lt, Value: types.NewDate(100)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanSkip([]ColumnStats{tc.s}, []Constraint{tc.c}); got != tc.skip {
				t.Fatalf("CanSkip = %v want %v", got, tc.skip)
			}
		})
	}
	// Conjunction: one unsatisfiable conjunct is enough; bad Col is ignored.
	if !CanSkip([]ColumnStats{ints, dbl}, []Constraint{{Col: 0, Op: Eq, Value: i(15)}, {Col: 1, Op: Gt, Value: types.NewFloat(9)}}) {
		t.Fatal("conjunction not skipped")
	}
	if CanSkip([]ColumnStats{ints}, []Constraint{{Col: 5, Op: Eq, Value: i(0)}}) {
		t.Fatal("out-of-range column pruned")
	}
}

func TestPrefixSuccessor(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{{"abc", "abd", true}, {"ab\xff", "ac", true}, {"\xff\xff", "", false}, {"", "", false}} {
		got, ok := prefixSuccessor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("prefixSuccessor(%q) = %q,%v", tc.in, got, ok)
		}
	}
}

// satisfies is the reference: does value v satisfy c (SQL semantics)?
func satisfies(v types.Value, c Constraint) bool {
	switch c.Op {
	case IsNull:
		return v.Null
	case IsNotNull:
		return !v.Null
	case In:
		for _, x := range c.Values {
			if satisfies(v, Constraint{Op: Eq, Value: x}) {
				return true
			}
		}
		return false
	}
	if v.Null || c.Value.Null {
		return false
	}
	var cmp int
	switch v.Kind {
	case types.String:
		cmp = strings.Compare(v.S, c.Value.S)
	case types.Float64, types.Decimal:
		x, y := v.F, c.Value.AsFloat()
		switch {
		case x < y:
			cmp = -1
		case x > y:
			cmp = 1
		}
	default:
		cmp = cmpInt(v.I, c.Value.I)
	}
	switch c.Op {
	case Eq:
		return cmp == 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	case Gt:
		return cmp > 0
	case Ge:
		return cmp >= 0
	}
	return false
}

// TestPruningSoundOnRealFile writes a file with sorted-ish data, then for
// random constraints checks against the rows themselves that every skipped
// row group really holds no matching row, and that stats bound the data.
func TestPruningSoundOnRealFile(t *testing.T) {
	mem := checkedAlloc(t)
	ctx := context.Background()
	st := memStore(t)
	const rows, rgRows = 6000, 700
	writeFile(t, st, "p.parquet", allTypes, rows, 1000, WriterOptions{RowGroupRows: rgRows, Alloc: mem})
	f, err := OpenObject(ctx, st, "p.parquet", mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols := allTypes[1:] // bool stats are not interesting for ranges
	// Per row group, the actual values.
	groups := make([][][]types.Value, f.NumRowGroups()) // [rg][col][row]
	for rg := range groups {
		r, err := f.NewReader(ctx, ReadOptions{Columns: cols, RowGroups: []int{rg}})
		if err != nil {
			t.Fatal(err)
		}
		groups[rg] = make([][]types.Value, len(cols))
		for {
			b, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			for c, col := range cols {
				for j := 0; j < int(b.NumRows()); j++ {
					groups[rg][c] = append(groups[rg][c], valueAt(b.Column(c), col.T, j))
				}
			}
		}
		r.Close()
		stats, err := f.RowGroupStats(rg, cols)
		if err != nil {
			t.Fatal(err)
		}
		for c, col := range cols {
			s := stats[c]
			if !s.HasMinMax || !s.HasNullCount {
				t.Fatalf("rg %d col %s: writer stats missing: %+v", rg, col.Name, s)
			}
			nulls := 0
			for _, v := range groups[rg][c] {
				if v.Null {
					nulls++
					continue
				}
				if satisfies(v, Constraint{Op: Lt, Value: s.Min}) || satisfies(v, Constraint{Op: Gt, Value: s.Max}) ||
					(s.MaxExclusive && satisfies(v, Constraint{Op: Ge, Value: s.Max})) {
					t.Fatalf("rg %d col %s: value %v outside stats [%v, %v]", rg, col.Name, v, s.Min, s.Max)
				}
			}
			if int64(nulls) != s.NullCount {
				t.Fatalf("rg %d col %s: null count %d, stats say %d", rg, col.Name, nulls, s.NullCount)
			}
		}
	}
	rnd := rand.New(rand.NewSource(1))
	skipped := 0
	for iter := 0; iter < 400; iter++ {
		c := rnd.Intn(len(cols))
		// Constants drawn from actual values (hit boundaries) or nudged.
		rg := rnd.Intn(len(groups))
		v := groups[rg][c][rnd.Intn(len(groups[rg][c]))]
		if v.Null {
			continue
		}
		if rnd.Intn(3) == 0 {
			switch v.Kind {
			case types.Int64, types.Date, types.Timestamp:
				v.I += int64(rnd.Intn(3) - 1)
			case types.Float64, types.Decimal:
				v.F += float64(rnd.Intn(3)-1) * 0.01
			case types.String:
				v.S += "x"
			}
		}
		con := Constraint{Col: c, Op: Op(rnd.Intn(5)), Value: v}
		if rnd.Intn(6) == 0 {
			con = Constraint{Col: c, Op: IsNull}
		}
		kept, err := f.PruneRowGroups(cols, []Constraint{con})
		if err != nil {
			t.Fatal(err)
		}
		keptSet := map[int]bool{}
		for _, k := range kept {
			keptSet[k] = true
		}
		for g := range groups {
			if keptSet[g] {
				continue
			}
			skipped++
			for _, x := range groups[g][c] {
				if satisfies(x, con) {
					t.Fatalf("row group %d skipped for %s %s %v but holds %v", g, cols[c].Name, con.Op, con.Value, x)
				}
			}
		}
	}
	if skipped == 0 {
		t.Fatal("pruning never skipped anything: test is vacuous")
	}
}
