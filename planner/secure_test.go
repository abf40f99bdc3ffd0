package planner

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// secureCols is the table the translation tests filter.
var secureCols = []api.Column{{Name: "i", Type: "bigint"}, {Name: "f", Type: "double"}, {Name: "s", Type: "string"}, {Name: "b", Type: "boolean"}}

// randFilter writes a random row-filter text over secureCols: every leaf
// shape of the grammar, NOT/AND/OR nesting, LIKE with and without ESCAPE.
func randFilter(r *rand.Rand, depth int) string {
	if depth > 0 && r.Intn(3) == 0 {
		switch r.Intn(3) {
		case 0:
			return "NOT (" + randFilter(r, depth-1) + ")"
		case 1:
			return "(" + randFilter(r, depth-1) + ") AND (" + randFilter(r, depth-1) + ")"
		default:
			return "(" + randFilter(r, depth-1) + ") OR (" + randFilter(r, depth-1) + ")"
		}
	}
	ops := []string{"=", "<>", "!=", "<", "<=", ">", ">="}
	op := ops[r.Intn(len(ops))]
	not := ""
	if r.Intn(2) == 0 {
		not = "NOT "
	}
	ints := func() string { return fmt.Sprint(r.Intn(7) - 3) }
	flts := func() string { return []string{"0", "1.5", "-2.25", "3"}[r.Intn(4)] }
	strs := func() string { return []string{"'a'", "'ab'", "'B'", "''", "'a%'", "'é'", "'x\\y'"}[r.Intn(7)] }
	switch r.Intn(12) {
	case 0:
		return "i " + op + " " + ints()
	case 1:
		return "f " + op + " " + flts()
	case 2:
		return "s " + op + " " + strs()
	case 3:
		return "b " + []string{"=", "<>"}[r.Intn(2)] + " " + []string{"TRUE", "FALSE"}[r.Intn(2)]
	case 4:
		return "i " + not + "IN (" + ints() + ", " + ints() + ")"
	case 5:
		return "s " + not + "IN (" + strs() + ", " + strs() + ")"
	case 6:
		return "f " + not + "BETWEEN " + flts() + " AND " + flts()
	case 7:
		return "i " + not + "BETWEEN " + ints() + " AND " + ints()
	case 8:
		pats := []string{"'a%'", "'%b'", "'_'", "'%'", "'a_c%'", "'x\\y'", "'%\\%'", "'é_'", "'%a%b%'"}
		return "s " + not + "LIKE " + pats[r.Intn(len(pats))]
	case 9:
		pats := []string{"'a!%%' ESCAPE '!'", "'!_%' ESCAPE '!'", "'%!!' ESCAPE '!'", "'é%%' ESCAPE 'é'", "'\\_%' ESCAPE '\\'"}
		return "s " + not + "LIKE " + pats[r.Intn(len(pats))]
	case 10:
		return []string{"i", "f", "s", "b"}[r.Intn(4)] + " IS " + not + "NULL"
	}
	return []string{"TRUE", "FALSE"}[r.Intn(2)]
}

func randRow(r *rand.Rand) []types.Value {
	row := make([]types.Value, 4)
	if r.Intn(5) == 0 {
		row[0] = types.Value{Kind: types.Int64, Null: true}
	} else {
		row[0] = types.NewInt(int64(r.Intn(7) - 3))
	}
	switch r.Intn(6) {
	case 0:
		row[1] = types.Value{Kind: types.Float64, Null: true}
	case 1:
		row[1] = types.NewFloat(math.NaN())
	default:
		row[1] = types.NewFloat([]float64{0, 1.5, -2.25, 3, 2}[r.Intn(5)])
	}
	strs := []string{"a", "ab", "abc", "B", "", "a%", "%", "é", "éx", "x\\y", "_", "a_cd", "b%b", "!", "\xff"}
	if r.Intn(5) == 0 {
		row[2] = types.Value{Kind: types.String, Null: true}
	} else {
		row[2] = types.NewString(strs[r.Intn(len(strs))])
	}
	if r.Intn(4) == 0 {
		row[3] = types.Value{Kind: types.Bool, Null: true}
	} else {
		row[3] = types.NewBool(r.Intn(2) == 0)
	}
	return row
}

