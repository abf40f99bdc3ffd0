package planner

// secure.go owns the secure scan's planning (VISION enforcement rules
// 6–10): a GetUnfilteredTableMetadata answer with a RowFilter, CellFilters
// or ColumnMasks becomes a plan.SecureScan. Row and cell filters are
// parsed strictly and bound with authz/rowfilter, then translated to plan
// expressions with the same three-valued meaning; masks are compiled with
// authz/mask and specialized for Planner.Principal, lowered to exec's
// built-in kernels or to its per-row CEL fallback (mask_cel). Columns the
// policies read but the caller may not see are scanned, never output.
// Anything that cannot be enforced fails the query, without quoting the
// policy.

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/planner/opt"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// securePlan is one table's policy for the session, compiled once per
// statement for plan.SecureScan (VISION rules 6–10). Scans copy it.
type securePlan struct {
	// cols are the scan's columns: the authorized columns plus the hidden
	// columns policies read, in table order (data columns, then partition
	// keys), because exec maps partition values to partition-key columns
	// by position when the scan reads all of them.
	cols []plan.ScanColumn
	// sec indexes cols; sec.OutputCols lists the authorized columns in
	// table order (what the caller can name, rule 8).
	sec plan.SecureScan
	// prune are the row filter's conjuncts that statistics can decide:
	// the row filter reads original values, so row groups (and
	// partitions) it rules out hold no visible row (rule 9).
	prune []plan.Expr
}

// hasPolicy reports whether a metadata answer restricts rows, cells or
// values (column restrictions alone need no secure scan: unauthorized
// columns are simply not planned).
func hasPolicy(out *api.GetUnfilteredTableMetadataOutput) bool {
	if strings.TrimSpace(out.RowFilter) != "" && !isTrueFilter(out.RowFilter) {
		return true
	}
	for _, cf := range out.CellFilters {
		if !isTrueFilter(cf.RowFilterExpression) {
			return true
		}
	}
	return len(out.ColumnMasks) > 0
}

// checkCellCoverage enforces rule 6 on the shape of CellFilters: when it
// is non-empty, every authorized column has exactly one expression and no
// entry names anything else. A server that leaves a column out may mean
// "unrestricted" or may have lost a restriction; the engine cannot tell,
// so the query fails.
func checkCellCoverage(full string, authorized []string, cfs []api.ColumnRowFilter) error {
	if len(cfs) == 0 {
		return nil
	}
	auth := make(map[string]bool, len(authorized))
	for _, c := range authorized {
		auth[strings.ToLower(c)] = true
	}
	seen := make(map[string]string, len(cfs))
	for _, cf := range cfs {
		k := strings.ToLower(cf.ColumnName)
		if !auth[k] {
			// Not named: it may be a column the caller cannot see.
			return lferr.New(lferr.AccessDenied, "the cell filters of %s name a column that is not among the authorized columns; the query fails", full)
		}
		if prev, dup := seen[k]; dup && prev != cf.RowFilterExpression {
			return lferr.New(lferr.AccessDenied, "the cell filters of %s give column %s two different expressions; the query fails", full, cf.ColumnName)
		}
		seen[k] = cf.RowFilterExpression
	}
	for _, c := range authorized {
		if _, ok := seen[strings.ToLower(c)]; !ok {
			return lferr.New(lferr.AccessDenied, "the cell filters of %s have no entry for authorized column %s; the query fails rather than show it unfiltered (rule 6)", full, c)
		}
	}
	return nil
}

// conjuncts lists e's top-level AND terms (e itself when not an AND).
func conjuncts(e rowfilter.Expr) []rowfilter.Expr {
	if a, ok := e.(*rowfilter.And); ok {
		return a.Terms
	}
	return []rowfilter.Expr{e}
}

