package authz

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/planner/types"
)

// ordersTable is spec §2.8's example table plus a partition key.
func ordersTable() *api.Table {
	return &api.Table{CatalogId: DefaultAccountID, DatabaseName: "sales", Name: "orders",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{
			{Name: "a", Type: "string"}, {Name: "b", Type: "int"}, {Name: "c", Type: "int"}, {Name: "country", Type: "string"}},
			Location: "file:///lake/sales/orders/"},
		PartitionKeys: []api.Column{{Name: "year", Type: "int"}}}
}

var (
	colPerm  = []string{api.ColumnPermission}
	cellPerm = []string{api.CellFilterPermission}
	allPerm  = []string{api.CellFilterPermission, api.ColumnMaskPermission}
)

func decide(acc access.TableAccess, supported []string, mod ...func(*DecisionInput)) (*api.GetUnfilteredTableMetadataOutput, Diagnostic, error) {
	in := DecisionInput{Table: ordersTable(), Region: DefaultRegion, Access: acc, SupportedPermissionTypes: supported, QueryAuthorizationID: "qa"}
	for _, m := range mod {
		m(&in)
	}
	return Decide(in)
}

func fullSelect() access.SelectGrant {
	return access.SelectGrant{AllColumns: true, Source: "grant SELECT"}
}

// The answer of spec §2.8: F1(rows country='US', cols a,b) and F2(rows
// country='CA', cols a,c).
func TestDecideSpecExample(t *testing.T) {
	acc := access.TableAccess{Select: []access.SelectGrant{
		{Columns: []string{"a", "b"}, RowFilter: "country='US'", FilterName: "f1"},
		{Columns: []string{"a", "c"}, RowFilter: "country='CA'", FilterName: "f2"},
	}}
	out, d, err := decide(acc, cellPerm)
	must(t, err)
	if !reflect.DeepEqual(out.AuthorizedColumns, []string{"a", "b", "c"}) {
		t.Errorf("AuthorizedColumns = %v", out.AuthorizedColumns)
	}
	want := []api.ColumnRowFilter{
		{ColumnName: "a", RowFilterExpression: "country = 'US' OR country = 'CA'"},
		{ColumnName: "b", RowFilterExpression: "country = 'US'"},
		{ColumnName: "c", RowFilterExpression: "country = 'CA'"},
	}
	if !reflect.DeepEqual(out.CellFilters, want) {
		t.Errorf("CellFilters = %+v\nwant %+v", out.CellFilters, want)
	}
	if out.RowFilter != "country = 'US' OR country = 'CA'" {
		t.Errorf("RowFilter = %q", out.RowFilter)
	}
	if !reflect.DeepEqual(out.Permissions, []string{"SELECT"}) || out.QueryAuthorizationId != "qa" ||
		out.ResourceArn != "arn:aws:glue:us-east-1:111122223333:table/sales/orders" || len(out.Table.StorageDescriptor.Columns) != 4 {
		t.Errorf("answer: %+v", out)
	}
	if d.Outcome != OutcomeRestricted || !reflect.DeepEqual(d.Filters, []string{"f1", "f2"}) ||
		!reflect.DeepEqual(d.Needed, []string{api.ColumnPermission, api.CellFilterPermission}) {
		t.Errorf("diagnostic: %+v", d)
	}
	// A FilterCache changes nothing but the cost, cold or warm.
	fc := &FilterCache{}
	for i := 0; i < 2; i++ {
		got, _, err := decide(acc, cellPerm, func(in *DecisionInput) { in.Filters = fc })
		must(t, err)
		if !reflect.DeepEqual(got, out) {
			t.Errorf("with cache (pass %d): %+v", i, got)
		}
	}
	// Errors are not cached.
	bad := access.TableAccess{Select: []access.SelectGrant{{AllColumns: true, RowFilter: "x ==", FilterName: "bad"}}}
	for i := 0; i < 2; i++ {
		_, _, err := decide(bad, cellPerm, func(in *DecisionInput) { in.Filters = fc })
		wantErr(t, err, lferr.InternalService, "does not parse")
	}
}