// TestSecureFilterTranslationMatchesReference: the plan expression of a
// row filter has rowfilter.Eval's three-valued meaning on every row
// (NULLs, NaN, LIKE escapes, multi-byte characters), evaluated by exec's
// vectorized kernels.
func TestSecureFilterTranslationMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	schema := rowfilter.SchemaFromGlue(secureCols, nil)
	cols := make([]plan.ScanColumn, len(secureCols))
	idx := map[string]int{}
	pcols := make([]plan.Column, len(secureCols))
	for i, c := range secureCols {
		ty, _ := types.ParseGlue(c.Type)
		cols[i] = plan.ScanColumn{Name: c.Name, T: ty}
		pcols[i] = plan.Column{Name: c.Name, T: ty}
		idx[c.Name] = i
	}
	rows := make([][]types.Value, 200)
	vrows := make([][]plan.Expr, len(rows))
	for i := range rows {
		rows[i] = randRow(r)
		for j, v := range rows[i] {
			vrows[i] = append(vrows[i], &plan.Const{V: v, T: pcols[j].T})
		}
	}
	values := &plan.Values{Cols: pcols, Rows: vrows}
	tr := filterTranslator{idx: idx, cols: cols}
	for n := 0; n < 300; n++ {
		text := randFilter(r, 3)
		e, err := rowfilter.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if e, err = rowfilter.Bind(e, schema); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		pe, err := tr.expr(e)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		// Project the three-valued result as 1 / 0 / NULL.
		proj := &plan.Project{Input: values, Exprs: []plan.Expr{pe}, Cols: []plan.Column{{Name: "p", T: types.BoolT}}}
		got, err := exec.CollectPlan(context.Background(), proj, &exec.Env{})
		if err != nil {
			t.Fatalf("%s → %s: %v", text, pe, err)
		}
		for i, row := range rows {
			want, err := rowfilter.Eval(e, map[string]types.Value{"i": row[0], "f": row[1], "s": row[2], "b": row[3]})
			if err != nil {
				t.Fatal(err)
			}
			g := got[i][0]
			var gt rowfilter.Truth
			switch {
			case g.Null:
				gt = rowfilter.Unknown
			case g.I != 0:
				gt = rowfilter.True
			default:
				gt = rowfilter.False
			}
			if gt != want {
				t.Errorf("%s on %v: exec %s, reference %s (plan %s)", text, row, gt, want, pe)
				break
			}
		}
	}
}

func TestExecLikePattern(t *testing.T) {
	cases := []struct {
		pat  string
		esc  rune
		want string
	}{
		{"a%", 0, "a%"},
		{`x\y`, 0, `x\\y`},
		{"a!%b", '!', `a\%b`},
		{"!!_", '!', `!_`},
		{"é%%", 'é', `\%%`},
		{`\_%`, '\\', `\_%`},
		{"50%_", 0, "50%_"},
	}
	for _, c := range cases {
		if got := execLikePattern(c.pat, c.esc); got != c.want {
			t.Errorf("execLikePattern(%q, %q) = %q, want %q", c.pat, c.esc, got, c.want)
		}
	}
}

// securePlanner returns a planner over table default.p (id, name, email,
// dept, salary, secret) answering with ans, running as a principal tagged
// dept=hr.
func securePlanner(ans *api.GetUnfilteredTableMetadataOutput) (*Planner, *fakeClient) {
	f := newFake()
	f.add("default", "p", "id bigint", "name string", "email string", "dept string", "salary double", "secret string", "born date")
	f.answers["default.p"] = ans
	p := newTestPlanner(f)
	p.Principal = mask.Principal{ARN: "arn:aws:sts::111122223333:assumed-role/analyst/s1", Account: "111122223333", Tags: map[string]string{"dept": "hr"}}
	return p, f
}

func scanOf(t *testing.T, st Statement) *plan.Scan {
	t.Helper()
	var sc *plan.Scan
	q, ok := st.(*Query)
	if !ok {
		t.Fatalf("got %T", st)
	}
	walkPlan(q.Plan, func(n plan.Node) {
		if s, ok := n.(*plan.Scan); ok {
			sc = s
		}
	})
	if sc == nil {
		t.Fatal("no scan")
	}
	return sc
}