// absorb simplifies A OR (A AND B) to A, which the OR of several grants'
// filters often is (a rows-only filter plus a narrower cell filter). The
// identity holds in three-valued logic too: with A NULL both sides are
// NULL or FALSE together.
func absorb(e rowfilter.Expr) rowfilter.Expr {
	or, ok := e.(*rowfilter.Or)
	if !ok {
		return e
	}
	texts := make(map[string]bool, len(or.Terms))
	for _, t := range or.Terms {
		texts[rowfilter.String(t)] = true
	}
	var keep []rowfilter.Expr
	for _, t := range or.Terms {
		a, isAnd := t.(*rowfilter.And)
		absorbed := false
		if isAnd {
			for _, x := range a.Terms {
				if texts[rowfilter.String(x)] {
					absorbed = true
					break
				}
			}
		}
		if !absorbed {
			keep = append(keep, t)
		}
	}
	return rowfilter.OrOf(keep...)
}

// withoutConjuncts is guard g on the rows where rows holds: g's AND terms
// that are also rows' AND terms are TRUE there and dropped. nil means no
// guard is needed.
func withoutConjuncts(g, rows rowfilter.Expr) rowfilter.Expr {
	if rowfilter.IsTrue(g) {
		return nil
	}
	if rows == nil {
		return g
	}
	known := map[string]bool{}
	for _, t := range conjuncts(rows) {
		known[rowfilter.String(t)] = true
	}
	if known[rowfilter.String(g)] {
		return nil
	}
	var left []rowfilter.Expr
	for _, t := range conjuncts(g) {
		if !known[rowfilter.String(t)] {
			left = append(left, t)
		}
	}
	out := rowfilter.AndOf(left...)
	if rowfilter.IsTrue(out) {
		return nil
	}
	return out
}

// tableCol is one column of the table as the policies see it.
type tableCol struct {
	name string
	t    types.T
	tErr error // the Glue type does not map to a sluice type
	pk   bool
	auth bool
}