func TestDecideOutcomes(t *testing.T) {
	mask := func(col, name, expr, tag string) MaskCandidate {
		return MaskCandidate{Column: col, Policy: name, Expression: expr, ViaTag: tag}
	}
	cases := []struct {
		name      string
		acc       access.TableAccess
		supported []string
		mod       func(*DecisionInput)
		code      lferr.Code
		msg       string
		cols      []string
		cells     []string // "col:expr"
		rows      string
		perms     []string
		masks     []string // "col:name"
		outcome   string
	}{
		{name: "IAM only: whole table", acc: access.TableAccess{IAMOnly: true}, supported: colPerm,
			cols: []string{"a", "b", "c", "country", "year"}, perms: []string{"ALL"}, outcome: OutcomeIAMOnly},
		{name: "no permission at all", acc: access.TableAccess{}, supported: allPerm,
			code: lferr.AccessDenied, msg: "Insufficient Lake Formation permission(s) on sales.orders", outcome: OutcomeDenied},
		{name: "DESCRIBE only", acc: access.TableAccess{Permissions: []string{"DESCRIBE"}}, supported: colPerm,
			cols: []string{}, perms: []string{"DESCRIBE"}, outcome: OutcomeDescribeOnly},
		{name: "ALTER without SELECT is DESCRIBE only", acc: access.TableAccess{Permissions: []string{"ALTER", "DESCRIBE"}}, supported: colPerm,
			cols: []string{}, perms: []string{"ALTER", "DESCRIBE"}, outcome: OutcomeDescribeOnly},
		{name: "DESCRIBE only asked for SELECT", acc: access.TableAccess{Permissions: []string{"DESCRIBE"}}, supported: colPerm,
			mod: func(in *DecisionInput) { in.Requested = []string{"SELECT"} }, code: lferr.AccessDenied, msg: "DESCRIBE only"},
		{name: "every column excluded is DESCRIBE only", acc: access.TableAccess{Permissions: []string{"DESCRIBE"},
			Select: []access.SelectGrant{{AllColumns: true, Excluded: []string{"a", "b", "c", "country", "year"}}}}, supported: colPerm,
			cols: []string{}, perms: []string{"DESCRIBE"}, outcome: OutcomeDescribeOnly},
		{name: "full SELECT", acc: access.TableAccess{Permissions: []string{"SELECT", "DESCRIBE"}, Select: []access.SelectGrant{fullSelect()}},
			supported: colPerm, cols: []string{"a", "b", "c", "country", "year"}, perms: []string{"SELECT", "DESCRIBE"}, outcome: OutcomeFull},
		{name: "full SELECT absorbs filters, no mismatch", acc: access.TableAccess{Select: []access.SelectGrant{
			fullSelect(), {Columns: []string{"a"}, RowFilter: "b > 1", FilterName: "f"}}},
			supported: colPerm, cols: []string{"a", "b", "c", "country", "year"}, perms: []string{"SELECT"}, outcome: OutcomeFull},
		{name: "column grant in table order with partition key", acc: access.TableAccess{Select: []access.SelectGrant{
			{Columns: []string{"year", "A", "country", "nope"}}}},
			supported: colPerm, cols: []string{"a", "country", "year"}, perms: []string{"SELECT"}, outcome: OutcomeRestricted},
		{name: "column wildcard with exclusions", acc: access.TableAccess{Select: []access.SelectGrant{
			{AllColumns: true, Excluded: []string{"b", "year"}}}},
			supported: colPerm, cols: []string{"a", "c", "country"}, outcome: OutcomeRestricted},
		{name: "rung 1: column restriction without COLUMN_PERMISSION", acc: access.TableAccess{Select: []access.SelectGrant{{Columns: []string{"a"}}}},
			supported: []string{api.ColumnMaskPermission}, code: lferr.PermissionTypeMismatch, msg: "a column restriction applies, which needs COLUMN_PERMISSION"},
		{name: "rung 2: row filter without CELL_FILTER_PERMISSION", acc: access.TableAccess{Select: []access.SelectGrant{{AllColumns: true, RowFilter: "b > 1"}}},
			supported: colPerm, code: lferr.PermissionTypeMismatch, msg: "a row or cell filter applies, which needs CELL_FILTER_PERMISSION"},
		{name: "rung 2: cell filter only (rows all visible) without CELL_FILTER_PERMISSION", acc: access.TableAccess{Select: []access.SelectGrant{
			{Columns: []string{"a"}}, {Columns: []string{"a", "b"}, RowFilter: "b > 1"}}},
			supported: colPerm, code: lferr.PermissionTypeMismatch, msg: "needs CELL_FILTER_PERMISSION"},
		{name: "cell filter: every authorized column has an entry", acc: access.TableAccess{Select: []access.SelectGrant{
			{Columns: []string{"a"}}, {Columns: []string{"a", "b"}, RowFilter: "b > 1", FilterName: "f"}}},
			supported: cellPerm, cols: []string{"a", "b"}, cells: []string{"a:TRUE", "b:b > 1"}, rows: "", outcome: OutcomeRestricted},
		{name: "NESTED_CELL includes the lower rungs", acc: access.TableAccess{Select: []access.SelectGrant{{Columns: []string{"a"}, RowFilter: "b > 1"}}},
			supported: []string{api.NestedCellPermission}, cols: []string{"a"}, cells: []string{"a:b > 1"}, rows: "b > 1"},
		{name: "rung 3: mask without COLUMN_MASK_PERMISSION", acc: access.TableAccess{Select: []access.SelectGrant{fullSelect()}},
			supported: cellPerm, mod: func(in *DecisionInput) { in.Masks = []MaskCandidate{mask("a", "m", "redact", "")} },
			code: lferr.PermissionTypeMismatch, msg: "a column mask applies, which needs COLUMN_MASK_PERMISSION"},
		{name: "mask on IAM-only table", acc: access.TableAccess{IAMOnly: true},
			supported: []string{api.ColumnMaskPermission}, mod: func(in *DecisionInput) { in.Masks = []MaskCandidate{mask("c", "m", "default", "")} },
			cols: []string{"a", "b", "c", "country", "year"}, masks: []string{"c:m"}, outcome: OutcomeIAMOnly},
		{name: "mask on an unauthorized column does not apply", acc: access.TableAccess{Select: []access.SelectGrant{{Columns: []string{"b"}}}},
			supported: colPerm, mod: func(in *DecisionInput) { in.Masks = []MaskCandidate{mask("a", "m", "redact", "")} },
			cols: []string{"b"}},
		{name: "column mask wins over tag mask", acc: access.TableAccess{Select: []access.SelectGrant{fullSelect()}},
			supported: allPerm, mod: func(in *DecisionInput) {
				in.Masks = []MaskCandidate{mask("a", "tagm", "sha256", "pii=yes"), mask("a", "colm", "redact", ""), mask("country", "t2", "redact", "pii=yes")}
			},
			cols: []string{"a", "b", "c", "country", "year"}, masks: []string{"a:colm", "country:t2"}},
		{name: "two identical tag masks are one", acc: access.TableAccess{Select: []access.SelectGrant{fullSelect()}},
			supported: allPerm, mod: func(in *DecisionInput) {
				in.Masks = []MaskCandidate{mask("a", "m1", "redact", "pii=yes"), mask("a", "m2", "redact", "class=x")}
			},
			masks: []string{"a:m1"}},
		{name: "two different tag masks fail closed", acc: access.TableAccess{Select: []access.SelectGrant{fullSelect()}},
			supported: allPerm, mod: func(in *DecisionInput) {
				in.Masks = []MaskCandidate{mask("a", "m1", "redact", "pii=yes"), mask("a", "m2", "sha256", "class=x")}
			},
			code: lferr.Conflict, msg: "Column a of sales.orders carries tags with two different masks, m1 (pii=yes) and m2 (class=x)"},
		{name: "admin is unmasked", acc: access.TableAccess{IAMOnly: true}, supported: colPerm,
			mod:  func(in *DecisionInput) { in.Unmasked = true; in.Masks = []MaskCandidate{mask("a", "m", "redact", "")} },
			cols: []string{"a", "b", "c", "country", "year"}},
		{name: "INSERT with whole-table permission", acc: access.TableAccess{Permissions: []string{"INSERT", "SELECT"}, Select: []access.SelectGrant{fullSelect()}},
			supported: colPerm, mod: func(in *DecisionInput) { in.Requested = []string{"SELECT", "INSERT"} }, perms: []string{"SELECT", "INSERT"}},
		{name: "INSERT not granted", acc: access.TableAccess{Permissions: []string{"SELECT"}, Select: []access.SelectGrant{fullSelect()}},
			supported: colPerm, mod: func(in *DecisionInput) { in.Requested = []string{"INSERT"} }, code: lferr.AccessDenied, msg: "INSERT on sales.orders is not granted"},
		{name: "rule 12: INSERT under a row filter", acc: access.TableAccess{Permissions: []string{"INSERT"}, Select: []access.SelectGrant{{AllColumns: true, RowFilter: "b = 1"}}},
			supported: cellPerm, mod: func(in *DecisionInput) { in.Requested = []string{"INSERT"} }, code: lferr.AccessDenied, msg: "needs access to the whole table"},
		{name: "rule 12: DELETE under a mask", acc: access.TableAccess{Permissions: []string{"ALL"}, Select: []access.SelectGrant{fullSelect()}},
			supported: allPerm, mod: func(in *DecisionInput) {
				in.Requested = []string{"DELETE"}
				in.Masks = []MaskCandidate{mask("a", "m", "redact", "")}
			}, code: lferr.AccessDenied, msg: "needs access to the whole table"},
		{name: "stored filter that no longer parses fails closed", acc: access.TableAccess{Select: []access.SelectGrant{{AllColumns: true, RowFilter: "f(x) = 1", FilterName: "bad"}}},
			supported: cellPerm, code: lferr.InternalService, msg: "data cells filter bad"},
		{name: "registered table", acc: access.TableAccess{Select: []access.SelectGrant{fullSelect()}}, supported: colPerm,
			mod: func(in *DecisionInput) { in.Registered = true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mod := c.mod
			if mod == nil {
				mod = func(*DecisionInput) {}
			}
			var reg bool
			out, d, err := decide(c.acc, c.supported, mod, func(in *DecisionInput) { reg = in.Registered })
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				if out != nil {
					t.Fatalf("answer with an error: %+v", out)
				}
				return
			}
			must(t, err)
			if out.IsRegisteredWithLakeFormation != reg || out.Table.IsRegisteredWithLakeFormation != reg {
				t.Errorf("registered = %v/%v, want %v", out.IsRegisteredWithLakeFormation, out.Table.IsRegisteredWithLakeFormation, reg)
			}
			if c.cols != nil && !reflect.DeepEqual(out.AuthorizedColumns, c.cols) {
				t.Errorf("AuthorizedColumns = %#v, want %#v", out.AuthorizedColumns, c.cols)
			}
			if c.cols != nil && len(c.cols) == 0 && out.AuthorizedColumns == nil {
				t.Errorf("DESCRIBE-only AuthorizedColumns must be empty, not absent")
			}
			var cells []string
			for _, f := range out.CellFilters {
				cells = append(cells, f.ColumnName+":"+f.RowFilterExpression)
			}
			if !reflect.DeepEqual(cells, c.cells) {
				t.Errorf("CellFilters = %v, want %v", cells, c.cells)
			}
			if c.cells != nil && out.RowFilter != c.rows {
				t.Errorf("RowFilter = %q, want %q", out.RowFilter, c.rows)
			}
			if c.perms != nil && !reflect.DeepEqual(out.Permissions, c.perms) {
				t.Errorf("Permissions = %v, want %v", out.Permissions, c.perms)
			}
			var masks []string
			for _, m := range out.ColumnMasks {
				masks = append(masks, m.ColumnName+":"+m.MaskName)
			}
			if !reflect.DeepEqual(masks, c.masks) {
				t.Errorf("ColumnMasks = %v, want %v", masks, c.masks)
			}
			if c.outcome != "" && d.Outcome != c.outcome {
				t.Errorf("Outcome = %q, want %q", d.Outcome, c.outcome)
			}
		})
	}
}