func cellsFor(cols []string, expr map[string]string) []api.ColumnRowFilter {
	var out []api.ColumnRowFilter
	for _, c := range cols {
		e := "TRUE"
		if x, ok := expr[c]; ok {
			e = x
		}
		out = append(out, api.ColumnRowFilter{ColumnName: c, RowFilterExpression: e})
	}
	return out
}

// TestSecureScanPlanning: the shape of the secure scan for each kind of
// policy, what EXPLAIN says to a non-admin and to an admin, and that hidden
// columns are read but never leave the scan.
func TestSecureScanPlanning(t *testing.T) {
	authCols := []string{"id", "name", "email", "salary"}
	cases := []struct {
		name        string
		ans         api.GetUnfilteredTableMetadataOutput
		scanCols    string // Scan.Columns
		rowFilter   string // "" none
		guards      string // "col:expr;..."
		masks       string // "col:expr;..."
		policies    string
		notInPublic []string // never in the non-admin EXPLAIN
		prune       string   // PruneFilters
	}{
		{
			name:        "one data cells filter: row filter on a hidden column, guards elided",
			ans:         api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, RowFilter: "dept = 'hr'", CellFilters: cellsFor(authCols, map[string]string{"id": "dept = 'hr'", "name": "dept = 'hr'", "email": "dept = 'hr'", "salary": "dept = 'hr'"})},
			scanCols:    "id,name,email,dept,salary",
			rowFilter:   "(dept = 'hr')",
			policies:    "row filter",
			notInPublic: []string{"dept", "'hr'"},
			prune:       "(dept = 'hr')",
		},
		{
			name:        "all rows, one cell-filtered column",
			ans:         api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, CellFilters: cellsFor(authCols, map[string]string{"salary": "salary < 100 OR dept IN ('it')"})},
			scanCols:    "id,name,email,dept,salary",
			guards:      "salary:((salary < 100) or dept IN ('it'))",
			policies:    "cell filter on salary",
			notInPublic: []string{"dept", "100"},
		},
		{
			name:      "older server: no RowFilter, rows are the OR of the cells",
			ans:       api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"id", "name"}, CellFilters: cellsFor([]string{"id", "name"}, map[string]string{"id": "dept = 'a'", "name": "dept = 'b'"})},
			scanCols:  "id,name,dept",
			rowFilter: "((dept = 'a') or (dept = 'b'))",
			guards:    "id:(dept = 'a');name:(dept = 'b')",
			policies:  "row filter, cell filter on id, name",
		},
		{
			name:        "masks: builtin, principal-dependent identity, constant",
			ans:         api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, ColumnMasks: []api.ColumnMask{{ColumnName: "email", MaskExpression: "sha256", MaskName: "hash_email"}, {ColumnName: "name", MaskExpression: `principal.tags.dept == "hr" ? value : redact(value)`, MaskName: "hr_sees_names"}, {ColumnName: "salary", MaskExpression: "principal.tags.dept == 'it' ? value : 0.0", MaskName: "zero"}}},
			scanCols:    "id,name,email,salary",
			masks:       "email:mask_sha256(email);salary:CASE WHEN is_null(salary) THEN NULL ELSE 0 END",
			policies:    "mask hr_sees_names on name (identity), mask hash_email on email (builtin sha256), mask zero on salary (builtin constant)",
			notInPublic: []string{"principal", "sha256(value)"},
		},
		{
			name: "rows-only filter plus a narrower cell filter: absorbed, guards keep only what the rows do not imply",
			ans: api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, RowFilter: "salary <= 5 OR (salary <= 5 AND dept = 'R')",
				CellFilters: cellsFor(authCols, map[string]string{"id": "salary <= 5", "name": "salary <= 5", "email": "salary <= 5 AND dept = 'R'", "salary": "salary <= 5 AND dept = 'R'"})},
			scanCols:  "id,name,email,dept,salary",
			rowFilter: "(salary <= 5)",
			guards:    "email:(dept = 'R');salary:(dept = 'R')",
			policies:  "row filter, cell filter on email, salary",
		},
		{
			name:     "TRUE everywhere is no restriction",
			ans:      api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, RowFilter: "TRUE", CellFilters: cellsFor(authCols, nil)},
			scanCols: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ans := c.ans
			p, _ := securePlanner(&ans)
			st, err := p.Plan(context.Background(), "SELECT * FROM p")
			if err != nil {
				t.Fatal(err)
			}
			sc := scanOf(t, st)
			if c.scanCols == "" {
				if sc.Secure != nil {
					t.Fatalf("secure scan for an unrestricted answer: %+v", sc.Secure)
				}
				return
			}
			if sc.Secure == nil {
				t.Fatal("no secure scan")
			}
			var names []string
			for _, col := range sc.Columns {
				names = append(names, col.Name)
			}
			if got := strings.Join(names, ","); got != c.scanCols {
				t.Errorf("scan columns %s, want %s", got, c.scanCols)
			}
			var out []string
			for _, col := range st.(*Query).Plan.Schema() {
				out = append(out, col.Name)
			}
			if got := strings.Join(out, ","); got != strings.Join(ans.AuthorizedColumns, ",") {
				t.Errorf("output columns %s, want the authorized %v", got, ans.AuthorizedColumns)
			}
			rf := ""
			if sc.Secure.RowFilter != nil {
				rf = sc.Secure.RowFilter.String()
			}
			if rf != c.rowFilter {
				t.Errorf("row filter %s, want %s", rf, c.rowFilter)
			}
			list := func(es []plan.Expr) string {
				var parts []string
				for i, e := range es {
					if e != nil {
						parts = append(parts, sc.Columns[i].Name+":"+e.String())
					}
				}
				return strings.Join(parts, ";")
			}
			if got := list(sc.Secure.CellGuards); got != c.guards {
				t.Errorf("guards %s, want %s", got, c.guards)
			}
			if got := list(sc.Secure.Masks); got != c.masks {
				t.Errorf("masks %s, want %s", got, c.masks)
			}
			public := plan.Explain(st.(*Query).Plan, plan.ExplainOptions{})
			if !strings.Contains(public, "policies: "+c.policies+"\n") {
				t.Errorf("EXPLAIN does not list the policies %q:\n%s", c.policies, public)
			}
			for _, s := range c.notInPublic {
				if strings.Contains(public, s) {
					t.Errorf("non-admin EXPLAIN reveals %q:\n%s", s, public)
				}
			}
			admin := plan.Explain(st.(*Query).Plan, plan.ExplainOptions{ShowPolicyExpressions: true})
			if c.rowFilter != "" && !strings.Contains(admin, "row filter: "+c.rowFilter) {
				t.Errorf("admin EXPLAIN lacks the row filter:\n%s", admin)
			}
			// The row filter's decidable conjuncts prune by statistics;
			// only admins see them in EXPLAIN.
			if got := exprStrings(sc.PruneFilters); got != c.prune {
				t.Errorf("prune filters %q, want %q", got, c.prune)
			}
			if c.prune != "" && (!strings.Contains(admin, "prune by statistics: "+c.prune) || strings.Contains(public, "prune by statistics")) {
				t.Errorf("prune filters in EXPLAIN: admin\n%s\npublic\n%s", admin, public)
			}
			// Hidden columns cannot be named.
			if _, err := p.Plan(context.Background(), "SELECT dept FROM p"); lferr.CodeOf(err) != lferr.UnknownColumn {
				t.Errorf("naming the hidden column: %v", err)
			}
		})
	}
}