// planSecure compiles the policy of a metadata answer for principal p.
// authorized are the caller's columns as bindMetadata derived them (table
// order). It returns nil when the answer carries no row, cell or mask
// policy. Errors never quote a policy expression or name a column the
// caller may not see: the expressions are for administrators only (rule
// 10) and hidden columns do not exist for the caller (rule 8).
func planSecure(full string, t *api.Table, authorized []plan.ScanColumn, out *api.GetUnfilteredTableMetadataOutput, p mask.Principal) (*securePlan, error) {
	names := make([]string, len(authorized))
	for i, c := range authorized {
		names[i] = c.Name
	}
	if err := checkCellCoverage(full, names, out.CellFilters); err != nil {
		return nil, err
	}
	if !hasPolicy(out) {
		return nil, nil
	}
	var glueCols []api.Column
	if t.StorageDescriptor != nil {
		glueCols = t.StorageDescriptor.Columns
	}
	auth := make(map[string]bool, len(authorized))
	for _, c := range authorized {
		auth[strings.ToLower(c.Name)] = true
	}
	var all []tableCol
	add := func(c api.Column, pk bool) {
		ty, err := types.ParseGlue(c.Type)
		all = append(all, tableCol{name: c.Name, t: ty, tErr: err, pk: pk, auth: auth[strings.ToLower(c.Name)]})
	}
	for _, c := range glueCols {
		add(c, false)
	}
	for _, c := range t.PartitionKeys {
		add(c, true)
	}
	schema := rowfilter.SchemaFromGlue(glueCols, t.PartitionKeys)
	parse := func(text, what string) (rowfilter.Expr, error) {
		e, err := rowfilter.Parse(text)
		if err == nil {
			e, err = rowfilter.Bind(e, schema)
		}
		if err != nil {
			// Rule 6: outside the grammar (or not type-correct against the
			// table) means unenforceable; the detail would quote the policy.
			return nil, lferr.New(lferr.AccessDenied, "the %s of %s is not an expression this engine can enforce; the query fails rather than return unfiltered data", what, full)
		}
		return e, nil
	}

	// Cell filters: exactly one entry per authorized column (rule 6).
	cells := make(map[string]rowfilter.Expr, len(out.CellFilters))
	cellText := make(map[string]string, len(out.CellFilters))
	for _, cf := range out.CellFilters {
		k := strings.ToLower(cf.ColumnName)
		if _, dup := cellText[k]; dup {
			continue // identical (checkCellCoverage)
		}
		e, err := parse(cf.RowFilterExpression, "cell filter on column "+cf.ColumnName)
		if err != nil {
			return nil, err
		}
		cells[k], cellText[k] = e, cf.RowFilterExpression
	}

	// Rows: RowFilter, or for servers that predate it the OR of every cell
	// expression (spec §6.4; with one entry per authorized column that is
	// the same predicate).
	var rows rowfilter.Expr
	if strings.TrimSpace(out.RowFilter) != "" {
		e, err := parse(out.RowFilter, "row filter")
		if err != nil {
			return nil, err
		}
		rows = e
	} else if len(cells) > 0 {
		terms := make([]rowfilter.Expr, 0, len(authorized))
		for _, c := range authorized {
			terms = append(terms, cells[strings.ToLower(c.Name)])
		}
		rows = rowfilter.OrOf(terms...)
	}
	if rows != nil {
		rows = absorb(rows)
	}
	if rows != nil && rowfilter.IsTrue(rows) {
		rows = nil
	}

	// Guards run only on rows that passed the row filter, where each of
	// its conjuncts is TRUE: those conjuncts can be dropped from a guard
	// (TRUE AND x is x), and a guard left with none is no guard. The
	// common single-filter case costs nothing per column.
	guards := make(map[string]rowfilter.Expr)
	for k, e := range cells {
		if g := withoutConjuncts(e, rows); g != nil {
			guards[k] = g
		}
	}

	// The columns the policies read; hidden ones join the scan unseen.
	need := map[string]bool{}
	var refErr error
	collect := func(e rowfilter.Expr) {
		for _, c := range rowfilter.Columns(e) {
			if len(c.Path) != 1 {
				refErr = lferr.New(lferr.AccessDenied, "a row or cell filter of %s reads a nested field, which this engine cannot enforce; the query fails", full)
				continue
			}
			need[c.Path[0].Name] = true
		}
	}
	if rows != nil {
		collect(rows)
	}
	for _, e := range guards {
		collect(e)
	}
	if refErr != nil {
		return nil, refErr
	}

	// Masks, specialized for the principal.
	type colMask struct {
		name string
		text string
		res  *mask.Residual
		refs []string // other columns a CEL fallback reads
	}
	masks := map[string]colMask{}
	if len(out.ColumnMasks) > 0 {
		maskSchema := make(map[string]types.T, len(all))
		for _, c := range all {
			if c.tErr == nil {
				maskSchema[c.name] = c.t
			}
		}
		for _, m := range out.ColumnMasks {
			k := strings.ToLower(m.ColumnName)
			if !auth[k] {
				return nil, lferr.New(lferr.AccessDenied, "a column mask of %s names a column that is not among the authorized columns; the query fails", full)
			}
			if _, dup := masks[k]; dup {
				return nil, lferr.New(lferr.AccessDenied, "column %s of %s has two masks; the query fails", m.ColumnName, full)
			}
			label := maskLabel(m)
			var ct types.T
			for _, c := range all {
				if strings.EqualFold(c.name, m.ColumnName) {
					ct = c.t
				}
			}
			cm, err := mask.Compile(m.MaskExpression, ct, maskSchema)
			if err != nil {
				return nil, lferr.New(lferr.AccessDenied, "%s on column %s of %s does not compile; the query fails rather than return unmasked values", label, m.ColumnName, full)
			}
			// Specializing a mask that reads principal for an unknown
			// principal could pick its unmasked branch: fail closed.
			if p.ARN == "" && strings.Contains(cm.Source(), "principal") {
				return nil, lferr.New(lferr.AccessDenied, "%s on column %s of %s depends on the principal, and the session's principal is unknown to the planner; the query fails rather than return unmasked values", label, m.ColumnName, full)
			}
			res, err := cm.Residual(p)
			if err != nil {
				return nil, lferr.New(lferr.AccessDenied, "%s on column %s of %s cannot be evaluated for this principal (does it read a session tag the session lacks?); the query fails rather than return unmasked values", label, m.ColumnName, full)
			}
			cmk := colMask{name: label, text: m.MaskExpression, res: res}
			if res.Class == mask.Fallback {
				// The per-row fallback reads other columns of the row
				// (after NULLing): they join the scan, hidden if need be.
				cmk.refs = cm.Columns()
				for _, r := range cmk.refs {
					need[r] = true
				}
			}
			masks[k] = cmk
		}
	}

	// exec never counts rows from file metadata under a policy (rule 9): a
	// scan whose columns would all be partition keys also reads the first
	// readable file column, hidden.
	hasFile := false
	for _, c := range all {
		hasFile = hasFile || (!c.pk && c.tErr == nil && (c.auth || need[c.name]))
	}
	if !hasFile {
		for _, c := range all {
			if !c.pk && c.tErr == nil {
				need[c.name] = true
				break
			}
		}
	}

	// Scan columns in table order.
	sp := &securePlan{}
	idx := map[string]int{}
	for _, c := range all {
		if !c.auth && !need[c.name] {
			continue
		}
		if c.tErr != nil {
			if c.auth {
				return nil, lferr.Wrap(lferr.InvalidInput, c.tErr, "table %s column %s: %v", full, c.name, c.tErr)
			}
			return nil, lferr.New(lferr.AccessDenied, "a row or cell filter of %s reads a column of a type this engine cannot read; the query fails", full)
		}
		idx[c.name] = len(sp.cols)
		if c.auth {
			sp.sec.OutputCols = append(sp.sec.OutputCols, len(sp.cols))
		}
		sp.cols = append(sp.cols, plan.ScanColumn{Name: c.name, T: c.t, PartitionKey: c.pk})
	}
	if len(sp.sec.OutputCols) != len(authorized) {
		return nil, lferr.AssertionFailedf("secure scan of %s: %d authorized columns planned for %d", full, len(sp.sec.OutputCols), len(authorized))
	}
	tr := filterTranslator{idx: idx, cols: sp.cols}
	if rows != nil {
		e, err := tr.expr(rows)
		if err != nil {
			return nil, err
		}
		sp.sec.RowFilter = e
		sp.sec.Policies = append(sp.sec.Policies, "row filter")

	}
	var guarded []string
	var maskNotes []string
	for _, oc := range sp.sec.OutputCols {
		c := sp.cols[oc]
		k := strings.ToLower(c.Name)
		if g, ok := guards[k]; ok {
			e, err := tr.expr(g)
			if err != nil {
				return nil, err
			}
			if sp.sec.CellGuards == nil {
				sp.sec.CellGuards = make([]plan.Expr, len(sp.cols))
			}
			sp.sec.CellGuards[oc] = e
			guarded = append(guarded, c.Name)
		}
		if m, ok := masks[k]; ok {
			value := &plan.ColRef{Idx: oc, T: c.T, Name: c.Name}
			var e plan.Expr
			var err error
			if m.res.Class == mask.Fallback {
				e, err = celMask(m.text, p, value, m.refs, idx, sp.cols)
			} else {
				e, err = builtinMask(m.res, value, c.T)
			}
			if err != nil {
				return nil, lferr.Wrap(lferr.Unsupported, err, "%s on column %s of %s: %s; the query fails rather than return unmasked values", m.name, c.Name, full, lferr.MessageOf(err))
			}
			how := "identity"
			if e != nil {
				if sp.sec.Masks == nil {
					sp.sec.Masks = make([]plan.Expr, len(sp.cols))
				}
				sp.sec.Masks[oc] = e
				how = "builtin " + m.res.Builtin.Kind.String()
				if m.res.Class == mask.Fallback {
					how = "CEL fallback"
				}
			}
			maskNotes = append(maskNotes, m.name+" on "+c.Name+" ("+how+")")
		}
	}
	if len(guarded) > 0 {
		sp.sec.Policies = append(sp.sec.Policies, "cell filter on "+strings.Join(guarded, ", "))
	}
	if sp.sec.RowFilter != nil {
		// Statistics describe original values, and so does the row
		// filter; still, no conjunct on a guarded or masked column becomes
		// a prune filter (exec would drop it: rule 9 keeps that simple).
		conj := []plan.Expr{sp.sec.RowFilter}
		if f, ok := sp.sec.RowFilter.(*plan.Func); ok && f.Name == "and" {
			conj = f.Args
		}
		for _, c := range conj {
			if !opt.Prunable(c) {
				continue
			}
			ok := true
			for _, i := range opt.Use(c).Cols {
				if (i < len(sp.sec.CellGuards) && sp.sec.CellGuards[i] != nil) || (i < len(sp.sec.Masks) && sp.sec.Masks[i] != nil) {
					ok = false
				}
			}
			if ok {
				sp.prune = append(sp.prune, c)
			}
		}
	}
	sp.sec.Policies = append(sp.sec.Policies, maskNotes...)
	return sp, nil
}

