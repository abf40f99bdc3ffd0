package slt

import (
	"math"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/planner/types"
)

func TestRender(t *testing.T) {
	nullInt := types.Value{Kind: types.Int64, Null: true}
	tests := []struct {
		v    types.Value
		typ  byte
		want string
	}{
		// NULL renders the same under every letter.
		{types.NullValue, 'I', "NULL"},
		{nullInt, 'R', "NULL"},
		{types.Value{Kind: types.String, Null: true}, 'T', "NULL"},
		// I: integers, truncation of reals toward zero, text's integer prefix.
		{types.NewInt(-42), 'I', "-42"},
		{types.NewFloat(2.9), 'I', "2"},
		{types.NewFloat(-2.9), 'I', "-2"},
		{types.Value{Kind: types.Decimal, F: 125.6667}, 'I', "125"},
		{types.NewFloat(1e300), 'I', "9223372036854775807"},
		{types.NewFloat(math.NaN()), 'I', "0"},
		{types.NewString("12abc"), 'I', "12"},
		{types.NewString("  -7.9"), 'I', "-7"},
		{types.NewString("abc"), 'I', "0"},
		{types.NewString("99999999999999999999"), 'I', "9223372036854775807"},
		{types.NewString("-99999999999999999999"), 'I', "-9223372036854775808"},
		{types.NewBool(true), 'I', "1"},
		// R: %.3f of the value as a double.
		{types.NewFloat(2.5), 'R', "2.500"},
		{types.NewInt(-21), 'R', "-21.000"},
		{types.NewFloat(0), 'R', "0.000"},
		{types.NewFloat(math.Copysign(0, -1)), 'R', "0.000"},
		{types.NewFloat(-0.0001), 'R', "-0.000"},
		{types.NewFloat(2.0005), 'R', "2.001"},
		{types.NewString("3.25xyz"), 'R', "3.250"},
		{types.NewString("1e2"), 'R', "100.000"},
		{types.NewString("x"), 'R', "0.000"},
		{types.Value{Kind: types.Decimal, F: 12.5}, 'R', "12.500"},
		// T: text, (empty), '@' for bytes outside 0x20..0x7E, numbers as text.
		{types.NewString("hello world"), 'T', "hello world"},
		{types.NewString(""), 'T', "(empty)"},
		{types.NewString("a\tb\x7f"), 'T', "a@b@"},
		{types.NewString("é"), 'T', "@@"},
		{types.NewInt(7), 'T', "7"},
		{types.NewFloat(2.5), 'T', "2.5"},
		{types.NewFloat(2), 'T', "2.0"},
		{types.NewDate(0), 'T', "1970-01-01"},
	}
	for _, tc := range tests {
		if got := Render(tc.v, tc.typ); got != tc.want {
			t.Errorf("Render(%+v, %c) = %q, want %q", tc.v, tc.typ, got, tc.want)
		}
	}
}

func TestHashValues(t *testing.T) {
	// The example given in FORMAT.md.
	if got := HashValues([]string{"1", "2", "NULL"}); got != "947ac7611a144a747fd1ba4cb9205642" {
		t.Errorf("HashValues = %s", got)
	}
	if got := HashLine([]string{"1", "2", "NULL"}); got != "3 values hashing to 947ac7611a144a747fd1ba4cb9205642" {
		t.Errorf("HashLine = %s", got)
	}
	// The empty result hashes the empty string.
	if got := HashValues(nil); got != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("HashValues(nil) = %s", got)
	}
}

func TestSortValues(t *testing.T) {
	tests := []struct {
		name  string
		in    []string
		ncols int
		mode  SortMode
		want  []string
	}{
		{"nosort keeps order", []string{"9", "10", "1"}, 1, NoSort, []string{"9", "10", "1"}},
		{"rowsort is byte-wise", []string{"9", "10", "NULL", "(empty)"}, 1, RowSort, []string{"(empty)", "10", "9", "NULL"}},
		{"rowsort compares column by column", []string{"b", "1", "a", "2", "a", "1"}, 2, RowSort,
			[]string{"a", "1", "a", "2", "b", "1"}},
		{"rowsort keeps rows together", []string{"2", "z", "1", "y"}, 2, RowSort, []string{"1", "y", "2", "z"}},
		{"valuesort ignores rows", []string{"2", "z", "1", "y"}, 2, ValueSort, []string{"1", "2", "y", "z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SortValues(append([]string(nil), tc.in...), tc.ncols, tc.mode)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