// TestSecureScanFailsClosed: rule 6 and everything else the engine cannot
// enforce stop the query, without quoting the policy.
func TestSecureScanFailsClosed(t *testing.T) {
	auth := []string{"id", "name"}
	cases := []struct {
		name   string
		ans    api.GetUnfilteredTableMetadataOutput
		code   lferr.Code
		says   string
		hidden string // must not appear in the message
	}{
		{"missing entry", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, CellFilters: []api.ColumnRowFilter{{ColumnName: "id", RowFilterExpression: "dept = 'x'"}}}, lferr.AccessDenied, "no entry for authorized column name", "dept"},
		{"entry for a hidden column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, CellFilters: append(cellsFor(auth, nil), api.ColumnRowFilter{ColumnName: "secret", RowFilterExpression: "TRUE"})}, lferr.AccessDenied, "not among the authorized", "secret"},
		{"two expressions for a column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, CellFilters: append(cellsFor(auth, nil), api.ColumnRowFilter{ColumnName: "id", RowFilterExpression: "dept = 'x'"})}, lferr.AccessDenied, "two different", "dept"},
		{"cell expression outside the grammar", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, CellFilters: cellsFor(auth, map[string]string{"name": "upper(dept) = 'X'"})}, lferr.AccessDenied, "not an expression this engine can enforce", "upper"},
		{"row filter on an unknown column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, RowFilter: "nosuch = 1"}, lferr.AccessDenied, "row filter", "nosuch"},
		{"row filter on a DATE column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, RowFilter: "born > 1"}, lferr.AccessDenied, "row filter", "born"},
		{"mask reading a missing tag", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, ColumnMasks: []api.ColumnMask{{ColumnName: "name", MaskExpression: "principal.tags.level == 'x' ? value : redact(value)", MaskName: "m2"}}}, lferr.AccessDenied, "mask m2", "level"},
		{"mask that does not compile", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, ColumnMasks: []api.ColumnMask{{ColumnName: "id", MaskExpression: "redact(value)", MaskName: "m3"}}}, lferr.AccessDenied, "mask m3", "redact"},
		{"principal-dependent mask without a principal", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, ColumnMasks: []api.ColumnMask{{ColumnName: "name", MaskExpression: "principal.arn.contains('analyst') ? redact(value) : value", MaskName: "m4"}}}, lferr.AccessDenied, "principal is unknown", "analyst"},
		{"mask on an unauthorized column", api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: auth, ColumnMasks: []api.ColumnMask{{ColumnName: "secret", MaskExpression: "redact"}}}, lferr.AccessDenied, "not among the authorized", "secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ans := c.ans
			p, _ := securePlanner(&ans)
			if strings.HasPrefix(c.name, "principal-dependent") {
				p.Principal = mask.Principal{}
			}
			_, err := p.Plan(context.Background(), "SELECT id FROM p")
			if lferr.CodeOf(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			msg := lferr.MessageOf(err)
			if !strings.Contains(msg, c.says) || !strings.Contains(msg, "default.p") {
				t.Errorf("message %q does not say %q about default.p", msg, c.says)
			}
			if strings.Contains(msg, c.hidden) {
				t.Errorf("message %q reveals %q", msg, c.hidden)
			}
		})
	}
}