// maskLabel names a mask for messages and EXPLAIN: its policy name when
// the server gave one (never its expression).
func maskLabel(m api.ColumnMask) string {
	if m.MaskName != "" {
		return "mask " + m.MaskName
	}
	return "mask"
}

// scan returns a fresh plan.Scan for the table under this policy.
func (sp *securePlan) scan(sc *plan.Scan) {
	sc.Columns = append([]plan.ScanColumn(nil), sp.cols...)
	sec := sp.sec
	sec.CellGuards = append([]plan.Expr(nil), sp.sec.CellGuards...)
	sec.Masks = append([]plan.Expr(nil), sp.sec.Masks...)
	sec.OutputCols = append([]int(nil), sp.sec.OutputCols...)
	sec.Policies = append([]string(nil), sp.sec.Policies...)
	sc.Secure = &sec
	sc.PruneFilters = append([]plan.Expr(nil), sp.prune...)
}

// celMask is the per-row CEL fallback of a mask (exec's mask_cel): the
// mask text, the principal it is specialized for, and the other columns
// it reads as name/value pairs, so exec can rebuild the same residual.
func celMask(text string, p mask.Principal, value *plan.ColRef, refs []string, idx map[string]int, cols []plan.ScanColumn) (plan.Expr, error) {
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "encoding the principal: %v", err)
	}
	str := func(s string) *plan.Const { return &plan.Const{V: types.NewString(s), T: types.StringT} }
	args := []plan.Expr{value, str(text), str(string(pj))}
	for _, r := range refs {
		i, ok := idx[r]
		if !ok {
			return nil, lferr.AssertionFailedf("mask column not planned in the secure scan")
		}
		args = append(args, str(r), &plan.ColRef{Idx: i, T: cols[i].T, Name: cols[i].Name})
	}
	return &plan.Func{Name: "mask_cel", Args: args, T: value.T}, nil
}