// ---- multi-filter combination against a naive evaluator of spec §6.3 ----

var randCols = []string{"a", "b", "c", "country", "year"}

func randPredicate(r *rand.Rand) string {
	switch r.IntN(9) {
	case 0:
		return "" // all rows
	case 1:
		return fmt.Sprintf("b > %d", r.IntN(6))
	case 2:
		return fmt.Sprintf("c <= %d", r.IntN(6))
	case 3:
		return []string{"country = 'US'", "country <> 'CA'", "country IN ('US', 'FR')", "country LIKE 'U%'"}[r.IntN(4)]
	case 4:
		return fmt.Sprintf("year BETWEEN %d AND %d", 2020+r.IntN(3), 2022+r.IntN(3))
	case 5:
		return "a IS NULL"
	case 6:
		return fmt.Sprintf("(b = %d) AND (country = 'US')", r.IntN(4))
	case 7:
		return fmt.Sprintf("NOT (c > %d) OR a = 'x'", r.IntN(5))
	}
	return "b IS NOT NULL AND c < 3"
}

func randGrant(r *rand.Rand, i int) access.SelectGrant {
	g := access.SelectGrant{RowFilter: randPredicate(r), FilterName: fmt.Sprintf("f%d", i)}
	if r.IntN(3) == 0 {
		g.AllColumns = true
		for _, c := range randCols {
			if r.IntN(4) == 0 {
				g.Excluded = append(g.Excluded, c)
			}
		}
		return g
	}
	for _, c := range randCols {
		if r.IntN(2) == 0 {
			g.Columns = append(g.Columns, c)
		}
	}
	return g
}