// TestSecureMaskLoweringMatchesAuthzMask: the plan expressions built-in
// masks lower to give mask.ApplyBuiltin's answers (NULL in, NULL out)
// when exec runs them.
func TestSecureMaskLoweringMatchesAuthzMask(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	type tc struct {
		t    types.T
		b    mask.Builtin
		vals func() types.Value
	}
	str := func() types.Value {
		if r.Intn(6) == 0 {
			return types.Value{Kind: types.String, Null: true}
		}
		return types.NewString([]string{"ann@x.com", "555-1234", "é日", "", "A b"}[r.Intn(5)])
	}
	date := func() types.Value {
		if r.Intn(6) == 0 {
			return types.Value{Kind: types.Date, Null: true}
		}
		return types.NewDate(int64(r.Intn(40000) - 20000))
	}
	ts := func() types.Value {
		if r.Intn(6) == 0 {
			return types.Value{Kind: types.Timestamp, Null: true}
		}
		return types.NewTimestamp(r.Int63n(4e15) - 2e15)
	}
	num := func() types.Value {
		if r.Intn(6) == 0 {
			return types.Value{Kind: types.Float64, Null: true}
		}
		return types.NewFloat(r.Float64() * 100)
	}
	cases := []tc{
		{types.StringT, mask.Builtin{Kind: mask.KindRedact}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindSHA256}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindShowFirst, Args: []types.Value{types.NewInt(2)}}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindShowLast, Args: []types.Value{types.NewInt(3)}}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindNull}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindDefault}, str},
		{types.StringT, mask.Builtin{Kind: mask.KindConstant, Args: []types.Value{types.NewString("***")}}, str},
		{types.Float64T, mask.Builtin{Kind: mask.KindDefault}, num},
		{types.DateT, mask.Builtin{Kind: mask.KindTruncateDate, Args: []types.Value{types.NewString("year")}}, date},
		{types.DateT, mask.Builtin{Kind: mask.KindTruncateDate, Args: []types.Value{types.NewString("month")}}, date},
		{types.TimestampT, mask.Builtin{Kind: mask.KindTruncateDate, Args: []types.Value{types.NewString("month")}}, ts},
	}
	for _, c := range cases {
		vals := make([]types.Value, 60)
		rows := make([][]plan.Expr, len(vals))
		for i := range vals {
			vals[i] = c.vals()
			rows[i] = []plan.Expr{&plan.Const{V: vals[i], T: c.t}}
		}
		e, err := builtinMask(&mask.Residual{Class: mask.BuiltinClass, Builtin: c.b}, &plan.ColRef{Idx: 0, T: c.t, Name: "v"}, c.t)
		if err != nil {
			t.Fatalf("%s: %v", c.b, err)
		}
		proj := &plan.Project{Input: &plan.Values{Cols: []plan.Column{{Name: "v", T: c.t}}, Rows: rows}, Exprs: []plan.Expr{e}, Cols: []plan.Column{{Name: "m", T: c.t}}}
		got, err := exec.CollectPlan(context.Background(), proj, &exec.Env{})
		if err != nil {
			t.Fatalf("%s → %s: %v", c.b, e, err)
		}
		for i, v := range vals {
			want, err := mask.ApplyBuiltin(c.b, c.t, v)
			if err != nil {
				t.Fatal(err)
			}
			g := got[i][0]
			if g.Null != want.Null || (!g.Null && g.String() != want.String()) {
				t.Errorf("%s(%v) = %v, authz/mask gives %v", c.b, v, g, want)
			}
		}
	}
}