// builtinMask lowers a built-in residual over value to an exec kernel; nil
// means no mask (identity). NULL in, NULL out, as authz/mask defines.
func builtinMask(r *mask.Residual, value *plan.ColRef, t types.T) (plan.Expr, error) {
	switch r.Class {
	case mask.Identity:
		return nil, nil
	case mask.BuiltinClass:
	default:
		return nil, lferr.New(lferr.Unsupported, "per-row CEL masks are not supported")
	}
	b := r.Builtin
	null := &plan.Const{V: types.Value{Kind: t.Kind, Null: true}, T: t}
	str := func(name string, args ...plan.Expr) (plan.Expr, error) {
		if t.Kind != types.String {
			return nil, lferr.New(lferr.TypeError, "built-in %s needs a VARCHAR column, not %s", b.Kind, t)
		}
		return &plan.Func{Name: name, Args: append([]plan.Expr{value}, args...), T: types.StringT}, nil
	}
	intArg := func() (plan.Expr, error) {
		if len(b.Args) != 1 || b.Args[0].Null || b.Args[0].Kind != types.Int64 || b.Args[0].I < 0 {
			return nil, lferr.New(lferr.InvalidInput, "built-in %s needs one non-negative length", b.Kind)
		}
		return &plan.Const{V: b.Args[0], T: types.Int64T}, nil
	}
	constant := func(v types.Value) (plan.Expr, error) {
		if v.Null {
			return null, nil
		}
		if v.Kind != t.Kind {
			return nil, lferr.New(lferr.TypeError, "built-in %s gives a %s value for a %s column", b.Kind, v.Kind, t)
		}
		// NULL cells stay NULL: the mask never turns a hidden cell into a
		// value.
		return &plan.Case{Whens: []plan.When{{Cond: &plan.Func{Name: "is_null", Args: []plan.Expr{value}, T: types.BoolT}, Then: null}},
			Else: &plan.Const{V: v, T: t}, T: t}, nil
	}
	switch b.Kind {
	case mask.KindNull:
		return null, nil
	case mask.KindDefault:
		return constant(mask.Default(t))
	case mask.KindConstant:
		if len(b.Args) != 1 {
			return nil, lferr.New(lferr.InvalidInput, "built-in constant without a value")
		}
		return constant(b.Args[0])
	case mask.KindRedact:
		return str("mask_redact")
	case mask.KindSHA256:
		return str("mask_sha256")
	case mask.KindShowFirst, mask.KindShowLast:
		n, err := intArg()
		if err != nil {
			return nil, err
		}
		name := "mask_show_first"
		if b.Kind == mask.KindShowLast {
			name = "mask_show_last"
		}
		return str(name, n)
	case mask.KindTruncateDate:
		if t.Kind != types.Date && t.Kind != types.Timestamp {
			return nil, lferr.New(lferr.TypeError, "built-in truncate_date needs a DATE or TIMESTAMP column, not %s", t)
		}
		if len(b.Args) != 1 || b.Args[0].Kind != types.String || (b.Args[0].S != "year" && b.Args[0].S != "month") {
			return nil, lferr.New(lferr.InvalidInput, "built-in truncate_date needs the unit year or month")
		}
		return &plan.Func{Name: "date_trunc", Args: []plan.Expr{&plan.Const{V: b.Args[0], T: types.StringT}, value}, T: t}, nil
	}
	return nil, lferr.New(lferr.Unsupported, "built-in mask %s has no kernel", b.Kind)
}

