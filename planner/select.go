package planner

import (
	"strconv"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/opt"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

func conjunctsOf(e plan.Expr) []plan.Expr { return opt.Conjuncts(e, nil) }

func andAll(es []plan.Expr) plan.Expr { return opt.And(es) }

// shift moves every ColRef of e by d.
func shift(e plan.Expr, d int) plan.Expr { return opt.Remap(e, func(i int) int { return i + d }) }

// planQuery plans a SELECT or UNION whose enclosing scope is parent.
func (b *builder) planQuery(ts sqlparser.TableStatement, parent *scope, lvl *level) plan.Node {
	switch q := ts.(type) {
	case *sqlparser.Select:
		return b.planSelect(q, parent, lvl)
	case *sqlparser.Union:
		return b.planUnion(q, parent, lvl)
	}
	failf(lferr.Unsupported, "query form not supported: %s", sqlparser.String(ts))
	return nil
}

type blockResult struct {
	node plan.Node
	cols []colInfo
	rows float64
}

// planBlock plans an inner-join block (FROM items joined by commas or
// INNER/CROSS JOIN) with its WHERE conjuncts, ordering the joins.
func (b *builder) planBlock(from []sqlparser.TableExpr, parent *scope, lvl *level, where sqlparser.Expr) blockResult {
	bl := &block{}
	for _, te := range from {
		b.flatten(bl, te, parent, lvl)
	}
	seen := map[string]bool{}
	for _, r := range bl.rels {
		if r.qual == "" {
			continue
		}
		if seen[r.db+"."+r.qual] {
			failf(lferr.InvalidInput, "not unique table/alias: '%s'", r.qual)
		}
		seen[r.db+"."+r.qual] = true
	}
	cols := colsOf(bl.rels, 0, len(bl.rels))
	s := &scope{cols: cols, parent: parent, lvl: lvl}
	var conj []plan.Expr
	for _, c := range bl.conds {
		if c.bound != nil {
			conj = append(conj, c.bound)
			continue
		}
		if containsAggregate(c.ast) {
			failf(lferr.InvalidInput, "invalid use of aggregate function in ON clause")
		}
		conj = opt.Conjuncts(toBool(b.expr(s, c.ast)), conj)
	}
	if where != nil {
		if containsAggregate(where) {
			failf(lferr.InvalidInput, "invalid use of aggregate function in WHERE clause")
		}
		conj = opt.Conjuncts(toBool(b.expr(s, where)), conj)
	}
	offs := make([]int, len(bl.rels)+1)
	for i, r := range bl.rels {
		offs[i+1] = offs[i] + len(r.cols)
	}
	rels := make([]opt.Rel, len(bl.rels))
	rows := 1.0
	for i := range bl.rels {
		r := &bl.rels[i]
		rels[i] = opt.Rel{Node: r.node, Rows: r.rows}
		rr := r.rows
		if rr <= 0 {
			rr = opt.UnknownRows
		}
		rows *= rr
	}
	if len(rels) == 0 {
		failf(lferr.SyntaxError, "empty FROM clause")
	}
	return blockResult{node: opt.OrderJoins(rels, conj), cols: cols, rows: rows}
}

// selItem is one select-list entry after * expansion.
type selItem struct {
	ast   sqlparser.Expr // nil for a * column
	col   int            // * column: index in the FROM scope
	name  string
	alias bool
	table string
}

func isDual(from []sqlparser.TableExpr) bool {
	if len(from) != 1 {
		return false
	}
	at, ok := from[0].(*sqlparser.AliasedTableExpr)
	if !ok {
		return false
	}
	tn, ok := at.Expr.(sqlparser.TableName)
	return ok && tn.Qualifier.IsEmpty() && strings.EqualFold(tn.Name.String(), "dual") && at.As.IsEmpty()
}

func (b *builder) planSelect(sel *sqlparser.Select, parent *scope, lvl *level) plan.Node {
	if sel.With != nil {
		failf(lferr.Unsupported, "WITH (common table expressions) is not supported")
	}
	if sel.Into != nil {
		failf(lferr.Unsupported, "SELECT ... INTO is not supported")
	}
	if len(sel.Windows) > 0 {
		failf(lferr.Unsupported, "window functions are not supported")
	}
	var where sqlparser.Expr
	if sel.Where != nil {
		where = sel.Where.Expr
	}
	var base blockResult
	if len(sel.From) == 0 || isDual(sel.From) {
		base.node = &plan.Values{Rows: [][]plan.Expr{{}}}
		if where != nil {
			if containsAggregate(where) {
				failf(lferr.InvalidInput, "invalid use of aggregate function in WHERE clause")
			}
			s := &scope{parent: parent, lvl: lvl}
			base.node = &plan.Filter{Input: base.node, Pred: toBool(b.expr(s, where))}
		}
	} else {
		base = b.planBlock(sel.From, parent, lvl, where)
	}
	fromScope := &scope{cols: base.cols, parent: parent, lvl: lvl}

	// expand the select list
	var items []selItem
	for _, se := range sel.SelectExprs.Exprs {
		switch x := se.(type) {
		case *sqlparser.StarExpr:
			table := strings.ToLower(x.TableName.Name.String())
			db := strings.ToLower(x.TableName.Qualifier.String())
			n := 0
			for i, c := range base.cols {
				if table == "" && c.hidden {
					continue
				}
				if table != "" && (c.table != table || (db != "" && c.db != db)) {
					continue
				}
				items = append(items, selItem{col: i, name: c.display, table: c.table})
				n++
			}
			if table != "" && n == 0 {
				failf(lferr.UnknownTable, "unknown table '%s'", table)
			}
			if table == "" && len(base.cols) == 0 {
				failf(lferr.InvalidInput, "SELECT * with no tables used")
			}
		case *sqlparser.AliasedExpr:
			it := selItem{ast: x.Expr, col: -1}
			if !x.As.IsEmpty() {
				it.name, it.alias = x.As.String(), true
			} else if cn, ok := x.Expr.(*sqlparser.ColName); ok {
				it.name = cn.Name.String()
				it.table = strings.ToLower(cn.Qualifier.Name.String())
			} else {
				it.name = sqlparser.String(x.Expr)
			}
			items = append(items, it)
		default:
			failf(lferr.Unsupported, "select expression not supported: %s", sqlparser.String(se))
		}
	}
	aliases := map[string]sqlparser.Expr{}
	for _, it := range items {
		if it.alias {
			if _, dup := aliases[strings.ToLower(it.name)]; !dup {
				aliases[strings.ToLower(it.name)] = it.ast
			}
		}
	}

	hasAgg := sel.GroupBy != nil && len(sel.GroupBy.Exprs) > 0
	for _, it := range items {
		if it.ast != nil && containsAggregate(it.ast) {
			hasAgg = true
		}
	}
	if sel.Having != nil && sel.Having.Expr != nil && containsAggregate(sel.Having.Expr) {
		hasAgg = true // an aggregate in HAVING groups the whole input
	}
	for _, o := range sel.OrderBy {
		if containsAggregate(o.Expr) {
			hasAgg = true
		}
	}

	node := base.node
	post := fromScope
	var ac *aggCtx
	if hasAgg {
		if sel.GroupBy != nil && sel.GroupBy.WithRollup {
			failf(lferr.Unsupported, "GROUP BY ... WITH ROLLUP is not supported")
		}
		ac = &aggCtx{from: fromScope}
		if sel.GroupBy != nil {
			for _, g := range sel.GroupBy.Exprs {
				g = groupTarget(g, items, fromScope)
				if containsAggregate(g) {
					failf(lferr.InvalidInput, "cannot group on an aggregate: %s", sqlparser.String(g))
				}
				bound := b.expr(fromScope, g)
				ac.groups = append(ac.groups, bound)
				ac.groupAST = append(ac.groupAST, sqlparser.String(g))
				ac.groupKeys = append(ac.groupKeys, exprKey(bound))
			}
		}
		post = &scope{cols: base.cols, parent: parent, lvl: lvl, agg: ac}
	}

	// bind the select list
	exprs := make([]plan.Expr, len(items))
	cols := make([]plan.Column, len(items))
	for i, it := range items {
		var e plan.Expr
		if it.ast == nil {
			c := base.cols[it.col]
			if ac != nil {
				e = ac.column(it.col, c)
			} else {
				e = &plan.ColRef{Idx: it.col, T: c.t, Name: c.display}
			}
		} else {
			e = b.expr(post, it.ast)
			if _, isCol := it.ast.(*sqlparser.ColName); !isCol && e.Type().Kind == types.Bool {
				// MySQL has no boolean values: a computed truth value is 1 or 0
				e = castTo(e, types.Int64T)
			}
		}
		exprs[i] = e
		cols[i] = plan.Column{Name: it.name, Table: it.table, T: e.Type()}
	}

	var having plan.Expr
	if sel.Having != nil && sel.Having.Expr != nil {
		hs := &scope{cols: post.cols, parent: parent, lvl: lvl, agg: ac, aliases: aliases}
		having = toBool(b.expr(hs, sel.Having.Expr))
	}

	// ORDER BY: select columns where possible, hidden columns otherwise
	nvis := len(exprs)
	var keys []plan.SortKey
	if len(sel.OrderBy) > 0 {
		keyIdx := make([]string, len(exprs))
		for i, e := range exprs {
			keyIdx[i] = exprKey(e)
		}
		os := &scope{cols: post.cols, parent: parent, lvl: lvl, agg: ac, aliases: aliases}
		for _, o := range sel.OrderBy {
			idx := orderTarget(o.Expr, items, len(items))
			if idx < 0 {
				e := b.expr(os, o.Expr)
				if _, isCol := o.Expr.(*sqlparser.ColName); !isCol && e.Type().Kind == types.Bool {
					e = castTo(e, types.Int64T) // as the select list shows it
				}
				k := exprKey(e)
				for i := range keyIdx {
					if keyIdx[i] == k {
						idx = i
						break
					}
				}
				if idx < 0 {
					if sel.Distinct {
						failf(lferr.InvalidInput, "ORDER BY expression %s is not in the select list, which DISTINCT requires", sqlparser.String(o.Expr))
					}
					idx = len(exprs)
					exprs = append(exprs, e)
					cols = append(cols, plan.Column{Name: sqlparser.String(o.Expr), T: e.Type()})
					keyIdx = append(keyIdx, k)
				}
			}
			keys = append(keys, plan.SortKey{
				Expr: &plan.ColRef{Idx: idx, T: cols[idx].T, Name: cols[idx].Name},
				Desc: o.Direction == sqlparser.DescOrder,
			})
		}
	}

	if ac != nil {
		aggCols := make([]plan.Column, 0, len(ac.groups)+len(ac.aggs))
		for i, g := range ac.groups {
			aggCols = append(aggCols, plan.Column{Name: ac.groupAST[i], T: g.Type()})
		}
		for _, a := range ac.aggs {
			aggCols = append(aggCols, plan.Column{Name: a.String(), T: a.T})
		}
		node = &plan.Aggregate{Input: node, GroupBy: ac.groups, Aggs: ac.aggs, Cols: aggCols}
	}
	if having != nil {
		node = &plan.Filter{Input: node, Pred: having}
	}
	node = &plan.Project{Input: node, Exprs: exprs, Cols: cols}
	if sel.Distinct {
		node = &plan.Distinct{Input: node}
	}
	if len(keys) > 0 {
		node = &plan.Sort{Input: node, Keys: keys}
	}
	node = b.limit(node, sel.Limit)
	if len(exprs) > nvis {
		strip := make([]plan.Expr, nvis)
		for i := range strip {
			strip[i] = &plan.ColRef{Idx: i, T: cols[i].T, Name: cols[i].Name}
		}
		node = &plan.Project{Input: node, Exprs: strip, Cols: cols[:nvis]}
	}
	return node
}

// groupTarget resolves GROUP BY ordinals and select aliases (MySQL looks a
// name up as a column first, then as an alias).
func groupTarget(g sqlparser.Expr, items []selItem, from *scope) sqlparser.Expr {
	if l, ok := g.(*sqlparser.Literal); ok && l.Type == sqlparser.IntVal {
		n, err := strconv.Atoi(l.Val)
		if err != nil || n < 1 || n > len(items) {
			failf(lferr.UnknownColumn, "unknown column '%s' in 'group statement'", l.Val)
		}
		it := items[n-1]
		if it.ast == nil {
			c := from.cols[it.col]
			return &sqlparser.ColName{Name: sqlparser.NewIdentifierCI(c.name), Qualifier: sqlparser.TableName{Name: sqlparser.NewIdentifierCS(c.table)}}
		}
		return it.ast
	}
	if cn, ok := g.(*sqlparser.ColName); ok && cn.Qualifier.IsEmpty() {
		if _, found := from.lookup("", "", cn.Name.Lowered()); !found {
			for _, it := range items {
				if it.alias && strings.EqualFold(it.name, cn.Name.String()) {
					return it.ast
				}
			}
		}
	}
	return g
}

// orderTarget returns the select column an ORDER BY item names by ordinal
// or alias, or -1.
func orderTarget(e sqlparser.Expr, items []selItem, n int) int {
	if l, ok := e.(*sqlparser.Literal); ok && l.Type == sqlparser.IntVal {
		k, err := strconv.Atoi(l.Val)
		if err != nil || k < 1 || k > n {
			failf(lferr.UnknownColumn, "unknown column '%s' in 'order clause'", l.Val)
		}
		return k - 1
	}
	if cn, ok := e.(*sqlparser.ColName); ok && cn.Qualifier.IsEmpty() {
		for i, it := range items {
			if it.alias && strings.EqualFold(it.name, cn.Name.String()) {
				return i
			}
		}
	}
	return -1
}

func (b *builder) limit(n plan.Node, l *sqlparser.Limit) plan.Node {
	if l == nil || (l.Rowcount == nil && l.Offset == nil) {
		return n
	}
	count, offset := int64(-1), int64(0)
	if l.Rowcount != nil {
		count = limitValue(l.Rowcount)
	}
	if l.Offset != nil {
		offset = limitValue(l.Offset)
	}
	return &plan.Limit{Input: n, Offset: offset, Count: count}
}

func limitValue(e sqlparser.Expr) int64 {
	l, ok := e.(*sqlparser.Literal)
	if !ok || l.Type != sqlparser.IntVal {
		failf(lferr.InvalidInput, "LIMIT and OFFSET take non-negative integer constants, not %s", sqlparser.String(e))
	}
	v, err := strconv.ParseInt(l.Val, 10, 64)
	if err != nil || v < 0 {
		failf(lferr.InvalidInput, "LIMIT value %s is out of range", l.Val)
	}
	return v
}

func (b *builder) planUnion(u *sqlparser.Union, parent *scope, lvl *level) plan.Node {
	if u.With != nil {
		failf(lferr.Unsupported, "WITH (common table expressions) is not supported")
	}
	if u.Into != nil {
		failf(lferr.Unsupported, "UNION ... INTO is not supported")
	}
	all := !u.Distinct
	var inputs []plan.Node
	var collect func(ts sqlparser.TableStatement)
	collect = func(ts sqlparser.TableStatement) {
		if x, ok := ts.(*sqlparser.Union); ok && x.Distinct == u.Distinct && len(x.OrderBy) == 0 && x.Limit == nil && x.With == nil {
			collect(x.Left)
			collect(x.Right)
			return
		}
		inputs = append(inputs, b.planQuery(ts, parent, lvl))
	}
	// Only the left spine flattens: a UNION b UNION ALL c is (a UNION b) UNION ALL c.
	if x, ok := u.Left.(*sqlparser.Union); ok && x.Distinct == u.Distinct && len(x.OrderBy) == 0 && x.Limit == nil {
		collect(x)
	} else {
		inputs = append(inputs, b.planQuery(u.Left, parent, lvl))
	}
	inputs = append(inputs, b.planQuery(u.Right, parent, lvl))

	first := inputs[0].Schema()
	ts := make([]types.T, len(first))
	for i := range ts {
		ts[i] = types.NullT
	}
	for _, in := range inputs {
		sch := in.Schema()
		if len(sch) != len(first) {
			failf(lferr.InvalidInput, "the SELECT statements of a UNION have different numbers of columns (%d and %d)", len(first), len(sch))
		}
		for i, c := range sch {
			ts[i] = unify2(ts[i], c.T)
		}
	}
	for i := range ts {
		ts[i] = nonNull(ts[i])
	}
	for i, in := range inputs {
		inputs[i] = castNode(in, ts)
	}
	// name the result after the first input
	var node plan.Node = &plan.Union{Inputs: inputs, All: all}
	return b.orderSetResult(node, u.OrderBy, u.Limit, parent, lvl)
}

// orderSetResult applies ORDER BY / LIMIT to the result of a set
// operation: names refer to the output columns (of the first input).
func (b *builder) orderSetResult(node plan.Node, orderBy sqlparser.OrderBy, lim *sqlparser.Limit, parent *scope, lvl *level) plan.Node {
	sch := node.Schema()
	if len(orderBy) > 0 {
		cols := make([]colInfo, len(sch))
		items := make([]selItem, len(sch))
		for i, c := range sch {
			cols[i] = colInfo{name: strings.ToLower(c.Name), display: c.Name, t: c.T}
			items[i] = selItem{name: c.Name, alias: true, col: i}
		}
		s := &scope{cols: cols, parent: parent, lvl: lvl}
		var keys []plan.SortKey
		for _, o := range orderBy {
			var e plan.Expr
			if idx := orderTarget(o.Expr, items, len(items)); idx >= 0 {
				e = &plan.ColRef{Idx: idx, T: sch[idx].T, Name: sch[idx].Name}
			} else {
				e = b.expr(s, unqualify(o.Expr))
			}
			keys = append(keys, plan.SortKey{Expr: e, Desc: o.Direction == sqlparser.DescOrder})
		}
		node = &plan.Sort{Input: node, Keys: keys}
	}
	return b.limit(node, lim)
}

// unqualify drops table qualifiers: the result of a UNION has none, but
// MySQL accepts ORDER BY t.a when a names a result column.
func unqualify(e sqlparser.Expr) sqlparser.Expr {
	if cn, ok := e.(*sqlparser.ColName); ok && !cn.Qualifier.IsEmpty() {
		return &sqlparser.ColName{Name: cn.Name}
	}
	return e
}