// TestSecureScanPruning: column pruning narrows a secure scan to the
// needed columns plus everything their policies read, never less.
func TestSecureScanPruning(t *testing.T) {
	authCols := []string{"id", "name", "email", "salary"}
	withRows := api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, RowFilter: "dept = 'hr' OR secret = 'x'",
		CellFilters: cellsFor(authCols, map[string]string{"id": "dept = 'hr' OR secret = 'x'", "name": "dept = 'hr' OR secret = 'x'", "email": "dept = 'hr' OR secret = 'x'", "salary": "secret = 'x'"}),
		ColumnMasks: []api.ColumnMask{{ColumnName: "email", MaskExpression: "sha256", MaskName: "h"}}}
	maskOnly := api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols, ColumnMasks: []api.ColumnMask{{ColumnName: "email", MaskExpression: "redact", MaskName: "r"}}}
	cases := []struct {
		ans     api.GetUnfilteredTableMetadataOutput
		sql     string
		cols    string // scan columns
		out     string // output columns
		guards  string
		masks   string
		rowsRef string // columns the row filter reads after remapping
	}{
		{withRows, "SELECT name FROM p", "name,dept,secret", "name", "", "", "dept,secret"},
		{withRows, "SELECT salary FROM p", "dept,salary,secret", "salary", "salary", "", "dept,secret"},
		{withRows, "SELECT email FROM p", "email,dept,secret", "email", "", "email", "dept,secret"},
		{withRows, "SELECT count(*) FROM p", "dept,secret", "", "", "", "dept,secret"},
		{maskOnly, "SELECT count(*) FROM p", "id", "", "", "", ""},
		{maskOnly, "SELECT id FROM p WHERE email > 'a'", "id,email", "id,email", "", "email", ""},
	}
	for _, c := range cases {
		ans := c.ans
		p, _ := securePlanner(&ans)
		st, err := p.Plan(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		sc := scanOf(t, st)
		if sc.Secure == nil {
			t.Fatalf("%s: pruning lost the policy", c.sql)
		}
		names := func(idx []int) string {
			var s []string
			for _, i := range idx {
				s = append(s, sc.Columns[i].Name)
			}
			return strings.Join(s, ",")
		}
		all := make([]int, len(sc.Columns))
		for i := range all {
			all[i] = i
		}
		nonNil := func(es []plan.Expr) []int {
			var out []int
			for i, e := range es {
				if e != nil {
					out = append(out, i)
				}
			}
			return out
		}
		var rowCols []int
		if sc.Secure.RowFilter != nil {
			seen := map[int]bool{}
			plan.Walk(sc.Secure.RowFilter, func(x plan.Expr) bool {
				if r, ok := x.(*plan.ColRef); ok && !seen[r.Idx] {
					seen[r.Idx] = true
					rowCols = append(rowCols, r.Idx)
				}
				return true
			})
		}
		got := []string{names(all), names(sc.Secure.OutputCols), names(nonNil(sc.Secure.CellGuards)), names(nonNil(sc.Secure.Masks)), names(rowCols)}
		want := []string{c.cols, c.out, c.guards, c.masks, c.rowsRef}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("%s: columns | outputs | guards | masks | row filter reads = %q, want %q", c.sql, strings.Join(got, " | "), strings.Join(want, " | "))
		}
		// Every policy expression indexes a column the scan reads, with its own name.
		check := func(e plan.Expr) {
			plan.Walk(e, func(x plan.Expr) bool {
				if r, ok := x.(*plan.ColRef); ok && (r.Idx >= len(sc.Columns) || sc.Columns[r.Idx].Name != r.Name) {
					t.Errorf("%s: policy reference %s → column %d", c.sql, r.Name, r.Idx)
				}
				return true
			})
		}
		check(sc.Secure.RowFilter)
		for _, e := range append(append([]plan.Expr(nil), sc.Secure.CellGuards...), sc.Secure.Masks...) {
			check(e)
		}
	}
}