// filterTranslator turns a bound row-filter AST into a plan expression
// over the scan columns with the same three-valued meaning: every leaf is
// NULL on a NULL cell (exec's comparisons, IN, BETWEEN and LIKE are),
// AND/OR/NOT are SQL's, strings compare as binary strings on both sides,
// and LIKE patterns are re-spelled in exec's escape convention.
type filterTranslator struct {
	idx  map[string]int
	cols []plan.ScanColumn
}

func (tr *filterTranslator) col(c rowfilter.Column) (*plan.ColRef, error) {
	if len(c.Path) != 1 {
		return nil, lferr.New(lferr.AccessDenied, "a row or cell filter reads a nested field, which this engine cannot enforce")
	}
	i, ok := tr.idx[c.Path[0].Name]
	if !ok {
		return nil, lferr.AssertionFailedf("row filter column not planned in the secure scan")
	}
	return &plan.ColRef{Idx: i, T: tr.cols[i].T, Name: tr.cols[i].Name}, nil
}

func (tr *filterTranslator) lit(v types.Value, t types.T) (*plan.Const, error) {
	if v.Null {
		return nil, lferr.AssertionFailedf("row filter literal is NULL")
	}
	if v.Kind != t.Kind {
		return nil, lferr.AssertionFailedf("row filter literal of kind %s for a %s column", v.Kind, t)
	}
	return &plan.Const{V: v, T: t}, nil
}

func boolFn(name string, args ...plan.Expr) *plan.Func {
	return &plan.Func{Name: name, Args: args, T: types.BoolT}
}

var cmpFuncs = [...]string{rowfilter.Eq: "=", rowfilter.Ne: "<>", rowfilter.Lt: "<", rowfilter.Le: "<=", rowfilter.Gt: ">", rowfilter.Ge: ">="}