func randRow(r *rand.Rand) map[string]types.Value {
	maybeNull := func(v types.Value) types.Value {
		if r.IntN(6) == 0 {
			v.Null = true
		}
		return v
	}
	return map[string]types.Value{
		"a":       maybeNull(types.NewString([]string{"x", "y", "z"}[r.IntN(3)])),
		"b":       maybeNull(types.NewInt(int64(r.IntN(6)))),
		"c":       maybeNull(types.NewInt(int64(r.IntN(6)))),
		"country": maybeNull(types.NewString([]string{"US", "CA", "FR", "UK"}[r.IntN(4)])),
		"year":    types.NewInt(int64(2020 + r.IntN(5))),
	}
}

func holds(t *testing.T, expr string, row map[string]types.Value) bool {
	t.Helper()
	if expr == "" {
		return true
	}
	e, err := rowfilter.Parse(expr)
	must(t, err)
	v, err := rowfilter.Eval(e, row)
	must(t, err)
	return v == rowfilter.True
}

func covers(g access.SelectGrant, c string) bool {
	if g.AllColumns {
		return !slices.Contains(g.Excluded, c)
	}
	return slices.Contains(g.Columns, c)
}

// TestDecideMultiFilterCombination: several data cells filters and a
// column grant on one table; RowFilter and CellFilters, evaluated with
// rowfilter.Eval, must agree with the naive model row by row and cell by
// cell: a row is visible iff some grant's predicate holds; a cell iff some
// grant covering its column holds.
func TestDecideMultiFilterCombination(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	mismatches, checkedCells, restricted := 0, 0, 0
	for trial := 0; trial < 300; trial++ {
		n := 2 + r.IntN(4)
		var gs []access.SelectGrant
		for i := 0; i < n; i++ {
			gs = append(gs, randGrant(r, i))
		}
		// A plain column grant (all rows) on some trials.
		if r.IntN(2) == 0 {
			gs = append(gs, access.SelectGrant{Columns: []string{randCols[r.IntN(len(randCols))]}, Source: "column grant"})
		}
		out, _, err := decide(access.TableAccess{Select: gs}, cellPerm)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		// Authorized columns = union of the grants that reach a column.
		var wantCols []string
		for _, c := range randCols {
			for _, g := range gs {
				if covers(g, c) {
					wantCols = append(wantCols, c)
					break
				}
			}
		}
		if !slices.Equal(out.AuthorizedColumns, wantCols) {
			t.Fatalf("trial %d: AuthorizedColumns %v, want %v", trial, out.AuthorizedColumns, wantCols)
		}
		if len(out.CellFilters) > 0 {
			restricted++
			if len(out.CellFilters) != len(out.AuthorizedColumns) {
				t.Fatalf("trial %d: %d CellFilters for %d authorized columns", trial, len(out.CellFilters), len(out.AuthorizedColumns))
			}
		}
		cellExpr := map[string]string{}
		for _, f := range out.CellFilters {
			cellExpr[f.ColumnName] = f.RowFilterExpression
		}
		for k := 0; k < 40; k++ {
			row := randRow(r)
			naiveRow := false
			for _, g := range gs {
				reaches := false
				for _, c := range randCols {
					reaches = reaches || covers(g, c)
				}
				if reaches && holds(t, g.RowFilter, row) {
					naiveRow = true
				}
			}
			if got := holds(t, out.RowFilter, row); got != naiveRow {
				mismatches++
				t.Errorf("trial %d row %v: RowFilter %q gives %v, naive %v", trial, row, out.RowFilter, got, naiveRow)
			}
			for _, c := range out.AuthorizedColumns {
				naiveCell := false
				for _, g := range gs {
					if covers(g, c) && holds(t, g.RowFilter, row) {
						naiveCell = true
					}
				}
				got := true // no CellFilters at all: every authorized cell visible
				if len(out.CellFilters) > 0 {
					got = holds(t, cellExpr[c], row)
				}
				checkedCells++
				if got != naiveCell {
					mismatches++
					t.Errorf("trial %d cell %s of %v: %q gives %v, naive %v", trial, c, row, cellExpr[c], got, naiveCell)
				}
			}
		}
	}
	if mismatches != 0 {
		t.Fatalf("%d mismatches", mismatches)
	}
	if restricted < 100 || checkedCells < 10000 {
		t.Fatalf("weak test: %d restricted trials, %d cells", restricted, checkedCells)
	}
	t.Logf("%d cells checked, %d trials with cell filters, zero mismatches", checkedCells, restricted)
}

func TestDecideExplainLines(t *testing.T) {
	acc := access.TableAccess{Select: []access.SelectGrant{{Columns: []string{"a"}, RowFilter: "b > 1", FilterName: "f1"}},
		Explain: []string{"data cells filter f1 granted to role/x"}}
	_, d, err := decide(acc, cellPerm)
	must(t, err)
	text := strings.Join(d.Lines, "\n")
	for _, want := range []string{"data cells filter f1 granted", "columns restricted: 1 of 5", "RowFilter b > 1", "cells restricted on a"} {
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text)
		}
	}
}