// TestSecureScanNeverPrunesOnRewrittenColumns (rule 9): user predicates on
// a secure scan stay above it and never become statistics pruning on a
// guarded or masked column (whose statistics describe original values).
func TestSecureScanNeverPrunesOnRewrittenColumns(t *testing.T) {
	authCols := []string{"id", "name", "email", "salary"}
	ans := api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: authCols,
		CellFilters: cellsFor(authCols, map[string]string{"salary": "dept = 'hr'"}),
		ColumnMasks: []api.ColumnMask{{ColumnName: "email", MaskExpression: "sha256", MaskName: "h"}}}
	for _, q := range []string{
		"SELECT id FROM p WHERE salary > 5",
		"SELECT id FROM p WHERE email = 'a' AND salary IS NULL",
		"SELECT count(*) FROM p WHERE salary BETWEEN 1 AND 2",
		"SELECT p1.id FROM p p1 JOIN p p2 ON p1.id = p2.id WHERE p2.salary < 3",
	} {
		a := ans
		pl, _ := securePlanner(&a)
		st, err := pl.Plan(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		walkPlan(st.(*Query).Plan, func(n plan.Node) {
			sc, ok := n.(*plan.Scan)
			if !ok {
				return
			}
			if sc.Secure == nil {
				t.Errorf("%s: a scan of the protected table lost its policy", q)
			}
			for _, f := range sc.PruneFilters {
				plan.Walk(f, func(x plan.Expr) bool {
					if r, ok := x.(*plan.ColRef); ok {
						if (r.Idx < len(sc.Secure.CellGuards) && sc.Secure.CellGuards[r.Idx] != nil) || (r.Idx < len(sc.Secure.Masks) && sc.Secure.Masks[r.Idx] != nil) {
							t.Errorf("%s: prunes by statistics on rewritten column %s", q, r.Name)
						}
					}
					return true
				})
			}
		})
	}
}