func (tr *filterTranslator) expr(e rowfilter.Expr) (plan.Expr, error) {
	switch n := e.(type) {
	case *rowfilter.Bool:
		return &plan.Const{V: types.NewBool(n.Value), T: types.BoolT}, nil
	case *rowfilter.Not:
		x, err := tr.expr(n.X)
		if err != nil {
			return nil, err
		}
		return boolFn("not", x), nil
	case *rowfilter.And:
		return tr.nary("and", n.Terms)
	case *rowfilter.Or:
		return tr.nary("or", n.Terms)
	case *rowfilter.Compare:
		c, err := tr.col(n.Col)
		if err != nil {
			return nil, err
		}
		if int(n.Op) >= len(cmpFuncs) {
			return nil, lferr.AssertionFailedf("row filter operator %d", n.Op)
		}
		k, err := tr.lit(n.Lit, c.T)
		if err != nil {
			return nil, err
		}
		return boolFn(cmpFuncs[n.Op], c, k), nil
	case *rowfilter.In:
		c, err := tr.col(n.Col)
		if err != nil {
			return nil, err
		}
		list := make([]plan.Expr, len(n.List))
		for i, v := range n.List {
			if list[i], err = tr.lit(v, c.T); err != nil {
				return nil, err
			}
		}
		return &plan.InList{Arg: c, List: list, Not: n.Negated}, nil
	case *rowfilter.Between:
		c, err := tr.col(n.Col)
		if err != nil {
			return nil, err
		}
		lo, err := tr.lit(n.Lo, c.T)
		if err != nil {
			return nil, err
		}
		hi, err := tr.lit(n.Hi, c.T)
		if err != nil {
			return nil, err
		}
		// NOT BETWEEN as NOT(BETWEEN): exec's not_between is false on NaN,
		// where the reference (and NOT of a false BETWEEN) is true.
		bt := boolFn("between", c, lo, hi)
		if n.Negated {
			return boolFn("not", bt), nil
		}
		return bt, nil
	case *rowfilter.Like:
		c, err := tr.col(n.Col)
		if err != nil {
			return nil, err
		}
		if c.T.Kind != types.String {
			return nil, lferr.AssertionFailedf("LIKE on a %s column", c.T)
		}
		name := "like"
		if n.Negated {
			name = "not_like"
		}
		pat := &plan.Const{V: types.NewString(execLikePattern(n.Pattern, n.Escape)), T: types.StringT}
		esc := &plan.Const{V: types.NewString(`\`), T: types.StringT}
		return boolFn(name, c, pat, esc), nil
	case *rowfilter.IsNull:
		c, err := tr.col(n.Col)
		if err != nil {
			return nil, err
		}
		if n.Negated {
			return boolFn("is_not_null", c), nil
		}
		return boolFn("is_null", c), nil
	}
	return nil, lferr.AssertionFailedf("row filter node %T", e)
}

func (tr *filterTranslator) nary(name string, terms []rowfilter.Expr) (plan.Expr, error) {
	if len(terms) == 0 {
		return nil, lferr.AssertionFailedf("empty %s in a row filter", name)
	}
	args := make([]plan.Expr, len(terms))
	for i, t := range terms {
		var err error
		if args[i], err = tr.expr(t); err != nil {
			return nil, err
		}
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return boolFn(name, args...), nil
}

// execLikePattern re-spells a row-filter LIKE pattern (escape character
// esc, 0 for none, any code point) in exec's convention: '\' escapes the
// next byte. Every literal '%', '_' and '\' is escaped; the wildcards stay.
// Bytes are copied as they are, so the pattern matches the same strings.
func execLikePattern(p string, esc rune) string {
	var b strings.Builder
	b.Grow(len(p) + 4)
	lit := func(s string) {
		if s == "%" || s == "_" || s == `\` {
			b.WriteByte('\\')
		}
		b.WriteString(s)
	}
	for i := 0; i < len(p); {
		r, w := utf8.DecodeRuneInString(p[i:])
		if esc != 0 && r == esc && i+w < len(p) {
			_, w2 := utf8.DecodeRuneInString(p[i+w:])
			lit(p[i+w : i+w+w2])
			i += w + w2
			continue
		}
		switch r {
		case '%', '_':
			b.WriteRune(r)
		default:
			lit(p[i : i+w])
		}
		i += w
	}
	return b.String()
}