// TestSecureCELFallbackMask: a mask whose residual is not a built-in runs
// per row through exec's mask_cel, reading a hidden column after NULLing,
// with the answers of authz/mask's interpreter; EXPLAIN names it without
// showing it.
func TestSecureCELFallbackMask(t *testing.T) {
	text := "dept == 'hr' ? value : (salary != null && salary > 100.0 ? 'rich' : redact(value))"
	ans := api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"id", "name", "salary"},
		ColumnMasks: []api.ColumnMask{{ColumnName: "name", MaskExpression: text, MaskName: "m1"}}}
	p, _ := securePlanner(&ans)
	st, err := p.Plan(context.Background(), "SELECT name FROM p")
	if err != nil {
		t.Fatal(err)
	}
	sc := scanOf(t, st)
	var names []string
	for _, c := range sc.Columns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "name,dept,salary" {
		t.Errorf("scan columns %s, want name,dept,salary (dept hidden, read by the mask)", got)
	}
	public := plan.Explain(st.(*Query).Plan, plan.ExplainOptions{})
	if !strings.Contains(public, "mask m1 on name (CEL fallback)") || strings.Contains(public, "dept") || strings.Contains(public, "rich") {
		t.Errorf("EXPLAIN:\n%s", public)
	}
	var m plan.Expr
	for i, e := range sc.Secure.Masks {
		if e != nil {
			if sc.Columns[i].Name != "name" {
				t.Fatalf("mask on %s", sc.Columns[i].Name)
			}
			m = e
		}
	}
	if m == nil {
		t.Fatal("no mask planned")
	}
	// Run the planned expression over rows of the scan's columns.
	cm, err := mask.Compile(text, types.StringT, map[string]types.T{"id": types.Int64T, "name": types.StringT, "dept": types.StringT, "salary": types.Float64T})
	if err != nil {
		t.Fatal(err)
	}
	res, err := cm.Residual(p.Principal)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	cols := []plan.Column{{Name: "name", T: types.StringT}, {Name: "dept", T: types.StringT}, {Name: "salary", T: types.Float64T}}
	var vals [][]types.Value
	var rows [][]plan.Expr
	for i := 0; i < 80; i++ {
		row := []types.Value{types.NewString([]string{"ann", "Bo 7", "é"}[r.Intn(3)]), types.NewString([]string{"hr", "it"}[r.Intn(2)]), types.NewFloat(float64(r.Intn(200)))}
		for k := range row {
			if r.Intn(5) == 0 {
				row[k] = types.Value{Kind: row[k].Kind, Null: true}
			}
		}
		vals = append(vals, row)
		var es []plan.Expr
		for k, v := range row {
			es = append(es, &plan.Const{V: v, T: cols[k].T})
		}
		rows = append(rows, es)
	}
	proj := &plan.Project{Input: &plan.Values{Cols: cols, Rows: rows}, Exprs: []plan.Expr{m}, Cols: []plan.Column{{Name: "m", T: types.StringT}}}
	got, err := exec.CollectPlan(context.Background(), proj, &exec.Env{})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range vals {
		want, err := res.Apply(row[0], map[string]types.Value{"dept": row[1], "salary": row[2]})
		if err != nil {
			t.Fatal(err)
		}
		if g := got[i][0]; g.Null != want.Null || g.S != want.S {
			t.Errorf("row %v: exec %v, authz/mask %v", row, g, want)
		}
	}
}

func exprStrings(es []plan.Expr) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.String())
	}
	return strings.Join(parts, ", ")
}

// TestSecureScanReadsAFileColumn: when only partition keys are authorized,
// the secure scan still reads a (hidden) file column, so the row count
// never comes from file metadata (rule 9), before and after pruning.
func TestSecureScanReadsAFileColumn(t *testing.T) {
	f := testCatalog()
	f.answers["sales.events"] = &api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"region"},
		ColumnMasks: []api.ColumnMask{{ColumnName: "region", MaskExpression: "redact", MaskName: "r"}}}
	for _, q := range []string{"SELECT region FROM sales.events", "SELECT count(*) FROM sales.events"} {
		st, err := newTestPlanner(f).Plan(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sc := scanOf(t, st)
		file := ""
		for _, c := range sc.Columns {
			if !c.PartitionKey {
				file = c.Name
			}
		}
		if sc.Secure == nil || file != "id" {
			t.Errorf("%s: scan columns %+v, want the hidden file column id", q, sc.Columns)
		}
		for _, o := range sc.Secure.OutputCols {
			if !sc.Columns[o].PartitionKey {
				t.Errorf("%s: file column %s is an output", q, sc.Columns[o].Name)
			}
		}
	}
}
